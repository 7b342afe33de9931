"""Run every analysis that a transaction log supports and collect the results.

:func:`analyze_transactions` takes the transaction-log contract (``customer_id``,
``timestamp``, ``amount``; one row per order line, payment or refund) and returns an
:class:`AnalysisReport`: one row per customer (``customers``) and a JSON-ready
``summary``. :func:`write_report` writes them as ``customers.csv`` and
``summary.json``; :func:`summary_text` is the short human summary. Nothing here
touches Django or a database (``solocrm analyze`` is a thin wrapper).

The as-of day. Everything is measured at the end of the analysed window: the
``observation_end`` (default: the last transaction day), or, with a ``holdout_start``,
the day before it. The hold-out run is a back-test: models are fitted on the
calibration period (purchases before ``holdout_start``), the customer table shows
what they would have said then, and the ``holdout`` block compares their forecasts
with what happened from ``holdout_start`` to ``observation_end``.

Refunds (negative amounts) follow the rule of :mod:`solocrm.analytics.summary` for
every model: a customer's transactions on one day are netted; the day is a purchase
when the net is positive, or zero without a refund (a free order). A refund on a later
day than its purchase does not reduce that purchase. A customer whose every day nets
to zero or less (only refunds) is kept in the customer table with ``refund_only`` set
and no model figures, and counted in the summary.

Steps, each skipped with its reason in the summary when the data cannot support it:

1. summary figures per customer (frequency, recency, T, monetary value, orders, total
   spend, first and last purchase);
2. BG/NBD (needs ``MIN_REPEAT_CUSTOMERS`` customers with a repeat purchase):
   expected purchases over the horizon and P(alive);
3. Gamma-Gamma on repeat customers with positive spend (as many again): expected spend
   per purchase, and with BG/NBD the CLV over ``horizon_months`` monthly steps;
4. churn probability for the next ``churn_window_days`` days: :class:`ChurnModel`
   trained at ``as_of - window`` on up to ``churn_sample_size`` customers;
5. RFM scores and segments, value score (frequency = purchase days, monetary = total
   spend, no feedback in a transaction file so it counts as neutral) and tiers;
6. k-means clusters (fitted on up to ``cluster_sample_size`` customers, then every
   customer is assigned to the nearest centre) with their profiles;
7. lifecycle stage from purchases, days since the last purchase and P(alive).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from solocrm.analytics.bgnbd import BetaGeoFitter
from solocrm.analytics.churn import ChurnModel
from solocrm.analytics.clv import customer_lifetime_value
from solocrm.analytics.formulas import value_score, value_tiers
from solocrm.analytics.gamma_gamma import GammaGammaFitter
from solocrm.analytics.lifecycle import STAGE_LABELS, lifecycle_stage
from solocrm.analytics.rfm import SEGMENT_LABELS, fm_score, rfm_scores, rfm_segment
from solocrm.analytics.segmentation import CustomerSegmenter
from solocrm.analytics.summary import (
    PERIOD_DAYS,
    Period,
    calibration_holdout_split,
    summarize_transactions,
)

MIN_REPEAT_CUSTOMERS = 10
MONTH_DAYS = PERIOD_DAYS["month"]
VALUE_WEIGHTS = (0.4, 0.4, 0.2)
VALUE_NORMALIZATION = "percentile"


class AnalysisError(ValueError):
    """Settings that do not fit the data (e.g. a hold-out start after the last day)."""


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
    cluster_sample_size: int = 20_000
    random_state: int = 0


@dataclass
class AnalysisReport:
    """``customers``: one row per customer (index ``customer_id``); ``summary``: JSON."""

    customers: pd.DataFrame
    summary: dict[str, Any]


@dataclass
class _Run:
    """State shared by the steps of one analysis."""

    settings: AnalysisSettings
    summary: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    cpu: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start, start_cpu = time.perf_counter(), time.process_time()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self.cpu[name] = round(time.process_time() - start_cpu, 3)

    def not_fitted(self, name: str, reason: str) -> None:
        self.summary[name] = {"fitted": False, "reason": reason}


def analyze_transactions(
    transactions: pd.DataFrame,
    settings: AnalysisSettings | None = None,
    *,
    customer_labels: pd.Index | None = None,
    source: dict[str, Any] | None = None,
) -> AnalysisReport:
    """Run every step the data supports (see the module docstring).

    ``transactions`` has ``customer_id``, ``timestamp`` (datetime64) and ``amount``.
    When ``customer_id`` holds integer codes, ``customer_labels[code]`` names them in
    the output (:func:`solocrm.analytics.io.read_transactions` returns both).

    Numerical libraries run single-threaded here: on a busy two-core machine the
    OpenMP workers of k-means spin-wait against other processes and made clustering
    25 times slower than one thread.
    """
    with threadpool_limits(limits=1):
        return _analyze(transactions, settings, customer_labels, source)


def _analyze(
    transactions: pd.DataFrame,
    settings: AnalysisSettings | None,
    customer_labels: pd.Index | None,
    source: dict[str, Any] | None,
) -> AnalysisReport:
    run = _Run(settings or AnalysisSettings())
    started = time.perf_counter()
    with run.step("purchase_days"):
        codes, labels = _customer_codes(transactions["customer_id"], customer_labels)
        days = transactions["timestamp"].to_numpy().astype("datetime64[D]").astype(np.int64)
        amounts = transactions["amount"].to_numpy(dtype=np.float64)
        window = _window(days, run.settings)
        log, refunds = _purchase_day_log(codes, days, amounts, window)
    with run.step("summary"):
        summary = _summarize(log, window, run.settings)
    run.summary["input"] = dict(source or {})
    run.summary["parameters"] = _parameters(run.settings, window)
    run.summary["counts"] = _counts(codes, days, window, summary, refunds)
    customers = summary.loc[:, ["first_purchase", "last_purchase", "orders", "total_spend"]]
    customers = customers.join(summary[["frequency", "recency", "T", "monetary_value"]])
    with run.step("value_and_rfm"):
        customers = customers.join(_value_and_rfm(summary, window, run))
    with run.step("bgnbd"):
        transaction_model = _fit_bgnbd(summary, run)
    with run.step("gamma_gamma"):
        spend_model = _fit_gamma_gamma(summary, run)
    with run.step("clv"):
        customers = customers.join(_lifetime_value(summary, transaction_model, spend_model, run))
    with run.step("churn"):
        churn_model, churn = _churn(log, window, run)
        customers["churn_probability"] = churn.reindex(customers.index)
    with run.step("clusters"):
        customers = customers.join(_clusters(customers, run))
    with run.step("lifecycle"):
        customers = customers.join(_lifecycle(customers))
    if window.holdout_start is not None:
        with run.step("holdout"):
            run.summary["holdout"] = _holdout(summary, log, window, transaction_model, churn_model)
            customers = customers.join(summary[["frequency_holdout", "monetary_value_holdout"]])
    customers = _add_refund_only(customers, refunds)
    customers.index = labels[customers.index.to_numpy()] if labels is not None else customers.index
    customers.index.name = "customer_id"
    run.timings["total"] = round(time.perf_counter() - started, 3)
    run.cpu["total"] = round(sum(run.cpu.values()), 3)
    run.summary["timings_seconds"] = run.timings
    run.summary["cpu_seconds"] = run.cpu
    return AnalysisReport(customers=customers, summary=run.summary)


@dataclass(frozen=True)
class _Window:
    first_day: int
    as_of: int  # last day the models see
    observation_end: int
    holdout_start: int | None


def _day(value: object, name: str) -> int:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} is not a date: {value!r}") from None
    if stamp is pd.NaT:
        raise AnalysisError(f"{name} is not a date: {value!r}")
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _iso(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _window(days: np.ndarray, settings: AnalysisSettings) -> _Window:
    if days.size == 0:
        raise AnalysisError("there are no transactions to analyse")
    first, last = int(days.min()), int(days.max())
    end = (
        last
        if settings.observation_end is None
        else _day(settings.observation_end, "observation_end")
    )
    if end < first:
        raise AnalysisError(
            f"observation_end {_iso(end)} is before the first transaction ({_iso(first)})"
        )
    if settings.holdout_start is None:
        return _Window(first, end, end, None)
    start = _day(settings.holdout_start, "holdout_start")
    if not first < start <= end:
        raise AnalysisError(
            f"holdout_start {_iso(start)} must be after the first transaction ({_iso(first)}) "
            f"and on or before observation_end ({_iso(end)})"
        )
    return _Window(first, start - 1, end, start)


def _customer_codes(
    customer: pd.Series, labels: pd.Index | None
) -> tuple[np.ndarray, pd.Index | None]:
    if labels is not None:
        return customer.to_numpy(dtype=np.int64), labels
    codes, uniques = pd.factorize(customer, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


@dataclass(frozen=True)
class _Refunds:
    transactions: int
    amount: float
    days_with_refunds: int
    days_cancelled: int
    per_customer: pd.Series  # refunded amount (positive) by customer code, as of as_of
    only_refunds: np.ndarray  # customer codes without a purchase day by as_of


def _purchase_day_log(
    codes: np.ndarray, days: np.ndarray, amounts: np.ndarray, window: _Window
) -> tuple[pd.DataFrame, _Refunds]:
    """Net each customer-day and keep the purchase days (the summary module's rule).

    Returns the log sorted by customer and day (so later sorts are no-ops) with one row
    per purchase day up to ``observation_end``, and the refund counts.
    """
    keep = days <= window.observation_end
    code, day, amount = codes[keep], days[keep], amounts[keep]
    refund = np.flatnonzero(amount < 0)
    refund_amount, refund_code = -amount[refund], code[refund]
    in_window = day[refund] <= window.as_of
    span = int(day.max()) - window.first_day + 1
    key = code * span + (day - window.first_day)
    del code, day
    order = np.argsort(key)
    key, amount = key[order], amount[order]
    del order
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    net = np.add.reduceat(amount, starts)
    lowest = np.minimum.reduceat(amount, starts)
    is_purchase = (net > 0) | ((net == 0) & (lowest >= 0))
    day_key = key[starts]
    day_code, day_day = day_key // span, day_key % span + window.first_day
    seen = day_day <= window.as_of
    buyers = _sorted_unique(day_code[seen & is_purchase])
    everyone = _sorted_unique(day_code[seen])
    per_customer = pd.Series(refund_amount[in_window]).groupby(refund_code[in_window]).sum()
    refunds = _Refunds(
        transactions=int(refund.size),
        amount=float(refund_amount.sum()),
        days_with_refunds=int((lowest < 0).sum()),
        days_cancelled=int(((lowest < 0) & ~is_purchase).sum()),
        per_customer=per_customer,
        only_refunds=np.setdiff1d(everyone, buyers, assume_unique=True),
    )
    log = pd.DataFrame(
        {
            "customer_id": day_code[is_purchase],
            "timestamp": day_day[is_purchase].astype("datetime64[D]").astype("datetime64[s]"),
            "amount": net[is_purchase],
        }
    )
    return log, refunds


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values of an already sorted array."""
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _summarize(log: pd.DataFrame, window: _Window, settings: AnalysisSettings) -> pd.DataFrame:
    if log.empty:
        raise AnalysisError("no customer has a purchase (every day nets to a refund)")
    if window.holdout_start is None:
        summary = summarize_transactions(
            log, period=settings.period, observation_end=_iso(window.as_of)
        )
    else:
        summary = calibration_holdout_split(
            log,
            calibration_end=_iso(window.as_of),
            observation_end=_iso(window.observation_end),
            period=settings.period,
        )
    if summary.empty:
        raise AnalysisError(f"no customer has a purchase by {_iso(window.as_of)}")
    return summary


def _parameters(settings: AnalysisSettings, window: _Window) -> dict[str, Any]:
    parameters = asdict(settings)
    parameters.update(
        observation_end=_iso(window.observation_end),
        as_of=_iso(window.as_of),
        first_transaction=_iso(window.first_day),
        horizon_periods=_horizon_periods(settings),
        discount_rate_unit="per month",
        value_score={
            "weights": {"frequency": 0.4, "monetary": 0.4, "feedback": 0.2},
            "normalization": VALUE_NORMALIZATION,
            "feedback": "not in a transaction file: neutral 0.5 for everyone",
        },
    )
    if window.holdout_start is not None:
        parameters["holdout_start"] = _iso(window.holdout_start)
    return parameters


def _horizon_periods(settings: AnalysisSettings) -> float:
    return settings.horizon_months * MONTH_DAYS / PERIOD_DAYS[settings.period]


def _counts(
    codes: np.ndarray, days: np.ndarray, window: _Window, summary: pd.DataFrame, refunds: _Refunds
) -> dict[str, Any]:
    analysed = days <= window.as_of
    return {
        "transactions": int(codes.size),
        "transactions_analysed": int(analysed.sum()),
        "transactions_after_observation_end": int((days > window.observation_end).sum()),
        "customers_in_file": int(np.unique(codes).size),
        "customers": int(len(summary) + refunds.only_refunds.size),
        "customers_with_purchases": len(summary),
        "repeat_customers": int((summary["frequency"] > 0).sum()),
        "refunds": {
            "rule": "netted with the same customer's purchases on the same day",
            "transactions": refunds.transactions,
            "amount": refunds.amount,
            "days_with_refunds": refunds.days_with_refunds,
            "days_cancelled_by_refunds": refunds.days_cancelled,
            "customers_with_only_refunds": int(refunds.only_refunds.size),
        },
    }


def _value_and_rfm(summary: pd.DataFrame, window: _Window, run: _Run) -> pd.DataFrame:
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


def _fit_bgnbd(summary: pd.DataFrame, run: _Run) -> BetaGeoFitter | None:
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
        "converged": not notes,
        "warnings": notes,
    }
    return model


