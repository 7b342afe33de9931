import math

import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.similarity import (
    customer_distance,
    customer_similarity,
    most_similar_customers,
    standardized_features,
)


@pytest.fixture
def features():
    # x: mean 2, population std √(8/3); y has no spread and drops out
    return pd.DataFrame({"x": [0.0, 2.0, 4.0], "y": [10.0, 10.0, 10.0]}, index=["a", "b", "c"])


def test_standardised_by_hand(features):
    z = standardized_features(features)
    step = 2 / math.sqrt(8 / 3)
    np.testing.assert_allclose(z[:, 0], [-step, 0.0, step])
    np.testing.assert_allclose(z[:, 1], [0.0, 0.0, 0.0])


def test_distance_by_hand(features):
    distance = customer_distance(features)
    step = 2 / math.sqrt(8 / 3)  # 1.2247…
    assert distance.loc["a", "b"] == pytest.approx(step)
    assert distance.loc["a", "c"] == pytest.approx(2 * step)
    assert distance.loc["c", "a"] == distance.loc["a", "c"]
    assert (np.diag(distance) == 0).all()


def test_similarity_is_one_over_one_plus_distance(features):
    similarity = customer_similarity(features)
    step = 2 / math.sqrt(8 / 3)
    assert similarity.loc["a", "b"] == pytest.approx(1 / (1 + step))
    assert (np.diag(similarity) == 1.0).all()
    assert ((similarity > 0) & (similarity <= 1)).all().all()


def test_units_do_not_matter(features):
    scaled = features.assign(x=features["x"] * 1000)
    pd.testing.assert_frame_equal(customer_distance(features), customer_distance(scaled))


def test_most_similar(features):
    nearest = most_similar_customers(features, "a", n=5)
    assert nearest["customer_id"].tolist() == ["b", "c"]
    assert nearest["similarity"].iloc[0] == pytest.approx(1 / (1 + 2 / math.sqrt(8 / 3)))
    tie = most_similar_customers(features, "b", n=1)
    assert tie["customer_id"].tolist() == ["a"]  # a and c are equally near: input order


def test_edge_cases():
    single = pd.DataFrame({"x": [5.0]}, index=["only"])
    assert customer_distance(single).loc["only", "only"] == 0.0
    assert most_similar_customers(single, "only").empty
    assert customer_distance(pd.DataFrame({"x": []})).empty
    with pytest.raises(ValueError, match="unknown customer"):
        most_similar_customers(single, "nobody")
    with pytest.raises(ValueError, match="unique"):
        most_similar_customers(pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "a"]), "a")
    with pytest.raises(ValueError, match="missing"):
        customer_distance(pd.DataFrame({"x": [1.0, np.nan]}))
