"""Run every analysis that a transaction log supports and collect the results.

:func:`analyze_transactions` takes the transaction-log contract (``customer_id``,
``timestamp``, ``amount``; one row per order line, payment or refund) and returns an
:class:`AnalysisReport`: one row per customer (``customers``) and a JSON-ready
``summary``. :func:`write_report` writes them as ``customers.csv`` and
``summary.json``; :func:`summary_text` is the short human summary. Nothing here
touches Django or a database (``solocrm analyze`` is a thin wrapper).

The as-of day. Everything is measured at the end of the analysed window: the
``observation_end`` (default: the last transaction day), or, with a ``holdout_start``,
the day before it. The hold-out run is a back-test: models are fitted on the
calibration period (purchases before ``holdout_start``), the customer table shows
what they would have said then, and the ``holdout`` block compares their forecasts
with what happened from ``holdout_start`` to ``observation_end``.

Refunds (negative amounts) follow the rule of :mod:`solocrm.analytics.summary` for
every model: a customer's transactions on one day are netted; the day is a purchase
when the net is positive, or zero without a refund (a free order). A refund on a later
day than its purchase does not reduce that purchase. A customer whose every day nets
to zero or less (only refunds) is kept in the customer table with ``refund_only`` set
and no model figures, and counted in the summary.

Steps (in :mod:`solocrm.analytics.report_steps`), each skipped with its reason in the
summary when the data cannot support it:

1. summary figures per customer (frequency, recency, T, monetary value, orders, total
   spend, first and last purchase);
2. BG/NBD (needs ``MIN_REPEAT_CUSTOMERS`` customers with a repeat purchase):
   expected purchases over the horizon and P(alive);
3. Gamma-Gamma on repeat customers with positive spend (as many again): expected spend
   per purchase, and with BG/NBD the CLV over ``horizon_months`` monthly steps;
4. churn probability for the next ``churn_window_days`` days: :class:`ChurnModel`
   trained at ``as_of - window`` on up to ``churn_sample_size`` customers;
5. RFM scores and segments, value score (frequency = purchase days, monetary = total
   spend, no feedback in a transaction file so it counts as neutral) and tiers;
6. k-means clusters (fitted on up to ``cluster_sample_size`` customers, then every
   customer is assigned to the nearest centre) with their profiles;
7. lifecycle stage from purchases, days since the last purchase and P(alive).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from solocrm.analytics.report_steps import (
    VALUE_NORMALIZATION,
    AnalysisSettings,
    Run,
    Window,
    churn_probabilities,
    cluster_customers,
    fit_bgnbd,
    fit_gamma_gamma,
    holdout_block,
    horizon_periods,
    iso,
    lifecycle_stages,
    lifetime_values,
    value_and_rfm,
)
from solocrm.analytics.summary import calibration_holdout_split, summarize_transactions

__all__ = ["AnalysisError", "AnalysisReport", "AnalysisSettings", "analyze_transactions"]


class AnalysisError(ValueError):
    """Settings that do not fit the data (e.g. a hold-out start after the last day)."""


@dataclass
class AnalysisReport:
    """``customers``: one row per customer (index ``customer_id``); ``summary``: JSON."""

    customers: pd.DataFrame
    summary: dict[str, Any]


def analyze_transactions(
    transactions: pd.DataFrame,
    settings: AnalysisSettings | None = None,
    *,
    customer_labels: pd.Index | None = None,
    source: dict[str, Any] | None = None,
) -> AnalysisReport:
    """Run every step the data supports (see the module docstring).

    ``transactions`` has ``customer_id``, ``timestamp`` (datetime64) and ``amount``.
    When ``customer_id`` holds integer codes, ``customer_labels[code]`` names them in
    the output (:func:`solocrm.analytics.io.read_transactions` returns both).

    Numerical libraries run single-threaded here: on a busy two-core machine the
    OpenMP workers of k-means spin-wait against other processes and made clustering
    25 times slower than one thread.
    """
    with threadpool_limits(limits=1):
        return _analyze(transactions, settings, customer_labels, source)


def _analyze(
    transactions: pd.DataFrame,
    settings: AnalysisSettings | None,
    customer_labels: pd.Index | None,
    source: dict[str, Any] | None,
) -> AnalysisReport:
    run = Run(settings or AnalysisSettings())
    started = time.perf_counter()
    with run.step("purchase_days"):
        codes, labels = _customer_codes(transactions["customer_id"], customer_labels)
        days = transactions["timestamp"].to_numpy().astype("datetime64[D]").astype(np.int64)
        amounts = transactions["amount"].to_numpy(dtype=np.float64)
        window = _window(days, run.settings)
        log, refunds = _purchase_day_log(codes, days, amounts, window)
    with run.step("summary"):
        summary = _summarize(log, window, run.settings)
    run.summary["input"] = dict(source or {})
    run.summary["parameters"] = _parameters(run.settings, window)
    run.summary["counts"] = _counts(codes, days, window, summary, refunds)
    customers = summary.loc[:, ["first_purchase", "last_purchase", "orders", "total_spend"]]
    customers = customers.join(summary[["frequency", "recency", "T", "monetary_value"]])
    with run.step("value_and_rfm"):
        customers = customers.join(value_and_rfm(summary, window, run))
    with run.step("bgnbd"):
        transaction_model = fit_bgnbd(summary, run)
    with run.step("gamma_gamma"):
        spend_model = fit_gamma_gamma(summary, run)
    with run.step("clv"):
        customers = customers.join(lifetime_values(summary, transaction_model, spend_model, run))
    with run.step("churn"):
        churn_model, churn = churn_probabilities(log, window, run)
        customers["churn_probability"] = churn.reindex(customers.index)
    with run.step("clusters"):
        customers = customers.join(cluster_customers(customers, run))
    with run.step("lifecycle"):
        customers = customers.join(lifecycle_stages(customers))
    if window.holdout_start is not None:
        with run.step("holdout"):
            run.summary["holdout"] = holdout_block(
                summary, log, window, transaction_model, churn_model
            )
            customers = customers.join(summary[["frequency_holdout", "monetary_value_holdout"]])
    customers = _add_refund_only(customers, refunds)
    customers.index = labels[customers.index.to_numpy()] if labels is not None else customers.index
    customers.index.name = "customer_id"
    run.timings["total"] = round(time.perf_counter() - started, 3)
    run.cpu["total"] = round(sum(run.cpu.values()), 3)
    run.summary["timings_seconds"] = run.timings
    run.summary["cpu_seconds"] = run.cpu
    run.summary["peak_memory_mb"] = run.peak_memory_mb
    return AnalysisReport(customers=customers, summary=run.summary)


def _day(value: object, name: str) -> int:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} is not a date: {value!r}") from None
    if stamp is pd.NaT:
        raise AnalysisError(f"{name} is not a date: {value!r}")
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _window(days: np.ndarray, settings: AnalysisSettings) -> Window:
    if days.size == 0:
        raise AnalysisError("there are no transactions to analyse")
    first, last = int(days.min()), int(days.max())
    end = (
        last
        if settings.observation_end is None
        else _day(settings.observation_end, "observation_end")
    )
    if end < first:
        raise AnalysisError(
            f"observation_end {iso(end)} is before the first transaction ({iso(first)})"
        )
    if settings.holdout_start is None:
        return Window(first, end, end, None)
    start = _day(settings.holdout_start, "holdout_start")
    if not first < start <= end:
        raise AnalysisError(
            f"holdout_start {iso(start)} must be after the first transaction ({iso(first)}) "
            f"and on or before observation_end ({iso(end)})"
        )
    return Window(first, start - 1, end, start)


def _customer_codes(
    customer: pd.Series, labels: pd.Index | None
) -> tuple[np.ndarray, pd.Index | None]:
    if labels is not None:
        return customer.to_numpy(dtype=np.int64), labels
    codes, uniques = pd.factorize(customer, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


@dataclass(frozen=True)
class _Refunds:
    transactions: int
    amount: float
    days_with_refunds: int
    days_cancelled: int
    per_customer: pd.Series  # refunded amount (positive) by customer code, as of as_of
    only_refunds: np.ndarray  # customer codes without a purchase day by as_of


def _purchase_day_log(
    codes: np.ndarray, days: np.ndarray, amounts: np.ndarray, window: Window
) -> tuple[pd.DataFrame, _Refunds]:
    """Net each customer-day and keep the purchase days (the summary module's rule).

    Returns the log sorted by customer and day (so later sorts are no-ops) with one row
    per purchase day up to ``observation_end``, and the refund counts.
    """
    keep = days <= window.observation_end
    code, day, amount = codes[keep], days[keep], amounts[keep]
    refund = np.flatnonzero(amount < 0)
    refund_amount, refund_code = -amount[refund], code[refund]
    in_window = day[refund] <= window.as_of
    span = int(day.max()) - window.first_day + 1
    key = code * span + (day - window.first_day)
    del code, day
    order = np.argsort(key)
    key, amount = key[order], amount[order]
    del order
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    net = np.add.reduceat(amount, starts)
    lowest = np.minimum.reduceat(amount, starts)
    is_purchase = (net > 0) | ((net == 0) & (lowest >= 0))
    day_key = key[starts]
    day_code, day_day = day_key // span, day_key % span + window.first_day
    seen = day_day <= window.as_of
    buyers = _sorted_unique(day_code[seen & is_purchase])
    everyone = _sorted_unique(day_code[seen])
    per_customer = pd.Series(refund_amount[in_window]).groupby(refund_code[in_window]).sum()
    refunds = _Refunds(
        transactions=int(refund.size),
        amount=float(refund_amount.sum()),
        days_with_refunds=int((lowest < 0).sum()),
        days_cancelled=int(((lowest < 0) & ~is_purchase).sum()),
        per_customer=per_customer,
        only_refunds=np.setdiff1d(everyone, buyers, assume_unique=True),
    )
    log = pd.DataFrame(
        {
            "customer_id": day_code[is_purchase],
            "timestamp": day_day[is_purchase].astype("datetime64[D]").astype("datetime64[s]"),
            "amount": net[is_purchase],
        }
    )
    return log, refunds


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values of an already sorted array."""
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _summarize(log: pd.DataFrame, window: Window, settings: AnalysisSettings) -> pd.DataFrame:
    if log.empty:
        raise AnalysisError("no customer has a purchase (every day nets to a refund)")
    if window.holdout_start is None:
        summary = summarize_transactions(
            log, period=settings.period, observation_end=iso(window.as_of)
        )
    else:
        summary = calibration_holdout_split(
            log,
            calibration_end=iso(window.as_of),
            observation_end=iso(window.observation_end),
            period=settings.period,
        )
    if summary.empty:
        raise AnalysisError(f"no customer has a purchase by {iso(window.as_of)}")
    return summary


def _parameters(settings: AnalysisSettings, window: Window) -> dict[str, Any]:
    parameters = asdict(settings)
    parameters.update(
        observation_end=iso(window.observation_end),
        as_of=iso(window.as_of),
        first_transaction=iso(window.first_day),
        horizon_periods=horizon_periods(settings),
        discount_rate_unit="per month",
        value_score={
            "weights": {"frequency": 0.4, "monetary": 0.4, "feedback": 0.2},
            "normalization": VALUE_NORMALIZATION,
            "feedback": "not in a transaction file: neutral 0.5 for everyone",
        },
    )
    if window.holdout_start is not None:
        parameters["holdout_start"] = iso(window.holdout_start)
    return parameters


def _counts(
    codes: np.ndarray, days: np.ndarray, window: Window, summary: pd.DataFrame, refunds: _Refunds
) -> dict[str, Any]:
    analysed = days <= window.as_of
    in_file = int(np.count_nonzero(np.bincount(codes))) if codes.size else 0
    customers = int(len(summary) + refunds.only_refunds.size)
    return {
        "transactions": int(codes.size),
        "transactions_analysed": int(analysed.sum()),
        "transactions_after_observation_end": int((days > window.observation_end).sum()),
        "customers_in_file": in_file,
        "customers": customers,
        "customers_first_seen_after_as_of": in_file - customers,
        "customers_with_purchases": len(summary),
        "repeat_customers": int((summary["frequency"] > 0).sum()),
        "refunds": {
            "rule": "netted with the same customer's purchases on the same day",
            "transactions": refunds.transactions,
            "amount": refunds.amount,
            "days_with_refunds": refunds.days_with_refunds,
            "days_cancelled_by_refunds": refunds.days_cancelled,
            "customers_with_only_refunds": int(refunds.only_refunds.size),
        },
    }


def _add_refund_only(customers: pd.DataFrame, refunds: _Refunds) -> pd.DataFrame:
    customers["refund_amount"] = refunds.per_customer.reindex(customers.index).fillna(0.0)
    customers["refund_only"] = False
    if refunds.only_refunds.size == 0:
        return customers
    extra = pd.DataFrame(
        {
            "orders": 0,
            "total_spend": 0.0,
            "refund_amount": refunds.per_customer.reindex(refunds.only_refunds).fillna(0.0),
            "refund_only": True,
        },
        index=pd.Index(refunds.only_refunds),
    )
    return pd.concat([customers, extra]).sort_index()
