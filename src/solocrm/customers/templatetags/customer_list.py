"""The customer list's rows and its filter form's options as HTML built in Python.

Fifty rows of seven cells and the option lists went through template nodes slower than
everything else on the page (bench/bench_customer_list.py), so they are written out here.
Every value that goes into the HTML passes through ``_escape`` (the characters
``django.utils.html.escape`` replaces); user text is never marked safe unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from solocrm.customers.filters import BUILT_IN_COLUMNS, CELLS, SORT_OPTIONS, column_value
from solocrm.customers.forms import BulkActionForm
from solocrm.customers.models import Customer

register = template.Library()

# Columns showing a choice's label, and the field each reads.
CHOICE_FIELDS = {"stage": "lifecycle_stage", "tier": "tier", "source": "source"}


@dataclass(frozen=True)
class PageLabels:
    """The list page's fixed labels in one language (``page_labels``)."""

    columns: dict[str, str]  # built-in column key → label
    sorts: list[tuple[str, str]]  # (sort, label) as SORT_OPTIONS
    choices: dict[str, list[tuple[str, str]]]  # stage/tier/source → (value, label)
    bulk_actions: list[tuple[str, str]]  # (action, label)


@lru_cache(maxsize=32)
def page_labels(language: str | None) -> PageLabels:
    """The page's fixed labels translated into ``language``, once a process: the same
    seventy look-ups on every request took a third of a millisecond."""
    with override(language):
        return PageLabels(
            columns={column.key: str(column.label) for column in BUILT_IN_COLUMNS},
            sorts=[(value, str(label)) for value, label in SORT_OPTIONS],
            choices={
                "stage": [(v, str(label)) for v, label in Customer.LifecycleStage.choices],
                "tier": [(v, str(label)) for v, label in Customer.Tier.choices],
                "source": [(v, str(label)) for v, label in Customer.Source.choices],
            },
            bulk_actions=[(value, str(label)) for value, label in BulkActionForm.ACTIONS],
        )


def current_page_labels() -> PageLabels:
    return page_labels(get_language())


@register.simple_tag
def customer_rows(
    customers: list[Customer], columns: list[tuple[str, str]], writer: bool
) -> SafeString:
    """One ``<tr>`` per customer with a cell per (key, label) of ``columns``, and a
    selection box when the user may write."""
    sentinel = 987654321  # the detail URL reversed once, the pk put in per row
    detail = _escape(reverse("customers:customer_detail", args=[sentinel]))
    link = detail.replace(str(sentinel), "{pk}")
    select = _("Select %(name)s")
    cells = [(f'<td data-label="{_escape(label)}">', _cell_html(key)) for key, label in columns]
    rows = []
    for customer in customers:
        parts = ["<tr>"]
        if writer:
            label = _escape(select % {"name": customer.name})
            parts.append(
                f'<td><input type="checkbox" name="ids" value="{customer.pk}" '
                f'aria-label="{label}"></td>'
            )
        for opening, shown in cells:
            if shown is None:  # the name, linking to the customer's page
                value = f'<a href="{link.format(pk=customer.pk)}">{_escape(customer.name)}</a>'
            else:
                value = shown(customer)
            parts.append(f"{opening}{value}</td>")
        parts.append("</tr>\n      ")
        rows.append("".join(parts))
    return mark_safe("".join(rows))  # noqa: S308 - every value in it went through _escape()


def _cell_html(key: str) -> Callable[[Customer], str] | None:
    """The escaped HTML of column ``key`` for a customer (None for the name's link)."""
    if key == "name":
        return None
    if key in CHOICE_FIELDS:
        field = CHOICE_FIELDS[key]
        labels = {value: _escape(label) for value, label in current_page_labels().choices[key]}
        return lambda customer: (
            labels.get(getattr(customer, field)) or _escape(getattr(customer, field))
        )
    if key in CELLS:
        cell = CELLS[key]
        return lambda customer: _value_html(cell(customer))
    return lambda customer: _value_html(column_value(customer, key))


def _value_html(value: Any) -> str:
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, list):
        return "".join(f'<span class="chip">{_escape(item)}</span> ' for item in value)
    return "" if value is None else _escape(localize(template_localtime(value)))


def options_html(options: Iterable[tuple[Any, Any, bool]], *, marked: bool = True) -> SafeString:
    """``<option>``s of (value, label, chosen), ``selected`` where chosen (unless
    ``marked`` is off)."""
    return mark_safe(  # noqa: S308 - every value in it went through _escape()
        "".join(
            f'<option value="{_escape(value)}"{" selected" if marked and chosen else ""}>'
            f"{_escape(label)}</option>"
            for value, label, chosen in options
        )
    )


def datalist_html(values: Iterable[str]) -> SafeString:
    """``<option value="…">`` per value, for a ``<datalist>``."""
    return mark_safe(  # noqa: S308 - every value in it went through _escape()
        "".join(f'<option value="{_escape(value)}">' for value in values)
    )


def column_choices_html(columns: Iterable[tuple[str, str]], chosen: Iterable[str]) -> SafeString:
    """A checkbox per column (key, label), ticked when chosen; the name's fixed."""
    chosen = set(chosen)
    return mark_safe(  # noqa: S308 - every value in it went through _escape()
        "".join(
            f'<label class="check"><input type="checkbox" name="columns" '
            f'value="{_escape(key)}"{" checked" if key in chosen else ""}'
            f"{' disabled' if key == 'name' else ''}> {_escape(label)}</label>"
            for key, label in columns
        )
    )


_SPECIAL = re.compile("[&<>\"']").search


def _escape(value: Any) -> str:
    """``django.utils.html.escape`` without its lazy-string wrapper (same characters); a
    text without any of them is returned as it is (a third of the time of escaping it)."""
    text = str(value)
    return html.escape(text) if _SPECIAL(text) else text
