"""Lifecycle stage of every customer from purchases, contact and P(alive).

Input: one row per customer with the columns

- ``purchases``: number of purchases (required);
- ``days_since_last_purchase``: required when purchases > 0;
- ``interactions`` and ``tickets``: counts of logged interactions (notes, calls,
  emails, meetings, messages) and service tickets (optional, default 0);
- ``days_since_last_contact``: days since the last interaction or ticket (optional);
- ``p_alive``: probability that the customer is still active, e.g. from BG/NBD
  (optional; nan = unknown, then only the day rules apply).

Rules, applied in this order (thresholds are parameters, defaults in brackets):

1. no purchase, no interaction and no ticket → ``lead`` (known, not yet engaged);
2. no purchase but at least one interaction or ticket → ``prospect``;
3. P(alive) < ``churned_p_alive`` [0.2] or days since the last purchase ≥
   ``churned_days`` [365] → ``churned``, unless they were in contact within the
   last ``at_risk_days``, which makes them ``at_risk`` (still reachable);
4. P(alive) < ``at_risk_p_alive`` [0.5] or days since the last purchase ≥
   ``at_risk_days`` [180] → ``at_risk``;
5. exactly one purchase → ``first_time_customer``;
6. otherwise → ``repeat_customer``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LIFECYCLE_STAGES = (
    "lead",
    "prospect",
    "first_time_customer",
    "repeat_customer",
    "at_risk",
    "churned",
)

STAGE_LABELS: dict[str, dict[str, str]] = {
    "lead": {"en": "Lead", "zh": "线索"},
    "prospect": {"en": "Prospect", "zh": "潜在客户"},
    "first_time_customer": {"en": "First-time customer", "zh": "首购客户"},
    "repeat_customer": {"en": "Repeat customer", "zh": "复购客户"},
    "at_risk": {"en": "At risk", "zh": "有流失风险"},
    "churned": {"en": "Churned", "zh": "已流失"},
}


def _column(customers: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name not in customers.columns:
        return np.full(len(customers), default)
    return customers[name].to_numpy(dtype=float)


def lifecycle_stage(
    customers: pd.DataFrame,
    *,
    at_risk_days: float = 180,
    churned_days: float = 365,
    at_risk_p_alive: float = 0.5,
    churned_p_alive: float = 0.2,
) -> pd.Series:
    """The stage key of every customer (see the module docstring), on the input index."""
    if "purchases" not in customers.columns:
        raise ValueError("customers lack the column: purchases")
    if not at_risk_days <= churned_days:
        raise ValueError("at_risk_days must not exceed churned_days")
    if not churned_p_alive <= at_risk_p_alive:
        raise ValueError("churned_p_alive must not exceed at_risk_p_alive")
    purchases = customers["purchases"].to_numpy(dtype=float)
    days = _column(customers, "days_since_last_purchase", np.nan)
    unknown_days = (purchases > 0) & np.isnan(days)
    if unknown_days.any():
        row = customers.index[np.argmax(unknown_days)]
        raise ValueError(f"days_since_last_purchase is missing for buyer {row!r}")
    contacts = _column(customers, "interactions", 0) + _column(customers, "tickets", 0)
    recent_contact = _column(customers, "days_since_last_contact", np.nan) < at_risk_days
    p_alive = _column(customers, "p_alive", np.nan)
    gone = (p_alive < churned_p_alive) | (days >= churned_days)
    slipping = (p_alive < at_risk_p_alive) | (days >= at_risk_days)
    stages = np.select(
        [
            (purchases == 0) & (contacts == 0),
            purchases == 0,
            gone & ~recent_contact,
            gone | slipping,
            purchases == 1,
        ],
        ["lead", "prospect", "churned", "at_risk", "first_time_customer"],
        default="repeat_customer",
    )
    return pd.Series(stages.astype(object), index=customers.index, name="lifecycle_stage")


def lifecycle_labels(stages: pd.Series, language: str = "en") -> pd.Series:
    """Human labels (``en`` or ``zh``) for stage keys."""
    return stages.map(lambda key: STAGE_LABELS[key][language])
