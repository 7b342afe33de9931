import numpy as np
import pandas as pd
import pytest

from solocrm.analytics.lifecycle import LIFECYCLE_STAGES, lifecycle_labels, lifecycle_stage


def test_each_rule_by_hand():
    customers = pd.DataFrame(
        {
            "purchases": [0, 0, 0, 1, 4, 3, 1, 2, 2, 5, 2],
            "days_since_last_purchase": [
                np.nan,
                np.nan,
                np.nan,
                10,
                20,
                200,
                400,
                30,
                30,
                400,
                364,
            ],
            "interactions": [0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            "tickets": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            "days_since_last_contact": [
                np.nan,
                5,
                9,
                np.nan,
                np.nan,
                np.nan,
                np.nan,
                np.nan,
                np.nan,
                15,
                np.nan,
            ],
            "p_alive": [
                np.nan,
                np.nan,
                np.nan,
                0.9,
                0.95,
                np.nan,
                np.nan,
                0.3,
                0.1,
                np.nan,
                np.nan,
            ],
        },
        index=pd.Index(list("abcdefghijk"), name="customer_id"),
    )
    assert lifecycle_stage(customers).to_dict() == {
        "a": "lead",
        "b": "prospect",  # interactions
        "c": "prospect",  # a ticket counts as contact
        "d": "first_time_customer",
        "e": "repeat_customer",
        "f": "at_risk",  # 200 days >= 180
        "g": "churned",  # 400 days >= 365
        "h": "at_risk",  # P(alive) 0.3 < 0.5
        "i": "churned",  # P(alive) 0.1 < 0.2
        "j": "at_risk",  # would be churned, but was in contact 15 days ago
        "k": "at_risk",  # 364 days: one day short of churned
    }


def test_thresholds_are_parameters():
    customers = pd.DataFrame({"purchases": [2], "days_since_last_purchase": [100]})
    assert lifecycle_stage(customers).tolist() == ["repeat_customer"]
    assert lifecycle_stage(customers, at_risk_days=90).tolist() == ["at_risk"]
    assert lifecycle_stage(customers, at_risk_days=60, churned_days=90).tolist() == ["churned"]


def test_optional_columns_default_and_empty_input():
    customers = pd.DataFrame({"purchases": [0, 1], "days_since_last_purchase": [np.nan, 3]})
    assert lifecycle_stage(customers).tolist() == ["lead", "first_time_customer"]
    empty = pd.DataFrame({"purchases": pd.Series(dtype=int)})
    assert lifecycle_stage(empty).empty


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="purchases"):
        lifecycle_stage(pd.DataFrame({"interactions": [1]}))
    with pytest.raises(ValueError, match="missing for buyer 'x'"):
        lifecycle_stage(pd.DataFrame({"purchases": [1]}, index=["x"]))
    customers = pd.DataFrame({"purchases": [1], "days_since_last_purchase": [1]})
    with pytest.raises(ValueError, match="at_risk_days"):
        lifecycle_stage(customers, at_risk_days=400, churned_days=365)
    with pytest.raises(ValueError, match="churned_p_alive"):
        lifecycle_stage(customers, churned_p_alive=0.6)


def test_labels_in_both_languages():
    stages = pd.Series(list(LIFECYCLE_STAGES))
    assert lifecycle_labels(stages, "zh").tolist() == [
        "线索",
        "潜在客户",
        "首购客户",
        "复购客户",
        "有流失风险",
        "已流失",
    ]
    assert lifecycle_labels(stages).tolist()[2] == "First-time customer"
