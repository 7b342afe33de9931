from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from solocrm.analytics.bgnbd import BetaGeoFitter, simulate_bgnbd

CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> BetaGeoFitter:
    s = cdnow_summary
    return BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])


def fitted(**params: float) -> BetaGeoFitter:
    model = BetaGeoFitter()
    model.params_ = dict(params)
    return model


def test_cdnow_parameters_match_the_paper(cdnow_model):
    for name, published in CDNOW_PARAMS.items():
        assert cdnow_model.params_[name] == pytest.approx(published, rel=0.005), name
    assert cdnow_model.log_likelihood_ == pytest.approx(-9582.4, abs=0.5)
    assert cdnow_model.n_customers_ == 2357


def test_cdnow_standard_errors_are_those_of_the_inverse_hessian(cdnow_model):
    # Reference: lifetimes 0.11.3 (autograd Hessian) on the same data.
    expected = {"r": 0.012557, "alpha": 0.37822, "a": 0.18573, "b": 0.70541}
    for name, value in expected.items():
        assert cdnow_model.standard_errors_[name] == pytest.approx(value, rel=1e-3), name


def test_cdnow_holdout_forecast(cdnow_model, cdnow_summary):
    s = cdnow_summary
    predicted = cdnow_model.conditional_expected_purchases(
        39.0, s["frequency"], s["recency"], s["T"]
    )
    assert predicted.sum() == pytest.approx(1653, rel=0.02)
    assert s["frequency_holdout"].sum() == 1882


def test_cdnow_cumulative_repeat_purchases_at_week_78(cdnow_model, cdnow_summary):
    s = cdnow_summary
    weeks_since_start = (s["first_purchase"] - pd.Timestamp("1997-01-01")).dt.days / 7
    expected = cdnow_model.expected_purchases(78.0 - weeks_since_start.to_numpy()).sum()
    assert expected == pytest.approx(4166, rel=0.005)
    assert (s["frequency"] + s["frequency_holdout"]).sum() == 4339


def test_probability_alive_is_one_without_repeat_purchases(cdnow_model):
    alive = cdnow_model.probability_alive([0, 0, 0], [0.0, 0.0, 0.0], [0.0, 10.0, 1e4])
    assert alive.tolist() == [1.0, 1.0, 1.0]


def test_probability_alive_falls_with_time_since_last_purchase(cdnow_model):
    alive = cdnow_model.probability_alive(3, [30.0, 20.0, 10.0], 38.0)
    assert alive[0] > alive[1] > alive[2] > 0.0
    r, alpha, a, b = (cdnow_model.params_[k] for k in ("r", "alpha", "a", "b"))
    odds = a / (b + 2) * ((alpha + 38.0) / (alpha + 10.0)) ** (r + 3)
    assert alive[2] == pytest.approx(1 / (1 + odds), rel=1e-12)


def test_conditional_expectation_equals_the_paper_form():
    # FHL eq. 10 written directly (fine for moderate x): our Euler-transformed form agrees.
    model = fitted(**CDNOW_PARAMS)
    r, alpha, a, b = CDNOW_PARAMS.values()
    x = np.array([0, 1, 2, 7, 20])
    t_x = np.array([0.0, 5.0, 30.0, 35.0, 38.0])
    T, t = 38.86, 39.0
    z = t / (alpha + T + t)
    direct = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        / (1 + (x > 0) * a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )
    ours = model.conditional_expected_purchases(t, x, t_x, T)
    np.testing.assert_allclose(ours, direct, rtol=1e-10)
    np.testing.assert_allclose(
        model.expected_purchases(t), model.conditional_expected_purchases(t, 0, 0, 0)
    )


def test_probabilities_of_n_purchases_sum_to_one_and_give_the_mean():
    model = fitted(**CDNOW_PARAMS)
    n = np.arange(3000)
    probabilities = model.probability_of_n_purchases(52.0, n)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-10)
    assert np.dot(n, probabilities) == pytest.approx(
        float(model.expected_purchases(52.0)), rel=1e-8
    )
    assert model.probability_of_n_purchases(0.0, [0, 1]).tolist() == [1.0, 0.0]


def test_formulas_agree_with_simulation():
    model = fitted(**CDNOW_PARAMS)
    sample = model.sample(200_000, T=52.0, random_state=11)
    counts = sample["frequency"].to_numpy()
    mean, standard_error = counts.mean(), counts.std() / np.sqrt(counts.size)
    assert abs(mean - float(model.expected_purchases(52.0))) < 3 * standard_error
    share = np.bincount(counts, minlength=4)[:4] / counts.size
    expected = model.probability_of_n_purchases(52.0, np.arange(4))
    assert np.all(np.abs(share - expected) < 3 * np.sqrt(expected * (1 - expected) / counts.size))
    # P(alive) is calibrated: among customers with a given history, that share is alive.
    alive = model.probability_alive(sample["frequency"], sample["recency"], sample["T"])
    assert abs(sample["alive"].mean() - alive.mean()) < 3 * np.sqrt(alive.mean() / counts.size)


