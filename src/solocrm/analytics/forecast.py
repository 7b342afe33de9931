"""Monthly revenue forecast with a prediction interval, its back-test, and the
pipeline-weighted forecast from open deals.

Revenue forecast: statsmodels' ETS (error, trend, seasonal exponential smoothing)
state-space model with additive errors. Each month the level (and, when present, the
trend and the seasonal effect of that calendar month) is updated by a fixed share of
the surprise; the forecast continues the last level plus the damped trend plus the
season. The prediction interval comes from the model's own error variance: a 90 %
interval should hold the actual month about 9 times in 10. With ``"auto"`` settings
the candidates grow with the data (a damped additive trend from 12 months, an
additive 12-month season from 24 months) and the candidate with the lowest AICc
(Akaike's information criterion corrected for small samples: fit quality penalised by
the number of parameters) is kept. Revenue cannot be negative, so forecasts and lower
bounds are cut at 0.

Back-test (rolling origin): for every month t from ``min_train`` on, fit on the months
before t and forecast 1..``horizon`` months ahead; compare with what happened. The
baseline is the seasonal-naive forecast (the same calendar month one season earlier;
the last observed month while less than one season of history exists). MAPE = mean of
|actual − forecast| / actual × 100 over the forecast points, skipping months whose
actual revenue is 0 (their count is reported).

Pipeline forecast: for each expected close month, Σ deal amount × stage probability
(the chance that a deal in that stage is won), next to the unweighted total.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from solocrm.analytics.transaction_log import validate_transactions

Component = Literal["auto", "add", "none"]
MIN_MONTHS = 3
TREND_MIN_MONTHS = 12


def monthly_revenue(transactions: pd.DataFrame) -> pd.Series:
    """Revenue per calendar month (month-start index, ``MS`` frequency), 0 for quiet months."""
    clean = validate_transactions(transactions)
    if clean.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], freq="MS"), name="revenue")
    months = clean["timestamp"].dt.to_period("M").dt.to_timestamp()
    revenue = clean.groupby(months)["amount"].sum()
    full = pd.date_range(revenue.index.min(), revenue.index.max(), freq="MS")
    return revenue.reindex(full, fill_value=0.0).rename("revenue")


def _as_monthly(series: pd.Series) -> pd.Series:
    """Check for consecutive month starts without gaps; return with ``MS`` frequency."""
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError("revenue must have a DatetimeIndex of month starts")
    index = series.index
    expected = pd.date_range(index.min(), periods=len(index), freq="MS") if len(index) else index
    if len(index) and not (index == expected).all():
        raise ValueError(
            "revenue must have one value per consecutive month, indexed by month start"
        )
    if series.isna().any():
        raise ValueError("revenue must not contain missing months (use 0)")
    return pd.Series(series.to_numpy(dtype=float), index=expected, name=series.name)


class RevenueForecaster:
    """ETS forecast of monthly revenue with a prediction interval.

    Parameters: ``trend`` and ``seasonal`` — ``"auto"``, ``"add"`` or ``"none"``;
    ``damped_trend``; ``seasonal_periods`` (12 for months); ``interval`` — the
    coverage of the prediction interval (0.9 = 90 %).

    Learned attributes: ``results_`` (the statsmodels results of the kept model),
    ``trend_`` and ``seasonal_`` (its components, ``"add"`` or ``None``), ``aicc_``
    (AICc of every candidate, keyed by (trend, seasonal)), ``last_month_``.
    """

    def __init__(
        self,
        trend: Component = "auto",
        seasonal: Component = "auto",
        damped_trend: bool = True,
        seasonal_periods: int = 12,
        interval: float = 0.9,
    ) -> None:
        self.trend = trend
        self.seasonal = seasonal
        self.damped_trend = damped_trend
        self.seasonal_periods = seasonal_periods
        self.interval = interval

    def _options(self, setting: Component, enough: bool) -> list[str | None]:
        if setting not in ("auto", "add", "none"):
            raise ValueError(f"unknown component setting {setting!r}")
        if setting == "auto":
            return [None, "add"] if enough else [None]
        return ["add"] if setting == "add" else [None]

    def _fit_one(
        self, monthly: pd.Series, trend: str | None, seasonal: str | None, initialization: str
    ):
        model = ETSModel(
            monthly,
            error="add",
            trend=trend,
            damped_trend=self.damped_trend and trend is not None,
            seasonal=seasonal,
            seasonal_periods=self.seasonal_periods if seasonal else None,
            initialization_method=initialization,
        )
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            # Short series often stop the optimiser early and a perfectly flat series
            # has a zero error variance (log 0 in the likelihood); both fits are usable.
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", "divide by zero", RuntimeWarning)
            return model.fit(disp=False)

    def fit(self, revenue: pd.Series) -> RevenueForecaster:
        """Fit on a monthly revenue series (see :func:`monthly_revenue`)."""
        if not 0 < self.interval < 1:
            raise ValueError("interval must lie strictly between 0 and 1")
        monthly = _as_monthly(revenue)
        if len(monthly) < MIN_MONTHS:
            raise ValueError(f"a forecast needs at least {MIN_MONTHS} months of revenue")
        trends = self._options(self.trend, len(monthly) >= TREND_MIN_MONTHS)
        seasons = self._options(self.seasonal, len(monthly) >= 2 * self.seasonal_periods)
        # With two seasons of data, every candidate starts from the classical
        # decomposition of the first seasons ("heuristic": fast, and the same for all
        # candidates so their AICc compare); shorter series estimate the start values.
        initialization = "heuristic" if len(monthly) >= 2 * self.seasonal_periods else "estimated"
        fits = {
            (trend, season): self._fit_one(monthly, trend, season, initialization)
            for trend in trends
            for season in seasons
        }
        self.aicc_ = {key: float(result.aicc) for key, result in fits.items()}
        best = min(
            self.aicc_, key=lambda key: np.inf if np.isnan(self.aicc_[key]) else self.aicc_[key]
        )
        self.trend_, self.seasonal_ = best
        self.results_ = fits[best]
        self.last_month_ = monthly.index[-1]
        return self

    def predict(self, horizon: int = 3) -> pd.DataFrame:
        """``forecast``, ``lower`` and ``upper`` for the next ``horizon`` months."""
        if not hasattr(self, "results_"):
            raise RuntimeError("call fit() before predict()")
        if horizon < 1:
            raise ValueError("horizon must be at least 1")
        start = self.results_.nobs
        frame = self.results_.get_prediction(start=start, end=start + horizon - 1).summary_frame(
            alpha=1 - self.interval
        )
        result = pd.DataFrame(
            {
                "forecast": frame["mean"].to_numpy(),
                "lower": frame["pi_lower"].to_numpy(),
                "upper": frame["pi_upper"].to_numpy(),
            },
            index=pd.date_range(self.last_month_, periods=horizon + 1, freq="MS")[1:],
        ).clip(lower=0.0)
        result.index.name = "month"
        return result


def seasonal_naive(history: pd.Series, horizon: int, seasonal_periods: int = 12) -> np.ndarray:
    """Forecast month h as the month one season earlier; the last value if history is short."""
    values = history.to_numpy(dtype=float)
    if len(values) == 0:
        raise ValueError("seasonal_naive needs at least one month of history")
    if len(values) < seasonal_periods:
        return np.full(horizon, values[-1])
    steps = np.arange(horizon)
    return values[len(values) - seasonal_periods + steps % seasonal_periods]


def mean_absolute_percentage_error(actual: np.ndarray, forecast: np.ndarray) -> tuple[float, int]:
    """MAPE in percent over the points with a non-zero actual, and how many were skipped."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    usable = actual != 0
    if not usable.any():
        return float("nan"), int((~usable).sum())
    errors = np.abs(actual[usable] - forecast[usable]) / np.abs(actual[usable])
    return float(errors.mean() * 100), int((~usable).sum())


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin back-test: every forecast point and the two MAPEs."""

    points: pd.DataFrame  # origin, month, step, actual, ets, seasonal_naive
    ets_mape: float
    seasonal_naive_mape: float
    zero_actuals_skipped: int


def backtest(
    revenue: pd.Series,
    horizon: int = 1,
    min_train: int = 12,
    forecaster: RevenueForecaster | None = None,
) -> Backtest:
    """Rolling-origin back-test of the ETS forecast against the seasonal-naive baseline."""
    monthly = _as_monthly(revenue)
    template = forecaster or RevenueForecaster()
    if min_train < MIN_MONTHS:
        raise ValueError(f"min_train must be at least {MIN_MONTHS}")
    if len(monthly) < min_train + 1:
        raise ValueError("the back-test needs more months than min_train")
    rows = []
    for origin in range(min_train, len(monthly)):
        history = monthly.iloc[:origin]
        steps = min(horizon, len(monthly) - origin)
        model = RevenueForecaster(
            trend=template.trend,
            seasonal=template.seasonal,
            damped_trend=template.damped_trend,
            seasonal_periods=template.seasonal_periods,
            interval=template.interval,
        ).fit(history)
        ets = model.predict(steps)["forecast"].to_numpy()
        naive = seasonal_naive(history, steps, template.seasonal_periods)
        for step in range(steps):
            rows.append(
                {
                    "origin": monthly.index[origin - 1],
                    "month": monthly.index[origin + step],
                    "step": step + 1,
                    "actual": monthly.iloc[origin + step],
                    "ets": ets[step],
                    "seasonal_naive": naive[step],
                }
            )
    points = pd.DataFrame(rows)
    ets_mape, skipped = mean_absolute_percentage_error(points["actual"], points["ets"])
    naive_mape, _ = mean_absolute_percentage_error(points["actual"], points["seasonal_naive"])
    return Backtest(points, ets_mape, naive_mape, skipped)


def pipeline_forecast(deals: pd.DataFrame) -> pd.DataFrame:
    """Expected revenue per close month from open deals.

    ``deals`` columns: ``amount``, ``probability`` (0..1, the stage's win chance) and
    ``expected_close_date``. Result per month: ``weighted_amount`` = Σ amount ×
    probability, ``total_amount`` = Σ amount, ``deals`` = count.
    """
    required = ["amount", "probability", "expected_close_date"]
    missing = [column for column in required if column not in deals.columns]
    if missing:
        raise ValueError(f"deals lack the column(s): {', '.join(missing)}")
    probability = deals["probability"].astype(float)
    outside = ~probability.between(0, 1)
    if outside.any():
        raise ValueError(f"probability must lie in [0, 1] (row {deals.index[outside.argmax()]!r})")
    close = pd.to_datetime(deals["expected_close_date"])
    if close.isna().any():
        raise ValueError(
            f"expected_close_date is missing (row {deals.index[close.isna().argmax()]!r})"
        )
    amount = deals["amount"].astype(float)
    frame = pd.DataFrame(
        {
            "month": close.dt.to_period("M").dt.to_timestamp(),
            "weighted_amount": amount * probability,
            "total_amount": amount,
            "deals": 1,
        }
    )
    return frame.groupby("month").sum().astype({"deals": int})
