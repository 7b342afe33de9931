"""The transaction-log contract shared by the analytics that start from raw purchases.

A transaction log is a DataFrame with one row per purchase and the columns
``customer_id``, ``timestamp`` and ``amount``. Purchases by one customer on the same
calendar day are merged into one purchase day (their amounts summed), so an order
split over several lines or payments counts once. Timezone-aware timestamps are
read as local wall-clock time (the zone is dropped, not converted); text timestamps
must be ISO 8601 (``2024-01-31`` or ``2024-01-31 17:05``).
"""

from __future__ import annotations

import pandas as pd

TRANSACTION_COLUMNS = ("customer_id", "timestamp", "amount")


def as_day(moment: object) -> pd.Timestamp:
    """A date, string or timestamp as a naive midnight ``Timestamp``."""
    timestamp = pd.Timestamp(moment)
    if timestamp.tzinfo is not None:
        timestamp = timestamp.tz_localize(None)
    return timestamp.normalize()


def validate_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Check the column contract and return a clean copy with typed columns.

    Raises ``ValueError`` naming the missing columns, or the first row whose
    customer, timestamp or amount is missing.
    """
    missing = [column for column in TRANSACTION_COLUMNS if column not in transactions.columns]
    if missing:
        raise ValueError(f"transactions lack the column(s): {', '.join(missing)}")
    clean = transactions.loc[:, list(TRANSACTION_COLUMNS)].copy()
    clean["timestamp"] = pd.to_datetime(clean["timestamp"], format="ISO8601")
    if getattr(clean["timestamp"].dt, "tz", None) is not None:
        clean["timestamp"] = clean["timestamp"].dt.tz_localize(None)
    clean["amount"] = pd.to_numeric(clean["amount"]).astype(float)
    for column in TRANSACTION_COLUMNS:
        missing_rows = clean.index[clean[column].isna()]
        if len(missing_rows):
            raise ValueError(f"transactions: {column} is missing in row {missing_rows[0]!r}")
    return clean.reset_index(drop=True)


def purchase_days(transactions: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and purchase day: ``customer_id``, ``day``, ``amount``."""
    clean = validate_transactions(transactions)
    clean["day"] = clean["timestamp"].dt.normalize()
    return clean.groupby(["customer_id", "day"], as_index=False, sort=True)["amount"].sum()
