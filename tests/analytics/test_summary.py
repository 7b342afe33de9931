from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.summary import (
    PERIOD_DAYS,
    SUMMARY_COLUMNS,
    calibration_holdout_split,
    summarize_transactions,
)


def log(rows: list[tuple[object, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="ISO8601")
    return frame


def test_cdnow_calibration_counts(cdnow_summary):
    assert len(cdnow_summary) == 2357
    assert cdnow_summary["frequency"].sum() == 2457
    assert (cdnow_summary["frequency"] == 0).sum() == 1411
    assert (cdnow_summary["frequency"] >= 1).sum() == 946
    assert cdnow_summary["frequency_holdout"].sum() == 1882
    assert set(cdnow_summary["duration_holdout"]) == {39.0}


def test_cdnow_first_customer(cdnow_summary):
    # Customer 4 bought on 1997-01-01, 01-18, 08-02 (calibration) and 12-12 (hold-out).
    row = cdnow_summary.loc[4]
    assert row["frequency"] == 2
    assert row["recency"] == 213 / 7
    assert row["T"] == 272 / 7
    assert row["monetary_value"] == pytest.approx((29.73 + 14.96) / 2, abs=1e-12)
    assert row["total_spend"] == pytest.approx(29.33 + 29.73 + 14.96, abs=1e-12)
    assert row["orders"] == 3
    assert row["first_purchase"] == pd.Timestamp("1997-01-01")
    assert row["last_purchase"] == pd.Timestamp("1997-08-02")
    assert row["frequency_holdout"] == 1
    assert row["monetary_value_holdout"] == 26.48


def test_cdnow_ages_span_the_first_quarter(cdnow_summary):
    # Everyone first bought in 1997 Q1: T runs from 1997-03-25 to 1997-01-01 in weeks.
    assert cdnow_summary["T"].min() == 189 / 7
    assert cdnow_summary["T"].max() == 272 / 7
    assert cdnow_summary.index.is_monotonic_increasing


def test_same_day_purchases_merge_and_weeks_are_days_over_seven():
    transactions = log(
        [
            ("a", "2024-01-01 09:00", 10.0),
            ("a", "2024-01-01 18:30", 5.0),
            ("a", "2024-01-04 12:00", 7.0),
            ("a", "2024-01-11 08:00", 9.0),
        ]
    )
    summary = summarize_transactions(transactions, observation_end="2024-01-15")
    row = summary.loc["a"]
    assert row["frequency"] == 2
    assert row["recency"] == 10 / 7
    assert row["T"] == 14 / 7
    assert row["monetary_value"] == 8.0
    assert row["total_spend"] == 31.0
    assert row["orders"] == 3


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_period_sets_the_time_unit(period):
    transactions = log([("a", "2024-01-01", 1.0), ("a", "2024-03-01", 2.0)])
    summary = summarize_transactions(transactions, period=period, observation_end="2024-04-01")
    assert summary.loc["a", "recency"] == 60 / PERIOD_DAYS[period]
    assert summary.loc["a", "T"] == 91 / PERIOD_DAYS[period]
    assert PERIOD_DAYS["month"] == 30.4375


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="period must be one of"):
        summarize_transactions(log([("a", "2024-01-01", 1.0)]), period="fortnight")


def test_refund_rules():
    transactions = log(
        [
            ("a", "2024-01-01", 50.0),
            ("a", "2024-01-02", 30.0),
            ("a", "2024-01-02", -10.0),  # partial same-day refund: a 20.0 purchase
            ("a", "2024-01-03", 40.0),
            ("a", "2024-01-03", -40.0),  # cancelled the same day: no purchase
            ("a", "2024-01-04", -50.0),  # later refund of the first order: ignored
            ("a", "2024-01-05", 0.0),  # a free item: a purchase worth 0
            ("b", "2024-01-02", -5.0),  # only refunds: not a customer
        ]
    )
    summary = summarize_transactions(transactions, period="day", observation_end="2024-01-10")
    assert list(summary.index) == ["a"]
    row = summary.loc["a"]
    assert row["frequency"] == 2
    assert row["recency"] == 4.0
    assert row["monetary_value"] == 10.0
    assert row["total_spend"] == 70.0
    assert row["orders"] == 3


def test_zero_amount_first_purchase_counts():
    summary = summarize_transactions(
        log([("a", "2024-01-01", 0.0), ("a", "2024-01-08", 12.0)]), period="day"
    )
    assert summary.loc["a", "frequency"] == 1
    assert summary.loc["a", "monetary_value"] == 12.0
    assert summary.loc["a", "T"] == 7.0


def test_observation_end_defaults_to_the_last_day_and_cuts_later_purchases():
    transactions = log(
        [("a", "2024-01-01", 1.0), ("a", "2024-01-05", 2.0), ("b", "2024-01-09 23:59", 3.0)]
    )
    default = summarize_transactions(transactions, period="day")
    assert default.loc["a", "T"] == 8.0
    assert default.loc["b", "T"] == 0.0
    cut = summarize_transactions(transactions, period="day", observation_end="2024-01-04")
    assert list(cut.index) == ["a"]
    assert cut.loc["a", "frequency"] == 0
    assert cut.loc["a", "recency"] == 0.0
    assert cut.loc["a", "monetary_value"] == 0.0
    assert cut.loc["a", "T"] == 3.0


def test_first_purchase_end_keeps_the_cohort():
    transactions = log([("a", "2024-01-01", 1.0), ("b", "2024-02-01", 1.0)])
    summary = summarize_transactions(transactions, first_purchase_end="2024-01-31")
    assert list(summary.index) == ["a"]


def test_order_of_rows_does_not_matter(cdnow_log):
    shuffled = cdnow_log.sample(frac=1.0, random_state=7)
    expected = summarize_transactions(cdnow_log, observation_end="1998-06-30")
    actual = summarize_transactions(shuffled, observation_end="1998-06-30")
    pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-12)


