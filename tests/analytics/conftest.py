"""Fixtures shared by the lifetime-value tests: the CDNOW sample, summarised."""

from __future__ import annotations

import pandas as pd
import pytest

from solocrm.analytics.summary import calibration_holdout_split
from tests.analytics.cdnow import CALIBRATION_END, HOLDOUT_END, cdnow_transactions


@pytest.fixture(scope="session")
def cdnow_log() -> pd.DataFrame:
    """customer_id, timestamp, amount: the 6,919 CDNOW purchases."""
    return cdnow_transactions()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_log: pd.DataFrame) -> pd.DataFrame:
    """Weekly calibration summary to 1997-09-30 with the hold-out to 1998-06-30."""
    return calibration_holdout_split(
        cdnow_log, calibration_end=CALIBRATION_END, observation_end=HOLDOUT_END, period="week"
    )
