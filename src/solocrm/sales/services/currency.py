"""Currencies: three-letter ISO 4217 codes; the workspace's currency is the default."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE = re.compile(r"^[A-Z]{3}$")
SYMBOLS = {"¥": "CNY", "￥": "CNY", "RMB": "CNY", "元": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}


def default_currency() -> str:
    from solocrm.accounts.models import WorkspaceSettings

    return WorkspaceSettings.load().currency


def currency_clean(value: Any) -> str:
    text = str(value or "").strip()
    code = SYMBOLS.get(text, text.upper())
    if not CODE.match(code):
        raise ValidationError(
            {"currency": [_("“%s” is not a currency code; use three letters like CNY.") % text]}
        )
    return code
