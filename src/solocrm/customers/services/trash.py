"""Emptying the trash: the only hard delete of customers and companies (owner only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from solocrm.core.audit import snapshot
from solocrm.core.permissions import require_owner
from solocrm.customers.models import Company, Customer, Interaction
from solocrm.customers.services._base import audit_many


@transaction.atomic
def trash_empty(*, by: Any) -> dict[str, int]:
    """Delete every trashed customer (with contacts and timeline) and company for good.

    Each deleted record gets an audit entry holding its last field values. Records that
    other data still protects (an app's foreign key with ``PROTECT``) stop the emptying.
    """
    require_owner(by)
    customers = list(Customer.objects.trashed())
    companies = list(Company.objects.trashed())
    interactions = Interaction.objects.filter(customer__in=customers).count()
    audit_many(
        "delete",
        [*customers, *companies],
        lambda obj: {k: [v, None] for k, v in snapshot(obj).items() if v not in (None, "", [], {})},
    )
    try:
        Customer.objects.filter(pk__in=[c.pk for c in customers]).delete()
        Company.objects.filter(pk__in=[c.pk for c in companies]).delete()
    except ProtectedError as exc:
        names = ", ".join(sorted({str(o) for o in exc.protected_objects})[:5])
        raise ValidationError(
            {"__all__": [_("Some records in the trash are still in use: %s.") % names]}
        ) from exc
    return {"customers": len(customers), "companies": len(companies), "interactions": interactions}
