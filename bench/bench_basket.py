"""Benchmark: FP-growth on 100,000 synthetic baskets at minimum support 0.001.

Compares Solo CRM's ``frequent_itemsets`` (which also builds the sparse one-hot table
from the long order_id/product table) with mlxtend's ``fpgrowth`` called directly on a
sparse one-hot DataFrame built beforehand, checks that both find the same itemsets with
the same supports, and writes the timings to ``bench/results/basket.json``.

Run: ``.venv/bin/python bench/bench_basket.py``
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth

from solocrm.analytics.basket import basket_matrix, frequent_itemsets

N_BASKETS = 100_000
N_PRODUCTS = 1_000
N_BUNDLES = 40
MIN_SUPPORT = 0.001
REPEATS = 5
SEED = 20240601
RESULT_PATH = Path(__file__).parent / "results" / "basket.json"


def synthetic_baskets(seed: int = SEED) -> pd.DataFrame:
    """Long table of baskets: Zipf-like product popularity plus planted bundles.

    Each basket holds 1 + Poisson(2.5) products drawn with probability ∝ 1 / rank^1.1;
    a fifth of the baskets also get one of 40 bundles of 2-3 products.
    """
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_PRODUCTS + 1) ** 1.1
    popularity /= popularity.sum()
    sizes = 1 + rng.poisson(2.5, N_BASKETS)
    orders = np.repeat(np.arange(N_BASKETS), sizes)
    products = rng.choice(N_PRODUCTS, size=len(orders), p=popularity)
    bundles = [
        rng.choice(N_PRODUCTS, size=rng.integers(2, 4), replace=False) for _ in range(N_BUNDLES)
    ]
    with_bundle = np.flatnonzero(rng.random(N_BASKETS) < 0.2)
    chosen = rng.integers(0, N_BUNDLES, len(with_bundle))
    bundle_orders = np.concatenate(
        [np.repeat(o, len(bundles[b])) for o, b in zip(with_bundle, chosen, strict=True)]
    )
    bundle_products = np.concatenate([bundles[b] for b in chosen])
    frame = pd.DataFrame(
        {
            "order_id": np.concatenate([orders, bundle_orders]),
            "product": [f"p{p:04d}" for p in np.concatenate([products, bundle_products])],
        }
    )
    return frame.drop_duplicates().reset_index(drop=True)


def _seconds(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _interleaved(
    first, second, repeats: int = REPEATS
) -> tuple[list[float], list[float], object, object]:
    """Alternate the two runs so that load from other processes hits both alike."""
    first_times, second_times = [], []
    first_result = second_result = None
    for _ in range(repeats):
        seconds, first_result = _seconds(first)
        first_times.append(seconds)
        seconds, second_result = _seconds(second)
        second_times.append(seconds)
    return first_times, second_times, first_result, second_result


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _as_mapping(itemsets: pd.DataFrame) -> dict[frozenset, float]:
    return dict(zip(itemsets["itemsets"], itemsets["support"], strict=True))


def main() -> dict:
    baskets = synthetic_baskets()
    onehot_seconds, onehot = _seconds(lambda: basket_matrix(baskets))
    ours_times, direct_times, ours, direct = _interleaved(
        lambda: frequent_itemsets(baskets, min_support=MIN_SUPPORT),
        lambda: fpgrowth(onehot, min_support=MIN_SUPPORT, use_colnames=True),
    )
    ours_map, direct_map = _as_mapping(ours), _as_mapping(direct)
    same = ours_map.keys() == direct_map.keys() and all(
        abs(ours_map[key] - direct_map[key]) < 1e-12 for key in ours_map
    )
    rules_start = time.perf_counter()
    rules = association_rules(ours, num_itemsets=N_BASKETS, metric="confidence", min_threshold=0.2)
    rules_seconds = time.perf_counter() - rules_start
    result = {
        "benchmark": "FP-growth frequent itemsets",
        "n_baskets": N_BASKETS,
        "n_products": int(onehot.shape[1]),
        "n_basket_lines": len(baskets),
        "mean_basket_size": round(len(baskets) / N_BASKETS, 3),
        "min_support": MIN_SUPPORT,
        "repeats": REPEATS,
        "solocrm_frequent_itemsets_seconds": {
            "min": round(min(ours_times), 3),
            "median": round(statistics.median(ours_times), 3),
            "includes": "one-hot construction from the long table + mlxtend fpgrowth",
        },
        "mlxtend_fpgrowth_direct_seconds": {
            "min": round(min(direct_times), 3),
            "median": round(statistics.median(direct_times), 3),
            "includes": "fpgrowth on a prebuilt sparse one-hot DataFrame",
        },
        "one_hot_construction_seconds": round(onehot_seconds, 3),
        "n_itemsets": len(ours),
        "n_itemsets_by_length": {
            str(k): int(v) for k, v in ours["itemsets"].map(len).value_counts().sort_index().items()
        },
        "same_itemsets_and_supports": bool(same),
        "association_rules_seconds": round(rules_seconds, 3),
        "n_rules_confidence_0_2": len(rules),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "numpy": version("numpy"),
            "pandas": version("pandas"),
            "scipy": version("scipy"),
            "mlxtend": version("mlxtend"),
        },
    }
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
