import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.forecast import (
    RevenueForecaster,
    backtest,
    mean_absolute_percentage_error,
    monthly_revenue,
    pipeline_forecast,
    seasonal_naive,
)
from tests.analytics.cdnow import cdnow_transactions


def _months(values, start="2020-01-01"):
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float
    )


def _seasonal_with_trend(n_months=48, seed=0):
    t = np.arange(n_months)
    noise = np.random.default_rng(seed).normal(0, 30, n_months)
    return _months(1000 + 20 * t + 200 * np.sin(2 * np.pi * t / 12) + noise)


def test_monthly_revenue_fills_quiet_months():
    transactions = pd.DataFrame(
        {
            "customer_id": [1, 2, 1],
            "timestamp": ["2024-01-05", "2024-01-20", "2024-03-31 23:00"],
            "amount": [10.0, 5.0, 7.5],
        }
    )
    revenue = monthly_revenue(transactions)
    assert revenue.to_dict() == {
        pd.Timestamp("2024-01-01"): 15.0,
        pd.Timestamp("2024-02-01"): 0.0,
        pd.Timestamp("2024-03-01"): 7.5,
    }
    assert revenue.index.freqstr == "MS"
    assert monthly_revenue(transactions.iloc[:0]).empty


def test_seasonal_naive_by_hand():
    history = _months(range(1, 14))  # 13 months: 1..13
    assert seasonal_naive(history, 3).tolist() == [2.0, 3.0, 4.0]
    assert seasonal_naive(history, 13).tolist()[-1] == 2.0  # wraps round the season
    assert seasonal_naive(_months([5, 7]), 2).tolist() == [7.0, 7.0]  # short: last value
    with pytest.raises(ValueError, match="at least one month"):
        seasonal_naive(_months([]), 1)


def test_mape_skips_zero_actuals():
    mape, skipped = mean_absolute_percentage_error([100, 200, 0], [110, 150, 5])
    assert mape == pytest.approx(17.5)  # (10 % + 25 %) / 2
    assert skipped == 1
    assert np.isnan(mean_absolute_percentage_error([0], [1])[0])


def test_constant_revenue_forecasts_the_constant():
    forecaster = RevenueForecaster().fit(_months([500.0] * 6))
    prediction = forecaster.predict(2)
    np.testing.assert_allclose(prediction["forecast"], [500.0, 500.0], rtol=1e-6)
    assert list(prediction.index) == [pd.Timestamp("2020-07-01"), pd.Timestamp("2020-08-01")]
    assert forecaster.trend_ is None
    assert forecaster.seasonal_ is None


def test_seasonal_series_picks_season_and_interval_widens():
    forecaster = RevenueForecaster().fit(_seasonal_with_trend())
    assert forecaster.seasonal_ == "add"
    assert set(forecaster.aicc_) == {(None, None), (None, "add"), ("add", None), ("add", "add")}
    prediction = forecaster.predict(12)
    assert (prediction["lower"] <= prediction["forecast"]).all()
    assert (prediction["forecast"] <= prediction["upper"]).all()
    width = prediction["upper"] - prediction["lower"]
    assert width.iloc[-1] > width.iloc[0]
    # the season peaks in April (sin is highest at t = 3 mod 12)
    assert prediction["forecast"].idxmax().month == 4
    narrow = RevenueForecaster(interval=0.5).fit(_seasonal_with_trend()).predict(12)
    assert ((narrow["upper"] - narrow["lower"]) < width).all()


def test_backtest_beats_seasonal_naive_on_trending_series():
    result = backtest(_seasonal_with_trend(), horizon=1, min_train=40)
    assert len(result.points) == 8
    assert result.points["step"].eq(1).all()
    # seasonal naive lags the trend by a year: 12 × 20 = 240 too low on average
    lag = (result.points["actual"] - result.points["seasonal_naive"]).mean()
    assert lag == pytest.approx(240, abs=40)
    assert result.ets_mape < result.seasonal_naive_mape
    assert result.ets_mape < 5.0


def test_backtest_on_cdnow_monthly_revenue():
    revenue = monthly_revenue(cdnow_transactions())
    assert len(revenue) == 18
    result = backtest(revenue, horizon=1, min_train=12)
    assert len(result.points) == 6
    # all CDNOW customers arrived in Q1 1997, so last year's month is a poor guide
    assert result.seasonal_naive_mape == pytest.approx(219.65, abs=0.01)
    assert result.ets_mape == pytest.approx(20.9, abs=0.5)


def test_backtest_multi_step_points():
    result = backtest(_months([10, 12, 11, 13, 12, 14]), horizon=2, min_train=4)
    assert result.points["step"].tolist() == [1, 2, 1]
    assert result.points["seasonal_naive"].tolist() == [13.0, 13.0, 12.0]


def test_forecaster_refuses_bad_input():
    with pytest.raises(ValueError, match="at least 3 months"):
        RevenueForecaster().fit(_months([1, 2]))
    gappy = pd.Series(
        [1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-01"])
    )
    with pytest.raises(ValueError, match="consecutive month"):
        RevenueForecaster().fit(gappy)
    with pytest.raises(ValueError, match="unknown component"):
        RevenueForecaster(trend="mul").fit(_months([1, 2, 3]))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="fit"):
        RevenueForecaster().predict()
    with pytest.raises(ValueError, match="more months than min_train"):
        backtest(_months([1, 2, 3]), min_train=3)


def test_pipeline_forecast_by_hand():
    deals = pd.DataFrame(
        {
            "amount": [1000.0, 500.0, 2000.0],
            "probability": [0.5, 0.2, 0.9],
            "expected_close_date": ["2024-05-03", "2024-05-30", "2024-07-01"],
        }
    )
    forecast = pipeline_forecast(deals)
    assert forecast.loc[pd.Timestamp("2024-05-01")].tolist() == [600.0, 1500.0, 2]
    assert forecast.loc[pd.Timestamp("2024-07-01")].tolist() == [1800.0, 2000.0, 1]
    assert len(forecast) == 2


def test_pipeline_forecast_refuses_bad_rows():
    deals = pd.DataFrame(
        {"amount": [1.0, 2.0], "probability": [0.5, 60], "expected_close_date": ["2024-01-01"] * 2},
        index=["d1", "d2"],
    )
    with pytest.raises(ValueError, match="row 'd2'"):
        pipeline_forecast(deals)
    with pytest.raises(ValueError, match="expected_close_date"):
        pipeline_forecast(deals.drop(columns="expected_close_date"))
    empty = pd.DataFrame({"amount": [], "probability": [], "expected_close_date": []})
    assert pipeline_forecast(empty).empty
