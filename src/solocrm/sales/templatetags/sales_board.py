"""The deals board's cards, rendered in Python: a board shows hundreds of cards, and a
card written with ``format_html`` costs a fraction of one rendered by template nodes.
The markup is the same a template would give (see ``board.html``): a link to the deal,
who and how much, the expected close, and a move form (drag and drop submits it too)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _options(stages: list[Any], current: int) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, mark_safe(" selected") if s.pk == current else "", s.name) for s in stages),
    )


@register.simple_tag(takes_context=True)
def deal_cards(context: Any, column: Any) -> SafeString:
    """Every card of a board column, as ``<li>`` items. Every value from the database
    goes through ``escape``; the rest is fixed markup, so the result is safe."""
    deals_url = reverse("sales:deal_list")  # cards link to deals/<id>/ and deals/<id>/move/
    can_write = context.get("can_write")
    options = _options(context["stages"], column.stage.pk)
    csrf = escape(context.get("csrf_token") or "")
    closes, move, move_to = escape(_("closes")), escape(_("Move")), escape(_("Move to"))
    draggable = ' draggable="true"' if can_write else ""
    cards = []
    for deal in column.deals:
        pk = int(deal.pk)
        detail = f"{deals_url}{pk}/"
        title = escape(deal.title)
        who = deal.who  # a BoardCard (the board reads light cards)
        close = ""
        if deal.expected_close_date:
            day = deal.expected_close_date.isoformat()
            close = f'<span class="deal-meta">{closes} <time datetime="{day}">{day}</time></span>'
        form = ""
        if can_write:
            form = (
                f'<form method="post" action="{detail}move/" class="move-form" '
                f'hx-post="{detail}move/" hx-target="#board" hx-swap="outerHTML">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
                f'<input type="hidden" name="version" value="{int(deal.version)}">'
                f'<label class="sr-only" for="move-{pk}">{move_to} {title}</label>'
                f'<select name="stage" id="move-{pk}">{options}</select>'
                f'<button type="submit">{move}</button></form>'
            )
        amount = f"{deal.amount:,.2f}"  # as floatformat:"2g" shows it in English and Chinese
        cards.append(
            f'<li class="deal-card" id="deal-{pk}" data-deal-id="{pk}" '
            f'data-stage-id="{int(deal.stage_id)}"{draggable}>'
            f'<a class="deal-title" href="{detail}">{title}</a>'
            f'<span class="deal-meta">{escape(who)}</span>'
            f'<span class="deal-amount">{amount} {escape(deal.currency)}</span>{close}{form}</li>'
        )
    return mark_safe("\n".join(cards))  # noqa: S308 - database values escaped above


@register.simple_tag
def money_amounts(amounts: dict[str, Any]) -> str:
    """``{currency: amount}`` as "1,200.00 CNY · 30.00 USD" (autoescaped by the template)."""
    if not amounts:
        return "0"
    return " · ".join(f"{amount:,.2f} {currency}" for currency, amount in amounts.items())
