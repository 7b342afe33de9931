"""Bought-together rules (FP-growth) and per-customer recommendations.

Input baskets are a long table with one row per (``order_id``, ``product``); a product
listed twice in one order counts once. The baskets become a sparse one-hot table
(orders × products) and mlxtend's FP-growth finds the frequent itemsets.

Figures, for a rule "antecedent A → consequent C" over N baskets:

- support(X) = number of baskets containing every item of X / N;
- support of the rule = support(A ∪ C);
- confidence = support(A ∪ C) / support(A): of the baskets with A, the share that
  also hold C;
- lift = confidence / support(C): how many times more likely C is with A than in
  general (1 = independent, above 1 = bought together).

Recommendations use the rules whose consequent is a single product, so confidence and
lift speak about that product (a rule A → {B, C} says little about C alone). A rule
applies to a customer who already has every product of its antecedent; its consequent
is a candidate unless the customer has it already. A candidate's score is the highest
confidence among the rules proposing it (ties broken by lift, then product). Customers
to whom no rule applies get none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from scipy import sparse

RULE_COLUMNS = ["antecedents", "consequents", "support", "confidence", "lift"]
RECOMMENDATION_COLUMNS = ["customer_id", "rank", "product", "confidence", "lift", "because"]


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lack the column(s): {', '.join(missing)}")


def basket_matrix(baskets: pd.DataFrame) -> pd.DataFrame:
    """Sparse boolean one-hot table: one row per order, one column per product."""
    _require(baskets, ["order_id", "product"], "baskets")
    pairs = baskets[["order_id", "product"]].drop_duplicates()
    order_codes, orders = pd.factorize(pairs["order_id"], sort=True)
    product_codes, products = pd.factorize(pairs["product"], sort=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=bool), (order_codes, product_codes)),
        shape=(len(orders), len(products)),
    )
    return pd.DataFrame.sparse.from_spmatrix(matrix, index=orders, columns=products)


def frequent_itemsets(
    baskets: pd.DataFrame, min_support: float = 0.01, max_len: int | None = None
) -> pd.DataFrame:
    """Itemsets (``frozenset`` of products) with support ≥ ``min_support``."""
    if not 0 < min_support <= 1:
        raise ValueError("min_support must lie in (0, 1]")
    onehot = basket_matrix(baskets)
    if onehot.empty:
        return pd.DataFrame(
            {"support": pd.Series(dtype=float), "itemsets": pd.Series(dtype=object)}
        )
    return fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=max_len)


def rules_from_itemsets(
    itemsets: pd.DataFrame, n_baskets: int, min_confidence: float = 0.2, min_lift: float = 1.0
) -> pd.DataFrame:
    """Association rules with confidence ≥ ``min_confidence`` and lift ≥ ``min_lift``.

    Sorted by confidence, then lift (both descending), then antecedent and
    consequent as text, so the order is reproducible.
    """
    if (itemsets["itemsets"].map(len) < 2).all():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in RULE_COLUMNS})
    rules = association_rules(
        itemsets, num_itemsets=n_baskets, metric="confidence", min_threshold=min_confidence
    )
    rules = rules.loc[rules["lift"] >= min_lift, RULE_COLUMNS].copy()
    rules["_a"] = rules["antecedents"].map(lambda items: ", ".join(sorted(map(str, items))))
    rules["_c"] = rules["consequents"].map(lambda items: ", ".join(sorted(map(str, items))))
    rules = rules.sort_values(
        ["confidence", "lift", "_a", "_c"], ascending=[False, False, True, True], kind="stable"
    )
    return rules.drop(columns=["_a", "_c"]).reset_index(drop=True)


def association_rules_from_baskets(
    baskets: pd.DataFrame,
    min_support: float = 0.01,
    min_confidence: float = 0.2,
    min_lift: float = 1.0,
    max_len: int | None = None,
) -> pd.DataFrame:
    """FP-growth itemsets, then rules (see the module docstring for the figures)."""
    itemsets = frequent_itemsets(baskets, min_support=min_support, max_len=max_len)
    n_baskets = baskets["order_id"].nunique()
    return rules_from_itemsets(itemsets, n_baskets, min_confidence, min_lift)


class BasketRecommender:
    """Learn bought-together rules from baskets; recommend what each customer lacks.

    Learned attributes: ``n_baskets_``, ``frequent_itemsets_``, ``rules_``.
    """

    def __init__(
        self,
        min_support: float = 0.01,
        min_confidence: float = 0.2,
        min_lift: float = 1.0,
        max_len: int | None = 3,
    ) -> None:
        self.min_support = min_support
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.max_len = max_len

    def fit(self, baskets: pd.DataFrame) -> BasketRecommender:
        """Find frequent itemsets and rules in ``baskets`` (order_id, product)."""
        self.n_baskets_ = int(baskets["order_id"].nunique()) if len(baskets) else 0
        self.frequent_itemsets_ = frequent_itemsets(baskets, self.min_support, self.max_len)
        self.rules_ = rules_from_itemsets(
            self.frequent_itemsets_, self.n_baskets_, self.min_confidence, self.min_lift
        )
        return self

    def recommend(self, customer_products: pd.DataFrame, n: int = 5) -> pd.DataFrame:
        """Up to ``n`` products per customer, best first, excluding what they have.

        ``customer_products``: one row per (``customer_id``, ``product``) the customer
        already has. Result columns: ``customer_id``, ``rank``, ``product``,
        ``confidence``, ``lift`` and ``because`` (the antecedent of the best rule).
        """
        if not hasattr(self, "rules_"):
            raise RuntimeError("call fit() before recommend()")
        _require(customer_products, ["customer_id", "product"], "customer_products")
        owned = customer_products[["customer_id", "product"]].drop_duplicates()
        if self.rules_.empty or owned.empty:
            return pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
        candidates = self._applicable(owned)
        candidates = candidates.merge(
            owned.assign(_owned=True), on=["customer_id", "product"], how="left"
        )
        candidates = candidates[candidates["_owned"].isna()].drop(columns="_owned")
        candidates["_product_text"] = candidates["product"].astype(str)
        candidates = candidates.sort_values(
            ["customer_id", "confidence", "lift", "_product_text"],
            ascending=[True, False, False, True],
            kind="stable",
        ).drop_duplicates(["customer_id", "product"])
        candidates["rank"] = candidates.groupby("customer_id").cumcount() + 1
        best = candidates[candidates["rank"] <= n]
        return best.loc[:, RECOMMENDATION_COLUMNS].reset_index(drop=True)

    def _applicable(self, owned: pd.DataFrame) -> pd.DataFrame:
        """Candidate rows (customer, product, confidence, lift, because) from applicable rules."""
        rules = self.rules_[self.rules_["consequents"].map(len) == 1].reset_index(drop=True)
        vocabulary = pd.Index(
            sorted({item for items in rules["antecedents"] for item in items}, key=str)
        )
        customer_codes, customers = pd.factorize(owned["customer_id"], sort=True)
        product_codes = vocabulary.get_indexer(owned["product"])
        known = product_codes >= 0
        holdings = sparse.csr_matrix(
            (np.ones(known.sum()), (customer_codes[known], product_codes[known])),
            shape=(len(customers), len(vocabulary)),
        )
        rule_rows = np.repeat(np.arange(len(rules)), rules["antecedents"].map(len))
        rule_items = vocabulary.get_indexer(
            [item for items in rules["antecedents"] for item in items]
        )
        antecedents = sparse.csr_matrix(
            (np.ones(len(rule_rows)), (rule_rows, rule_items)), shape=(len(rules), len(vocabulary))
        )
        matches = (holdings @ antecedents.T).tocoo()
        sizes = rules["antecedents"].map(len).to_numpy()
        full = matches.data == sizes[matches.col]
        pairs = pd.DataFrame(
            {"customer_id": customers[matches.row[full]], "rule": matches.col[full]}
        )
        proposals = pd.DataFrame(
            {
                "rule": np.arange(len(rules)),
                "product": rules["consequents"].map(lambda items: next(iter(items))),
                "confidence": rules["confidence"],
                "lift": rules["lift"],
                "because": rules["antecedents"].map(lambda items: tuple(sorted(items, key=str))),
            }
        )
        return pairs.merge(proposals, on="rule").drop(columns="rule")
