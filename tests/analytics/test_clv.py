from __future__ import annotations

import numpy as np
import pytest

from solocrm.analytics.bgnbd import BetaGeoFitter
from solocrm.analytics.clv import WEEKS_PER_MONTH, customer_lifetime_value, discounted_value
from solocrm.analytics.gamma_gamma import GammaGammaFitter


@pytest.fixture(scope="module")
def models(cdnow_summary) -> tuple[BetaGeoFitter, GammaGammaFitter]:
    s = cdnow_summary
    transactions = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    spend = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    return transactions, spend


def test_discounted_value_is_the_seed_formula():
    # 100/1.1 + 100/1.1^2 + 100/1.1^3
    assert discounted_value([100.0, 100.0, 100.0], 0.10) == pytest.approx(
        248.685199098422, rel=1e-14
    )
    assert discounted_value([100.0, 100.0], 0.10, first_step=0) == pytest.approx(100 + 100 / 1.1)
    assert discounted_value([[1.0, 2.0], [3.0, 4.0]], 0.0).tolist() == [3.0, 7.0]


def test_discounted_value_refuses_a_rate_at_or_below_minus_one():
    with pytest.raises(ValueError, match="discount_rate must be greater than -1"):
        discounted_value([1.0], -1.0)


def test_clv_is_the_discounted_sum_of_step_increments(models, cdnow_summary):
    transactions, spend = models
    s = cdnow_summary.iloc[:50]
    args = (s["frequency"], s["recency"], s["T"], s["monetary_value"])
    clv = customer_lifetime_value(
        transactions,
        spend,
        *args,
        horizon_steps=6,
        periods_per_step=4.0,
        discount_rate=0.02,
        margin=0.3,
    )
    cumulative = np.stack(
        [
            transactions.conditional_expected_purchases(
                4.0 * k, s["frequency"], s["recency"], s["T"]
            )
            for k in range(7)
        ],
        axis=-1,
    )
    per_step = (
        0.3
        * spend.conditional_expected_average_profit(s["frequency"], s["monetary_value"])[:, None]
        * np.diff(cumulative, axis=-1)
    )
    np.testing.assert_allclose(clv, discounted_value(per_step, 0.02), rtol=1e-12)


def test_clv_without_discount_is_margin_times_spend_times_purchases(models, cdnow_summary):
    transactions, spend = models
    s = cdnow_summary
    clv = customer_lifetime_value(
        transactions,
        spend,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        horizon_steps=12,
        periods_per_step=WEEKS_PER_MONTH,
        discount_rate=0.0,
        margin=0.5,
    )
    purchases = transactions.conditional_expected_purchases(
        12 * WEEKS_PER_MONTH, s["frequency"], s["recency"], s["T"]
    )
    profit = spend.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
    np.testing.assert_allclose(clv, 0.5 * profit * purchases, rtol=1e-10)


def test_cdnow_twelve_month_clv(models, cdnow_summary):
    # Reference: lifetimes 0.11.3 GammaGammaFitter.customer_lifetime_value(time=12,
    # discount_rate=0.01, freq="W") on the same summary gives a total of 71,507.95.
    transactions, spend = models
    s = cdnow_summary
    clv = customer_lifetime_value(
        transactions,
        spend,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        horizon_steps=12,
        periods_per_step=4.345,
        discount_rate=0.01,
    )
    assert clv.shape == (2357,)
    assert clv.sum() == pytest.approx(71507.95, rel=1e-5)
    assert np.all(clv > 0)


def test_clv_validates_its_arguments(models):
    transactions, spend = models
    with pytest.raises(ValueError, match="horizon_steps must be at least 1"):
        customer_lifetime_value(transactions, spend, [1], [1.0], [2.0], [5.0], horizon_steps=0)
    with pytest.raises(ValueError, match="same length"):
        customer_lifetime_value(transactions, spend, [1, 2], [1.0], [2.0], [5.0])


class PerStepOnly:
    """A transaction model without the all-steps method: CLV falls back to one call a step."""

    def __init__(self, model: BetaGeoFitter):
        self.model = model

    def conditional_expected_purchases(self, t, frequency, recency, T):
        return self.model.conditional_expected_purchases(t, frequency, recency, T)


def test_clv_gives_the_same_value_with_or_without_the_path_method(models, cdnow_summary):
    transactions, spend = models
    s = cdnow_summary
    args = (s["frequency"], s["recency"], s["T"], s["monetary_value"])
    fast = customer_lifetime_value(transactions, spend, *args, horizon_steps=24)
    generic = customer_lifetime_value(PerStepOnly(transactions), spend, *args, horizon_steps=24)
    np.testing.assert_allclose(fast, generic, rtol=1e-12)
