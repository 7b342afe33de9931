"""Turn a transaction log into the per-customer summary that BTYD models consume.

The "buy till you die" models (BG/NBD, Pareto/NBD, Gamma-Gamma) do not look at single
transactions but at three numbers per customer, measured in model *periods* (days,
weeks or months) from the customer's first purchase:

- ``frequency`` ``x``: the number of REPEAT purchases (purchases after the first one);
- ``recency`` ``t_x``: the time of the last purchase, measured from the first purchase
  (``0`` when ``x = 0``);
- ``T``: the time from the first purchase to the end of observation.

Rules (the CDNOW standard of Fader, Hardie and Lee, also used by ``lifetimes``):

- Time stamps are floored to the calendar day and all purchases of one customer on one
  day are merged into one purchase whose amount is their sum. Times are then measured
  in whole days divided by the period length: ``day`` = 1, ``week`` = 7 and ``month`` =
  365.25 / 12 = 30.4375 days. So weekly recency and ``T`` are fractional (``38.857``
  weeks = 272 days), never rounded to calendar weeks.
- Refunds (negative amounts) are netted within a customer-day. A customer-day is a
  purchase when its net amount is positive, or zero without any refund in it (a free
  item, as in CDNOW's $0 orders). A day whose refunds outweigh or exactly cancel its
  purchases is not a purchase: it does not count towards ``frequency`` or ``orders``
  and its amount is not part of ``monetary_value`` or ``total_spend``. A refund booked
  on a later day than its purchase is therefore ignored (the model describes buying
  behaviour, not bookkeeping). A customer without any purchase-day does not appear in
  the summary.
- ``monetary_value`` is the mean amount of the repeat purchase-days (the first
  purchase is excluded, as the Gamma-Gamma model requires), ``0`` when ``x = 0``.

Everything is vectorised (one sort of the transactions, then ``np.add.reduceat``), so
ten million rows summarise in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Period = Literal["day", "week", "month"]

PERIOD_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0}
"""Length of each supported period in days (a month is the mean Gregorian month)."""

SUMMARY_COLUMNS = [
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "first_purchase",
    "last_purchase",
    "orders",
    "total_spend",
]


@dataclass(frozen=True)
class _PurchaseDays:
    """Customer-days with a positive net amount, sorted by customer code then day."""

    customers: pd.Index  # customer label for each code
    code: np.ndarray  # int64, customer code of each purchase-day
    day: np.ndarray  # int64, days since 1970-01-01
    amount: np.ndarray  # float64, net amount of the purchase-day (NaN without amounts)


def summarize_transactions(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    period: Period = "week",
    observation_end: object | None = None,
    first_purchase_end: object | None = None,
    time_format: str | None = "ISO8601",
) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer.

    Parameters
    ----------
    transactions:
        One row per transaction (order line, order or payment).
    customer_col, time_col, amount_col:
        Column names (the defaults are the shared transaction-log contract of
        :mod:`solocrm.analytics.transaction_log`). ``time_col`` may hold datetimes
        (timezone-aware ones are read as local wall-clock time) or text parsed with
        ``time_format`` (ISO 8601 by default; e.g. ``"%Y%m%d"`` for CDNOW's dates).
        ``amount_col=None`` counts every transaction as a purchase and leaves the
        monetary columns ``NaN``.
    period:
        Unit of ``recency`` and ``T``: ``"day"``, ``"week"`` (7 days) or ``"month"``
        (30.4375 days).
    observation_end:
        Last day of observation (inclusive); later transactions are ignored. Defaults
        to the day of the last transaction.
    first_purchase_end:
        Keep only customers whose first purchase is on or before this day (a cohort
        restriction, e.g. CDNOW's "first purchase in 1997 Q1").

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted), with columns ``frequency`` (int, repeat
        purchase-days), ``recency`` and ``T`` (float, periods), ``monetary_value``
        (mean amount of repeat purchase-days, 0 when ``frequency`` is 0),
        ``first_purchase`` and ``last_purchase`` (day timestamps), ``orders``
        (purchase-days, ``frequency + 1``) and ``total_spend`` (sum over purchase-days).

    Raises
    ------
    ValueError
        Naming the column, for a missing column, a missing customer, a missing or
        unparsable time stamp or a missing or non-numeric amount, and for an unknown
        ``period``.
    """
    period_days = _period_days(period)
    purchases = _purchase_days(transactions, customer_col, time_col, amount_col, time_format)
    end_day = _end_day(observation_end, purchases.day)
    keep = purchases.day <= end_day
    summary = _summarize(purchases, keep, end_day, period_days).drop(columns="_code")
    if first_purchase_end is not None:
        cutoff = _as_day(first_purchase_end, "first_purchase_end")
        summary = summary[summary["first_purchase"] <= _day_timestamp(cutoff)]
    summary.index.name = customer_col
    return summary


