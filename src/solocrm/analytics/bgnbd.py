"""BG/NBD model of repeat purchasing (Fader, Hardie and Lee 2005).

Story: while alive, customer ``i`` buys as a Poisson process with rate
``lambda_i ~ Gamma(shape=r, rate=alpha)``; right after each REPEAT purchase they drop out
for good with probability ``p_i ~ Beta(a, b)``. From ``(x, t_x, T)`` (see
:mod:`solocrm.analytics.summary`) the likelihood of one customer is

    L = B(a, b+x)/B(a, b) * Gamma(r+x)/Gamma(r) * alpha^r
        * [ (alpha+T)^-(r+x) + [x > 0] * a/(b+x-1) * (alpha+t_x)^-(r+x) ]

which :class:`BetaGeoFitter` maximises in log space: ``log L = A(x) + logaddexp(D1,
D2)`` with ``A = lnGamma(r+x) - lnGamma(r) + r ln alpha + lnB(a, b+x) - lnB(a, b)``,
``D1 = -(r+x) ln(alpha+T)`` and ``D2 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)``. Only
``gammaln``, ``betaln`` and ``logaddexp`` appear, so ``x = 500`` or ``T = 1e4`` neither
overflow nor underflow. The gradient is analytic (digamma differences; the weights of
``D1`` and ``D2`` in the log-sum-exp are a logistic function of ``D2 - D1``).

Speed: identical ``(x, t_x, T)`` rows are collapsed into weights, the terms that depend
on ``x`` alone are evaluated once per distinct ``x``, and only cheap logarithms run per
row. After L-BFGS-B on the log-parameters a few Newton steps (Hessian by central
differences of the analytic gradient) polish the optimum; the same Hessian gives the
standard errors.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1, xlogy
from sklearn.exceptions import ConvergenceWarning

PARAMETER_NAMES = ("r", "alpha", "a", "b")

ObjectiveWithGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]

LOG_PARAMETER_BOUND = 30.0
"""Log-parameters stay within +-30: the line search never overflows, and data whose
maximum lies at infinity (e.g. identical spend) ends at the bound with a warning."""


class BetaGeoFitter:
    """Maximum-likelihood BG/NBD fitter.

    Parameters
    ----------
    penalizer_coef:
        L2 penalty ``penalizer_coef * (r^2 + alpha^2 + a^2 + b^2)`` added to the MEAN
        negative log-likelihood (the convention of ``lifetimes``); 0 gives the plain MLE.
    tol:
        Convergence tolerance on the gradient of the mean negative log-likelihood with
        respect to the log-parameters.
    max_iter:
        Iteration limit of L-BFGS-B.

    Attributes
    ----------
    params_: dict
        ``{"r", "alpha", "a", "b"}``; ``alpha`` is in the time unit of ``recency``/``T``.
    log_likelihood_: float
        Log-likelihood SUMMED over customers (weights included), without the penalty.
    standard_errors_: dict
        Asymptotic standard errors (delta method on the inverse Hessian of the
        log-parameters, scaled by the number of customers).
    covariance_: numpy.ndarray
        4 x 4 covariance matrix of ``(r, alpha, a, b)``.
    n_customers_: float
        Total weight (number of customers) fitted.
    n_distinct_: int
        Number of distinct ``(x, t_x, T)`` rows after collapsing.
    n_iter_: int
        L-BFGS-B iterations.
    """

    def __init__(self, penalizer_coef: float = 0.0, *, tol: float = 1e-9, max_iter: int = 2000):
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
        data = _BgnbdData.build(x, t_x, age, weight)
        log_x0 = np.log(_initial_params(data))
        penalizer = float(self.penalizer_coef)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _mean_negative_log_likelihood(log_params, data, penalizer)

        fit = fit_log_parameters(objective, log_x0, tol=self.tol, max_iter=self.max_iter)
        params = np.exp(fit.log_params)
        self.params_ = dict(zip(PARAMETER_NAMES, params.tolist(), strict=True))
        self.log_likelihood_ = float(-_mean_negative_log_likelihood(fit.log_params, data, 0.0)[0])
        self.log_likelihood_ *= data.total_weight
        self.covariance_ = log_covariance_to_natural(fit.log_params, fit.hessian, data.total_weight)
        self.standard_errors_ = standard_errors(PARAMETER_NAMES, self.covariance_)
        self.n_customers_ = data.total_weight
        self.n_distinct_ = data.n_distinct
        self.n_iter_ = fit.n_iter
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise AttributeError("BetaGeoFitter is not fitted yet: call fit() first")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def expected_purchases(self, t: ArrayLike) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` of a new customer (FHL eq. 9).

        ``E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; z)]`` with
        ``z = t/(alpha+t)``, evaluated through Euler's transformation as
        ``1 - (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b-1; z)`` so no factor can overflow.
        """
        return self.conditional_expected_purchases(t, 0, 0.0, 0.0)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Expected repeat purchases in ``(T, T+t]`` given ``(x, t_x, T)`` (FHL eq. 10).

        ``E[Y(t) | x, t_x, T] = P(alive) * (a+b+x-1)/(a-1) * [1 - (1-z)^(a-1) *
        2F1(a+b-1-r, a-1; a+b+x-1; z)]`` with ``z = t/(alpha+T+t)``: the paper's
        ``((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)`` after Euler's
        transformation, which keeps the hypergeometric parameters small for large ``x``.
        Undefined at exactly ``a = 1``.
        """
        t, x, t_x, age = np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (t, frequency, recency, T))
        )
        return self._expected_if_alive(t, x, age) * self.probability_alive(x, t_x, age)

    def conditional_expected_purchases_path(
        self, times: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """:meth:`conditional_expected_purchases` at each of ``times`` for each customer.

        Returns an array of shape ``(n_customers, n_times)`` with the same values as one
        call per time, faster: the hypergeometric factor depends on ``x``, ``T`` and
        ``t`` only, so it is evaluated once per distinct ``(x, T)`` and time, and
        ``P(alive)`` once per customer. :func:`solocrm.analytics.clv.customer_lifetime_value`
        uses it when the transaction model offers it.
        """
        x, t_x, age = (np.asarray(v, dtype=float).ravel() for v in (frequency, recency, T))
        if not x.shape == t_x.shape == age.shape:
            raise ValueError("frequency, recency and T must have the same length")
        steps = np.asarray(times, dtype=float).ravel()
        (distinct_x, distinct_age), position = distinct_rows(x, age)
        expected = self._expected_if_alive(
            steps[None, :], distinct_x[:, None], distinct_age[:, None]
        )
        return self.probability_alive(x, t_x, age)[:, None] * expected[position]

    def _expected_if_alive(self, t: ArrayLike, x: ArrayLike, age: ArrayLike) -> np.ndarray:
        """``(a+b+x-1)/(a-1) * [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]``."""
        r, alpha, a, b = self._params()
        t, x, age = (np.asarray(v, dtype=float) for v in (t, x, age))
        z = t / (alpha + age + t)
        hypergeometric = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
        bracket = 1.0 - np.exp((a - 1.0) * np.log1p(-z)) * hypergeometric
        return (a + b + x - 1.0) / (a - 1.0) * bracket

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Probability that a customer with history ``(x, t_x, T)`` is still alive.

        ``P(alive) = 1 / (1 + [x > 0] * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))``,
        computed as a logistic function of the log-odds; 1 when ``x = 0`` (nobody drops
        out before a repeat purchase).
        """
        r, alpha, a, b = self._params()
        x, t_x, age = np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (frequency, recency, T))
        )
        positive = x > 0
        safe_x = np.where(positive, x, 1.0)
        log_odds = (
            np.log(a)
            - np.log(b + safe_x - 1.0)
            + (r + safe_x) * (np.log(alpha + age) - np.log(alpha + t_x))
        )
        return np.where(positive, expit(-log_odds), 1.0)

    def probability_of_n_purchases(self, t: ArrayLike, n: ArrayLike) -> np.ndarray:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``(0, t]``.

        FHL eq. 8: ``B(a, b+n)/B(a, b) * NB(n; r, alpha/(alpha+t)) + [n > 0] *
        B(a+1, b+n-1)/B(a, b) * P(NB >= n)``, where ``NB`` is the negative binomial
        count of a gamma-Poisson buyer and ``P(NB >= n) = I_{t/(alpha+t)}(n, r)`` is a
        regularised incomplete beta function.
        """
        r, alpha, a, b = self._params()
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        log_p = np.log(alpha) - np.log(alpha + t)
        n_log_q = xlogy(n, t / (alpha + t))  # n ln(t/(alpha+t)), 0 when n = 0
        alive_term = np.exp(
            betaln(a, b + n)
            - betaln(a, b)
            + gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1.0)
            + r * log_p
            + n_log_q
        )
        positive = n > 0
        safe_n = np.where(positive, n, 1.0)
        dropout_term = np.exp(betaln(a + 1.0, b + safe_n - 1.0) - betaln(a, b)) * betainc(
            safe_n, r, t / (alpha + t)
        )
        return alive_term + np.where(positive, dropout_term, 0.0)

    def sample(
        self,
        n_customers: int,
        T: ArrayLike,
        random_state: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Draw synthetic customers from the fitted parameters (see :func:`simulate_bgnbd`)."""
        r, alpha, a, b = self._params()
        return simulate_bgnbd(n_customers, T, r=r, alpha=alpha, a=a, b=b, random_state=random_state)