def test_timezone_aware_stamps_are_read_as_local_days():
    stamps = pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:30"]).tz_localize("Asia/Shanghai")
    transactions = pd.DataFrame({"customer_id": [1, 1], "timestamp": stamps, "amount": [1, 1]})
    summary = summarize_transactions(transactions, period="day")
    assert summary.loc[1, "frequency"] == 1
    assert summary.loc[1, "recency"] == 1.0


def test_text_dates_with_a_format(cdnow_log):
    text = cdnow_log.assign(timestamp=cdnow_log["timestamp"].dt.strftime("%Y%m%d"))
    parsed = summarize_transactions(text, time_format="%Y%m%d")
    pd.testing.assert_frame_equal(parsed, summarize_transactions(cdnow_log))


def test_custom_column_names_and_no_amounts():
    transactions = pd.DataFrame(
        {"who": ["x", "x", "y"], "when": ["2024-01-01", "2024-01-15", "2024-01-08"]}
    )
    summary = summarize_transactions(
        transactions, customer_col="who", time_col="when", amount_col=None, period="week"
    )
    assert summary.index.name == "who"
    assert summary.loc["x", "frequency"] == 1
    assert summary.loc["x", "recency"] == 2.0
    assert summary.loc["y", "T"] == 1.0
    assert summary["monetary_value"].isna().all()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("amount", np.nan, "column 'amount' has a missing or non-numeric amount"),
        ("amount", "ten", "column 'amount' has a missing or non-numeric amount 'ten'"),
        ("timestamp", "not a date", "column 'timestamp' has a missing or unparsable date"),
        ("timestamp", None, "column 'timestamp' has a missing or unparsable date"),
        ("customer_id", None, "column 'customer_id' has a missing value"),
    ],
)
def test_bad_values_are_refused_naming_the_column(column, value, message):
    transactions = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": ["2024-01-01", "2024-01-02"],
            "amount": [1.0, 2.0],
        },
        dtype=object,
    )
    transactions.loc[1, column] = value
    with pytest.raises(ValueError, match=message):
        summarize_transactions(transactions)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="column 'amount' is missing"):
        summarize_transactions(pd.DataFrame({"customer_id": [1], "timestamp": ["2024-01-01"]}))


