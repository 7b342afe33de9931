"""Customer clusters with k-means, with the number of clusters chosen by silhouette.

Steps. (1) Optionally take log(1 + x) of each feature, so that a few big spenders do
not dominate (features must then be ≥ 0). (2) Standardise: subtract each feature's
mean and divide by its standard deviation (z-scores). (3) k-means with a fixed number
of restarts (``n_init``) and ``random_state``. (4) When ``n_clusters`` is not given,
try every k in ``k_range`` and keep the k with the highest mean silhouette (for each
customer: (b − a) / max(a, b), where a is the mean distance to its own cluster and b
the mean distance to the nearest other cluster; 1 = well separated, 0 = on a border),
computed on a random sample of ``silhouette_sample_size`` customers when there are
more.

Reproducible labels: clusters are renumbered by descending centre of ``order_by``
(default ``monetary``), so cluster 0 is always the biggest-spending one, whatever
k-means' internal numbering.

Profiles: each cluster is described from its centre's z-score on every feature; a
z-score of at least ``profile_threshold`` (0.5 standard deviations) reads "high", at
most −0.5 reads "low", in between is not mentioned. For recency (days since the last
purchase) high reads "has not bought for a long time", low reads "bought recently".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

# feature → ((English high, Chinese high), (English low, Chinese low))
PROFILE_PHRASES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "monetary": (("spends a lot", "消费高"), ("spends little", "消费低")),
    "frequency": (("buys often", "购买频繁"), ("buys rarely", "很少购买")),
    "recency": (
        ("has not bought for a long time", "很久没有购买"),
        ("bought recently", "最近购买过"),
    ),
}
AVERAGE_PHRASE = ("close to the average customer", "接近平均水平")


def _phrase(feature: str, z: float, threshold: float) -> tuple[str, str] | None:
    if abs(z) < threshold:
        return None
    high = z > 0
    if feature in PROFILE_PHRASES:
        return PROFILE_PHRASES[feature][0 if high else 1]
    return (f"high {feature}", f"{feature}偏高") if high else (f"low {feature}", f"{feature}偏低")


def describe_centre(centre_z: pd.Series, threshold: float = 0.5) -> tuple[str, str]:
    """English and Chinese description of a cluster centre given as z-scores.

    Known features come first in the order monetary, frequency, recency.
    """
    known = [name for name in PROFILE_PHRASES if name in centre_z.index]
    others = [name for name in centre_z.index if name not in PROFILE_PHRASES]
    phrases = [_phrase(name, float(centre_z[name]), threshold) for name in known + others]
    present = [phrase for phrase in phrases if phrase is not None] or [AVERAGE_PHRASE]
    return ", ".join(p[0] for p in present), "，".join(p[1] for p in present)


class CustomerSegmenter:
    """Standardised k-means clusters of customers with plain-language profiles.

    Learned attributes: ``n_clusters_``, ``silhouette_scores_`` (k → score; empty when
    ``n_clusters`` was given), ``scaler_``, ``kmeans_``, ``labels_`` (Series on the
    input index), ``cluster_centers_`` (centres in the original units),
    ``centre_z_scores_``, ``kmeans_to_cluster_`` (k-means' own cluster number → ours)
    and ``profiles_`` (size, share, description_en, description_zh per cluster).
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        features: Sequence[str] = ("recency", "frequency", "monetary"),
        log_transform: bool = True,
        order_by: str | None = None,
        silhouette_sample_size: int = 2000,
        n_init: int = 10,
        profile_threshold: float = 0.5,
        random_state: int | None = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.features = features
        self.log_transform = log_transform
        self.order_by = order_by
        self.silhouette_sample_size = silhouette_sample_size
        self.n_init = n_init
        self.profile_threshold = profile_threshold
        self.random_state = random_state

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        columns = list(self.features)
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"customers lack the feature column(s): {', '.join(missing)}")
        values = frame[columns].to_numpy(dtype=float)
        if np.isnan(values).any():
            raise ValueError("features must not contain missing values")
        if self.log_transform:
            if (values < 0).any():
                raise ValueError("log_transform needs non-negative features")
            values = np.log1p(values)
        return values

    def _kmeans(self, k: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)

    def _choose_k(self, z: np.ndarray, n_distinct: int) -> int:
        low, high = self.k_range
        candidates = range(max(2, low), min(high, n_distinct - 1) + 1)
        if not candidates:
            raise ValueError("choosing k needs at least 3 customers with distinct features")
        sample = self.silhouette_sample_size if len(z) > self.silhouette_sample_size else None
        self.silhouette_scores_ = {
            k: float(
                silhouette_score(
                    z,
                    self._kmeans(k).fit_predict(z),
                    sample_size=sample,
                    random_state=self.random_state,
                )
            )
            for k in candidates
        }
        return max(self.silhouette_scores_, key=self.silhouette_scores_.__getitem__)

    def fit(self, customers: pd.DataFrame) -> CustomerSegmenter:
        """Cluster the customers (one row each, feature columns as in ``features``)."""
        values = self._matrix(customers)
        self.scaler_ = StandardScaler().fit(values)
        z = self.scaler_.transform(values)
        n_distinct = len(np.unique(z, axis=0))
        self.silhouette_scores_: dict[int, float] = {}
        if self.n_clusters is None:
            self.n_clusters_ = self._choose_k(z, n_distinct)
        elif not 1 <= self.n_clusters <= n_distinct:
            raise ValueError(f"n_clusters={self.n_clusters} needs as many distinct customers")
        else:
            self.n_clusters_ = self.n_clusters
        self.kmeans_ = self._kmeans(self.n_clusters_).fit(z)
        self._relabel()
        self.labels_ = pd.Series(self.predict(customers), index=customers.index, name="cluster")
        self._profile()
        return self

    def _relabel(self) -> None:
        order_by = self.order_by or ("monetary" if "monetary" in self.features else None)
        column = list(self.features).index(order_by) if order_by else 0
        centres = self.kmeans_.cluster_centers_
        # descending centre; ties broken by the remaining coordinates for determinism
        keys = [-centres[:, j] for j in reversed(range(centres.shape[1])) if j != column]
        order = np.lexsort([*keys, -centres[:, column]])
        self.kmeans_to_cluster_ = np.empty(len(order), dtype=int)
        self.kmeans_to_cluster_[order] = np.arange(len(order))
        z_centres = centres[order]
        self.centre_z_scores_ = pd.DataFrame(z_centres, columns=list(self.features))
        original = self.scaler_.inverse_transform(z_centres)
        if self.log_transform:
            original = np.expm1(original)
        self.cluster_centers_ = pd.DataFrame(original, columns=list(self.features))

    def _profile(self) -> None:
        sizes = self.labels_.value_counts().reindex(range(self.n_clusters_), fill_value=0)
        descriptions = [
            describe_centre(self.centre_z_scores_.loc[label], self.profile_threshold)
            for label in range(self.n_clusters_)
        ]
        self.profiles_ = pd.DataFrame(
            {
                "size": sizes.to_numpy(),
                "share": sizes.to_numpy() / max(len(self.labels_), 1),
                "description_en": [english for english, _ in descriptions],
                "description_zh": [chinese for _, chinese in descriptions],
            },
            index=pd.RangeIndex(self.n_clusters_, name="cluster"),
        )

    def predict(self, customers: pd.DataFrame) -> np.ndarray:
        """Cluster numbers (after renumbering) for customers with the same features."""
        if not hasattr(self, "kmeans_"):
            raise RuntimeError("call fit() before predict()")
        z = self.scaler_.transform(self._matrix(customers))
        return self.kmeans_to_cluster_[self.kmeans_.predict(z)]

    def fit_predict(self, customers: pd.DataFrame) -> np.ndarray:
        """``fit`` then the cluster number of every customer."""
        return self.fit(customers).labels_.to_numpy()
