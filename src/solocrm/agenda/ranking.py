"""The Today page's score: one number per item, higher first (docs/today.md).

    score = base(kind) + urgency + priority + insight

* ``urgency`` grows by a per-day weight with how late the item is, up to a cap, so a
  very old item cannot bury everything else;
* ``priority`` applies to tasks only;
* ``insight`` raises (or lowers) items about a customer by their value and churn risk:
  ``W_VALUE·(value − ½) + W_RISK·(risk − ½)`` with both figures in [0, 1]. Without
  insights every customer is neutral (½, ½) and the term is 0.

The insights app plugs in through :func:`register_customer_signals`; until it does,
:func:`insight_model_signals` reads ``insights.CustomerInsight`` if such a model exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps

TASK_OVERDUE_BASE = 50
TASK_DUE_TODAY_BASE = 40
TASK_OVERDUE_PER_DAY, TASK_OVERDUE_CAP_DAYS = 3, 10
PRIORITY_POINTS = {0: -10, 1: 0, 2: 15, 3: 30}  # low, normal, high, urgent
DEAL_CLOSE_PASSED_BASE = 45
DEAL_CLOSE_PER_DAY, DEAL_CLOSE_CAP_DAYS = 2, 15
CONTACT_DUE_BASE = 35
CONTACT_PER_DAY, CONTACT_CAP_DAYS = 1, 30
DEAL_STALE_BASE = 30
DEAL_STALE_PER_DAY, DEAL_STALE_CAP_DAYS = 0.5, 30
BIRTHDAY_BASE = 38
W_VALUE, W_RISK = 20, 20
NEUTRAL = 0.5
MAX_INSIGHT = (W_VALUE + W_RISK) * (1 - NEUTRAL)
# The best score each kind can reach (all caps met, insight at its most): a kind whose
# best is below what the list already holds need not be read.
MAX_SCORE = {
    "task": TASK_OVERDUE_BASE
    + TASK_OVERDUE_PER_DAY * TASK_OVERDUE_CAP_DAYS
    + max(PRIORITY_POINTS.values())
    + MAX_INSIGHT,
    "deal": max(
        DEAL_CLOSE_PASSED_BASE + DEAL_CLOSE_PER_DAY * DEAL_CLOSE_CAP_DAYS,
        DEAL_STALE_BASE + DEAL_STALE_PER_DAY * DEAL_STALE_CAP_DAYS,
    )
    + MAX_INSIGHT,
    "contact": CONTACT_DUE_BASE + CONTACT_PER_DAY * CONTACT_CAP_DAYS + MAX_INSIGHT,
    "birthday": BIRTHDAY_BASE + MAX_INSIGHT,
}


def max_score(kind: str, *, neutral: bool) -> float:
    """The best score ``kind`` can reach; without insight (``neutral``) it cannot gain
    the insight term's maximum."""
    return MAX_SCORE[kind] - (MAX_INSIGHT if neutral else 0)


def _late(days: int, per_day: float, cap: int) -> float:
    return per_day * min(max(days, 0), cap)


def task_score(*, overdue_days: int | None, priority: int) -> float:
    """``overdue_days`` is None for a task due later today, else whole days late (≥ 0)."""
    points = PRIORITY_POINTS.get(priority, 0)
    if overdue_days is None:
        return TASK_DUE_TODAY_BASE + points
    return (
        TASK_OVERDUE_BASE
        + _late(overdue_days, TASK_OVERDUE_PER_DAY, TASK_OVERDUE_CAP_DAYS)
        + points
    )


def contact_score(*, overdue_days: int) -> float:
    return CONTACT_DUE_BASE + _late(overdue_days, CONTACT_PER_DAY, CONTACT_CAP_DAYS)


def deal_score(*, days_past_close: int | None, days_stale: int | None) -> float:
    """``days_stale`` counts the days beyond the "no activity" threshold."""
    scores = []
    if days_past_close is not None:
        scores.append(
            DEAL_CLOSE_PASSED_BASE + _late(days_past_close, DEAL_CLOSE_PER_DAY, DEAL_CLOSE_CAP_DAYS)
        )
    if days_stale is not None:
        scores.append(DEAL_STALE_BASE + _late(days_stale, DEAL_STALE_PER_DAY, DEAL_STALE_CAP_DAYS))
    return max(scores)


def birthday_score() -> float:
    return BIRTHDAY_BASE


@dataclass(frozen=True)
class CustomerSignals:
    """What the insights know of a customer, each in [0, 1]; ½ is "no opinion"."""

    value: float = NEUTRAL
    churn_risk: float = NEUTRAL

    def points(self) -> float:
        return W_VALUE * (_unit(self.value) - NEUTRAL) + W_RISK * (_unit(self.churn_risk) - NEUTRAL)


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


SignalProvider = Callable[[list[int]], dict[int, CustomerSignals]]
_PROVIDERS: list[SignalProvider] = []


def register_customer_signals(provider: SignalProvider) -> None:
    """Let a later app (insights) supply value and churn risk per customer id."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def insight_model_signals(customer_ids: list[int]) -> dict[int, CustomerSignals]:
    """``insights.CustomerInsight`` rows if the model exists, with whichever of
    ``value_score`` and ``churn_risk`` it has (expected in [0, 1])."""
    try:
        model = apps.get_model("insights", "CustomerInsight")
    except LookupError:
        return {}
    names = {f.name for f in model._meta.concrete_fields}
    fields = [f for f in ("value_score", "churn_risk") if f in names]
    if "customer" not in names or not fields:
        return {}
    rows = model._default_manager.filter(customer_id__in=customer_ids).values(
        "customer_id", *fields
    )
    return {
        row["customer_id"]: CustomerSignals(
            value=NEUTRAL if row.get("value_score") is None else row["value_score"],
            churn_risk=NEUTRAL if row.get("churn_risk") is None else row["churn_risk"],
        )
        for row in rows
    }


def insight_is_neutral() -> bool:
    """True when nothing supplies signals: every customer's insight term is then 0."""
    if _PROVIDERS:
        return False
    try:
        apps.get_model("insights", "CustomerInsight")
    except LookupError:
        return True
    return False


def customer_signals(customer_ids: Iterable[int]) -> dict[int, CustomerSignals]:
    """Signals for each id; a customer nobody knows anything about is neutral."""
    ids = sorted(set(customer_ids))
    found: dict[int, CustomerSignals] = {}
    if not ids:
        return found
    for provider in _PROVIDERS or [insight_model_signals]:
        found.update(provider(ids))
    return {pk: found.get(pk, CustomerSignals()) for pk in ids}
