"""A small synthetic shop for the analyze tests: BG/NBD-like buyers over 2024."""

from __future__ import annotations

import numpy as np
import pandas as pd


def shop_transactions(n_customers: int = 120, seed: int = 1) -> pd.DataFrame:
    """``customer_id`` (``c000``...), ``timestamp``, ``amount``: one row per purchase.

    Each customer arrives in the first half of 2024, buys at a gamma-distributed rate
    and after each repeat purchase stops for good with a beta-distributed probability,
    so the data carry the drop-out that BG/NBD looks for.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for customer in range(n_customers):
        day = float(rng.integers(0, 180))
        rate = rng.gamma(1.5, 1 / 30)  # purchases a day
        dropout = rng.beta(1.0, 3.0)
        spend = rng.gamma(3.0, 15.0)
        while day < 366:
            stamp = start + pd.Timedelta(days=int(day), hours=int(rng.integers(8, 22)))
            rows.append((f"c{customer:03d}", stamp, round(float(rng.gamma(4.0, spend / 4)), 2)))
            if len(rows) > 1 and rows[-2][0] == rows[-1][0] and rng.random() < dropout:
                break
            day += rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
