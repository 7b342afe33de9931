"""RFM: recency, frequency and monetary quintile scores and named segments.

Scores. Each customer gets a score from 1 (worst fifth) to 5 (best fifth) on each of
recency (days since the last purchase: fewer is better), frequency (number of
purchase days: more is better) and monetary (total spend: more is better). Customers
are put in order on one figure and the order is cut into five equal parts, so every
quintile exists even when many customers share a value (typically frequency = 1).
Ties are broken by the other two figures, then by customer id, so the order is
reproducible: for frequency, equal counts are ordered by monetary, then recency; for
monetary by frequency, then recency; for recency by frequency, then monetary. The
customer in rank r of n (1 = worst) gets score ⌊(r − ½)·5 / n⌋ + 1, which gives
each fifth one score and a single customer the middle score 3.

Segments. The widely used R/FM grid: FM is the mean of the frequency and monetary
scores rounded half up, and the pair (R, FM) is looked up in a 5 × 5 grid::

    R \\ FM   1             2                   3                   4           5
    5        new           potential loyalist  potential loyalist  champions   champions
    4        promising     potential loyalist  potential loyalist  loyal       loyal
    3        about to sleep about to sleep     needs attention     loyal       loyal
    2        hibernating   hibernating         at risk             at risk     can't lose
    1        lost          hibernating         at risk             at risk     can't lose
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from solocrm.analytics.transaction_log import as_day, purchase_days

N_SCORES = 5

SEGMENT_LABELS: dict[str, dict[str, str]] = {
    "champions": {"en": "Champions", "zh": "冠军客户"},
    "loyal": {"en": "Loyal", "zh": "忠诚客户"},
    "potential_loyalist": {"en": "Potential loyalist", "zh": "潜力客户"},
    "new": {"en": "New", "zh": "新客户"},
    "promising": {"en": "Promising", "zh": "有希望客户"},
    "needs_attention": {"en": "Needs attention", "zh": "需要关注"},
    "about_to_sleep": {"en": "About to sleep", "zh": "即将沉睡"},
    "at_risk": {"en": "At risk", "zh": "有流失风险"},
    "cannot_lose": {"en": "Can't lose", "zh": "不能失去"},
    "hibernating": {"en": "Hibernating", "zh": "休眠客户"},
    "lost": {"en": "Lost", "zh": "已流失"},
}

# Rows: recency score 1..5; columns: FM score 1..5.
SEGMENT_GRID: tuple[tuple[str, ...], ...] = (
    ("lost", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("about_to_sleep", "about_to_sleep", "needs_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)

RFM_COLUMNS = ("recency", "frequency", "monetary")


def rfm_table(transactions: pd.DataFrame, as_of: object | None = None) -> pd.DataFrame:
    """Per-customer recency, frequency and monetary from a transaction log.

    recency = days from the last purchase day to ``as_of`` (default: the last day in
    the log); frequency = number of purchase days; monetary = total amount. Purchases
    after ``as_of`` are ignored. Index: ``customer_id``.
    """
    days = purchase_days(transactions)
    reference = as_day(as_of) if as_of is not None else None
    if reference is not None:
        days = days[days["day"] <= reference]
    if days.empty:
        return pd.DataFrame(
            {column: pd.Series(dtype=float) for column in RFM_COLUMNS},
            index=pd.Index([], name="customer_id"),
        )
    reference = reference if reference is not None else days["day"].max()
    grouped = days.groupby("customer_id")
    table = pd.DataFrame(
        {
            "recency": (reference - grouped["day"].max()).dt.days.astype(float),
            "frequency": grouped["day"].count().astype(float),
            "monetary": grouped["amount"].sum(),
        }
    )
    return table


def _quintile_scores(sort_keys: list[np.ndarray]) -> np.ndarray:
    """Score 1..5 from the order given by ``sort_keys`` (last key is the primary)."""
    n = len(sort_keys[0])
    order = np.lexsort(sort_keys)
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    return (np.floor((rank - 0.5) * N_SCORES / n) + 1).astype(int)


def rfm_scores(rfm: pd.DataFrame) -> pd.DataFrame:
    """Recency, frequency and monetary scores (1..5) for a table like :func:`rfm_table`.

    Returns a DataFrame on the same index (sorted) with ``recency_score``,
    ``frequency_score`` and ``monetary_score``.
    """
    missing = [column for column in RFM_COLUMNS if column not in rfm.columns]
    if missing:
        raise ValueError(f"rfm lacks the column(s): {', '.join(missing)}")
    table = rfm.sort_index()
    if table[list(RFM_COLUMNS)].isna().any().any():
        raise ValueError("rfm has missing recency, frequency or monetary values")
    position = np.arange(len(table))
    recency_goodness = -table["recency"].to_numpy(dtype=float)
    frequency = table["frequency"].to_numpy(dtype=float)
    monetary = table["monetary"].to_numpy(dtype=float)
    # np.lexsort sorts by the last key first; position keeps ties reproducible.
    return pd.DataFrame(
        {
            "recency_score": _quintile_scores([-position, monetary, frequency, recency_goodness]),
            "frequency_score": _quintile_scores([-position, recency_goodness, monetary, frequency]),
            "monetary_score": _quintile_scores([-position, recency_goodness, frequency, monetary]),
        },
        index=table.index,
    )


def fm_score(frequency_score: npt.ArrayLike, monetary_score: npt.ArrayLike) -> np.ndarray:
    """FM = mean of the frequency and monetary scores, rounded half up (4 and 5 → 5)."""
    total = np.asarray(frequency_score, dtype=int) + np.asarray(monetary_score, dtype=int)
    return (total + 1) // 2


def rfm_segment(recency_score: npt.ArrayLike, fm: npt.ArrayLike) -> np.ndarray:
    """Segment keys from recency and FM scores (1..5) through the R/FM grid."""
    r = np.asarray(recency_score, dtype=int)
    f = np.asarray(fm, dtype=int)
    if r.size and (r.min() < 1 or r.max() > N_SCORES or f.min() < 1 or f.max() > N_SCORES):
        raise ValueError("scores must lie between 1 and 5")
    grid = np.array(SEGMENT_GRID, dtype=object)
    return grid[r - 1, f - 1]


def rfm_segments(rfm: pd.DataFrame) -> pd.DataFrame:
    """Scores and named segment for every customer of an RFM table.

    Columns: the input's recency, frequency and monetary; the three scores; ``fm_score``;
    ``rfm_code`` (e.g. ``"545"``); ``segment`` (a key of :data:`SEGMENT_LABELS`);
    ``segment_en`` and ``segment_zh``.
    """
    scores = rfm_scores(rfm)
    table = rfm.sort_index().loc[:, list(RFM_COLUMNS)].join(scores)
    table["fm_score"] = fm_score(table["frequency_score"], table["monetary_score"])
    table["rfm_code"] = (
        table["recency_score"].astype(str)
        + table["frequency_score"].astype(str)
        + table["monetary_score"].astype(str)
    )
    table["segment"] = rfm_segment(table["recency_score"], table["fm_score"])
    table["segment_en"] = table["segment"].map(lambda key: SEGMENT_LABELS[key]["en"])
    table["segment_zh"] = table["segment"].map(lambda key: SEGMENT_LABELS[key]["zh"])
    return table
