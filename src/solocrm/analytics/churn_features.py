"""Features and labels for churn / purchase-propensity models, from a transaction log.

Everything is measured at a ``cutoff`` day: only purchase days on or before the cutoff
are used for features, and the label looks only at the ``window_days`` after it, so a
model trained at an earlier cutoff never sees its evaluation period. Purchases on the
same day count once (see :mod:`solocrm.analytics.transaction_log`). Only customers
with at least one purchase on or before the cutoff get a row.

Features (days are whole calendar days):

- ``recency_days``: cutoff − last purchase day.
- ``frequency``: number of purchase days up to the cutoff.
- ``monetary_mean``: total spend / number of purchase days.
- ``tenure_days``: cutoff − first purchase day.
- ``purchases_last_window``: purchase days in the last ``window_days`` up to the cutoff.
- ``purchases_previous_window``: purchase days in the ``window_days`` before that.
- ``trend``: purchases_last_window − purchases_previous_window (negative = slowing).
- ``gap_mean_days``: mean days between consecutive purchase days; a customer with a
  single purchase day gets their tenure (the time they have gone without a repeat).
- ``gap_std_days``: standard deviation of those gaps (population form; 0 with fewer
  than two gaps).
- ``overdue_ratio``: recency_days / gap_mean_days, i.e. how many "usual gaps" have
  passed since the last purchase (1 for a single-purchase customer; 0 when the
  mean gap is 0).

Label ``purchased``: 1 when the customer has a purchase day in
(cutoff, cutoff + window_days], else 0. Churn is the opposite event.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solocrm.analytics.transaction_log import as_day, purchase_days

FEATURE_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary_mean",
    "tenure_days",
    "purchases_last_window",
    "purchases_previous_window",
    "trend",
    "gap_mean_days",
    "gap_std_days",
    "overdue_ratio",
)


def _check_window(window_days: int) -> None:
    if window_days < 1:
        raise ValueError("window_days must be at least 1")


def churn_features(transactions: pd.DataFrame, cutoff: object, window_days: int) -> pd.DataFrame:
    """Per-customer features measured at ``cutoff`` (see the module docstring).

    Index: ``customer_id`` (sorted); columns: :data:`FEATURE_COLUMNS`.
    """
    _check_window(window_days)
    cutoff_day = as_day(cutoff)
    days = purchase_days(transactions)
    days = days[days["day"] <= cutoff_day]
    if days.empty:
        return pd.DataFrame(
            {column: pd.Series(dtype=float) for column in FEATURE_COLUMNS},
            index=pd.Index([], name="customer_id"),
        )
    age = (cutoff_day - days["day"]).dt.days
    days = days.assign(
        age=age,
        in_last=age < window_days,
        in_previous=(age >= window_days) & (age < 2 * window_days),
        gap=days.groupby("customer_id")["day"].diff().dt.days,
    )
    grouped = days.groupby("customer_id")
    features = pd.DataFrame(
        {
            "recency_days": grouped["age"].min(),
            "frequency": grouped["day"].count(),
            "monetary_mean": grouped["amount"].mean(),
            "tenure_days": grouped["age"].max(),
            "purchases_last_window": grouped["in_last"].sum(),
            "purchases_previous_window": grouped["in_previous"].sum(),
            "gap_mean_days": grouped["gap"].mean(),
            "gap_std_days": grouped["gap"].std(ddof=0),
        }
    ).astype(float)
    features["trend"] = features["purchases_last_window"] - features["purchases_previous_window"]
    single = features["frequency"] < 2
    features.loc[single, "gap_mean_days"] = features.loc[single, "tenure_days"]
    features["gap_std_days"] = features["gap_std_days"].fillna(0.0)
    gap = features["gap_mean_days"].to_numpy()
    recency = features["recency_days"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        overdue = np.where(gap > 0, recency / gap, 0.0)
    overdue[single.to_numpy()] = 1.0
    features["overdue_ratio"] = overdue
    return features.loc[:, list(FEATURE_COLUMNS)]


def purchase_labels(
    transactions: pd.DataFrame, cutoff: object, window_days: int, customers: pd.Index
) -> pd.Series:
    """1 if the customer bought in (cutoff, cutoff + window_days], else 0, for ``customers``."""
    _check_window(window_days)
    cutoff_day = as_day(cutoff)
    days = purchase_days(transactions)
    in_window = (days["day"] > cutoff_day) & (
        days["day"] <= cutoff_day + pd.Timedelta(days=window_days)
    )
    buyers = pd.Index(days.loc[in_window, "customer_id"].unique())
    return pd.Series(customers.isin(buyers).astype(int), index=customers, name="purchased")
