"""Extra panels on the deal page, contributed by apps above sales (the agenda's tasks).

An app registers a panel in its ``AppConfig.ready()``::

    register_deal_panel(DealPanel("agenda/_record_tasks.html", deal_tasks_context, 10))

``context(user, deal)`` returns the template's context (only what ``user`` may see).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DealPanel:
    template: str
    context: Callable[[Any, Any], dict[str, Any]]
    order: int = 100


DEAL_PANELS: list[DealPanel] = []


def register_deal_panel(panel: DealPanel) -> None:
    if all(existing.template != panel.template for existing in DEAL_PANELS):
        DEAL_PANELS.append(panel)
        DEAL_PANELS.sort(key=lambda p: p.order)


def deal_panels(user: Any, deal: Any) -> list[dict[str, Any]]:
    """Each panel's template and context, ready for ``{% include %}``."""
    return [{"template": panel.template, **panel.context(user, deal)} for panel in DEAL_PANELS]
