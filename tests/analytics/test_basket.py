import pandas as pd
import pytest

from solocrm.analytics.basket import (
    BasketRecommender,
    association_rules_from_baskets,
    basket_matrix,
    frequent_itemsets,
)

# The textbook market baskets (Tan, Steinbach & Kumar), five orders.
ORDERS = {
    1: ["bread", "milk"],
    2: ["bread", "diaper", "beer", "eggs"],
    3: ["milk", "diaper", "beer", "cola"],
    4: ["bread", "milk", "diaper", "beer"],
    5: ["bread", "milk", "diaper", "cola"],
}


@pytest.fixture
def baskets():
    rows = [(order, product) for order, products in ORDERS.items() for product in products]
    rows.append((1, "milk"))  # a duplicate line counts once
    return pd.DataFrame(rows, columns=["order_id", "product"])


def _rule(rules, antecedents, consequents):
    match = rules[
        (rules["antecedents"] == frozenset(antecedents))
        & (rules["consequents"] == frozenset(consequents))
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_basket_matrix_is_sparse_one_hot(baskets):
    onehot = basket_matrix(baskets)
    assert onehot.shape == (5, 6)
    assert all(isinstance(dtype, pd.SparseDtype) for dtype in onehot.dtypes)
    assert onehot.sum().to_dict() == {
        "beer": 3,
        "bread": 4,
        "cola": 2,
        "diaper": 4,
        "eggs": 1,
        "milk": 4,
    }


def test_itemset_supports_by_hand(baskets):
    itemsets = frequent_itemsets(baskets, min_support=0.4)
    support = dict(zip(itemsets["itemsets"], itemsets["support"], strict=True))
    assert support[frozenset({"bread"})] == pytest.approx(0.8)
    assert support[frozenset({"diaper", "beer"})] == pytest.approx(0.6)
    assert support[frozenset({"milk", "diaper", "beer"})] == pytest.approx(0.4)
    assert frozenset({"eggs"}) not in support


def test_rules_support_confidence_lift_by_hand(baskets):
    rules = association_rules_from_baskets(baskets, min_support=0.4, min_confidence=0.5)
    beer_diaper = _rule(rules, {"beer"}, {"diaper"})
    assert beer_diaper["support"] == pytest.approx(0.6)
    assert beer_diaper["confidence"] == pytest.approx(1.0)  # 0.6 / 0.6
    assert beer_diaper["lift"] == pytest.approx(1.25)  # 1.0 / 0.8
    diaper_beer = _rule(rules, {"diaper"}, {"beer"})
    assert diaper_beer["confidence"] == pytest.approx(0.75)  # 0.6 / 0.8
    assert diaper_beer["lift"] == pytest.approx(1.25)  # 0.75 / 0.6
    pair_beer = _rule(rules, {"milk", "diaper"}, {"beer"})
    assert pair_beer["confidence"] == pytest.approx(2 / 3)  # 0.4 / 0.6
    assert pair_beer["lift"] == pytest.approx(10 / 9)  # (2/3) / 0.6
    # beer buyers buy bread and milk less than average (lift 5/6): filtered by min_lift=1
    from_beer = rules[rules["antecedents"] == frozenset({"beer"})]["consequents"]
    assert [set(items) for items in from_beer if len(items) == 1] == [{"diaper"}]
    assert rules["confidence"].is_monotonic_decreasing


def test_recommendations_exclude_owned_and_rank_by_confidence(baskets):
    recommender = BasketRecommender(min_support=0.4, min_confidence=0.5).fit(baskets)
    assert recommender.n_baskets_ == 5
    owned = pd.DataFrame(
        {"customer_id": ["ann", "bob", "bob", "cy"], "product": ["beer", "milk", "diaper", "eggs"]}
    )
    recommendations = recommender.recommend(owned, n=5)
    ann = recommendations[recommendations["customer_id"] == "ann"]
    assert ann["product"].tolist() == ["diaper"]
    assert ann["because"].tolist() == [("beer",)]
    bob = recommendations[recommendations["customer_id"] == "bob"]
    assert bob["product"].tolist() == ["beer", "cola"]
    assert bob["confidence"].tolist() == pytest.approx([0.75, 2 / 3])
    assert bob["because"].tolist() == [("diaper",), ("diaper", "milk")]
    assert bob["rank"].tolist() == [1, 2]
    assert "cy" not in set(recommendations["customer_id"])  # no rule starts from eggs
    assert recommender.recommend(owned, n=1)["product"].tolist() == ["diaper", "beer"]


def test_empty_inputs(baskets):
    empty = pd.DataFrame({"order_id": [], "product": []})
    assert association_rules_from_baskets(empty).empty
    recommender = BasketRecommender(min_support=0.4).fit(baskets)
    assert recommender.recommend(pd.DataFrame({"customer_id": [], "product": []})).empty
    nothing_frequent = BasketRecommender(min_support=1.0).fit(baskets)
    assert nothing_frequent.rules_.empty
    assert nothing_frequent.recommend(pd.DataFrame({"customer_id": [1], "product": ["beer"]})).empty


def test_refuses_bad_input(baskets):
    with pytest.raises(ValueError, match="product"):
        basket_matrix(pd.DataFrame({"order_id": [1]}))
    with pytest.raises(ValueError, match="min_support"):
        frequent_itemsets(baskets, min_support=0)
    with pytest.raises(RuntimeError, match="fit"):
        BasketRecommender().recommend(pd.DataFrame({"customer_id": [1], "product": ["x"]}))