def simulate_bgnbd(
    n_customers: int,
    T: ArrayLike,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw customers from the BG/NBD model exactly, without per-customer loops.

    Each customer draws ``lambda ~ Gamma(r, rate=alpha)`` and ``p ~ Beta(a, b)``. The
    number of Poisson purchases in ``(0, T]`` is ``N ~ Poisson(lambda T)`` and the repeat
    purchase after which they drop out is ``J ~ Geometric(p)`` (on 1, 2, ...), so
    ``x = min(N, J)``. Given ``N``, purchase times are uniform order statistics on
    ``(0, T]``, so the ``x``-th one is ``t_x = T * Beta(x, N - x + 1)``.

    ``T`` is a scalar or one value per customer. Returns a DataFrame with columns
    ``frequency``, ``recency``, ``T`` and ``alive`` (still alive at ``T``: ``J > N``).
    """
    rng = np.random.default_rng(random_state)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    rate = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    dropout = np.clip(rng.beta(a, b, size=n_customers), np.finfo(float).tiny, 1.0)
    purchases = rng.poisson(rate * age)
    dropout_at = rng.geometric(dropout)
    x = np.minimum(purchases, dropout_at)
    positive = x > 0
    recency = np.zeros(n_customers)
    recency[positive] = age[positive] * rng.beta(x[positive], purchases[positive] - x[positive] + 1)
    return pd.DataFrame(
        {
            "frequency": x.astype(np.int64),
            "recency": recency,
            "T": age,
            "alive": dropout_at > purchases,
        }
    )


def validate_rfm(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check ``(x, t_x, T)`` for fitting; raise ``ValueError`` naming the bad argument."""
    x = _as_vector(frequency, "frequency")
    t_x = _as_vector(recency, "recency")
    age = _as_vector(T, "T")
    if not x.shape == t_x.shape == age.shape:
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must hold non-negative whole numbers")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise ValueError("recency must lie between 0 and T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 when frequency is 0")
    weight = np.ones_like(x) if weights is None else _as_vector(weights, "weights")
    if weight.shape != x.shape or np.any(weight < 0):
        raise ValueError("weights must be non-negative, one per customer")
    return x, t_x, age, weight


def _as_vector(values: ArrayLike, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric") from error
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has a missing or infinite value")
    return array


def distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` (in order of first appearance) and each row's index.

    A hash group-by (pandas), not a sort: about 0.1 s for a million rows.
    """
    frame = pd.DataFrame({f"c{i}": column for i, column in enumerate(columns)})
    inverse = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    first = np.empty(int(inverse.max()) + 1 if inverse.size else 0, dtype=np.int64)
    first[inverse[::-1]] = np.arange(inverse.size - 1, -1, -1)
    return [np.asarray(column, dtype=float)[first] for column in columns], inverse


def collapse_rows(*columns: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Merge identical rows of ``columns``; return the distinct rows and summed weights.

    Rows whose summed weight is 0 are dropped.
    """
    distinct, inverse = distinct_rows(*columns)
    summed = np.bincount(inverse, weights=weights, minlength=distinct[0].size if distinct else 0)
    keep = summed > 0
    return [column[keep] for column in distinct], summed[keep]


@dataclass(frozen=True)
class _BgnbdData:
    """Collapsed data, split into ``x = 0`` rows and ``x > 0`` rows."""

    distinct_x: np.ndarray  # every distinct x, with its total weight
    weight_of_x: np.ndarray
    zero_T: np.ndarray  # x = 0 rows: distinct T and weight
    zero_weight: np.ndarray
    x: np.ndarray  # x > 0 rows
    x_index: np.ndarray  # position of each row's x in positive_x
    positive_x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray
    weight_times_x: np.ndarray
    total_weight: float
    n_distinct: int

    @classmethod
    def build(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weight: np.ndarray) -> _BgnbdData:
        zero = x == 0
        (zero_T,), zero_weight = collapse_rows(T[zero], weights=weight[zero])
        (x_pos, t_pos, T_pos), w_pos = collapse_rows(
            x[~zero], t_x[~zero], T[~zero], weights=weight[~zero]
        )
        positive_x, x_index = np.unique(x_pos, return_inverse=True)
        distinct_x = np.r_[0.0, positive_x]
        weight_of_x = np.r_[
            zero_weight.sum(), np.bincount(x_index, weights=w_pos, minlength=positive_x.size)
        ]
        return cls(
            distinct_x=distinct_x,
            weight_of_x=weight_of_x,
            zero_T=zero_T,
            zero_weight=zero_weight,
            x=x_pos,
            x_index=x_index,
            positive_x=positive_x,
            t_x=t_pos,
            T=T_pos,
            weight=w_pos,
            weight_times_x=w_pos * x_pos,
            total_weight=float(weight_of_x.sum()),
            n_distinct=int(zero_T.size + x_pos.size),
        )


def _initial_params(data: _BgnbdData) -> np.ndarray:
    """Start at r = 1 with the mean purchase rate r/alpha matching the data, a = b = 1."""
    purchases = float(np.dot(data.distinct_x, data.weight_of_x))
    exposure = float(np.dot(data.zero_T, data.zero_weight) + np.dot(data.T, data.weight))
    alpha = max(exposure, 1e-6) / max(purchases, 1.0)
    return np.array([1.0, alpha, 1.0, 1.0])


def _mean_negative_log_likelihood(
    log_params: np.ndarray, data: _BgnbdData, penalizer: float
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood (+ penalty) and its gradient in the log-parameters."""
    r, alpha, a, b = params = np.exp(log_params)
    ux, wx = data.distinct_x, data.weight_of_x
    log_alpha = np.log(alpha)
    # Terms depending on x only: A(x) = lnG(r+x) - lnG(r) + r ln(alpha) + lnB(a,b+x) - lnB(a,b).
    loglik = np.dot(wx, gammaln(r + ux) + betaln(a, b + ux)) + data.total_weight * (
        -gammaln(r) + r * log_alpha - betaln(a, b)
    )
    psi_ab_x = digamma(a + b + ux)
    grad_r = np.dot(wx, digamma(r + ux)) + data.total_weight * (log_alpha - digamma(r))
    grad_alpha = data.total_weight * r / alpha
    grad_a = np.dot(wx, -psi_ab_x) + data.total_weight * digamma(a + b)
    grad_b = np.dot(wx, digamma(b + ux) - psi_ab_x) + data.total_weight * (
        digamma(a + b) - digamma(b)
    )
    # x = 0 rows: log-sum-exp reduces to D1 = -r ln(alpha + T).
    log_age = np.log(alpha + data.zero_T)
    loglik -= r * np.dot(data.zero_weight, log_age)
    grad_r -= np.dot(data.zero_weight, log_age)
    grad_alpha -= r * np.dot(data.zero_weight, 1.0 / (alpha + data.zero_T))
    if data.x.size:
        terms = _repeat_buyer_terms(r, alpha, a, b, data)
        loglik += terms[0]
        grad_r += terms[1]
        grad_alpha += terms[2]
        grad_a += terms[3]
        grad_b += terms[4]
    gradient = np.array([grad_r, grad_alpha, grad_a, grad_b])
    value = -loglik / data.total_weight + penalizer * np.dot(params, params)
    grad = (-gradient / data.total_weight + 2.0 * penalizer * params) * params
    return float(value), grad


BLOCK_ROWS = 8192
"""Rows per block in the per-row loop: the temporaries then stay in the CPU cache, which
is about three times faster than whole-array passes over a million rows."""


def _repeat_buyer_terms(r: float, alpha: float, a: float, b: float, data: _BgnbdData) -> np.ndarray:
    """Log-likelihood part and gradient ``(r, alpha, a, b)`` of the ``x > 0`` rows.

    ``logaddexp(D1, D2) = D1 + softplus(delta)`` with ``delta = D2 - D1 = ln a -
    ln(b+x-1) + (r+x) gap`` and ``gap = ln(alpha+T) - ln(alpha+t_x) >= 0``; the weight of
    ``D2`` in the log-sum-exp is ``share = expit(delta)``. Written with few passes over
    the rows, in cache-sized blocks: this loop is the whole cost of a fit.
    """
    inverse_b_x = 1.0 / (b + data.positive_x - 1.0)
    log_odds_x = np.log(a) + np.log(inverse_b_x)
    totals = np.zeros(5)
    for start in range(0, data.x.size, BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        w, wx, x_index = data.weight[rows], data.weight_times_x[rows], data.x_index[rows]
        rx = r + data.x[rows]
        age = alpha + data.T[rows]
        last = alpha + data.t_x[rows]
        log_age = np.log(age)
        gap = log_age - np.log(last)
        delta = log_odds_x[x_index] + rx * gap
        small = np.exp(-np.abs(delta))
        softplus = np.maximum(delta, 0.0) + np.log1p(small)
        share = np.where(delta >= 0.0, 1.0, small) / (1.0 + small)
        w_share = w * share
        sum_log_age = np.dot(w, log_age)
        inverse_age = 1.0 / age
        totals[0] += np.dot(w, softplus) - r * sum_log_age - np.dot(wx, log_age)
        totals[1] += np.dot(w_share, gap) - sum_log_age
        totals[2] += np.dot(w_share * rx, inverse_age - 1.0 / last) - (
            r * np.dot(w, inverse_age) + np.dot(wx, inverse_age)
        )
        totals[3] += w_share.sum() / a
        totals[4] -= np.dot(w_share, inverse_b_x[x_index])
    return totals


@dataclass(frozen=True)
class LogParameterFit:
    """Result of :func:`fit_log_parameters`."""

    log_params: np.ndarray
    value: float
    hessian: np.ndarray  # of the objective in the log-parameters, at log_params
    n_iter: int


def fit_log_parameters(
    objective: ObjectiveWithGradient,
    log_x0: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    newton_steps: int = 5,
) -> LogParameterFit:
    """Minimise ``objective`` (value and gradient) over log-parameters.

    L-BFGS-B (log-parameters bounded by ``LOG_PARAMETER_BOUND``) gets close to the
    optimum (largest gradient component ``1e-6``, where its line search still makes
    steady progress). Then Newton steps with the central-difference Hessian of the
    analytic gradient, computed once at that point and reused (the chord method; the
    Hessian barely changes over such short steps), take the largest gradient component
    below ``tol``; the same Hessian serves the standard errors. Warns with
    ``ConvergenceWarning`` when the gradient at the end is still above ``sqrt(tol)``.
    """
    result = minimize(
        objective,
        log_x0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)] * log_x0.size,
        options={"maxiter": max_iter, "gtol": max(tol, 1e-6), "ftol": 1e-13, "maxcor": 10},
    )
    log_params = np.asarray(result.x, dtype=float)
    value, gradient = objective(log_params)
    hessian = numeric_hessian(objective, log_params)
    for _ in range(newton_steps):
        if np.max(np.abs(gradient)) <= tol:
            break
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        candidate = np.clip(log_params - step, -LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)
        new_value, new_gradient = objective(candidate)
        if not np.isfinite(new_value) or new_value > value + 1e-13 * abs(value):
            break
        if np.max(np.abs(new_gradient)) >= np.max(np.abs(gradient)):
            break
        log_params, value, gradient = candidate, new_value, new_gradient
    largest = float(np.max(np.abs(gradient)))
    if not np.isfinite(largest) or largest > np.sqrt(tol):
        warnings.warn(
            f"the fit did not converge (largest gradient {largest:.3g}); try a penalizer_coef > 0",
            ConvergenceWarning,
            stacklevel=3,
        )
    return LogParameterFit(log_params, value, hessian, int(result.nit))


def numeric_hessian(
    objective: ObjectiveWithGradient, point: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """Symmetrised central-difference Jacobian of the analytic gradient."""
    size = point.size
    hessian = np.empty((size, size))
    for i in range(size):
        shift = np.zeros(size)
        shift[i] = step
        hessian[i] = (objective(point + shift)[1] - objective(point - shift)[1]) / (2.0 * step)
    return 0.5 * (hessian + hessian.T)


def log_covariance_to_natural(
    log_params: np.ndarray, hessian: np.ndarray, total_weight: float
) -> np.ndarray:
    """Covariance of the parameters from the Hessian of the MEAN objective in log space.

    ``Cov(log theta) = H^-1 / n``; the delta method gives ``Cov(theta) = D Cov(log theta)
    D`` with ``D = diag(theta)``. A singular Hessian gives NaN.
    """
    try:
        log_covariance = np.linalg.inv(hessian) / total_weight
    except np.linalg.LinAlgError:
        return np.full(hessian.shape, np.nan)
    scale = np.exp(log_params)
    return log_covariance * np.outer(scale, scale)


def standard_errors(names: tuple[str, ...], covariance: np.ndarray) -> dict[str, float]:
    """Square roots of the covariance diagonal by name; NaN where the variance is not
    positive (a Hessian that is not positive definite, e.g. at a parameter bound)."""
    variance = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        root = np.where(variance > 0, np.sqrt(np.abs(variance)), np.nan)
    return dict(zip(names, root.tolist(), strict=True))