def _fit_gamma_gamma(summary: pd.DataFrame, run: _Run) -> GammaGammaFitter | None:
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
        "frequency_spend_correlation": _finite(correlation),
        "converged": not notes,
        "warnings": notes,
    }
    return model


def _lifetime_value(
    summary: pd.DataFrame,
    transaction_model: BetaGeoFitter | None,
    spend_model: GammaGammaFitter | None,
    run: _Run,
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
        horizon = _horizon_periods(settings)
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
    table["clv"] = customer_lifetime_value(
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
    table["clv"] = table["clv"].where(np.isfinite(table["clv"]))
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


def _churn(log: pd.DataFrame, window: _Window, run: _Run) -> tuple[ChurnModel | None, pd.Series]:
    settings = run.settings
    days = settings.churn_window_days
    cutoff = window.as_of - days
    empty = pd.Series(dtype=float)
    if cutoff <= window.first_day:
        run.not_fitted(
            "churn",
            f"the data start on {_iso(window.first_day)}: training needs history before "
            f"{_iso(cutoff)} (as-of day minus the {days}-day window)",
        )
        return None, empty
    seen = log[log["timestamp"] <= np.datetime64(window.as_of, "D")]
    training = _sample_customers(seen, settings.churn_sample_size, settings.random_state)
    try:
        model = ChurnModel("logistic", window=days, random_state=settings.random_state)
        model.fit(training, _iso(cutoff))
    except ValueError as error:
        run.not_fitted("churn", f"the model could not be trained: {error}")
        return None, empty
    prediction = model.predict_proba(seen, _iso(window.as_of))["churn_probability"]
    run.summary["churn"] = {
        "fitted": True,
        "model": "logistic",
        "window_days": days,
        "training_cutoff": _iso(cutoff),
        "training_customers": int(model.n_training_customers_),
        "training_purchase_rate": model.training_purchase_rate_,
        "mean_churn_probability": float(prediction.mean()),
    }
    return model, prediction


def _sample_customers(log: pd.DataFrame, size: int, random_state: int) -> pd.DataFrame:
    customers = log["customer_id"].unique()
    if customers.size <= size:
        return log
    rng = np.random.default_rng(random_state)
    chosen = rng.choice(customers, size=size, replace=False)
    return log[log["customer_id"].isin(chosen)]


def _clusters(customers: pd.DataFrame, run: _Run) -> pd.DataFrame:
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


def _lifecycle(customers: pd.DataFrame) -> pd.DataFrame:
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


def _holdout(
    summary: pd.DataFrame,
    log: pd.DataFrame,
    window: _Window,
    transaction_model: BetaGeoFitter | None,
    churn_model: ChurnModel | None,
) -> dict[str, Any]:
    assert window.holdout_start is not None
    length = window.observation_end - window.as_of
    block: dict[str, Any] = {
        "calibration_end": _iso(window.as_of),
        "holdout_start": _iso(window.holdout_start),
        "holdout_end": _iso(window.observation_end),
        "holdout_days": length,
        "holdout_periods": float(summary["duration_holdout"].iloc[0]),
        "customers": len(summary),
        "actual_repeat_transactions": int(summary["frequency_holdout"].sum()),
        "predicted_repeat_transactions": None,
        "churn_auc": None,
    }
    if transaction_model is not None:
        predicted = transaction_model.conditional_expected_purchases(
            summary["duration_holdout"], summary["frequency"], summary["recency"], summary["T"]
        )
        block["predicted_repeat_transactions"] = float(np.sum(predicted))
    if churn_model is not None:
        report = churn_model.evaluate(log, _iso(window.as_of), horizon=length)
        block["churn_auc"] = _finite(report.loc["model", "roc_auc"])
        block["churn"] = {
            "label": f"any purchase from {_iso(window.holdout_start)} to "
            f"{_iso(window.observation_end)}",
            "purchase_rate": float(report.loc["model", "purchase_rate"]),
            **{
                row: {column: _finite(report.loc[row, column]) for column in ("roc_auc", "pr_auc")}
                for row in report.index
            },
        }
    return block


def _add_refund_only(customers: pd.DataFrame, refunds: _Refunds) -> pd.DataFrame:
    customers["refund_amount"] = refunds.per_customer.reindex(customers.index).fillna(0.0)
    customers["refund_only"] = False
    if refunds.only_refunds.size == 0:
        return customers
    extra = pd.DataFrame(
        {
            "orders": 0,
            "total_spend": 0.0,
            "refund_amount": refunds.per_customer.reindex(refunds.only_refunds).fillna(0.0),
            "refund_only": True,
        },
        index=pd.Index(refunds.only_refunds),
    )
    return pd.concat([customers, extra]).sort_index()


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
