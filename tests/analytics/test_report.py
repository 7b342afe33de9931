import json

import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.report import AnalysisError, AnalysisSettings, analyze_transactions
from solocrm.analytics.report_output import summary_text, write_csv, write_report
from solocrm.analytics.summary import summarize_transactions
from tests.analytics.cdnow import cdnow_transactions
from tests.analytics.shop import shop_transactions

CDNOW_BACKTEST = AnalysisSettings(
    period="week", observation_end="1998-06-30", holdout_start="1997-10-01"
)


@pytest.fixture(scope="module")
def cdnow_report():
    return analyze_transactions(cdnow_transactions(), CDNOW_BACKTEST)


def _log(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="ISO8601")
    return frame


def test_cdnow_backtest_matches_the_papers(cdnow_report):
    summary = cdnow_report.summary
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert summary["bgnbd"][name] == pytest.approx(value, rel=0.005), name
    assert summary["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.5)
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert summary["gamma_gamma"][name] == pytest.approx(value, rel=0.01), name
    holdout = summary["holdout"]
    assert holdout["actual_repeat_transactions"] == 1882
    assert holdout["predicted_repeat_transactions"] == pytest.approx(1653, rel=0.02)
    assert holdout["churn_auc"] >= 0.78
    assert holdout["holdout_days"] == 273
    assert summary["counts"]["customers"] == 2357
    assert summary["counts"]["repeat_customers"] == 946
    assert summary["counts"]["transactions"] == 6919
    assert summary["counts"]["transactions_analysed"] == 4960  # before 1997-10-01
    assert summary["counts"]["customers_first_seen_after_as_of"] == 0


def test_cdnow_customer_table(cdnow_report):
    customers = cdnow_report.customers
    assert len(customers) == 2357
    assert customers.index.is_unique
    assert customers["refund_only"].sum() == 0
    assert customers["p_alive"].between(0, 1).all()
    assert customers["churn_probability"].between(0, 1).all()
    assert (customers["clv"] > 0).all()
    assert set(customers["value_tier"]) == {"vip", "regular", "potential"}
    assert customers["lifecycle_stage"].notna().all()
    assert customers["cluster"].notna().all()
    assert customers["rfm_segment_zh"].notna().all()
    # Customer 4 (the first in the file): purchases on 1997-01-01, 01-18 and 08-02.
    first = customers.iloc[0]
    assert first["orders"] == 3
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(213 / 7)
    assert first["T"] == pytest.approx(272 / 7)
    assert first["recency_days"] == 59
    assert first["frequency_holdout"] == 1


def test_refunds_are_netted_per_customer_day_and_refund_only_customers_are_kept():
    log = _log(
        [
            ("a", "2024-01-01", 100.0),
            ("a", "2024-01-01 18:00", -30.0),  # netted: one purchase of 70
            ("a", "2024-02-01", 50.0),
            ("b", "2024-01-05", -20.0),  # only refunds
            ("c", "2024-01-03", 40.0),
            ("c", "2024-01-03", -40.0),  # cancels the day completely
            ("c", "2024-03-01", 10.0),
            ("d", "2024-01-10", 25.0),
            ("d", "2024-01-20", -25.0),  # a later refund does not undo a purchase
        ]
    )
    report = analyze_transactions(log, AnalysisSettings(period="day"))
    customers = report.customers
    assert list(customers.index) == ["a", "b", "c", "d"]
    assert customers.loc["a", "orders"] == 2
    assert customers.loc["a", "total_spend"] == 120.0
    assert customers.loc["b", "refund_only"]
    assert customers.loc["b", "refund_amount"] == 20.0
    assert np.isnan(customers.loc["b", "frequency"])
    assert customers.loc["c", "orders"] == 1
    assert customers.loc["c", "first_purchase"] == pd.Timestamp("2024-03-01")
    assert customers.loc["d", "total_spend"] == 25.0
    refunds = report.summary["counts"]["refunds"]
    assert refunds == {
        "rule": "netted with the same customer's purchases on the same day",
        "transactions": 4,
        "amount": 115.0,
        "days_with_refunds": 4,
        "days_cancelled_by_refunds": 3,
        "customers_with_only_refunds": 1,
    }
    assert report.summary["counts"]["customers"] == 4


def test_customer_figures_equal_the_summary_of_the_raw_log():
    log = shop_transactions()
    refunds = log.sample(15, random_state=2).assign(amount=lambda f: -f["amount"] / 3)
    log = pd.concat([log, refunds], ignore_index=True)
    report = analyze_transactions(log, AnalysisSettings(period="week"))
    expected = summarize_transactions(log, period="week")
    columns = ["frequency", "recency", "T", "monetary_value", "orders", "total_spend"]
    pd.testing.assert_frame_equal(
        report.customers[columns], expected[columns], check_names=False, check_dtype=False
    )


def test_models_that_cannot_be_fitted_are_reported_not_raised():
    log = _log(
        [("a", "2024-01-01", 10.0), ("a", "2024-02-01", 12.0), ("b", "2024-01-15", 9.0)]
        + [(f"n{i}", "2024-03-01", 5.0) for i in range(5)]
    )
    report = analyze_transactions(log, AnalysisSettings(period="week"))
    summary = report.summary
    assert summary["bgnbd"] == {
        "fitted": False,
        "reason": "too few repeat customers: 1 made a second purchase, the model needs at least 10",
    }
    assert summary["gamma_gamma"]["fitted"] is False
    assert summary["clv"] == {
        "fitted": False,
        "reason": "needs the BG/NBD model, which could not be fitted",
    }
    assert summary["churn"]["fitted"] is False
    assert "training needs history before" in summary["churn"]["reason"]
    assert report.customers["clv"].isna().all()
    assert report.customers["rfm_segment"].notna().all()
    assert report.customers["lifecycle_stage"].notna().all()
    assert "BG/NBD: not computed — too few repeat customers" in summary_text(report)


def test_small_shop_runs_every_step():
    report = analyze_transactions(shop_transactions(), AnalysisSettings(period="week"))
    for name in ("bgnbd", "gamma_gamma", "clv", "churn", "clusters"):
        assert report.summary[name]["fitted"], (name, report.summary[name])
    assert report.summary["bgnbd"]["warnings"] == []
    assert report.customers["clv"].notna().all()


def test_a_fit_at_a_parameter_limit_is_flagged():
    """Steady buyers who never drop out push BG/NBD to its Poisson limit."""
    rows = [
        (f"c{customer}", str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)), 20.0)
        for customer in range(40)
        for day in range(customer % 7, 360, 30 + customer % 5)
    ]
    report = analyze_transactions(_log(rows), AnalysisSettings(period="week"))
    warnings = report.summary["bgnbd"]["warnings"]
    assert any("went to a limit" in warning for warning in warnings), warnings


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AnalysisSettings(holdout_start="2023-01-01"), "holdout_start 2023-01-01 must be after"),
        (
            AnalysisSettings(observation_end="2024-06-30", holdout_start="2024-07-01"),
            "on or before observation_end",
        ),
        (AnalysisSettings(observation_end="2020-01-01"), "is before the first transaction"),
        (AnalysisSettings(observation_end="soon"), "observation_end is not a date: 'soon'"),
    ],
)
def test_settings_that_do_not_fit_the_data(settings, message):
    with pytest.raises(AnalysisError, match=message):
        analyze_transactions(shop_transactions(), settings)


