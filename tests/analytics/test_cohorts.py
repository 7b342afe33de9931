import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.cohorts import (
    cohort_activity,
    cohort_retention,
    cohort_revenue,
    cohort_sizes,
)
from tests.analytics.cdnow import cdnow_transactions

JAN, FEB, MAR = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")


@pytest.fixture
def transactions():
    # January cohort: a, b, c, d; February cohort: e, f
    rows = [
        ("a", "2024-01-03", 10.0),
        ("a", "2024-01-20", 5.0),
        ("a", "2024-02-11", 20.0),
        ("b", "2024-01-15", 30.0),
        ("b", "2024-03-02", 40.0),
        ("c", "2024-01-31", 8.0),
        ("d", "2024-01-09", 2.0),
        ("d", "2024-02-28", 6.0),
        ("e", "2024-02-01", 50.0),
        ("f", "2024-02-14", 12.0),
        ("f", "2024-03-30", 4.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def test_cohort_sizes(transactions):
    assert cohort_sizes(transactions).to_dict() == {JAN: 4, FEB: 2}


def test_retention_by_hand(transactions):
    retention = cohort_retention(transactions)
    assert list(retention.columns) == [0, 1, 2]
    assert retention.loc[JAN].tolist() == [1.0, 0.5, 0.25]  # a, d in Feb; b in Mar
    assert retention.loc[FEB, 0] == 1.0
    assert retention.loc[FEB, 1] == 0.5  # f in March
    assert np.isnan(retention.loc[FEB, 2])  # April is not observed yet


def test_observed_but_quiet_month_is_zero(transactions):
    retention = cohort_retention(transactions, as_of="2024-04-15")
    assert retention.loc[FEB, 2] == 0.0
    earlier = cohort_retention(transactions, as_of="2024-02-29")
    assert list(earlier.columns) == [0, 1]
    assert earlier.loc[JAN].tolist() == [1.0, 0.5]


def test_revenue_by_hand(transactions):
    revenue = cohort_revenue(transactions)
    assert revenue.loc[JAN].tolist() == [55.0, 26.0, 40.0]
    assert revenue.loc[FEB].tolist()[:2] == [62.0, 4.0]
    per_customer = cohort_revenue(transactions, per_customer=True)
    assert per_customer.loc[JAN].tolist() == [13.75, 6.5, 10.0]
    assert per_customer.loc[FEB, 0] == 31.0


def test_months_since_counts_calendar_months(transactions):
    activity = cohort_activity(transactions)
    row = activity[(activity["customer_id"] == "c")].iloc[0]
    assert row["months_since"] == 0
    row = activity[(activity["customer_id"] == "b") & (activity["amount"] == 40.0)].iloc[0]
    assert row["months_since"] == 2


def test_single_customer_and_empty_log():
    one = pd.DataFrame({"customer_id": [1], "timestamp": ["2024-05-05"], "amount": [9.0]})
    assert cohort_retention(one).to_dict() == {0: {pd.Timestamp("2024-05-01"): 1.0}}
    empty = one.iloc[:0]
    assert cohort_retention(empty).empty
    assert cohort_revenue(empty).empty


def test_cdnow_cohorts():
    transactions = cdnow_transactions()
    sizes = cohort_sizes(transactions)
    # everybody arrived in January-March 1997
    assert sizes.to_dict() == {
        pd.Timestamp("1997-01-01"): 781,
        pd.Timestamp("1997-02-01"): 857,
        pd.Timestamp("1997-03-01"): 719,
    }
    retention = cohort_retention(transactions)
    assert retention.shape == (3, 18)
    assert (retention[0] == 1.0).all()
    # January cohort in February 1997, counted independently
    first_month = transactions.groupby("customer_id")["timestamp"].transform("min").dt.month
    january = transactions[first_month == 1]
    in_february = january[
        january["timestamp"].dt.month.eq(2) & january["timestamp"].dt.year.eq(1997)
    ]
    assert (
        retention.loc[pd.Timestamp("1997-01-01"), 1] == in_february["customer_id"].nunique() / 781
    )
    assert retention.loc[pd.Timestamp("1997-01-01"), 1] == pytest.approx(0.1588, abs=1e-4)
    assert retention.loc[pd.Timestamp("1997-03-01"), 15] == pytest.approx(0.0626, abs=1e-4)
    assert np.isnan(retention.loc[pd.Timestamp("1997-03-01"), 16])  # July 1998: not observed
    assert cohort_revenue(transactions).sum().sum() == pytest.approx(transactions["amount"].sum())
