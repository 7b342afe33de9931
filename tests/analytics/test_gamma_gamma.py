from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from solocrm.analytics.gamma_gamma import GammaGammaFitter, simulate_gamma_gamma


@pytest.fixture(scope="module")
def cdnow_spend(cdnow_summary) -> GammaGammaFitter:
    return GammaGammaFitter().fit(cdnow_summary["frequency"], cdnow_summary["monetary_value"])


def test_cdnow_parameters_match_the_note(cdnow_spend):
    assert cdnow_spend.n_customers_ == 946
    assert cdnow_spend.params_["p"] == pytest.approx(6.25, rel=0.01)
    assert cdnow_spend.params_["q"] == pytest.approx(3.74, rel=0.01)
    assert cdnow_spend.params_["gamma"] == pytest.approx(15.44, rel=0.01)
    assert cdnow_spend.params_["v"] == cdnow_spend.params_["gamma"]
    # Reference: lifetimes 0.11.3 on the same 946 customers.
    assert cdnow_spend.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)
    assert cdnow_spend.standard_errors_["p"] == pytest.approx(1.19006, rel=1e-3)


def test_expected_average_profit_shrinks_towards_the_population_mean(cdnow_spend):
    p, q, v = (cdnow_spend.params_[k] for k in ("p", "q", "v"))
    population = p * v / (q - 1)
    assert cdnow_spend.population_mean_spend() == pytest.approx(population, rel=1e-15)
    profit = cdnow_spend.conditional_expected_average_profit([0, 1, 10], [0.0, 50.0, 50.0])
    assert profit[0] == pytest.approx(population, rel=1e-15)
    weight = p * 1 / (p * 1 + q - 1)
    assert profit[1] == pytest.approx((1 - weight) * population + weight * 50.0, rel=1e-12)
    assert abs(profit[2] - 50.0) < abs(profit[1] - 50.0)  # more purchases, more own mean


def test_collapsed_fit_equals_expanded_fit(cdnow_summary):
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    expanded = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    counts = repeat.groupby(["frequency", "monetary_value"]).size().reset_index(name="weight")
    collapsed = GammaGammaFitter().fit(
        counts["frequency"], counts["monetary_value"], weights=counts["weight"]
    )
    assert collapsed.n_distinct_ == expanded.n_distinct_ == len(counts) < len(repeat)
    for name in ("p", "q", "v"):
        assert collapsed.params_[name] == pytest.approx(expanded.params_[name], rel=1e-8)
    assert collapsed.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-12)


def test_recovers_known_parameters():
    truth = {"p": 4.0, "q": 5.0, "v": 30.0}
    rng = np.random.default_rng(5)
    frequency = rng.geometric(0.3, size=200_000)
    sample = simulate_gamma_gamma(frequency, **truth, random_state=rng)
    model = GammaGammaFitter().fit(sample["frequency"], sample["monetary_value"])
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.standard_errors_[name], name


def test_simulation_matches_the_model_mean():
    sample = simulate_gamma_gamma(np.full(100_000, 3), p=6.0, q=4.0, v=15.0, random_state=1)
    spend = sample["monetary_value"].to_numpy()
    expected = 6.0 * 15.0 / 3.0  # p v / (q - 1)
    assert abs(spend.mean() - expected) < 3 * spend.std() / np.sqrt(spend.size)
    zero = simulate_gamma_gamma([0, 2], p=6.0, q=4.0, v=15.0, random_state=1)
    assert zero["monetary_value"].iloc[0] == 0.0


def test_customers_without_repeat_purchases_are_skipped(cdnow_summary):
    s = cdnow_summary
    repeat = s[s["frequency"] > 0]
    only_repeat = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    everyone = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    assert everyone.n_customers_ == only_repeat.n_customers_ == 946
    assert everyone.params_ == only_repeat.params_


def test_spend_without_spread_warns_instead_of_overflowing():
    # Four customers with nearly equal spend: the likelihood grows without end in p.
    with np.errstate(over="raise", invalid="raise"), pytest.warns(ConvergenceWarning):
        model = GammaGammaFitter().fit([2, 3, 1, 4], [10.0, 12.0, 8.0, 11.0])
    assert all(np.isfinite(v) for v in model.params_.values())


@pytest.mark.parametrize(
    ("frequency", "monetary_value", "message"),
    [
        ([1, 2], [0.0, 3.0], "monetary_value must be positive"),
        ([1, 2], [np.nan, 3.0], "monetary_value has a missing or infinite value"),
        ([1, 0], [2.0, 3.0], "at least two customers"),
        ([1, 2, 3], [2.0, 3.0], "same length"),
    ],
)
def test_bad_input_is_refused(frequency, monetary_value, message):
    with pytest.raises(ValueError, match=message):
        GammaGammaFitter().fit(frequency, monetary_value)


def test_penalizer_shrinks_the_parameters(cdnow_summary):
    s = cdnow_summary
    plain = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    shrunk = GammaGammaFitter(penalizer_coef=0.01).fit(s["frequency"], s["monetary_value"])
    size = [sum(m.params_[k] ** 2 for k in ("p", "q", "v")) for m in (plain, shrunk)]
    assert size[1] < size[0]
