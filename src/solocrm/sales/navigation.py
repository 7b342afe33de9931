"""The sales app's entries in the main menu."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from solocrm.web.navigation import NavItem, register


def register_items() -> None:
    register(NavItem(_("Deals"), "sales:board"), position=3)
    register(NavItem(_("Orders"), "sales:order_list"), position=4)
    register(NavItem(_("Products"), "sales:product_list"), position=5)
    register(NavItem(_("Sales figures"), "sales:figures"), position=6)
