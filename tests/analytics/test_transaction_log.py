import pandas as pd
import pytest

from solocrm.analytics.transaction_log import as_day, purchase_days, validate_transactions


def test_as_day_drops_time_and_zone():
    assert as_day("2024-03-05 17:45") == pd.Timestamp("2024-03-05")
    assert as_day(pd.Timestamp("2024-03-05 23:30", tz="Asia/Shanghai")) == pd.Timestamp(
        "2024-03-05"
    )


def test_validate_names_missing_columns_and_rows():
    with pytest.raises(ValueError, match="customer_id, amount"):
        validate_transactions(pd.DataFrame({"timestamp": ["2024-01-01"]}))
    frame = pd.DataFrame(
        {"customer_id": [1, None], "timestamp": ["2024-01-01"] * 2, "amount": [1, 2]}
    )
    with pytest.raises(ValueError, match="customer_id is missing in row 1"):
        validate_transactions(frame)


def test_validate_keeps_local_wall_clock_time():
    frame = pd.DataFrame(
        {
            "customer_id": [1],
            "timestamp": pd.to_datetime(["2024-01-01 23:30"]).tz_localize("Asia/Shanghai"),
            "amount": ["12.5"],
        }
    )
    clean = validate_transactions(frame)
    assert clean.loc[0, "timestamp"] == pd.Timestamp("2024-01-01 23:30")
    assert clean.loc[0, "amount"] == 12.5


def test_purchase_days_merge_same_day():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": ["2024-01-01 08:00", "2024-01-01 20:00", "2024-01-02"],
            "amount": [1.0, 2.0, 4.0],
        }
    )
    days = purchase_days(frame)
    assert days.to_dict("list") == {
        "customer_id": ["a", "b"],
        "day": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")],
        "amount": [3.0, 4.0],
    }
