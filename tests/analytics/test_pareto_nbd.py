from __future__ import annotations

import numpy as np
import pytest

from solocrm.analytics.clv import customer_lifetime_value
from solocrm.analytics.gamma_gamma import GammaGammaFitter
from solocrm.analytics.pareto_nbd import ParetoNBDFitter, simulate_pareto_nbd

CDNOW_PARAMS = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def cdnow_pareto(cdnow_summary) -> ParetoNBDFitter:
    s = cdnow_summary
    return ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])


def fitted(**params: float) -> ParetoNBDFitter:
    model = ParetoNBDFitter()
    model.params_ = dict(params)
    return model


def test_cdnow_parameters_match_the_paper(cdnow_pareto):
    for name, published in CDNOW_PARAMS.items():
        assert cdnow_pareto.params_[name] == pytest.approx(published, rel=0.005), name
    assert cdnow_pareto.log_likelihood_ == pytest.approx(-9595.0, abs=0.5)


def test_cdnow_holdout_forecast_is_close_to_bgnbd(cdnow_pareto, cdnow_summary):
    s = cdnow_summary
    predicted = cdnow_pareto.conditional_expected_purchases(
        39.0, s["frequency"], s["recency"], s["T"]
    )
    assert predicted.sum() == pytest.approx(1653, rel=0.02)


def test_probability_alive_is_one_right_after_a_purchase(cdnow_pareto):
    alive = cdnow_pareto.probability_alive([0, 3, 3, 3], [0.0, 30.0, 20.0, 38.0], 38.0)
    assert alive[3] == 1.0
    assert 1.0 > alive[1] > alive[2] > 0.0
    assert 0.0 < alive[0] < 1.0  # unlike BG/NBD, Pareto/NBD customers can leave at any time


def test_formulas_agree_with_simulation():
    model = fitted(**CDNOW_PARAMS)
    sample = simulate_pareto_nbd(200_000, 52.0, **CDNOW_PARAMS, random_state=8)
    counts = sample["frequency"].to_numpy()
    assert abs(counts.mean() - float(model.expected_purchases(52.0))) < 3 * counts.std() / np.sqrt(
        counts.size
    )
    alive = model.probability_alive(sample["frequency"], sample["recency"], sample["T"])
    assert abs(sample["alive"].mean() - alive.mean()) < 3 * np.sqrt(0.25 / counts.size)


def test_recovers_known_parameters():
    truth = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
    sample = simulate_pareto_nbd(50_000, 52.0, **truth, random_state=4)
    recency = np.floor(sample["recency"].to_numpy() * 7) / 7  # whole days, as in a summary
    model = ParetoNBDFitter().fit(sample["frequency"], recency, sample["T"])
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.standard_errors_[name], name


def test_collapsed_fit_equals_expanded_fit(cdnow_summary):
    s = cdnow_summary
    expanded = ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])
    counts = s.groupby(["frequency", "recency", "T"]).size().reset_index(name="weight")
    collapsed = ParetoNBDFitter().fit(
        counts["frequency"], counts["recency"], counts["T"], weights=counts["weight"]
    )
    # The finite-difference gradient stops both fits within about 1e-6 of the optimum
    # along the flat beta direction; the likelihoods agree far more closely.
    for name in CDNOW_PARAMS:
        assert collapsed.params_[name] == pytest.approx(expanded.params_[name], rel=1e-5)
    assert collapsed.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-12)


def test_extreme_inputs_stay_finite():
    model = fitted(**CDNOW_PARAMS)
    x = np.array([0, 500, 500, 2, 300])
    t_x = np.array([0.0, 9999.0, 10.0, 1e4, 5000.0])
    T = np.array([1e4, 1e4, 1e4, 1e4, 5000.0])
    with np.errstate(over="raise", invalid="raise"):
        loglik = model.log_likelihood(x, t_x, T)
        alive = model.probability_alive(x, t_x, T)
        expected = model.conditional_expected_purchases(52.0, x, t_x, T)
    assert np.all(np.isfinite(loglik))
    assert np.all((alive >= 0) & (alive <= 1))
    assert alive[2] == pytest.approx(0.0, abs=1e-300)
    assert np.all(np.isfinite(expected))


def test_works_as_the_transaction_model_of_clv(cdnow_pareto, cdnow_summary):
    s = cdnow_summary
    spend = GammaGammaFitter().fit(s["frequency"], s["monetary_value"])
    value = customer_lifetime_value(
        cdnow_pareto, spend, s["frequency"], s["recency"], s["T"], s["monetary_value"]
    )
    assert value.shape == (len(s),)
    assert np.all(value > 0)
