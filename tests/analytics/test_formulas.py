import math

import numpy as np
import pytest

from solocrm.analytics.formulas import (
    churn_rate,
    loyalty_index,
    marketing_effect,
    normalize,
    purchase_frequency,
    satisfaction_index,
    satisfaction_loyalty_frequency_product,
    value_score,
    value_tier_labels,
    value_tiers,
)


def test_normalize_minmax_and_percentile():
    np.testing.assert_allclose(normalize([10, 20, 40]), [0, 1 / 3, 1])
    np.testing.assert_allclose(normalize([10, 20, 40], "percentile"), [0, 0.5, 1])


def test_normalize_percentile_ties_share_a_value():
    np.testing.assert_allclose(normalize([1, 1, 3, 5], "percentile"), [1 / 6, 1 / 6, 2 / 3, 1])


def test_normalize_without_spread_is_neutral():
    np.testing.assert_allclose(normalize([7, 7, 7]), [0.5, 0.5, 0.5])
    np.testing.assert_allclose(normalize([3]), [0.5])
    assert normalize([]).shape == (0,)


def test_normalize_missing_value_is_neutral():
    np.testing.assert_allclose(normalize([0, np.nan, 10]), [0, 0.5, 1])


def test_normalize_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown normalization"):
        normalize([1, 2], "zscore")  # type: ignore[arg-type]


def test_value_score_worked_example():
    scores = value_score([1, 2, 5], [100, 400, 250], [3, 5, 4], weights=(0.4, 0.4, 0.2))
    np.testing.assert_allclose(scores, [0.0, 0.7, 0.7])


def test_value_score_weights_are_rescaled_to_sum_one():
    a = value_score([1, 2], [10, 30], [1, 5], weights=(2, 2, 1))
    b = value_score([1, 2], [10, 30], [1, 5], weights=(0.4, 0.4, 0.2))
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(a, [0.0, 1.0])


def test_value_score_units_do_not_matter():
    cents = value_score([1, 2, 5], [10000, 40000, 25000], [3, 5, 4])
    dollars = value_score([1, 2, 5], [100, 400, 250], [3, 5, 4])
    np.testing.assert_allclose(cents, dollars)


def test_value_score_rejects_bad_weights_and_lengths():
    with pytest.raises(ValueError, match="non-negative"):
        value_score([1], [1], [1], weights=(1, -1, 1))
    with pytest.raises(ValueError, match="three numbers"):
        value_score([1], [1], [1], weights=(1, 1))
    with pytest.raises(ValueError, match="same length"):
        value_score([1, 2], [1], [1])


def test_value_score_empty_and_single_customer():
    assert value_score([], [], []).shape == (0,)
    np.testing.assert_allclose(value_score([3], [50], [4]), [0.5])


def test_value_tiers_default_shares():
    tiers = value_tiers(np.arange(10, 0, -1))
    assert list(tiers) == ["vip"] * 2 + ["regular"] * 5 + ["potential"] * 3


def test_value_tiers_ties_stay_together():
    assert list(value_tiers([5, 5, 5, 1, 1])) == ["vip", "vip", "vip", "regular", "regular"]
    assert list(value_tiers([2, 2, 2])) == ["vip", "vip", "vip"]


def test_value_tiers_configurable_and_edge_cases():
    tiers = value_tiers([4, 3, 2, 1], vip_share=0.5, potential_share=0.25)
    assert list(tiers) == ["vip", "vip", "regular", "potential"]
    assert value_tiers([]).shape == (0,)
    assert list(value_tiers([np.nan, 1.0])) == ["regular", "vip"]
    with pytest.raises(ValueError, match="must not exceed 1"):
        value_tiers([1], vip_share=0.7, potential_share=0.5)


def test_value_tier_labels_in_both_languages():
    assert list(value_tier_labels(["vip", "potential"], "zh")) == ["VIP客户", "潜力客户"]
    assert list(value_tier_labels(["regular"])) == ["regular"]


def test_satisfaction_and_loyalty_indices():
    assert satisfaction_index(30, 10) == 0.5
    assert loyalty_index(45, 15) == 0.5
    np.testing.assert_allclose(satisfaction_index([1, 0], [3, 4]), [-0.5, -1.0])


def test_zero_denominators_give_nan():
    assert math.isnan(satisfaction_index(0, 0))
    assert math.isnan(loyalty_index(0, 0))
    assert math.isnan(purchase_frequency(3, 0))
    assert math.isnan(churn_rate(0, 0))
    assert math.isnan(marketing_effect(0, 100))
    np.testing.assert_allclose(satisfaction_index([0, 2], [0, 2]), [np.nan, 0.0])


def test_negative_counts_raise():
    with pytest.raises(ValueError, match="satisfied must not be negative"):
        satisfaction_index(-1, 2)
    with pytest.raises(ValueError, match="days must not be negative"):
        purchase_frequency(1, -5)


def test_purchase_frequency():
    assert purchase_frequency(6, 180) == pytest.approx(1 / 30)


def test_product_raw_and_rescaled():
    assert satisfaction_loyalty_frequency_product(0.5, 0.5, 0.2) == pytest.approx(0.05)
    rescaled = satisfaction_loyalty_frequency_product(0.5, 0.5, 0.2, rescale_indices=True)
    assert rescaled == pytest.approx(0.1125)
    # the raw product cannot tell unhappy-and-disloyal from happy-and-loyal
    assert satisfaction_loyalty_frequency_product(-0.5, -0.5, 0.2) == pytest.approx(0.05)
    unhappy = satisfaction_loyalty_frequency_product(-0.5, -0.5, 0.2, rescale_indices=True)
    assert unhappy == pytest.approx(0.0125)
    with pytest.raises(ValueError, match="satisfaction must lie in"):
        satisfaction_loyalty_frequency_product(1.5, 0, 1)


def test_churn_rate():
    assert churn_rate(200, 170) == pytest.approx(0.15)
    assert churn_rate(10, 10) == 0.0
    with pytest.raises(ValueError, match="cannot exceed"):
        churn_rate(10, 11)


def test_marketing_effect():
    assert marketing_effect(8000, 10000) == pytest.approx(0.25)
    assert marketing_effect(100, 50) == pytest.approx(-0.5)
