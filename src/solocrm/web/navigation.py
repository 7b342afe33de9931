"""The main menu. Domain apps add their entries here as they arrive."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    owner_only: bool = False


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "web:home"),
    NavItem(_("Jobs"), "web:jobs"),
    NavItem(_("Audit log"), "web:audit_log", owner_only=True),
    NavItem(_("Users"), "accounts:users", owner_only=True),
    NavItem(_("Settings"), "accounts:workspace", owner_only=True),
]


def register(item: NavItem, *, position: int | None = None) -> None:
    if any(existing.url_name == item.url_name for existing in NAV_ITEMS):
        return
    NAV_ITEMS.insert(len(NAV_ITEMS) if position is None else position, item)
