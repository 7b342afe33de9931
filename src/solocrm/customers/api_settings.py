"""API: tags and custom-field definitions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from solocrm.api.schemas import with_errors
from solocrm.core import custom_fields as custom_field_services
from solocrm.core import tags as tag_services
from solocrm.core.custom_fields import CustomFieldDefinition
from solocrm.core.permissions import require_owner, require_read
from solocrm.core.tags import Tag
from solocrm.customers.api_schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    TagIn,
    TagOut,
    TagPatch,
)

router = Router(tags=["customers"])


@router.get("/tags", response=with_errors({200: list[TagOut]}), summary="All tags")
def tag_list(request: HttpRequest) -> Any:
    require_read(request.user)
    return Tag.objects.order_by("name")


@router.post("/tags", response=with_errors({201: TagOut}), summary="Create a tag")
def tag_create(request: HttpRequest, payload: TagIn) -> Any:
    return Status(201, tag_services.tag_create(by=request.user, **payload.dict()))


@router.patch(
    "/tags/{tag_id}",
    response=with_errors({200: TagOut}, 404, 409),
    summary="Rename or recolour a tag",
)
def tag_update(request: HttpRequest, tag_id: int, payload: TagPatch) -> Any:
    tag = get_object_or_404(Tag, pk=tag_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return tag_services.tag_update(tag=tag, by=request.user, data=data, expected_version=version)


@router.delete(
    "/tags/{tag_id}",
    response=with_errors({204: None}, 404),
    summary="Delete a tag from every record (owner only)",
)
def tag_delete(request: HttpRequest, tag_id: int) -> Any:
    require_owner(request.user)
    tag = get_object_or_404(Tag, pk=tag_id)
    tag_services.tag_delete(tag=tag, by=request.user)
    return Status(204, None)


def _decimals(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("min_value", "max_value"):
        if data.get(key) is not None:
            data[key] = Decimal(str(data[key]))
    return data


@router.get(
    "/custom-fields",
    response=with_errors({200: list[CustomFieldOut]}),
    summary="Custom-field definitions for customers and companies",
)
def custom_field_list(request: HttpRequest) -> Any:
    require_read(request.user)
    return CustomFieldDefinition.objects.all()


@router.post(
    "/custom-fields",
    response=with_errors({201: CustomFieldOut}),
    summary="Define a custom field (owner only)",
)
def custom_field_create(request: HttpRequest, payload: CustomFieldIn) -> Any:
    definition = custom_field_services.custom_field_definition_create(
        by=request.user, **_decimals(payload.dict())
    )
    return Status(201, definition)


@router.patch(
    "/custom-fields/{definition_id}",
    response=with_errors({200: CustomFieldOut}, 404, 409),
    summary="Change a custom field's label, type, rules or order (owner only)",
)
def custom_field_update(request: HttpRequest, definition_id: int, payload: CustomFieldPatch) -> Any:
    require_owner(request.user)
    definition = get_object_or_404(CustomFieldDefinition, pk=definition_id)
    data = _decimals(payload.dict(exclude_unset=True))
    version = data.pop("version")
    return custom_field_services.custom_field_definition_update(
        definition=definition, by=request.user, data=data, expected_version=version
    )


@router.delete(
    "/custom-fields/{definition_id}",
    response=with_errors({204: None}, 404),
    summary="Remove a custom field; stored values stay in the records (owner only)",
)
def custom_field_delete(request: HttpRequest, definition_id: int) -> Any:
    require_owner(request.user)
    definition = get_object_or_404(CustomFieldDefinition, pk=definition_id)
    custom_field_services.custom_field_definition_delete(definition=definition, by=request.user)
    return Status(204, None)
