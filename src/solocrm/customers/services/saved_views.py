"""A user's saved customer lists (filters, sort and columns kept as a query string)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record
from solocrm.core.permissions import require_read
from solocrm.customers.models import SavedView

NOT_SAVED = {"cursor", "page", "limit"}


def saved_view_query(query_string: str) -> str:
    """The query string without paging parameters, in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query_string.lstrip("?")) if k not in NOT_SAVED and v]
    return urlencode(pairs)


@transaction.atomic
def saved_view_create(*, user: Any, name: str, query_string: str) -> SavedView:
    """Save (or overwrite, by name) one of the user's views. Viewers may save views too:
    a saved view is the user's own preference, not a change to shared records."""
    require_read(user)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    query = saved_view_query(query_string)
    if len(query) > SavedView._meta.get_field("query_string").max_length:
        raise ValidationError({"query_string": [_("This view has too many filters to save.")]})
    view, created = SavedView.objects.update_or_create(
        user=user, name=name[:100], defaults={"query_string": query}
    )
    audit_record(
        "create" if created else "update",
        obj=view,
        changes={"query_string": [None, view.query_string]},
    )
    return view


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, user: Any) -> None:
    if saved_view.user_id != user.pk:
        raise PermissionDenied(_("You can only delete your own saved views."))
    audit_record("delete", obj=saved_view, changes={"name": [saved_view.name, None]})
    saved_view.delete()