def calibration_holdout_split(
    transactions: pd.DataFrame,
    *,
    calibration_end: object,
    observation_end: object | None = None,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    period: Period = "week",
    first_purchase_end: object | None = None,
    time_format: str | None = "ISO8601",
) -> pd.DataFrame:
    """Split the log into a calibration summary and the hold-out outcome.

    The calibration columns are those of :func:`summarize_transactions` computed on the
    purchases up to ``calibration_end`` (inclusive); only customers with a purchase by
    then are kept. Three hold-out columns describe the days after ``calibration_end`` up
    to ``observation_end`` (inclusive):

    - ``frequency_holdout``: purchase-days in the hold-out window;
    - ``monetary_value_holdout``: their mean amount (0 when there are none);
    - ``duration_holdout``: length of the window in periods, the same for everyone.

    Raises ``ValueError`` when ``calibration_end`` is not before ``observation_end``.
    """
    period_days = _period_days(period)
    purchases = _purchase_days(transactions, customer_col, time_col, amount_col, time_format)
    calibration_day = _as_day(calibration_end, "calibration_end")
    end_day = _end_day(observation_end, purchases.day)
    if calibration_day >= end_day:
        raise ValueError(
            f"calibration_end ({_day_timestamp(calibration_day).date()}) must be before "
            f"observation_end ({_day_timestamp(end_day).date()})"
        )
    in_calibration = purchases.day <= calibration_day
    summary = _summarize(purchases, in_calibration, calibration_day, period_days)

    in_holdout = (purchases.day > calibration_day) & (purchases.day <= end_day)
    n_customers = len(purchases.customers)
    holdout_count = np.bincount(purchases.code[in_holdout], minlength=n_customers)
    holdout_spend = np.bincount(
        purchases.code[in_holdout], weights=purchases.amount[in_holdout], minlength=n_customers
    )
    codes = summary.pop("_code").to_numpy()
    count = holdout_count[codes]
    summary["frequency_holdout"] = count.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["monetary_value_holdout"] = np.where(
            count > 0, holdout_spend[codes] / np.maximum(count, 1), 0.0
        )
    if amount_col is None:
        summary["monetary_value_holdout"] = np.nan
    summary["duration_holdout"] = (end_day - calibration_day) / period_days
    if first_purchase_end is not None:
        cutoff = _as_day(first_purchase_end, "first_purchase_end")
        summary = summary[summary["first_purchase"] <= _day_timestamp(cutoff)]
    summary.index.name = customer_col
    return summary


def _summarize(
    purchases: _PurchaseDays, keep: np.ndarray, end_day: int, period_days: float
) -> pd.DataFrame:
    """Per-customer figures from the kept purchase-days (sorted by customer, day)."""
    code = purchases.code[keep]
    day = purchases.day[keep]
    amount = purchases.amount[keep]
    if code.size == 0:
        no_days = np.empty(0, dtype=np.int64)
        return pd.DataFrame(
            {
                "frequency": no_days,
                "recency": np.empty(0),
                "T": np.empty(0),
                "monetary_value": np.empty(0),
                "first_purchase": _day_timestamps(no_days),
                "last_purchase": _day_timestamps(no_days),
                "orders": no_days,
                "total_spend": np.empty(0),
                "_code": no_days,
            },
            index=purchases.customers[:0],
        )
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], code.size] - 1
    orders = ends - starts + 1
    first_day = day[starts]
    last_day = day[ends]
    repeat_amount = amount.copy()
    repeat_amount[starts] = 0.0
    repeat_spend = np.add.reduceat(repeat_amount, starts)
    frequency = orders - 1
    monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    if np.isnan(amount).any():
        monetary = np.full(orders.shape, np.nan)
    customer_code = code[starts]
    summary = pd.DataFrame(
        {
            "frequency": frequency.astype(np.int64),
            "recency": (last_day - first_day) / period_days,
            "T": (end_day - first_day) / period_days,
            "monetary_value": monetary,
            "first_purchase": _day_timestamps(first_day),
            "last_purchase": _day_timestamps(last_day),
            "orders": orders.astype(np.int64),
            "total_spend": np.add.reduceat(amount, starts),
            "_code": customer_code,
        },
        index=purchases.customers[customer_code],
    )
    return summary


