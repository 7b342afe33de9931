import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.churn import FEATURE_LABELS, ChurnModel
from solocrm.analytics.churn_features import FEATURE_COLUMNS, churn_features
from tests.analytics.cdnow import CALIBRATION_END, cdnow_transactions

TRAINING_CUTOFF = "1997-06-30"  # features up to here, label window to 1997-09-30
TRAINING_WINDOW = 92
HOLDOUT_HORIZON = 273  # weeks 40-78: 1997-10-01 .. 1998-06-30


@pytest.fixture(scope="module")
def cdnow():
    return cdnow_transactions()


@pytest.fixture(scope="module")
def logistic(cdnow):
    return ChurnModel("logistic", window=TRAINING_WINDOW, random_state=0).fit(
        cdnow, TRAINING_CUTOFF
    )


def test_cdnow_golden_holdout_logistic(logistic, cdnow):
    report = logistic.evaluate(cdnow, CALIBRATION_END, horizon=HOLDOUT_HORIZON)
    model, recency, frequency = (
        report.loc[row] for row in ("model", "recency_only", "frequency_only")
    )
    assert model["n_customers"] == 2357
    assert model["purchase_rate"] == pytest.approx(684 / 2357)
    assert model["roc_auc"] >= 0.78
    assert model["roc_auc"] == pytest.approx(0.782, abs=0.002)
    assert model["roc_auc"] > recency["roc_auc"]
    assert model["roc_auc"] > frequency["roc_auc"]
    assert recency["roc_auc"] == pytest.approx(0.771, abs=0.002)
    assert frequency["roc_auc"] == pytest.approx(0.758, abs=0.002)
    assert model["pr_auc"] == pytest.approx(0.651, abs=0.003)
    assert model["pr_auc"] > recency["pr_auc"] > frequency["pr_auc"]
    # probabilities speak about 92 days, the horizon is 273: Brier is pessimistic here
    assert model["brier"] == pytest.approx(0.182, abs=0.003)
    assert model["brier"] < recency["brier"]


def test_cdnow_matched_horizon_brier(logistic, cdnow):
    report = logistic.evaluate(cdnow, CALIBRATION_END)
    assert report.loc["model", "purchase_rate"] == pytest.approx(404 / 2357)
    assert report.loc["model", "roc_auc"] == pytest.approx(0.794, abs=0.002)
    assert report.loc["model", "brier"] == pytest.approx(0.111, abs=0.002)
    assert report.loc["model", "brier"] < report.loc["recency_only", "brier"]
    assert report.loc["model", "brier"] < report.loc["frequency_only", "brier"]


def test_cdnow_gradient_boosting_matches_recency_baseline(cdnow):
    model = ChurnModel("gradient_boosting", window=TRAINING_WINDOW, random_state=0)
    report = model.fit(cdnow, TRAINING_CUTOFF).evaluate(
        cdnow, CALIBRATION_END, horizon=HOLDOUT_HORIZON
    )
    assert report.loc["model", "roc_auc"] == pytest.approx(0.774, abs=0.003)
    assert report.loc["model", "roc_auc"] >= report.loc["recency_only", "roc_auc"]
    factors = model.top_factors(cdnow, CALIBRATION_END, n_factors=2)
    assert len(factors) == 2 * 2357
    assert factors.groupby("customer_id")["contribution"].is_monotonic_decreasing.all()


def test_predict_proba_is_complementary(logistic, cdnow):
    probabilities = logistic.predict_proba(cdnow, CALIBRATION_END)
    assert len(probabilities) == 2357
    total = probabilities["churn_probability"] + probabilities["purchase_probability"]
    np.testing.assert_allclose(total, 1.0)
    assert probabilities["purchase_probability"].between(0, 1).all()
    # a recent, frequent buyer is far more likely to buy than a one-off buyer from January
    features = churn_features(cdnow, CALIBRATION_END, TRAINING_WINDOW)
    busy = features["frequency"].idxmax()
    one_off = features[(features["frequency"] == 1)]["recency_days"].idxmax()
    assert probabilities.loc[busy, "purchase_probability"] > 0.9
    assert probabilities.loc[one_off, "purchase_probability"] < 0.1


def test_logistic_factors_add_up_to_the_log_odds(logistic, cdnow):
    factors = logistic.top_factors(cdnow, CALIBRATION_END, n_factors=len(FEATURE_COLUMNS))
    features = churn_features(cdnow, CALIBRATION_END, TRAINING_WINDOW)
    pipeline = logistic.estimator_.calibrated_classifiers_[0].estimator
    churn_log_odds = -(pipeline.decision_function(features) - pipeline[-1].intercept_[0])
    summed = factors.groupby("customer_id")["contribution"].sum()
    np.testing.assert_allclose(summed.loc[features.index].to_numpy(), churn_log_odds, atol=1e-9)
    first = factors[factors["customer_id"] == features.index[0]]
    assert first["rank"].tolist() == list(range(1, len(FEATURE_COLUMNS) + 1))
    assert set(first["label_zh"]) == {FEATURE_LABELS[name]["zh"] for name in FEATURE_COLUMNS}


def test_top_factor_of_a_long_gone_customer_is_recency(logistic, cdnow):
    features = churn_features(cdnow, CALIBRATION_END, TRAINING_WINDOW)
    gone = features[features["frequency"] == 1]["recency_days"].idxmax()
    factors = logistic.top_factors(cdnow, CALIBRATION_END, n_factors=1)
    row = factors[factors["customer_id"] == gone].iloc[0]
    assert row["feature"] == "recency_days"
    assert row["value"] == features.loc[gone, "recency_days"]
    assert row["contribution"] > 0


def _tiny_log(buyers_after: int):
    rows = []
    for customer in range(12):
        rows.append((customer, "2024-01-10", 10.0))
        if customer < buyers_after:
            rows.append((customer, "2024-02-15", 10.0))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def test_fit_needs_both_outcomes():
    with pytest.raises(ValueError, match="at least 5 customers who bought"):
        ChurnModel(window=30).fit(_tiny_log(buyers_after=0), "2024-01-31")
    with pytest.raises(ValueError, match="at least 5 customers who bought"):
        ChurnModel(window=30).fit(_tiny_log(buyers_after=3), "2024-01-31")


def test_unknown_settings_and_unfitted_use_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        ChurnModel(model="forest", window=30).fit(_tiny_log(6), "2024-01-31")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown calibration"):
        ChurnModel(calibration="beta", window=30).fit(_tiny_log(6), "2024-01-31")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="fit"):
        ChurnModel().predict_proba(_tiny_log(6), "2024-01-31")


def test_single_class_holdout_and_empty_history():
    model = ChurnModel(window=30).fit(_tiny_log(6), "2024-01-31")
    report = model.evaluate(_tiny_log(6), "2024-03-31")  # nobody buys after March
    assert np.isnan(report.loc["model", "roc_auc"])
    assert report.loc["model", "purchase_rate"] == 0.0
    assert model.predict_proba(_tiny_log(6), "2023-12-31").empty
    assert model.top_factors(_tiny_log(6), "2023-12-31").empty
