"""The customers app's entries in the main menu."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from solocrm.web.navigation import NavItem, register


def register_items() -> None:
    register(NavItem(_("Customers"), "customers:customer_list"), position=1)
    register(NavItem(_("Companies"), "customers:company_list"), position=2)
    register(NavItem(_("Tags"), "customers:tags"))
    register(NavItem(_("Trash"), "customers:trash"))
    register(NavItem(_("Custom fields"), "customers:custom_fields", owner_only=True))
