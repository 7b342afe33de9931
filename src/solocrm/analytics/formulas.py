"""The seed documents' formulas, by name, implemented correctly.

Every function is vectorised: pass scalars and get a float back, or pass arrays (or
pandas Series) and get a numpy array back. The worked examples in the docstrings were
computed by running the functions, not copied from the seed documents (some of whose
examples are arithmetically wrong).

Zero denominators: the ratio formulas (satisfaction, loyalty, frequency, churn rate,
marketing effect) return ``nan`` where the denominator is zero, because "no data" is
not the same as "zero". Impossible inputs (negative counts, more customers retained
than there were) raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

ArrayLike = npt.ArrayLike
Normalization = Literal["minmax", "percentile"]

VALUE_TIER_LABELS: dict[str, dict[str, str]] = {
    "vip": {"en": "VIP", "zh": "VIP客户"},
    "regular": {"en": "regular", "zh": "普通客户"},
    "potential": {"en": "potential", "zh": "潜力客户"},
}


def _as_float_array(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if np.any(np.isinf(array)):
        raise ValueError(f"{name} contains infinite values")
    return array


def _require_non_negative(array: np.ndarray, name: str) -> None:
    if np.any(array < 0):
        raise ValueError(f"{name} must not be negative")


def _scalar_or_array(result: np.ndarray) -> float | np.ndarray:
    return float(result) if result.ndim == 0 else result


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator == 0, np.nan, numerator / denominator)
    return _scalar_or_array(ratio)


def normalize(values: ArrayLike, method: Normalization = "minmax") -> np.ndarray:
    """Rescale values to [0, 1] so that differently scaled inputs can be weighted.

    ``minmax``: (x − min) / (max − min). ``percentile``: the share of the other
    customers that the value beats, (average rank − 1) / (n − 1), so ties share a
    value and outliers cannot squash everybody else towards zero.

    Where there is no spread (one customer, or all values equal) every value maps to
    0.5, the middle: no customer is better than another. Missing values (nan) are
    ignored when computing the scale and map to 0.5 (neutral).

    Example (computed): ``normalize([10, 20, 40])`` is ``[0, 1/3, 1]``;
    ``normalize([10, 20, 40], "percentile")`` is ``[0, 0.5, 1]``.
    """
    array = _as_float_array(values, "values").reshape(-1)
    result = np.full(array.shape, 0.5)
    present = ~np.isnan(array)
    observed = array[present]
    if observed.size < 2 or observed.min() == observed.max():
        return result
    if method == "minmax":
        result[present] = (observed - observed.min()) / (observed.max() - observed.min())
    elif method == "percentile":
        result[present] = (rankdata(observed, method="average") - 1) / (observed.size - 1)
    else:
        raise ValueError(f"unknown normalization {method!r}; use 'minmax' or 'percentile'")
    return result


def value_score(
    frequency: ArrayLike,
    monetary: ArrayLike,
    feedback: ArrayLike,
    weights: Sequence[float] = (0.4, 0.4, 0.2),
    normalization: Normalization = "minmax",
) -> np.ndarray:
    """Customer value score ``w1·frequency + w2·monetary + w3·feedback``.

    Each input is first rescaled to [0, 1] across the customers given (see
    :func:`normalize`: min-max by default, or percentile rank), so a weight of 0.4
    really means "40 % of the score" whatever the units of purchases, money or
    feedback. The weights must be non-negative and are divided by their sum, so the
    score always lies in [0, 1]. A missing input (nan, e.g. no feedback given) counts
    as neutral 0.5.

    Example (computed): frequency [1, 2, 5], monetary [100, 400, 250], feedback
    [3, 5, 4], weights (0.4, 0.4, 0.2) → normalised frequency [0, 0.25, 1], monetary
    [0, 1, 0.5], feedback [0, 1, 0.5] → scores [0.0, 0.7, 0.7].
    """
    weight_array = np.asarray(weights, dtype=float)
    if weight_array.shape != (3,):
        raise ValueError("weights must be three numbers (frequency, monetary, feedback)")
    if np.any(weight_array < 0) or weight_array.sum() == 0:
        raise ValueError("weights must be non-negative and not all zero")
    weight_array = weight_array / weight_array.sum()
    columns = [
        normalize(frequency, normalization),
        normalize(monetary, normalization),
        normalize(feedback, normalization),
    ]
    if len({column.size for column in columns}) != 1:
        raise ValueError("frequency, monetary and feedback must have the same length")
    return np.column_stack(columns) @ weight_array if columns[0].size else np.empty(0)


def value_tiers(
    scores: ArrayLike, vip_share: float = 0.2, potential_share: float = 0.3
) -> np.ndarray:
    """Split customers into value tiers: ``vip``, ``regular`` and ``potential``.

    A customer's position is the share of customers with a strictly higher score.
    Position below ``vip_share`` → ``vip`` (the top 20 % by default); position at or
    above ``1 − potential_share`` → ``potential`` (the bottom 30 %); everybody else is
    ``regular``. Equal scores always land in the same tier, so with ties a tier can
    hold more than its share (if everybody ties, everybody is ``vip``). Missing
    scores (nan) are ranked below every real score.

    Example (computed): scores 10, 9, …, 1 → tiers vip, vip, regular × 5,
    potential × 3.
    """
    if not (0 <= vip_share <= 1 and 0 <= potential_share <= 1):
        raise ValueError("vip_share and potential_share must lie in [0, 1]")
    if vip_share + potential_share > 1:
        raise ValueError("vip_share + potential_share must not exceed 1")
    array = _as_float_array(scores, "scores").reshape(-1)
    if array.size == 0:
        return np.empty(0, dtype=object)
    filled = np.where(np.isnan(array), -np.inf, array)
    strictly_higher = rankdata(-filled, method="min") - 1
    position = strictly_higher / array.size
    return np.select(
        [position < vip_share, position >= 1 - potential_share],
        ["vip", "potential"],
        default="regular",
    ).astype(object)


def satisfaction_index(satisfied: ArrayLike, dissatisfied: ArrayLike) -> float | np.ndarray:
    """Satisfaction ``(S − B) / (S + B)``, from −1 (all unhappy) to +1 (all happy).

    S = number of satisfied answers (or customers), B = number of dissatisfied
    ones; neutral answers are left out. S + B = 0 gives nan.

    Example (computed): ``satisfaction_index(30, 10)`` = 20 / 40 = 0.5.
    """
    s = _as_float_array(satisfied, "satisfied")
    b = _as_float_array(dissatisfied, "dissatisfied")
    _require_non_negative(s, "satisfied")
    _require_non_negative(b, "dissatisfied")
    return _safe_ratio(s - b, s + b)


def loyalty_index(loyal: ArrayLike, defecting: ArrayLike) -> float | np.ndarray:
    """Loyalty ``(L − D) / (L + D)``, from −1 (all leaving) to +1 (all staying).

    L = customers who bought again (or say they will), D = customers who left (or
    say they will). L + D = 0 gives nan.

    Example (computed): ``loyalty_index(45, 15)`` = 30 / 60 = 0.5.
    """
    loyal_array = _as_float_array(loyal, "loyal")
    defecting_array = _as_float_array(defecting, "defecting")
    _require_non_negative(loyal_array, "loyal")
    _require_non_negative(defecting_array, "defecting")
    return _safe_ratio(loyal_array - defecting_array, loyal_array + defecting_array)


def purchase_frequency(purchases: ArrayLike, days: ArrayLike) -> float | np.ndarray:
    """Purchase frequency ``N / D``: purchases per day over an observed span.

    N = number of purchases, D = length of the observed span in days (multiply by
    30 or 365 for a monthly or yearly rate). D = 0 gives nan.

    Example (computed): ``purchase_frequency(6, 180)`` = 0.0333… per day (one
    purchase a month).
    """
    n = _as_float_array(purchases, "purchases")
    d = _as_float_array(days, "days")
    _require_non_negative(n, "purchases")
    _require_non_negative(d, "days")
    return _safe_ratio(n, d)


def satisfaction_loyalty_frequency_product(
    satisfaction: ArrayLike,
    loyalty: ArrayLike,
    frequency: ArrayLike,
    rescale_indices: bool = False,
) -> float | np.ndarray:
    """The seed's combined figure: satisfaction × loyalty × frequency.

    With the raw indices in [−1, 1] the product is misleading: a dissatisfied
    (−0.5) and disloyal (−0.5) customer gets the same positive product as a
    satisfied and loyal one. ``rescale_indices=True`` first maps each index to
    [0, 1] with (index + 1) / 2, which makes the product grow with every factor.
    nan in any factor gives nan.

    Example (computed): satisfaction 0.5, loyalty 0.5, frequency 0.2 → 0.05 raw;
    with ``rescale_indices=True`` → 0.75 × 0.75 × 0.2 = 0.1125.
    """
    s = _as_float_array(satisfaction, "satisfaction")
    loyalty_array = _as_float_array(loyalty, "loyalty")
    f = _as_float_array(frequency, "frequency")
    for array, name in ((s, "satisfaction"), (loyalty_array, "loyalty")):
        if np.any(np.abs(array[~np.isnan(array)]) > 1):
            raise ValueError(f"{name} must lie in [-1, 1]")
    if rescale_indices:
        s, loyalty_array = (s + 1) / 2, (loyalty_array + 1) / 2
    return _scalar_or_array(np.asarray(s * loyalty_array * f))


def churn_rate(customers_at_start: ArrayLike, customers_retained: ArrayLike) -> float | np.ndarray:
    """Churn rate ``(N0 − N1) / N0``: the share of the starting customers lost.

    N0 = customers at the start of the period, N1 = how many of those same
    customers are still active at the end (new customers are not counted). N0 = 0
    gives nan; N1 > N0 raises ``ValueError``.

    Example (computed): ``churn_rate(200, 170)`` = 30 / 200 = 0.15.
    """
    n0 = _as_float_array(customers_at_start, "customers_at_start")
    n1 = _as_float_array(customers_retained, "customers_retained")
    _require_non_negative(n0, "customers_at_start")
    _require_non_negative(n1, "customers_retained")
    if np.any(n1 > n0):
        raise ValueError("customers_retained cannot exceed customers_at_start")
    return _safe_ratio(n0 - n1, n0)


def marketing_effect(sales_before: ArrayLike, sales_after: ArrayLike) -> float | np.ndarray:
    """Marketing effect ``(S1 − S0) / S0``: relative change in sales after a campaign.

    S0 = sales in the comparison period before (or in a control group), S1 = sales
    in the same-length period after. 0.25 means +25 %. S0 = 0 gives nan.

    Example (computed): ``marketing_effect(8000, 10000)`` = 2000 / 8000 = 0.25.
    """
    s0 = _as_float_array(sales_before, "sales_before")
    s1 = _as_float_array(sales_after, "sales_after")
    return _safe_ratio(s1 - s0, s0)


def value_tier_labels(tiers: ArrayLike, language: Literal["en", "zh"] = "en") -> pd.Series:
    """Human labels for the keys returned by :func:`value_tiers`."""
    keys = pd.Series(np.asarray(tiers, dtype=object))
    return keys.map(lambda key: VALUE_TIER_LABELS[key][language])
