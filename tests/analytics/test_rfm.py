import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.rfm import (
    SEGMENT_LABELS,
    fm_score,
    rfm_scores,
    rfm_segment,
    rfm_segments,
    rfm_table,
)
from tests.analytics.cdnow import CALIBRATION_END, cdnow_transactions


def _rfm(recency, frequency, monetary):
    return pd.DataFrame(
        {"recency": recency, "frequency": frequency, "monetary": monetary},
        index=pd.Index(range(1, len(recency) + 1), name="customer_id"),
    )


def test_rfm_table_merges_same_day_and_respects_as_of():
    transactions = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "timestamp": [
                "2024-01-01 09:00",
                "2024-01-01 17:00",
                "2024-01-11",
                "2024-01-05",
                "2024-02-01",
            ],
            "amount": [10.0, 5.0, 20.0, 7.0, 99.0],
        }
    )
    table = rfm_table(transactions, as_of="2024-01-31")
    assert table.loc["a"].tolist() == [20.0, 2.0, 35.0]
    assert table.loc["b"].tolist() == [26.0, 1.0, 7.0]
    default = rfm_table(transactions)
    assert default.loc["b", "recency"] == 0.0
    assert default.loc["a", "recency"] == 21.0


def test_rfm_table_empty():
    empty = pd.DataFrame({"customer_id": [], "timestamp": [], "amount": []})
    assert rfm_table(empty).empty


def test_rfm_table_names_missing_columns():
    with pytest.raises(ValueError, match="amount"):
        rfm_table(pd.DataFrame({"customer_id": [1], "timestamp": ["2024-01-01"]}))


def test_scores_are_quintiles_with_recency_reversed():
    rfm = _rfm(
        recency=list(range(10, 0, -1)), frequency=list(range(1, 11)), monetary=list(range(1, 11))
    )
    scores = rfm_scores(rfm)
    expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["recency_score"].tolist() == expected
    assert scores["frequency_score"].tolist() == expected
    assert scores["monetary_score"].tolist() == expected


def test_heavy_ties_still_fill_every_quintile():
    # 8 of 10 customers bought once: ties are broken by monetary, then recency
    rfm = _rfm(
        recency=[5] * 10,
        frequency=[1, 1, 1, 1, 1, 1, 1, 1, 3, 4],
        monetary=[10, 20, 30, 40, 50, 60, 70, 80, 5, 6],
    )
    scores = rfm_scores(rfm)
    assert scores["frequency_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert sorted(scores["frequency_score"].value_counts().tolist()) == [2] * 5
    # all recencies tie and frequency breaks those ties
    assert scores.loc[10, "recency_score"] == 5


def test_full_ties_are_broken_by_customer_id():
    scores = rfm_scores(_rfm([3] * 5, [2] * 5, [9] * 5))
    assert scores["monetary_score"].tolist() == [5, 4, 3, 2, 1]


def test_single_customer_gets_middle_scores():
    scores = rfm_scores(_rfm([4], [1], [10]))
    assert scores.iloc[0].tolist() == [3, 3, 3]


def test_fm_score_rounds_half_up():
    assert fm_score([1, 1, 4, 5], [1, 2, 5, 5]).tolist() == [1, 2, 5, 5]


def test_segment_grid_corners_and_middle():
    keys = rfm_segment([5, 5, 1, 1, 3, 4, 2], [5, 1, 5, 1, 3, 1, 3])
    assert keys.tolist() == [
        "champions",
        "new",
        "cannot_lose",
        "lost",
        "needs_attention",
        "promising",
        "at_risk",
    ]
    with pytest.raises(ValueError, match="between 1 and 5"):
        rfm_segment([0], [3])


def test_every_segment_has_both_labels():
    assert SEGMENT_LABELS["cannot_lose"]["zh"] == "不能失去"
    assert SEGMENT_LABELS["potential_loyalist"]["zh"] == "潜力客户"
    grid_keys = set(rfm_segment(np.repeat(np.arange(1, 6), 5), np.tile(np.arange(1, 6), 5)))
    assert grid_keys == set(SEGMENT_LABELS)


def test_rfm_segments_table():
    rfm = _rfm(
        recency=list(range(10, 0, -1)), frequency=list(range(1, 11)), monetary=list(range(1, 11))
    )
    table = rfm_segments(rfm)
    assert table.loc[10, "rfm_code"] == "555"
    assert table.loc[10, "segment"] == "champions"
    assert table.loc[10, "segment_zh"] == "冠军客户"
    assert table.loc[1, "segment"] == "lost"
    assert table.loc[1, "segment_en"] == "Lost"
    assert table.loc[5, "rfm_code"] == "333"
    assert table.loc[5, "segment"] == "needs_attention"


def test_rfm_segments_empty_and_missing_values():
    assert rfm_segments(_rfm([], [], [])).empty
    with pytest.raises(ValueError, match="missing"):
        rfm_scores(_rfm([1.0, np.nan], [1, 2], [3, 4]))


def test_cdnow_quintiles_despite_most_customers_buying_once():
    rfm = rfm_table(cdnow_transactions(), as_of=CALIBRATION_END)
    assert len(rfm) == 2357
    assert (rfm["frequency"] == 1).sum() == 1411  # 60 % are tied at one purchase day
    counts = rfm_scores(rfm)["frequency_score"].value_counts().sort_index()
    assert counts.tolist() == [471, 472, 471, 472, 471]
    segments = rfm_segments(rfm)["segment"].value_counts()
    assert segments.sum() == 2357
    assert set(segments.index) <= set(SEGMENT_LABELS)
