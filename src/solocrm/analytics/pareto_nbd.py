"""Pareto/NBD model of repeat purchasing (Schmittlein, Morrison and Colombo 1987).

Story: while alive, customer ``i`` buys as a Poisson process with rate ``lambda_i ~
Gamma(r, rate=alpha)``; their lifetime is exponential with rate ``mu_i ~ Gamma(s,
rate=beta)`` (dropout can happen at any moment, not only after a purchase as in BG/NBD).
Following Fader and Hardie's note 009, the likelihood of ``(x, t_x, T)`` is

    L = Gamma(r+x) alpha^r beta^s / Gamma(r)
        * [ (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) * A0 ]

    A0 = integral_{t_x}^{T} (r+s+x) (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau / (r+s+x)
       = F(z(t_x)) / (m+t_x)^(r+s+x) - F(z(T)) / (m+T)^(r+s+x)

with ``m = max(alpha, beta)``, ``z(t) = |alpha - beta| / (m + t)`` and ``F(z) = 2F1(r+s+x,
k; r+s+x+1; z)``, ``k = s+1`` when ``alpha >= beta`` and ``k = r+x`` otherwise. Euler's
transformation ``F(z) = (1-z)^(1-k) 2F1(1, r+s+x+1-k; r+s+x+1; z)`` leaves a series with
positive terms bounded by ``1/(1-z)``, evaluated in log space; the difference in ``A0``
is taken as ``l1 + log1p(-exp(l2 - l1))``.

scipy has no derivative of ``2F1`` in its parameters, so the gradient is by central
differences (step 1e-6 in the log-parameters, accurate to about 1e-9); the fit otherwise
shares BG/NBD's machinery (collapsed rows, L-BFGS-B then Newton polish, inverse-Hessian
standard errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import gammaln, hyp2f1

from solocrm.analytics.bgnbd import (
    collapse_rows,
    fit_log_parameters,
    log_covariance_to_natural,
    standard_errors,
    validate_rfm,
)

PARAMETER_NAMES = ("r", "alpha", "s", "beta")
GRADIENT_STEP = 1e-6


class ParetoNBDFitter:
    """Maximum-likelihood Pareto/NBD fitter.

    Parameters
    ----------
    penalizer_coef:
        L2 penalty ``penalizer_coef * (r^2 + alpha^2 + s^2 + beta^2)`` added to the MEAN
        negative log-likelihood (as in ``lifetimes``).
    tol, max_iter:
        Gradient tolerance (mean objective, log-parameters) and L-BFGS-B iteration limit.
        The finite-difference gradient is accurate to about 1e-9, so ``tol`` should not
        be smaller than 1e-8.

    Attributes
    ----------
    params_: dict
        ``{"r", "alpha", "s", "beta"}``.
    log_likelihood_: float
        Log-likelihood summed over customers (weights included), without the penalty.
    standard_errors_, covariance_, n_customers_, n_distinct_:
        As for :class:`~solocrm.analytics.bgnbd.BetaGeoFitter`.
    """

    def __init__(self, penalizer_coef: float = 0.0, *, tol: float = 1e-7, max_iter: int = 2000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit the model to per-customer ``(x, t_x, T)``; ``weights`` counts customers."""
        x, t_x, age, weight = validate_rfm(frequency, recency, T, weights)
        (x, t_x, age), weight = collapse_rows(x, t_x, age, weights=weight)
        data = _RfmRows(x, t_x, age, weight, float(weight.sum()))
        penalizer = float(self.penalizer_coef)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            value = _mean_objective(log_params, data, penalizer)
            gradient = np.empty(log_params.size)
            for i in range(log_params.size):
                shift = np.zeros(log_params.size)
                shift[i] = GRADIENT_STEP
                gradient[i] = (
                    _mean_objective(log_params + shift, data, penalizer)
                    - _mean_objective(log_params - shift, data, penalizer)
                ) / (2.0 * GRADIENT_STEP)
            return value, gradient

        purchases = float(np.dot(x, weight))
        exposure = float(np.dot(age, weight))
        alpha0 = max(exposure, 1e-6) / max(purchases, 1.0)
        log_x0 = np.log([1.0, alpha0, 1.0, max(float(np.dot(age, weight)) / data.total, 1.0)])
        fit = fit_log_parameters(objective, log_x0, tol=self.tol, max_iter=self.max_iter)
        self.params_ = dict(zip(PARAMETER_NAMES, np.exp(fit.log_params).tolist(), strict=True))
        self.log_likelihood_ = float(-_mean_objective(fit.log_params, data, 0.0) * data.total)
        self.covariance_ = log_covariance_to_natural(fit.log_params, fit.hessian, data.total)
        self.standard_errors_ = standard_errors(PARAMETER_NAMES, self.covariance_)
        self.n_customers_ = data.total
        self.n_distinct_ = int(x.size)
        self.n_iter_ = fit.n_iter
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise AttributeError("ParetoNBDFitter is not fitted yet: call fit() first")
        p = self.params_
        return p["r"], p["alpha"], p["s"], p["beta"]

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Log-likelihood of each customer's ``(x, t_x, T)`` under the fitted parameters."""
        x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return _log_likelihood(self._params(), x, t_x, age)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """``P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)``."""
        r, alpha, s, beta = params = self._params()
        x, t_x, age = np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (frequency, recency, T))
        )
        log_ratio = (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + age)
            + s * np.log(beta + age)
            + _log_a0(params, x, t_x, age)
        )
        return np.exp(-np.logaddexp(0.0, log_ratio))

    def expected_purchases(self, t: ArrayLike) -> np.ndarray:
        """``E[X(t)] = r beta / (alpha (s-1)) * [1 - (beta/(beta+t))^(s-1)]`` (s != 1)."""
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=float)
        return r * beta / (alpha * (s - 1.0)) * -np.expm1((s - 1.0) * np.log(beta / (beta + t)))

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """``E[Y(t) | x, t_x, T] = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 -
        ((beta+T)/(beta+T+t))^(s-1)]`` (s != 1)."""
        r, alpha, s, beta = self._params()
        t, x, t_x, age = np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (t, frequency, recency, T))
        )
        future = -np.expm1((s - 1.0) * (np.log(beta + age) - np.log(beta + age + t)))
        rate = (r + x) * (beta + age) / ((alpha + age) * (s - 1.0))
        return self.probability_alive(x, t_x, age) * rate * future


