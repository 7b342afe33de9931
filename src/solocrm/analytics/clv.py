"""Customer lifetime value: discounted expected future spend.

Two formulas:

- :func:`discounted_value` is the seed document's ``CLV = sum_t value_t / (1+d)^t`` for a
  known series of values, ``t = 1, 2, ...`` (end-of-step cash flows, so even the first
  value is discounted once).
- :func:`customer_lifetime_value` fills that series with model predictions: a
  transaction model (BG/NBD or Pareto/NBD) gives the expected number of purchases in each
  future step, a spend model (Gamma-Gamma) the expected spend per purchase:

      CLV = margin * E[spend | x, m] * sum_{k=1..K} (E[Y(k s)] - E[Y((k-1) s)]) / (1+d)^k

  where ``E[Y(t)]`` is the expected number of purchases in ``(T, T+t]`` given ``(x,
  t_x, T)``, ``s`` is the number of model periods per step (4.345 weeks per month) and
  ``d`` the discount rate per step. With ``margin = 1`` this is the ``lifetimes``
  ``customer_lifetime_value`` (there ``time`` = ``horizon_steps``, months).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from solocrm.analytics.bgnbd import distinct_rows

WEEKS_PER_MONTH = 365.25 / 12.0 / 7.0  # 4.348...; lifetimes uses the rounded 4.345


class TransactionModel(Protocol):
    """A fitted purchase-count model such as :class:`~solocrm.analytics.bgnbd.BetaGeoFitter`.

    It may also offer ``conditional_expected_purchases_path(times, frequency, recency,
    T)`` returning the cumulative expectations at all ``times`` at once.
    """

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray: ...


class SpendModel(Protocol):
    """A fitted spend model such as :class:`~solocrm.analytics.gamma_gamma.GammaGammaFitter`."""

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> np.ndarray: ...


def discounted_value(values: ArrayLike, discount_rate: float, *, first_step: int = 1) -> np.ndarray:
    """Present value ``sum_t values[..., t] / (1 + discount_rate)^(t + first_step)``.

    ``values`` holds one value per step along its last axis (several customers may be
    stacked along the first axes); the result drops that axis. ``first_step=1`` (the
    default) discounts the first value once, ``first_step=0`` leaves it undiscounted.
    ``discount_rate`` is per step and must be greater than -1.
    """
    if not discount_rate > -1.0:
        raise ValueError(f"discount_rate must be greater than -1, not {discount_rate!r}")
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        raise ValueError("values must hold at least one step")
    steps = np.arange(array.shape[-1]) + first_step
    return array @ (1.0 + discount_rate) ** -steps.astype(float)


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon_steps: int = 12,
    periods_per_step: float = WEEKS_PER_MONTH,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> np.ndarray:
    """Discounted expected margin of each customer over the next ``horizon_steps`` steps.

    Parameters
    ----------
    transaction_model, spend_model:
        Fitted models (see :class:`TransactionModel`, :class:`SpendModel`).
    frequency, recency, T, monetary_value:
        Per-customer summary in the model's period (weeks for a weekly summary).
    horizon_steps:
        Number of discounting steps, e.g. 12 months.
    periods_per_step:
        Model periods per step, e.g. ``WEEKS_PER_MONTH`` for a weekly model and monthly
        steps, ``1`` when steps and periods coincide.
    discount_rate:
        Discount rate per step (e.g. 0.01 a month), greater than -1.
    margin:
        Share of spend that is profit (1 = revenue).

    The expected purchases depend on ``(x, t_x, T)`` only, so they are computed once
    per distinct triple; a model with a ``conditional_expected_purchases_path(times,
    frequency, recency, T)`` method (BG/NBD has one) computes all steps in one call,
    otherwise ``conditional_expected_purchases`` is called once per step. Returns one
    value per customer.
    """
    if horizon_steps < 1:
        raise ValueError("horizon_steps must be at least 1")
    if not periods_per_step > 0:
        raise ValueError("periods_per_step must be positive")
    if not discount_rate > -1.0:
        raise ValueError(f"discount_rate must be greater than -1, not {discount_rate!r}")
    x, t_x, age, money = (
        np.asarray(v, dtype=float).ravel() for v in (frequency, recency, T, monetary_value)
    )
    if not x.shape == t_x.shape == age.shape == money.shape:
        raise ValueError("frequency, recency, T and monetary_value must have the same length")
    (ux, ut, uT), position = distinct_rows(x, t_x, age)
    times = periods_per_step * np.arange(1, horizon_steps + 1)
    path = getattr(transaction_model, "conditional_expected_purchases_path", None)
    if path is not None:
        cumulative = path(times, ux, ut, uT)
    else:
        cumulative = np.column_stack(
            [transaction_model.conditional_expected_purchases(t, ux, ut, uT) for t in times]
        )
    per_step = np.diff(cumulative, axis=1, prepend=0.0)
    discounted_purchases = discounted_value(per_step, discount_rate)
    spend = spend_model.conditional_expected_average_profit(x, money)
    return margin * spend * discounted_purchases[position]
