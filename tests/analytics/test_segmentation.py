import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.segmentation import CustomerSegmenter, describe_centre


def _three_groups(seed: int = 0) -> pd.DataFrame:
    """30 big spenders who buy often and recently, 40 middling, 50 lapsed one-off buyers."""
    rng = np.random.default_rng(seed)
    groups = [
        (30, 5, 20, 2000),  # size, recency, frequency, monetary
        (40, 60, 5, 300),
        (50, 300, 1, 30),
    ]
    frames = []
    for size, recency, frequency, monetary in groups:
        frames.append(
            pd.DataFrame(
                {
                    "recency": recency * rng.uniform(0.8, 1.2, size),
                    "frequency": np.round(frequency * rng.uniform(0.8, 1.2, size)),
                    "monetary": monetary * rng.uniform(0.8, 1.2, size),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.index = pd.Index([f"c{i:03d}" for i in range(len(frame))], name="customer_id")
    return frame


def test_chooses_three_clusters_by_silhouette():
    segmenter = CustomerSegmenter(k_range=(2, 6)).fit(_three_groups())
    assert segmenter.n_clusters_ == 3
    assert set(segmenter.silhouette_scores_) == {2, 3, 4, 5, 6}
    assert max(segmenter.silhouette_scores_.values()) == segmenter.silhouette_scores_[3]
    assert segmenter.profiles_["size"].tolist() == [30, 40, 50]


def test_clusters_are_numbered_by_descending_monetary_centre():
    segmenter = CustomerSegmenter(n_clusters=3).fit(_three_groups())
    monetary = segmenter.cluster_centers_["monetary"]
    assert monetary.is_monotonic_decreasing
    assert 1500 < monetary[0] < 2500  # centres are in the original units
    assert segmenter.labels_.loc["c000"] == 0
    assert segmenter.labels_.loc["c119"] == 2


def test_profiles_in_plain_words():
    segmenter = CustomerSegmenter(n_clusters=3).fit(_three_groups())
    profiles = segmenter.profiles_
    assert profiles.loc[0, "description_en"] == "spends a lot, buys often, bought recently"
    assert profiles.loc[0, "description_zh"] == "消费高，购买频繁，最近购买过"
    assert profiles.loc[2, "description_en"] == (
        "spends little, buys rarely, has not bought for a long time"
    )
    assert profiles["share"].sum() == pytest.approx(1.0)


def test_labels_do_not_depend_on_row_order():
    customers = _three_groups()
    first = CustomerSegmenter(n_clusters=3).fit(customers).labels_
    shuffled = customers.sample(frac=1.0, random_state=7)
    second = CustomerSegmenter(n_clusters=3).fit(shuffled).labels_
    pd.testing.assert_series_equal(first, second.loc[first.index])


def test_predict_new_customers():
    segmenter = CustomerSegmenter(n_clusters=3).fit(_three_groups())
    newcomers = pd.DataFrame({"recency": [3, 280], "frequency": [25, 1], "monetary": [2500, 20]})
    assert segmenter.predict(newcomers).tolist() == [0, 2]


def test_describe_centre_generic_and_average():
    centre = pd.Series({"monetary": 0.1, "tenure": 1.2, "recency": -0.2})
    assert describe_centre(centre) == ("high tenure", "tenure偏高")
    assert describe_centre(pd.Series({"monetary": 0.0})) == (
        "close to the average customer",
        "接近平均水平",
    )


def test_refuses_bad_input():
    customers = _three_groups()
    with pytest.raises(ValueError, match="monetary"):
        CustomerSegmenter().fit(customers.drop(columns="monetary"))
    with pytest.raises(ValueError, match="non-negative"):
        CustomerSegmenter(n_clusters=2).fit(customers.assign(recency=-1.0))
    with pytest.raises(ValueError, match="at least 3 customers"):
        CustomerSegmenter().fit(customers.iloc[:1])
    with pytest.raises(ValueError, match="n_clusters=4"):
        CustomerSegmenter(n_clusters=4).fit(customers.iloc[[0, 0, 1]])
    with pytest.raises(RuntimeError, match="fit"):
        CustomerSegmenter().predict(customers)


def test_single_customer_with_one_cluster():
    segmenter = CustomerSegmenter(n_clusters=1).fit(_three_groups().iloc[:1])
    assert segmenter.labels_.tolist() == [0]
    assert segmenter.profiles_.loc[0, "description_en"] == "close to the average customer"


def test_silhouette_on_a_sample_when_large():
    segmenter = CustomerSegmenter(k_range=(2, 4), silhouette_sample_size=50).fit(_three_groups())
    assert segmenter.n_clusters_ == 3