def test_holdout_split_counts_and_means():
    transactions = log(
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-08", 20.0),
            ("a", "2024-01-20", 30.0),
            ("a", "2024-01-25", 50.0),
            ("b", "2024-01-05", 5.0),
            ("c", "2024-01-20", 9.0),  # first purchase in the hold-out: not in calibration
            ("a", "2024-03-01", 99.0),  # after observation_end: ignored
        ]
    )
    split = calibration_holdout_split(
        transactions,
        calibration_end="2024-01-14",
        observation_end="2024-01-28",
        period="week",
    )
    assert list(split.index) == ["a", "b"]
    assert split.loc["a", "frequency"] == 1
    assert split.loc["a", "T"] == 13 / 7
    assert split.loc["a", "frequency_holdout"] == 2
    assert split.loc["a", "monetary_value_holdout"] == 40.0
    assert split.loc["b", "frequency_holdout"] == 0
    assert split.loc["b", "monetary_value_holdout"] == 0.0
    assert split["duration_holdout"].tolist() == [2.0, 2.0]


def test_holdout_split_needs_calibration_before_observation_end():
    transactions = log([("a", "2024-01-01", 1.0)])
    with pytest.raises(
        ValueError, match=r"calibration_end \(2024-02-01\) must be before observation_end"
    ):
        calibration_holdout_split(
            transactions, calibration_end="2024-02-01", observation_end="2024-01-15"
        )


def test_many_rows_are_summarised_without_python_loops():
    rng = np.random.default_rng(0)
    n = 200_000
    transactions = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 20_000, n),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), unit="min"),
            "amount": rng.gamma(2.0, 20.0, n),
        }
    )
    summary = summarize_transactions(transactions, period="day")
    days = transactions["timestamp"].dt.normalize()
    expected_orders = days.groupby(transactions["customer_id"]).nunique()
    assert (summary["orders"] == expected_orders).all()
    assert summary["total_spend"].sum() == pytest.approx(transactions["amount"].sum(), rel=1e-12)


def test_integer_ids_of_any_spread_give_the_same_summary(cdnow_log):
    compact = summarize_transactions(cdnow_log)
    sparse = summarize_transactions(
        cdnow_log.assign(customer_id=cdnow_log["customer_id"] * 10**12 - 5)
    )
    text = summarize_transactions(cdnow_log.assign(customer_id=cdnow_log["customer_id"].map(str)))
    assert list(sparse.index) == [i * 10**12 - 5 for i in compact.index]
    np.testing.assert_array_equal(sparse.to_numpy(), compact.to_numpy())
    as_text = text.loc[[str(i) for i in compact.index]]
    np.testing.assert_array_equal(as_text.to_numpy(), compact.to_numpy())


def test_sort_falls_back_to_a_stable_argsort_for_wide_keys():
    from solocrm.analytics.summary import _sort_with_order

    key = np.array([5, 3, 5, 1, 3], dtype=np.int64)
    for largest in (5, 2**62):
        ordered, order = _sort_with_order(key, largest)
        assert ordered.tolist() == [1, 3, 3, 5, 5]
        assert order.tolist() == [3, 1, 4, 0, 2]


def test_no_purchases():
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=int),
            "timestamp": pd.Series([], dtype="datetime64[ns]"),
            "amount": pd.Series([], dtype=float),
        }
    )
    with pytest.raises(ValueError, match="there are no purchases to summarise"):
        summarize_transactions(empty)
    summary = summarize_transactions(empty, observation_end="2024-01-01")
    assert summary.empty
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["frequency"].dtype == np.int64
    split = calibration_holdout_split(
        empty, calibration_end="2024-01-01", observation_end="2024-02-01"
    )
    assert split.empty
    assert list(split.columns) == [
        *SUMMARY_COLUMNS,
        "frequency_holdout",
        "monetary_value_holdout",
        "duration_holdout",
    ]
