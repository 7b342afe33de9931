"""Gamma-Gamma model of spend per purchase (Fader and Hardie 2013, after Colombo and Jiang).

Story: the amounts of customer ``i``'s purchases are ``z ~ Gamma(shape=p, rate=nu_i)``,
so their mean spend is ``p / nu_i``; across customers ``nu_i ~ Gamma(shape=q,
rate=v)`` (``v`` is the paper's ``gamma``). The mean ``m`` of ``x`` purchase amounts has
the density (the model's log-likelihood for one customer)

    log f(m | x) = lnGamma(p x + q) - lnGamma(p x) - lnGamma(q) + q ln v
                   + (p x - 1) ln m + p x ln x - (p x + q) ln(x m + v)

and the expected spend per purchase given the history is a weighted mean of the
population mean ``p v / (q - 1)`` and the customer's own mean ``m``:

    E[Z | m, x] = p (v + x m) / (p x + q - 1).

Fit it on customers with ``x >= 1`` repeat purchases and ``m`` the mean of those repeat
purchases (:func:`solocrm.analytics.summary.summarize_transactions`). The model assumes
spend is independent of purchase frequency; check that on your data (a correlation near
0 between ``x`` and ``m``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from solocrm.analytics.bgnbd import (
    collapse_rows,
    fit_log_parameters,
    log_covariance_to_natural,
    standard_errors,
)

PARAMETER_NAMES = ("p", "q", "v")


class GammaGammaFitter:
    """Maximum-likelihood Gamma-Gamma fitter.

    Parameters
    ----------
    penalizer_coef:
        L2 penalty ``penalizer_coef * (p^2 + q^2 + v^2)`` added to the MEAN negative
        log-likelihood (the ``lifetimes`` convention); 0 gives the plain MLE.
    tol, max_iter:
        Gradient tolerance (mean objective, log-parameters) and L-BFGS-B iteration limit.

    Attributes
    ----------
    params_: dict
        ``{"p", "q", "v", "gamma"}`` where ``gamma`` is the paper's name for ``v``.
    log_likelihood_: float
        Log-likelihood summed over the fitted customers (weights included).
    standard_errors_: dict
        Standard errors of ``p``, ``q``, ``v`` (inverse Hessian, delta method).
    covariance_: numpy.ndarray
        3 x 3 covariance of ``(p, q, v)``.
    n_customers_: float
        Customers fitted (those with ``frequency >= 1``; weights included).
    n_distinct_: int
        Distinct ``(x, m)`` rows after collapsing.
    """

    def __init__(self, penalizer_coef: float = 0.0, *, tol: float = 1e-9, max_iter: int = 2000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on customers with ``frequency >= 1``; the others are skipped.

        Raises ``ValueError`` for non-finite values, a non-positive ``monetary_value``
        of a customer with ``frequency >= 1``, or fewer than two such customers.
        """
        x = _as_vector(frequency, "frequency")
        m = _as_vector(monetary_value, "monetary_value")
        w = np.ones_like(x) if weights is None else _as_vector(weights, "weights")
        if not x.shape == m.shape == w.shape:
            raise ValueError("frequency, monetary_value and weights must have the same length")
        repeat = (x >= 1) & (w > 0)
        x, m, w = x[repeat], m[repeat], w[repeat]
        if np.any(m <= 0):
            raise ValueError("monetary_value must be positive for customers with frequency >= 1")
        if x.size < 2:
            raise ValueError(
                "the Gamma-Gamma model needs at least two customers with frequency >= 1"
            )
        (x, m), w = collapse_rows(x, m, weights=w)
        data = _SpendData.build(x, m, w)
        total = data.total_weight
        penalizer = float(self.penalizer_coef)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _mean_negative_log_likelihood(log_params, data, penalizer)

        mean_spend = float(np.dot(w, m) / total)
        log_x0 = np.log([1.0, 2.0, mean_spend])  # population mean p v / (q - 1) = data mean
        fit = fit_log_parameters(objective, log_x0, tol=self.tol, max_iter=self.max_iter)
        p, q, v = np.exp(fit.log_params).tolist()
        self.params_ = {"p": p, "q": q, "v": v, "gamma": v}
        loglik = -_mean_negative_log_likelihood(fit.log_params, data, 0.0)[0]
        self.log_likelihood_ = float(loglik * total)
        self.covariance_ = log_covariance_to_natural(fit.log_params, fit.hessian, total)
        self.standard_errors_ = standard_errors(PARAMETER_NAMES, self.covariance_)
        self.n_customers_ = total
        self.n_distinct_ = int(x.size)
        self.n_iter_ = fit.n_iter
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> np.ndarray:
        """Expected spend per future purchase, ``p (v + x m) / (p x + q - 1)``.

        For ``x = 0`` this is the population mean ``p v / (q - 1)`` (finite when
        ``q > 1``). Returns an array of the broadcast shape.
        """
        p, q, v = self._params()
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return p * (v + x * m) / (p * x + q - 1.0)

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p v / (q - 1)``."""
        p, q, v = self._params()
        return p * v / (q - 1.0)

    def _params(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise AttributeError("GammaGammaFitter is not fitted yet: call fit() first")
        return self.params_["p"], self.params_["q"], self.params_["v"]


def simulate_gamma_gamma(
    frequency: ArrayLike,
    *,
    p: float,
    q: float,
    v: float,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw each customer's mean spend over ``frequency`` purchases from the model.

    ``nu ~ Gamma(q, rate=v)``; the sum of ``x`` amounts ``Gamma(p, rate=nu)`` is
    ``Gamma(p x, rate=nu)``, so ``m = Gamma(p x, rate=nu) / x`` exactly. Customers with
    ``x = 0`` get ``m = 0``. Returns columns ``frequency``, ``monetary_value`` and
    ``mean_spend`` (the true ``p / nu``).
    """
    rng = np.random.default_rng(random_state)
    x = np.asarray(frequency, dtype=float).ravel()
    nu = rng.gamma(shape=q, scale=1.0 / v, size=x.size)
    positive = x > 0
    monetary = np.zeros(x.size)
    monetary[positive] = rng.gamma(shape=p * x[positive], scale=1.0 / nu[positive]) / x[positive]
    return pd.DataFrame({"frequency": x, "monetary_value": monetary, "mean_spend": p / nu})


