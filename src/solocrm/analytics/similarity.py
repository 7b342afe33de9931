"""How alike two customers are: a distance, and a similarity derived from it.

The seed's "customer similarity" formula is really a normalised distance, so both are
offered and named for what they are:

- :func:`customer_distance` — a DISTANCE: 0 for identical customers, growing without
  bound as they differ. Each feature is first standardised over the customers given
  (z = (x − mean) / standard deviation, population form; a feature with no spread
  becomes 0 for everybody), then the Euclidean distance is taken:
  d(a, b) = √Σ (z_a − z_b)². A distance of 1 means "one standard deviation apart on
  one feature" (or the equivalent spread over several).
- :func:`customer_similarity` — a SIMILARITY in (0, 1]: 1 / (1 + d). 1 = identical,
  0.5 = one standard deviation apart, towards 0 = very different.

Standardising over the customers given means the figures depend on that population:
compare customers within one call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances
from sklearn.preprocessing import StandardScaler


def standardized_features(features: pd.DataFrame) -> np.ndarray:
    """z-scores of every (numeric) feature column; constant columns become 0."""
    values = features.to_numpy(dtype=float)
    if np.isnan(values).any():
        raise ValueError("features must not contain missing values")
    if len(values) == 0:
        return values
    return StandardScaler().fit_transform(values)


def customer_distance(features: pd.DataFrame) -> pd.DataFrame:
    """Euclidean DISTANCE between every pair of customers on standardised features.

    ``features``: one row per customer (index = customer id), numeric columns.
    Returns a square DataFrame (customers × customers), 0 on the diagonal.
    """
    z = standardized_features(features)
    distances = pairwise_distances(z, metric="euclidean") if len(z) else np.empty((0, 0))
    return pd.DataFrame(distances, index=features.index, columns=features.index)


def customer_similarity(features: pd.DataFrame) -> pd.DataFrame:
    """SIMILARITY 1 / (1 + distance) in (0, 1] between every pair; 1 on the diagonal."""
    return 1.0 / (1.0 + customer_distance(features))


def most_similar_customers(features: pd.DataFrame, customer_id: object, n: int = 5) -> pd.DataFrame:
    """The ``n`` customers nearest to ``customer_id`` (itself excluded), nearest first.

    Columns: ``customer_id``, ``distance``, ``similarity``. Ties keep the input order.
    """
    if not features.index.is_unique:
        raise ValueError("customer ids must be unique")
    if customer_id not in features.index:
        raise ValueError(f"unknown customer {customer_id!r}")
    z = standardized_features(features)
    position = features.index.get_loc(customer_id)
    distances = pairwise_distances(z[[position]], z, metric="euclidean")[0]
    order = np.argsort(distances, kind="stable")
    nearest = order[order != position][:n]
    return pd.DataFrame(
        {
            "customer_id": features.index[nearest],
            "distance": distances[nearest],
            "similarity": 1.0 / (1.0 + distances[nearest]),
        }
    )
