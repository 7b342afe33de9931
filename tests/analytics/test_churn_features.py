import pandas as pd
import pytest

from solocrm.analytics.churn_features import FEATURE_COLUMNS, churn_features, purchase_labels


@pytest.fixture
def transactions():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b", "c", "b"],
            "timestamp": [
                "2024-01-01",
                "2024-01-01 18:00",  # same day: merged with the purchase above
                "2024-02-01",
                "2024-03-01",
                "2024-04-30",  # last day of the label window
                "2024-03-20",
                "2024-04-05",  # after the cutoff only: no feature row for c
                "2024-05-01",  # one day after the label window
            ],
            "amount": [10.0, 5.0, 20.0, 30.0, 8.0, 50.0, 9.0, 1.0],
        }
    )


def test_features_by_hand(transactions):
    features = churn_features(transactions, "2024-03-31", window_days=30)
    assert list(features.columns) == list(FEATURE_COLUMNS)
    assert list(features.index) == ["a", "b"]
    # a: purchase days 01-01 (15), 02-01 (20), 03-01 (30); ages 90, 59, 30 days
    assert features.loc["a"].to_dict() == {
        "recency_days": 30.0,
        "frequency": 3.0,
        "monetary_mean": pytest.approx(65 / 3),
        "tenure_days": 90.0,
        "purchases_last_window": 0.0,  # age 30 is not inside the last 30 days
        "purchases_previous_window": 2.0,
        "trend": -2.0,
        "gap_mean_days": 30.0,  # gaps of 31 and 29 days
        "gap_std_days": 1.0,
        "overdue_ratio": 1.0,
    }
    # b: a single purchase 11 days before the cutoff
    assert features.loc["b"].to_dict() == {
        "recency_days": 11.0,
        "frequency": 1.0,
        "monetary_mean": 50.0,
        "tenure_days": 11.0,
        "purchases_last_window": 1.0,
        "purchases_previous_window": 0.0,
        "trend": 1.0,
        "gap_mean_days": 11.0,
        "gap_std_days": 0.0,
        "overdue_ratio": 1.0,
    }


def test_purchase_on_the_cutoff_day_is_history(transactions):
    features = churn_features(transactions, "2024-03-01", window_days=30)
    assert features.loc["a", "recency_days"] == 0.0
    assert features.loc["a", "purchases_last_window"] == 2.0  # 03-01 and 02-01 (29 days)


def test_labels_cover_exactly_the_window(transactions):
    customers = pd.Index(["a", "b", "z"], name="customer_id")
    labels = purchase_labels(transactions, "2024-03-31", 30, customers)
    assert labels.to_dict() == {"a": 1, "b": 0, "z": 0}
    assert purchase_labels(transactions, "2024-03-31", 31, customers).to_dict()["b"] == 1


def test_no_history_gives_empty_features(transactions):
    features = churn_features(transactions, "2023-12-31", window_days=30)
    assert features.empty
    assert list(features.columns) == list(FEATURE_COLUMNS)


def test_window_must_be_positive(transactions):
    with pytest.raises(ValueError, match="window_days"):
        churn_features(transactions, "2024-03-31", window_days=0)
