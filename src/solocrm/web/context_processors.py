from django.http import HttpRequest

from solocrm.core.permissions import is_owner
from solocrm.web.navigation import NAV_ITEMS


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    owner = is_owner(user)
    items = [item for item in NAV_ITEMS if owner or not item.owner_only]
    # django-htmx's script tag reads the nonce under this name.
    return {"nav_items": items, "csp_nonce": getattr(request, "csp_nonce", "")}