@dataclass(frozen=True)
class _SpendData:
    """Collapsed ``(x, m)`` rows plus the sums that do not depend on the parameters."""

    x: np.ndarray
    x_times_m: np.ndarray
    weight: np.ndarray
    distinct_x: np.ndarray  # distinct x with their total weight
    weight_of_x: np.ndarray
    total_weight: float
    sum_x_log_xm: float  # sum of w x ln(x m)
    sum_log_m: float  # sum of w ln m

    @classmethod
    def build(cls, x: np.ndarray, m: np.ndarray, weight: np.ndarray) -> _SpendData:
        distinct_x, x_index = np.unique(x, return_inverse=True)
        return cls(
            x=x,
            x_times_m=x * m,
            weight=weight,
            distinct_x=distinct_x,
            weight_of_x=np.bincount(x_index, weights=weight, minlength=distinct_x.size),
            total_weight=float(weight.sum()),
            sum_x_log_xm=float(np.dot(weight, x * np.log(x * m))),
            sum_log_m=float(np.dot(weight, np.log(m))),
        )


def _mean_negative_log_likelihood(
    log_params: np.ndarray, data: _SpendData, penalizer: float
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood (+ penalty) and its gradient in the log-parameters.

    With ``s = ln(x m + v)``: ``d/dp = x [psi(p x + q) - psi(p x) + ln(x m) - s]``,
    ``d/dq = psi(p x + q) - psi(q) + ln v - s`` and ``d/dv = q/v - (p x + q)/(x m + v)``.
    The gamma and digamma functions depend on ``x`` alone and are evaluated once per
    distinct ``x``; only ``ln(x m + v)`` is evaluated per row.
    """
    p, q, v = params = np.exp(log_params)
    ux, wx, total = data.distinct_x, data.weight_of_x, data.total_weight
    psi_pxq = digamma(p * ux + q)
    log_sum = np.log(data.x_times_m + v)
    shape = p * data.x + q  # p x + q per row
    loglik = (
        np.dot(wx, gammaln(p * ux + q) - gammaln(p * ux))
        + p * data.sum_x_log_xm
        - data.sum_log_m
        - np.dot(data.weight, shape * log_sum)
        + total * (q * np.log(v) - gammaln(q))
    )
    grad_p = (
        np.dot(wx, ux * (psi_pxq - digamma(p * ux)))
        + data.sum_x_log_xm
        - np.dot(data.weight * data.x, log_sum)
    )
    grad_q = np.dot(wx, psi_pxq) - np.dot(data.weight, log_sum) + total * (np.log(v) - digamma(q))
    grad_v = total * q / v - np.dot(data.weight, shape / (data.x_times_m + v))
    gradient = np.array([grad_p, grad_q, grad_v])
    value = -loglik / total + penalizer * np.dot(params, params)
    grad = (-gradient / total + 2.0 * penalizer * params) * params
    return float(value), grad


def _as_vector(values: ArrayLike, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric") from error
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has a missing or infinite value")
    return array
