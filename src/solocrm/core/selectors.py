"""Reads shared by the views and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from solocrm.core.models import AuditEntry, Job
from solocrm.core.permissions import is_owner


def audit_entries(
    *, object_type: str = "", object_id: str = "", action: str = "", actor: str = ""
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    return entries


def object_history(obj: Any) -> QuerySet[AuditEntry]:
    return audit_entries(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def jobs_for(user: Any) -> QuerySet[Job]:
    jobs = Job.objects.all()
    return jobs if is_owner(user) else jobs.filter(created_by=user)