def test_only_refunds_is_an_error():
    with pytest.raises(AnalysisError, match="no customer has a purchase"):
        analyze_transactions(_log([("a", "2024-01-01", -5.0)]))


def test_write_report(tmp_path, cdnow_report):
    customers_path, summary_path = write_report(cdnow_report, tmp_path / "out")
    table = pd.read_csv(customers_path, dtype={"customer_id": str}, encoding="utf-8-sig")
    assert len(table) == 2357
    assert table["customer_id"].iloc[0] == "4"  # the test log has integer ids
    assert table["first_purchase"].iloc[0] == "1997-01-01"
    for column in (
        "value_score",
        "value_tier",
        "rfm_segment_en",
        "rfm_segment_zh",
        "expected_purchases",
        "p_alive",
        "clv",
        "churn_probability",
        "cluster",
        "cluster_profile_en",
        "lifecycle_stage",
        "lifecycle_stage_zh",
    ):
        assert column in table.columns, column
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["bgnbd"]["r"] == pytest.approx(0.243, rel=0.005)
    assert summary["holdout"]["actual_repeat_transactions"] == 1882


def test_csv_fields_are_quoted_rounded_and_empty_when_missing(tmp_path):
    table = pd.DataFrame(
        {
            "profile": pd.Categorical(["spends a lot, buys often", 'says "hi"', None]),
            "score": [1 / 3, 2.0, np.nan],
            "flag": [True, False, True],
            "day": pd.to_datetime(["2024-01-02", "2024-01-03", None]),
            "cluster": pd.array([0, 1, pd.NA], dtype="Int64"),
        },
        index=pd.Index(["a,1", "张三", "c"], name="customer_id"),
    )
    path = tmp_path / "t.csv"
    write_csv(table, path)
    assert path.read_bytes().decode("utf-8-sig").splitlines() == [
        "customer_id,profile,score,flag,day,cluster",
        '"a,1","spends a lot, buys often",0.333333,true,2024-01-02,0',
        '张三,"says ""hi""",2,false,2024-01-03,1',
        "c,,,true,,",
    ]


def test_churn_in_blocks_of_customers_equals_churn_in_one_block():
    log = shop_transactions()
    whole = analyze_transactions(log, AnalysisSettings(period="week"))
    blocks = analyze_transactions(log, AnalysisSettings(period="week", churn_block_rows=40))
    pd.testing.assert_series_equal(
        blocks.customers["churn_probability"], whole.customers["churn_probability"]
    )


def test_backtest_counts_customers_who_arrive_in_the_holdout():
    log = shop_transactions()
    report = analyze_transactions(log, AnalysisSettings(period="week", holdout_start="2024-04-01"))
    counts = report.summary["counts"]
    first_purchase = log.groupby("customer_id")["timestamp"].min()
    arrived_later = int((first_purchase >= pd.Timestamp("2024-04-01")).sum())
    assert arrived_later > 0
    assert counts["customers_first_seen_after_as_of"] == arrived_later
    assert counts["customers"] == len(report.customers) == 120 - arrived_later
    assert report.summary["holdout"]["customers"] == 120 - arrived_later
