"""Acquisition-month cohorts: retention and revenue by months since the first purchase.

A customer's cohort is the calendar month of their first purchase. Month k of a
cohort is the k-th calendar month after it (k = 0 is the acquisition month itself).

- Retention(cohort, k) = customers of the cohort with at least one purchase in month
  k / customers in the cohort. Month 0 is 1 by definition.
- Revenue(cohort, k) = total amount those customers spent in month k; with
  ``per_customer=True`` it is divided by the cohort size (revenue per acquired
  customer, which compares cohorts of different sizes).

Cells that lie after the last observed month (``as_of``, default: the last purchase
in the log) are nan, not 0: nobody could have bought there yet. The month containing
``as_of`` counts as observed even if it is not over.
"""

from __future__ import annotations

import pandas as pd

from solocrm.analytics.transaction_log import as_day, validate_transactions


def _month_number(timestamps: pd.Series) -> pd.Series:
    return timestamps.dt.year * 12 + timestamps.dt.month - 1


def cohort_activity(transactions: pd.DataFrame, as_of: object | None = None) -> pd.DataFrame:
    """Purchases with their ``cohort`` (month start) and ``months_since`` acquisition."""
    clean = validate_transactions(transactions)
    if as_of is not None:
        clean = clean[clean["timestamp"] < as_day(as_of) + pd.Timedelta(days=1)]
    month = _month_number(clean["timestamp"])
    first = month.groupby(clean["customer_id"]).transform("min")
    clean["cohort"] = (
        pd.to_datetime({"year": first // 12, "month": first % 12 + 1, "day": 1})
        if len(clean)
        else pd.Series(dtype="datetime64[ns]")
    )
    clean["months_since"] = (month - first).astype(int)
    return clean


def _matrix(activity: pd.DataFrame, values: pd.Series, as_of: object | None) -> pd.DataFrame:
    """Unstack to cohorts × months_since; 0 where observed but quiet, nan where unobserved."""
    table = values.unstack("months_since")
    if table.empty:
        return table
    table = table.reindex(columns=range(int(activity["months_since"].max()) + 1)).fillna(0.0)
    last = as_day(as_of) if as_of is not None else activity["timestamp"].max()
    last_month = last.year * 12 + last.month - 1
    cohort_month = pd.Series(table.index.year * 12 + table.index.month - 1, index=table.index)
    observed = pd.DataFrame({k: cohort_month + k <= last_month for k in table.columns})
    table = table.where(observed)
    table.columns.name = "months_since"
    return table


def cohort_sizes(transactions: pd.DataFrame, as_of: object | None = None) -> pd.Series:
    """Number of customers acquired in each month."""
    activity = cohort_activity(transactions, as_of)
    return activity.groupby("cohort")["customer_id"].nunique().rename("customers")


def cohort_retention(transactions: pd.DataFrame, as_of: object | None = None) -> pd.DataFrame:
    """Share of each cohort active in month k: rows cohorts, columns k = 0, 1, …"""
    activity = cohort_activity(transactions, as_of)
    active = activity.groupby(["cohort", "months_since"])["customer_id"].nunique()
    sizes = activity.groupby("cohort")["customer_id"].nunique()
    share = active / sizes.reindex(active.index.get_level_values("cohort")).to_numpy()
    return _matrix(activity, share, as_of)


def cohort_revenue(
    transactions: pd.DataFrame, as_of: object | None = None, per_customer: bool = False
) -> pd.DataFrame:
    """Revenue of each cohort in month k (or per acquired customer): rows cohorts, columns k."""
    activity = cohort_activity(transactions, as_of)
    revenue = activity.groupby(["cohort", "months_since"])["amount"].sum()
    if per_customer:
        sizes = activity.groupby("cohort")["customer_id"].nunique()
        revenue = revenue / sizes.reindex(revenue.index.get_level_values("cohort")).to_numpy()
    return _matrix(activity, revenue, as_of)
