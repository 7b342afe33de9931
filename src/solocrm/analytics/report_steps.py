"""The steps of :func:`solocrm.analytics.report.analyze_transactions`, one function each.

Every step reads the per-customer summary (or the purchase-day log) and writes its
block into ``run.summary``: the fitted figures, or ``{"fitted": false, "reason": ...}``
when the data cannot support it. See the report module for the order and the rules.
"""

from __future__ import annotations

import itertools
import math
import resource
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from solocrm.analytics.bgnbd import BetaGeoFitter
from solocrm.analytics.churn import ChurnModel
from solocrm.analytics.clv import customer_lifetime_value
from solocrm.analytics.formulas import value_score, value_tiers
from solocrm.analytics.gamma_gamma import GammaGammaFitter
from solocrm.analytics.lifecycle import STAGE_LABELS, lifecycle_stage
from solocrm.analytics.rfm import SEGMENT_LABELS, fm_score, rfm_scores, rfm_segment
from solocrm.analytics.segmentation import CustomerSegmenter
from solocrm.analytics.summary import PERIOD_DAYS, Period

MIN_REPEAT_CUSTOMERS = 10
MONTH_DAYS = PERIOD_DAYS["month"]
VALUE_WEIGHTS = (0.4, 0.4, 0.2)
VALUE_NORMALIZATION = "percentile"


@dataclass(frozen=True)
class AnalysisSettings:
    """What to compute. Dates are ISO strings or anything ``pandas.Timestamp`` reads."""

    period: Period = "week"
    observation_end: str | None = None
    holdout_start: str | None = None
    discount_rate: float = 0.01  # per month
    margin: float = 1.0
    horizon_months: int = 12
    churn_window_days: int = 91  # a quarter: "will they buy in the next three months?"
    churn_sample_size: int = 200_000
    churn_block_rows: int = 2_000_000
    cluster_sample_size: int = 20_000
    random_state: int = 0


