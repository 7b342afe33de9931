"""The CDNOW sample (Fader, Hardie & Lee 2005) as a transaction log for the analytics tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

CDNOW_PATH = Path("/work/shared/data/cdnow/CDNOW_sample.txt")
CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


@cache
def _read_cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW_PATH,
        sep=r"\s+",
        header=None,
        names=["customer_id", "id_in_master", "date", "number_of_cds", "dollar_value"],
        dtype={"date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(int),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
        }
    )


def cdnow_transactions() -> pd.DataFrame:
    """customer_id, timestamp, amount: 6,919 purchases by 2,357 customers (a fresh copy)."""
    return _read_cdnow().copy()