def _purchase_days(
    transactions: pd.DataFrame,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    time_format: str | None,
) -> _PurchaseDays:
    """Validate the columns, merge each customer's day and keep the purchase-days."""
    for column in (customer_col, time_col, amount_col):
        if column is not None and column not in transactions.columns:
            raise ValueError(f"column {column!r} is missing from the transactions")
    customer = transactions[customer_col]
    missing = customer.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"column {customer_col!r} has a missing value (row {_first_label(customer, missing)})"
        )
    code, customers = _customer_codes(customer)
    day = _days(transactions[time_col], time_col, time_format)
    if amount_col is None:
        amount = np.ones(len(transactions))
    else:
        amount = _amounts(transactions[amount_col], amount_col)

    if code.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return _PurchaseDays(customers, empty, empty, np.empty(0))
    first = int(day.min())
    span = int(day.max()) - first + 1
    key = code * span + (day - first)
    if key.size > 1 and not np.all(key[1:] >= key[:-1]):
        key, order = _sort_with_order(key, len(customers) * span - 1)
        amount = amount[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    net = np.add.reduceat(amount, starts)
    lowest = np.minimum.reduceat(amount, starts)
    is_purchase = (net > 0) | ((net == 0) & (lowest >= 0))
    key = key[starts][is_purchase]
    net = net[is_purchase]
    if amount_col is None:
        net = np.full(net.shape, np.nan)
    return _PurchaseDays(customers, key // span, key % span + first, net)


def _customer_codes(customer: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Code of each row's customer (0, 1, ... in sorted customer order) and the labels.

    Integer ids in a compact range (the usual database keys) are ranked with a lookup
    table, several times faster than hashing; anything else goes through
    ``pd.factorize``.
    """
    values = customer.to_numpy()
    if values.size and values.dtype.kind in "iu":
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * values.size + 1_000_000:
            offset = (values - low).astype(np.int64)
            present = np.zeros(high - low + 1, dtype=bool)
            present[offset] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            labels = pd.Index(np.flatnonzero(present) + low, dtype=values.dtype)
            return rank[offset], labels
    code, labels = pd.factorize(customer, sort=True)
    return code.astype(np.int64, copy=False), labels


def _sort_with_order(key: np.ndarray, largest_key: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``key`` and the stable permutation that sorts it.

    When the key and the row number fit together in 63 bits, sorting the packed
    ``key << bits | row`` with numpy's vectorised ``np.sort`` is several times faster
    than ``np.argsort``, and equally stable; otherwise fall back to a stable argsort.
    """
    row_bits = max(1, (key.size - 1).bit_length())
    if largest_key.bit_length() + row_bits <= 63:
        packed = np.sort((key << row_bits) | np.arange(key.size, dtype=np.int64))
        return packed >> row_bits, packed & ((1 << row_bits) - 1)
    order = np.argsort(key, kind="stable")
    return key[order], order


def _days(values: pd.Series, column: str, time_format: str | None) -> np.ndarray:
    """Days since 1970-01-01 (int64) of each time stamp, floored to the local day."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        try:
            parsed = pd.to_datetime(values, format=time_format, errors="coerce")
        except (TypeError, ValueError) as error:
            raise ValueError(f"column {column!r} cannot be read as dates: {error}") from error
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        bad = parsed.isna().to_numpy()
        if bad.any():
            row = _first_label(values, bad)
            raise ValueError(
                f"column {column!r} has a missing or unparsable date "
                f"{values.loc[row]!r} (row {row})"
            )
        values = parsed
    stamps = values.to_numpy()
    bad = np.isnat(stamps)
    if bad.any():
        raise ValueError(f"column {column!r} has a missing date (row {_first_label(values, bad)})")
    return stamps.astype("datetime64[D]").astype(np.int64)


def _amounts(values: pd.Series, column: str) -> np.ndarray:
    """Amounts as float64; missing or non-numeric values are refused."""
    numeric = pd.to_numeric(values, errors="coerce")
    bad = ~np.isfinite(numeric.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        row = _first_label(values, bad)
        raise ValueError(
            f"column {column!r} has a missing or non-numeric amount {values.loc[row]!r} (row {row})"
        )
    return numeric.to_numpy(dtype=np.float64)


def _first_label(values: pd.Series, mask: np.ndarray) -> object:
    return values.index[int(np.argmax(mask))]


def _period_days(period: str) -> float:
    try:
        return PERIOD_DAYS[period]
    except KeyError:
        raise ValueError(f"period must be one of {sorted(PERIOD_DAYS)}, not {period!r}") from None


def _as_day(value: object, name: str) -> int:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} is not a date: {value!r}") from error
    if stamp is pd.NaT:
        raise ValueError(f"{name} is not a date: {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(np.datetime64(stamp.to_datetime64(), "D").astype(np.int64))


def _end_day(observation_end: object | None, days: np.ndarray) -> int:
    if observation_end is not None:
        return _as_day(observation_end, "observation_end")
    if days.size == 0:
        raise ValueError("there are no purchases to summarise")
    return int(days.max())


def _day_timestamps(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _day_timestamp(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(day, "D"))
