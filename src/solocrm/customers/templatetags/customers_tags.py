"""Template helpers: Markdown rendered and sanitised, list cells, query strings."""

from __future__ import annotations

from typing import Any

import markdown as markdown_lib
import nh3
from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from solocrm.customers.filters import column_value

register = template.Library()

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code", "pre",
    "blockquote", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised by nh3: the only HTML from users we ever show.

    Raw HTML in the text is escaped by nh3's allow-list (scripts, styles, event
    attributes and ``javascript:`` links are removed); links get ``rel="noopener
    noreferrer nofollow"``.
    """
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "nl2br"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 just above


@register.filter
def cell(customer: Any, key: str) -> Any:
    return column_value(customer, key)


@register.simple_tag(takes_context=True)
def query_with(context: dict, **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def is_list(value: Any) -> bool:
    return isinstance(value, list)


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key, [])