def simulate_pareto_nbd(
    n_customers: int,
    T: ArrayLike,
    *,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw customers from the Pareto/NBD model exactly, without per-customer loops.

    ``lambda ~ Gamma(r, rate=alpha)``, ``mu ~ Gamma(s, rate=beta)``, lifetime ``tau ~
    Exp(mu)``; the customer is observed buying for ``L = min(tau, T)``, so ``x ~
    Poisson(lambda L)`` and, given ``x``, the last purchase is the largest of ``x``
    uniform times on ``(0, L)``: ``t_x = L U^(1/x)``. Returns columns ``frequency``,
    ``recency``, ``T`` and ``alive`` (``tau > T``).
    """
    rng = np.random.default_rng(random_state)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    rate = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    dropout = rng.gamma(shape=s, scale=1.0 / beta, size=n_customers)
    lifetime = rng.exponential(size=n_customers) / np.maximum(dropout, np.finfo(float).tiny)
    observed = np.minimum(lifetime, age)
    x = rng.poisson(rate * observed)
    positive = x > 0
    recency = np.zeros(n_customers)
    recency[positive] = observed[positive] * rng.random(int(positive.sum())) ** (1.0 / x[positive])
    return pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": recency, "T": age, "alive": lifetime > age}
    )


@dataclass(frozen=True)
class _RfmRows:
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray
    total: float


def _mean_objective(log_params: np.ndarray, data: _RfmRows, penalizer: float) -> float:
    params = np.exp(log_params)
    loglik = np.dot(data.weight, _log_likelihood(tuple(params), data.x, data.t_x, data.T))
    return float(-loglik / data.total + penalizer * np.dot(params, params))


def _log_likelihood(
    params: tuple[float, ...], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    r, alpha, s, beta = params
    no_dropout = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    dropout = np.log(s) - np.log(r + s + x) + _log_a0(params, x, t_x, age)
    return (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + s * np.log(beta)
        + np.logaddexp(no_dropout, dropout)
    )


def _log_a0(
    params: tuple[float, ...], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """``ln A0``; ``-inf`` when ``t_x = T`` (no time to drop out unseen)."""
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        largest, gap, k = alpha, alpha - beta, s + 1.0
    else:
        largest, gap, k = beta, beta - alpha, r + x

    def log_term(t: np.ndarray) -> np.ndarray:
        z = gap / (largest + t)
        log_f = (1.0 - k) * np.log1p(-z) + np.log(hyp2f1(1.0, rsx + 1.0 - k, rsx + 1.0, z))
        return log_f - rsx * np.log(largest + t)

    first, second = log_term(t_x), log_term(age)
    with np.errstate(divide="ignore"):
        return first + np.log1p(-np.exp(np.minimum(second - first, 0.0)))
