"""Parsing cell values: text, lists of emails and phones, dates, tags, yes/no.

Dates are read in these forms: ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``20240305``,
``2024年3月5日`` (with or without a time after them) and a spreadsheet's own date cells.
Day-month-year forms like ``05/03/2024`` are ambiguous: when one number is above 12 it
can only be the day; otherwise the import's ``date_order`` decides, ``dmy`` by default
(5 March 2024) or ``mdy`` (3 May 2024) for files from the United States.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

DATE_ORDERS = ("dmy", "mdy")
TAG_SEPARATORS = re.compile(r"[,，;；|｜、]")
QUOTED_TAG = re.compile(r'\s*"((?:[^"]|"")*)"\s*(?=[,，;；|｜、]|\Z)')
EMAIL_SEPARATORS = re.compile(r"[,，;；|｜、\s]+")
PHONE_SEPARATORS = re.compile(r"[,，;；|｜、/\n]+")
# The apostrophe an export puts before text that starts like a formula, or that starts
# with apostrophes and then like a formula ("'=x" is exported as "''=x"): one is removed.
FORMULA_GUARD = re.compile(r"\A'(?='*[=+\-@\t\r\n])")
# Control characters (an escape sequence that recolours a terminal, a bell) carry nothing
# a person typed; tab and line breaks stay.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
YEAR_LAST = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})")
TIME_TAIL = re.compile(r"(?:[ T]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*")
YES = {"1", "true", "yes", "y", "on", "x", "✓", "是", "同意", "已同意", "有", "对"}
NO = {"0", "false", "no", "n", "off", "否", "不同意", "拒绝", "无"}


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates in ISO form, the
    apostrophe an export put before a formula-like value removed, control characters
    dropped, whitespace trimmed."""
    if type(value) is str:  # nearly every cell: no control character to drop, no guard
        text = value.strip() if value.isprintable() else CONTROLS.sub("", value).strip()
        return FORMULA_GUARD.sub("", text) if text.startswith("'") else text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return FORMULA_GUARD.sub("", CONTROLS.sub("", str(value)).strip())


def _real_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(_("“%s” is not a real date.") % text) from None


def date_parse(value: Any, *, date_order: str = "dmy") -> dt.date:
    """Read a date in any of the module's forms; raise ValueError saying what is wrong."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return date_text_parse(cell_text(value), date_order=date_order)


def date_text_parse(text: str, *, date_order: str = "dmy") -> dt.date:
    """``date_parse`` of a cell already read as text by ``cell_text``."""
    for pattern in (YEAR_FIRST, COMPACT):
        match = pattern.match(text)
        if match and TIME_TAIL.fullmatch(text[match.end() :]):
            year, month, day = (int(g) for g in match.groups())
            return _real_date(year, month, day, text)
    match = YEAR_LAST.match(text)
    if match and TIME_TAIL.fullmatch(text[match.end() :]):
        first, second, year = (int(g) for g in match.groups())
        if first > 12 or (second <= 12 and date_order == "dmy"):
            day, month = first, second
        else:
            month, day = first, second
        return _real_date(year, month, day, text)
    raise ValueError(
        _("“%s” is not a date; write it like 2024-03-05, 2024/3/5 or 2024年3月5日.") % text
    )


def tags_split(value: Any) -> list[str]:
    """Tag names from a cell, split on , ， ; ； | ｜ 、 — duplicates and blanks dropped.

    A name in double quotes keeps its separators (``"Beijing, Chaoyang", VIP``; a quote
    inside is doubled), which is how an export writes such a name."""
    return tags_text_split(cell_text(value))


def tags_text_split(text: str) -> list[str]:
    """``tags_split`` of a cell already read as text by ``cell_text``."""
    names: list[str] = []
    position = 0
    while position <= len(text):
        if quoted := QUOTED_TAG.match(text, position):
            part, position = quoted.group(1).replace('""', '"'), quoted.end() + 1
        else:
            end = (
                len(text)
                if (found := TAG_SEPARATORS.search(text, position)) is None
                else found.start()
            )
            part, position = text[position:end], end + 1  # past the separator
        name = " ".join(part.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def tags_join(names: Iterable[str]) -> str:
    """Tag names as one cell that ``tags_split`` reads back into the same names."""
    return ", ".join(
        f'"{name.replace(chr(34), chr(34) * 2)}"'
        if TAG_SEPARATORS.search(name) or name.startswith('"')
        else name
        for name in names
    )


def list_split(value: Any, *, kind: str) -> list[str]:
    """Several emails (or phones) in one cell; phones may contain spaces, emails not."""
    return list_text_split(cell_text(value), kind=kind)


def list_text_split(text: str, *, kind: str) -> list[str]:
    """``list_split`` of a cell already read as text by ``cell_text``."""
    pattern = EMAIL_SEPARATORS if kind == "emails" else PHONE_SEPARATORS
    items: list[str] = []
    for part in pattern.split(text):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items


def yes_no_parse(value: Any) -> bool:
    text = cell_text(value).casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("“%s” is not yes or no.") % cell_text(value))


def choice_parse(value: Any, *, choices: dict[str, str], what: str) -> str:
    """The stored value of a choice given its value or any of its names (case-folded)."""
    text = cell_text(value).casefold()
    if text in choices:
        return choices[text]
    shown = sorted({v for v in choices.values()})
    raise ValueError(
        _("“%(value)s” is not a known %(what)s; use one of: %(choices)s.")
        % {"value": cell_text(value), "what": what, "choices": ", ".join(shown)}
    )
