"""Names a cell may use for a choice field, in English and Chinese, mapped to stored values."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation

from solocrm.customers.importing.values import cell_text, yes_no_parse
from solocrm.customers.models import Company, Customer

EXTRA_NAMES = {
    "gender": {
        "男": "male", "男性": "male", "先生": "male", "m": "male",
        "女": "female", "女性": "female", "女士": "female", "f": "female",
        "其他": "other", "其它": "other",
    },
    "source": {
        "网站": "website", "官网": "website", "web": "website",
        "推荐": "referral", "转介绍": "referral", "介绍": "referral",
        "社交媒体": "social", "社交": "social", "微博": "social", "抖音": "social",
        "微信": "wechat", "公众号": "wechat", "小程序": "wechat",
        "活动": "event", "展会": "event", "线下活动": "event",
        "导入": "import", "其他": "other", "其它": "other",
    },
}  # fmt: skip


def _names(choices: type[models.TextChoices]) -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        names[str(value).casefold()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names[str(label).casefold()] = value
    return names


def choice_names(kind: str) -> dict[str, str]:
    if kind == "gender":
        return {**_names(Customer.Gender), **EXTRA_NAMES["gender"]}
    if kind == "source":
        return {**_names(Customer.Source), **EXTRA_NAMES["source"]}
    if kind == "company_size":
        return _names(Company.Size)
    raise KeyError(kind)


def consent_parse(value: Any) -> bool | None:
    """Marketing consent: yes/no in any form, or an exported status (granted, denied);
    ``None`` for "unknown", which leaves the stored consent alone."""
    names = _names(Customer.Consent)
    status = names.get(cell_text(value).casefold())
    if status == Customer.Consent.UNKNOWN or cell_text(value).casefold() == "未知":
        return None
    if status is not None:
        return status == Customer.Consent.GRANTED
    return yes_no_parse(value)


def company_size_for(count: int) -> str:
    """The size bracket for a head count ("35" → "11-50")."""
    for limit, value in (
        (1, "1"),
        (10, "2-10"),
        (50, "11-50"),
        (200, "51-200"),
        (1000, "201-1000"),
    ):
        if count <= limit:
            return value
    return "1000+"