def test_simulation_is_reproducible_and_consistent():
    first = simulate_bgnbd(1000, T=[10.0] * 1000, **CDNOW_PARAMS, random_state=3)
    second = simulate_bgnbd(1000, T=10.0, **CDNOW_PARAMS, random_state=3)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == ["frequency", "recency", "T", "alive"]
    assert (first["recency"] <= first["T"]).all()
    assert (first.loc[first["frequency"] == 0, "recency"] == 0).all()
    assert first.loc[first["frequency"] == 0, "alive"].all()


@pytest.mark.slow
def test_recovers_known_parameters_from_a_million_customers():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    rng = np.random.default_rng(20260101)
    T = rng.integers(1, 78 * 7, size=1_000_000) / 7  # acquired on different days
    sample = simulate_bgnbd(1_000_000, T, **truth, random_state=rng)
    model = BetaGeoFitter().fit(sample["frequency"], sample["recency"], sample["T"])
    for name, value in truth.items():
        error = abs(model.params_[name] - value)
        assert error < 3 * model.standard_errors_[name], (name, model.params_[name])
    # The standard errors shrink like 1/sqrt(n): these are a few per mille of the values.
    assert all(model.standard_errors_[k] < 0.02 * truth[k] for k in truth)


def test_collapsed_fit_equals_expanded_fit(cdnow_summary):
    s = cdnow_summary[["frequency", "recency", "T"]]
    expanded = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    counts = s.groupby(["frequency", "recency", "T"]).size().reset_index(name="weight")
    collapsed = BetaGeoFitter().fit(
        counts["frequency"], counts["recency"], counts["T"], weights=counts["weight"]
    )
    assert len(counts) == collapsed.n_distinct_ == expanded.n_distinct_
    for name in CDNOW_PARAMS:
        assert collapsed.params_[name] == pytest.approx(expanded.params_[name], rel=1e-8)
        assert collapsed.standard_errors_[name] == pytest.approx(
            expanded.standard_errors_[name], rel=1e-5
        )
    assert collapsed.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-12)


def test_extreme_inputs_stay_finite():
    x = np.array([0, 1, 5, 500, 500, 2, 0, 300])
    t_x = np.array([0.0, 1.0, 20.0, 9999.0, 10.0, 1e4, 0.0, 5000.0])
    T = np.array([1e4, 1e4, 30.0, 1e4, 1e4, 1e4, 0.5, 5000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BetaGeoFitter().fit(x, t_x, T)
        assert np.isfinite(model.log_likelihood_)
        assert all(np.isfinite(v) and v > 0 for v in model.params_.values())
        typical = fitted(**CDNOW_PARAMS)
        expected = typical.conditional_expected_purchases(52.0, x, t_x, T)
        alive = typical.probability_alive(x, t_x, T)
        probabilities = typical.probability_of_n_purchases(1e4, [0, 1, 500, 5000])
        long_run = typical.expected_purchases([1e-9, 1e4, 1e7])
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    assert alive[4] == 0.0  # 500 purchases, then silence for 9,990 weeks
    assert expected[3] == pytest.approx(500 / 1e4 * 52, rel=0.01)  # steady buyer keeps buying
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(probabilities)) and np.all(np.isfinite(long_run))


def test_penalizer_shrinks_the_parameters(cdnow_summary):
    s = cdnow_summary
    plain = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    shrunk = BetaGeoFitter(penalizer_coef=0.1).fit(s["frequency"], s["recency"], s["T"])
    assert sum(v**2 for v in shrunk.params_.values()) < sum(v**2 for v in plain.params_.values())
    assert shrunk.log_likelihood_ < plain.log_likelihood_


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "frequency must hold non-negative whole numbers"),
        ([1.5], [1.0], [2.0], "frequency must hold non-negative whole numbers"),
        ([1], [3.0], [2.0], "recency must lie between 0 and T"),
        ([0], [1.0], [2.0], "recency must be 0 when frequency is 0"),
        ([1], [np.nan], [2.0], "recency has a missing or infinite value"),
        ([1, 2], [1.0], [2.0], "same length"),
    ],
)
def test_bad_input_is_refused(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        BetaGeoFitter().fit(frequency, recency, T)


def test_unfitted_model_says_so():
    with pytest.raises(AttributeError, match="not fitted"):
        BetaGeoFitter().probability_alive(1, 1.0, 2.0)


def test_expected_purchases_path_equals_one_call_per_time(cdnow_model, cdnow_summary):
    s = cdnow_summary
    times = np.array([0.0, 4.345, 26.0, 52.0, 520.0])
    path = cdnow_model.conditional_expected_purchases_path(
        times, s["frequency"], s["recency"], s["T"]
    )
    assert path.shape == (len(s), len(times))
    for column, t in enumerate(times):
        one = cdnow_model.conditional_expected_purchases(t, s["frequency"], s["recency"], s["T"])
        np.testing.assert_allclose(path[:, column], one, rtol=1e-13, atol=0)
