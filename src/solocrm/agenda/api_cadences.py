"""API: keep-in-touch cadences and the customers due a contact."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from solocrm.agenda import selectors, services
from solocrm.agenda.api_schemas import CadenceIn, CadenceOut, CadencePatch, ContactDueOut
from solocrm.agenda.keep_in_touch import contacts_due
from solocrm.agenda.models import Cadence
from solocrm.agenda.timezones import local_today, user_zone
from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read, require_write
from solocrm.core.tags import Tag

router = Router(tags=["agenda"])
DUE_LIMIT = 500


def _cadence(request: HttpRequest, cadence_id: int) -> Cadence:
    return get_object_or_404(selectors.cadences_visible(request.user), pk=cadence_id)


@router.get("/cadences", response=with_errors({200: list[CadenceOut]}), summary="List cadences")
@paginate(KeysetPagination)
def cadence_list(request: HttpRequest) -> Any:
    require_read(request.user)
    return selectors.cadences_visible(request.user).order_by("id")


@router.get(
    "/cadences/due",
    response=with_errors({200: list[ContactDueOut]}),
    summary="Customers you may see who are due a contact today (most overdue first)",
)
def contacts_due_list(request: HttpRequest) -> Any:
    require_read(request.user)
    from solocrm.customers.selectors import customers_visible

    due = contacts_due(
        customers_visible(request.user),
        today=local_today(request.user),
        zone=user_zone(request.user),
        limit=DUE_LIMIT,
    )
    return due[:DUE_LIMIT]


@router.post(
    "/cadences",
    response=with_errors({201: CadenceOut}, 404),
    summary="Keep in touch with a customer, or everyone with a tag, every N days",
)
def cadence_create(request: HttpRequest, payload: CadenceIn) -> Any:
    require_write(request.user)
    customer = tag = None
    if payload.customer_id is not None:
        customer = get_object_or_404(
            selectors.linkable_customers(request.user), pk=payload.customer_id
        )
    if payload.tag:
        tag = Tag.objects.filter(name__iexact=payload.tag.strip()).first()
        if tag is None:
            raise ValidationError({"tag": [f"No tag named “{payload.tag}”."]})
    cadence = services.cadence_create(
        by=request.user,
        customer=customer,
        tag=tag,
        interval_days=payload.interval_days,
        note=payload.note,
    )
    return Status(201, cadence)


@router.patch(
    "/cadences/{cadence_id}",
    response=with_errors({200: CadenceOut}, 404, 409),
    summary="Change a cadence (send the version you read; 409 if it is stale)",
)
def cadence_update(request: HttpRequest, cadence_id: int, payload: CadencePatch) -> Any:
    cadence = _cadence(request, cadence_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.cadence_update(
        cadence=cadence, by=request.user, data=data, expected_version=version
    )


@router.delete(
    "/cadences/{cadence_id}",
    response=with_errors({204: None}, 404, 409),
    summary="Remove a cadence",
)
def cadence_delete(request: HttpRequest, cadence_id: int, version: int | None = None) -> Any:
    cadence = _cadence(request, cadence_id)
    services.cadence_delete(cadence=cadence, by=request.user, expected_version=version)
    return Status(204, None)