@dataclass
class Run:
    """State shared by the steps of one analysis: settings, summary blocks, timings."""

    settings: AnalysisSettings
    summary: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    cpu: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step: wall and CPU seconds, and the peak memory of the process so far."""
        start, start_cpu = time.perf_counter(), time.process_time()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self.cpu[name] = round(time.process_time() - start_cpu, 3)
        self.peak_memory_mb[name] = round(peak_memory_mb(), 1)

    def not_fitted(self, name: str, reason: str) -> None:
        self.summary[name] = {"fitted": False, "reason": reason}


@dataclass(frozen=True)
class Window:
    """Days (since 1970-01-01) that bound the analysis."""

    first_day: int
    as_of: int  # last day the models see
    observation_end: int
    holdout_start: int | None


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def iso(day: int) -> str:
    return str(np.datetime64(day, "D"))


def horizon_periods(settings: AnalysisSettings) -> float:
    return settings.horizon_months * MONTH_DAYS / PERIOD_DAYS[settings.period]


def value_and_rfm(summary: pd.DataFrame, window: Window, run: Run) -> pd.DataFrame:
    as_of = pd.Timestamp(np.datetime64(window.as_of, "D"))
    rfm = pd.DataFrame(
        {
            "recency": (as_of - summary["last_purchase"]).dt.days.astype(float),
            "frequency": summary["orders"].astype(float),
            "monetary": summary["total_spend"],
        },
        index=summary.index,
    )
    scores = rfm_scores(rfm)  # sorted by customer, like the summary
    fm = fm_score(scores["frequency_score"], scores["monetary_score"])
    segment = pd.Categorical(rfm_segment(scores["recency_score"], fm))
    score = value_score(
        rfm["frequency"],
        rfm["monetary"],
        np.full(len(rfm), np.nan),
        weights=VALUE_WEIGHTS,
        normalization=VALUE_NORMALIZATION,
    )
    table = pd.DataFrame({"value_score": score, "value_tier": value_tiers(score)}, index=rfm.index)
    table["recency_days"] = rfm["recency"]
    for column in ("recency_score", "frequency_score", "monetary_score"):
        table[column] = scores[column].to_numpy()
    table["rfm_code"] = (
        100 * table["recency_score"] + 10 * table["frequency_score"] + table["monetary_score"]
    )
    table["rfm_segment"] = segment
    for language in ("en", "zh"):
        labels = [SEGMENT_LABELS[key][language] for key in segment.categories]
        table[f"rfm_segment_{language}"] = segment.rename_categories(labels)
    run.summary["value_tiers"] = _shares(table["value_tier"])
    run.summary["rfm_segments"] = _shares(table["rfm_segment"])
    return table


def _shares(values: pd.Series) -> dict[str, int]:
    return {str(key): int(count) for key, count in values.value_counts().items()}


def _fit_quietly(fit: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        model = fit()
    return model, [str(warning.message) for warning in caught]


def fit_bgnbd(summary: pd.DataFrame, run: Run) -> BetaGeoFitter | None:
    repeat = int((summary["frequency"] > 0).sum())
    if repeat < MIN_REPEAT_CUSTOMERS:
        run.not_fitted(
            "bgnbd",
            f"too few repeat customers: {repeat} made a second purchase, "
            f"the model needs at least {MIN_REPEAT_CUSTOMERS}",
        )
        return None
    try:
        model, notes = _fit_quietly(
            lambda: BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        )
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        run.not_fitted("bgnbd", f"the fit failed: {error}")
        return None
    converged = not notes
    extreme = [name for name, value in model.params_.items() if not 1e-6 < value < 1e6]
    if extreme:
        notes.append(
            f"{', '.join(extreme)} went to a limit: the data show too little drop-out or "
            "too little difference between customers for this model; treat its forecasts "
            "with care"
        )
    run.summary["bgnbd"] = {
        "fitted": True,
        **model.params_,
        "log_likelihood": model.log_likelihood_,
        "standard_errors": model.standard_errors_,
        "period": run.settings.period,
        "customers": int(model.n_customers_),
        "converged": converged,
        "warnings": notes,
    }
    return model


def fit_gamma_gamma(summary: pd.DataFrame, run: Run) -> GammaGammaFitter | None:
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        run.not_fitted(
            "gamma_gamma",
            f"too few repeat customers with a positive spend: {len(repeat)}, "
            f"the model needs at least {MIN_REPEAT_CUSTOMERS}",
        )
        return None
    try:
        model, notes = _fit_quietly(
            lambda: GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        )
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        run.not_fitted("gamma_gamma", f"the fit failed: {error}")
        return None
    params = {name: model.params_[name] for name in ("p", "q", "v")}
    if not params["q"] > 1:
        run.not_fitted(
            "gamma_gamma",
            f"q = {params['q']:.3g} is not above 1, so the mean spend per purchase is not finite",
        )
        run.summary["gamma_gamma"]["params"] = params
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]
    run.summary["gamma_gamma"] = {
        "fitted": True,
        **params,
        "log_likelihood": model.log_likelihood_,
        "standard_errors": model.standard_errors_,
        "customers": int(model.n_customers_),
        "population_mean_spend": model.population_mean_spend(),
        "frequency_spend_correlation": finite(correlation),
        "converged": not notes,
        "warnings": notes,
    }
    return model


def lifetime_values(
    summary: pd.DataFrame,
    transaction_model: BetaGeoFitter | None,
    spend_model: GammaGammaFitter | None,
    run: Run,
) -> pd.DataFrame:
    table = pd.DataFrame(index=summary.index)
    x, t_x, age = (
        summary[column].to_numpy(dtype=float) for column in ("frequency", "recency", "T")
    )
    money = summary["monetary_value"].to_numpy(dtype=float)
    settings = run.settings
    nan = np.full(len(summary), np.nan)
    table["expected_purchases"] = nan
    table["p_alive"] = nan
    table["expected_spend_per_purchase"] = nan
    table["clv"] = nan
    if transaction_model is not None:
        horizon = horizon_periods(settings)
        with np.errstate(all="ignore"):  # non-finite results are detected and reported
            table["expected_purchases"] = transaction_model.conditional_expected_purchases(
                horizon, x, t_x, age
            )
            table["p_alive"] = transaction_model.probability_alive(x, t_x, age)
        broken = int((~np.isfinite(table["expected_purchases"])).sum())
        if broken:
            run.summary["bgnbd"]["warnings"].append(
                f"expected purchases are not finite for {broken} customers (left empty)"
            )
    if spend_model is not None:
        table["expected_spend_per_purchase"] = spend_model.conditional_expected_average_profit(
            x, money
        )
    if transaction_model is None or spend_model is None:
        missing = "BG/NBD" if transaction_model is None else "Gamma-Gamma"
        run.not_fitted("clv", f"needs the {missing} model, which could not be fitted")
        return table
    with np.errstate(all="ignore"):
        clv_values = customer_lifetime_value(
            transaction_model,
            spend_model,
            x,
            t_x,
            age,
            money,
            horizon_steps=settings.horizon_months,
            periods_per_step=MONTH_DAYS / PERIOD_DAYS[settings.period],
            discount_rate=settings.discount_rate,
            margin=settings.margin,
        )
    table["clv"] = np.where(np.isfinite(clv_values), clv_values, np.nan)
    clv = table["clv"].dropna()
    total = float(clv.sum())
    top = float(clv.nlargest(max(len(clv) // 10, 1)).sum())
    run.summary["clv"] = {
        "fitted": True,
        "horizon_months": settings.horizon_months,
        "discount_rate_per_month": settings.discount_rate,
        "margin": settings.margin,
        "customers": len(clv),
        "total": total,
        "mean": float(clv.mean()) if len(clv) else None,
        "median": float(clv.median()) if len(clv) else None,
        "top_decile_share": top / total if total > 0 else None,
        "expected_purchases_total": float(table["expected_purchases"].sum()),
    }
    return table


def churn_probabilities(
    log: pd.DataFrame, window: Window, run: Run
) -> tuple[ChurnModel | None, pd.Series]:
    settings = run.settings
    days = settings.churn_window_days
    cutoff = window.as_of - days
    empty = pd.Series(dtype=float)
    if cutoff <= window.first_day:
        run.not_fitted(
            "churn",
            f"the data start on {iso(window.first_day)}: training needs history before "
            f"{iso(cutoff)} (as-of day minus the {days}-day window)",
        )
        return None, empty
    seen = log[log["timestamp"] <= np.datetime64(window.as_of, "D")]
    training = _sample_customers(seen, settings.churn_sample_size, settings.random_state)
    try:
        model = ChurnModel("logistic", window=days, random_state=settings.random_state)
        model.fit(training, iso(cutoff))
    except ValueError as error:
        run.not_fitted("churn", f"the model could not be trained: {error}")
        return None, empty
    prediction = _predict_in_blocks(model, seen, iso(window.as_of), settings.churn_block_rows)
    run.summary["churn"] = {
        "fitted": True,
        "model": "logistic",
        "window_days": days,
        "training_cutoff": iso(cutoff),
        "training_customers": int(model.n_training_customers_),
        "training_purchase_rate": model.training_purchase_rate_,
        "mean_churn_probability": float(prediction.mean()),
    }
    return model, prediction


def _predict_in_blocks(
    model: ChurnModel, log: pd.DataFrame, as_of: str, block_rows: int
) -> pd.Series:
    """Churn probabilities, computed over blocks of whole customers.

    The features of a customer depend on their own purchases only and ``log`` is sorted
    by customer, so blocks cut at customer boundaries give exactly the same figures
    while the feature tables of a million customers never exist all at once.
    """
    customer = log["customer_id"].to_numpy()
    cuts = [0]
    while cuts[-1] < customer.size:
        end = min(cuts[-1] + block_rows, customer.size)
        if end < customer.size:  # move the cut to the next customer boundary
            end = int(np.searchsorted(customer, customer[end - 1], side="right"))
        cuts.append(end)
    blocks = [
        model.predict_proba(log.iloc[start:end], as_of)["churn_probability"]
        for start, end in itertools.pairwise(cuts)
    ]
    return pd.concat(blocks) if blocks else pd.Series(dtype=float)


def _sample_customers(log: pd.DataFrame, size: int, random_state: int) -> pd.DataFrame:
    customers = log["customer_id"].unique()
    if customers.size <= size:
        return log
    rng = np.random.default_rng(random_state)
    chosen = rng.choice(customers, size=size, replace=False)
    return log[log["customer_id"].isin(chosen)]


def cluster_customers(customers: pd.DataFrame, run: Run) -> pd.DataFrame:
    features = pd.DataFrame(
        {
            "recency": customers["recency_days"],
            "frequency": customers["orders"].astype(float),
            "monetary": customers["total_spend"].clip(lower=0.0),
        }
    )
    settings = run.settings
    sample = features
    if len(features) > settings.cluster_sample_size:
        sample = features.sample(settings.cluster_sample_size, random_state=settings.random_state)
    table = pd.DataFrame(index=features.index)
    try:
        segmenter = CustomerSegmenter(random_state=settings.random_state).fit(sample)
    except ValueError as error:
        run.not_fitted("clusters", str(error))
        table["cluster"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table["cluster_profile_en"] = None
        table["cluster_profile_zh"] = None
        return table
    labels = segmenter.predict(features)
    profiles = segmenter.profiles_
    table["cluster"] = labels
    table["cluster_profile_en"] = profiles["description_en"].to_numpy()[labels]
    table["cluster_profile_zh"] = profiles["description_zh"].to_numpy()[labels]
    sizes = np.bincount(labels, minlength=segmenter.n_clusters_)
    centres = segmenter.cluster_centers_
    run.summary["clusters"] = {
        "fitted": True,
        "n_clusters": int(segmenter.n_clusters_),
        "fitted_on_customers": len(sample),
        "silhouette_scores": segmenter.silhouette_scores_,
        "profiles": [
            {
                "cluster": cluster,
                "customers": int(sizes[cluster]),
                "share": float(sizes[cluster] / max(len(labels), 1)),
                "centre": {name: float(centres.loc[cluster, name]) for name in centres.columns},
                "description_en": profiles.loc[cluster, "description_en"],
                "description_zh": profiles.loc[cluster, "description_zh"],
            }
            for cluster in range(segmenter.n_clusters_)
        ],
    }
    return table


def lifecycle_stages(customers: pd.DataFrame) -> pd.DataFrame:
    stage = lifecycle_stage(
        pd.DataFrame(
            {
                "purchases": customers["orders"],
                "days_since_last_purchase": customers["recency_days"],
                "p_alive": customers["p_alive"],
            },
            index=customers.index,
        )
    )
    stage = pd.Categorical(stage)
    table = pd.DataFrame({"lifecycle_stage": stage}, index=customers.index)
    for language in ("en", "zh"):
        labels = [STAGE_LABELS[key][language] for key in stage.categories]
        table[f"lifecycle_stage_{language}"] = stage.rename_categories(labels)
    return table


def holdout_block(
    summary: pd.DataFrame,
    log: pd.DataFrame,
    window: Window,
    transaction_model: BetaGeoFitter | None,
    churn_model: ChurnModel | None,
) -> dict[str, Any]:
    assert window.holdout_start is not None
    length = window.observation_end - window.as_of
    block: dict[str, Any] = {
        "calibration_end": iso(window.as_of),
        "holdout_start": iso(window.holdout_start),
        "holdout_end": iso(window.observation_end),
        "holdout_days": length,
        "holdout_periods": float(summary["duration_holdout"].iloc[0]),
        "customers": len(summary),
        "actual_repeat_transactions": int(summary["frequency_holdout"].sum()),
        "predicted_repeat_transactions": None,
        "churn_auc": None,
    }
    if transaction_model is not None:
        with np.errstate(all="ignore"):
            predicted = transaction_model.conditional_expected_purchases(
                summary["duration_holdout"], summary["frequency"], summary["recency"], summary["T"]
            )
        block["predicted_repeat_transactions"] = finite(np.sum(predicted))
    if churn_model is not None:
        report = churn_model.evaluate(log, iso(window.as_of), horizon=length)
        block["churn_auc"] = finite(report.loc["model", "roc_auc"])
        block["churn"] = {
            "label": f"any purchase from {iso(window.holdout_start)} to "
            f"{iso(window.observation_end)}",
            "purchase_rate": float(report.loc["model", "purchase_rate"]),
            **{
                row: {column: finite(report.loc[row, column]) for column in ("roc_auc", "pr_auc")}
                for row in report.index
            },
        }
    return block


def finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
