"""Custom-field definitions (owner only) and tags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core import custom_fields as custom_field_services
from solocrm.core import tags as tag_services
from solocrm.core.custom_fields import CustomFieldDefinition
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, is_owner, require_owner, require_read, require_write
from solocrm.core.tags import Tag
from solocrm.customers.forms import CustomFieldDefinitionForm, TagForm, add_service_errors
from solocrm.customers.views._helpers import see_other


@login_required
def custom_fields(request: HttpRequest) -> HttpResponse:
    require_owner(request.user)
    form = CustomFieldDefinitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            custom_field_services.custom_field_definition_create(
                by=request.user, **form.service_data()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Custom field added."))
            return see_other("customers:custom_fields")
    return render(
        request,
        "customers/custom_fields.html",
        {"form": form, "definitions": CustomFieldDefinition.objects.all()},
    )


@login_required
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    form = CustomFieldDefinitionForm(request.POST or None, instance=definition)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data.pop("target", None)
        data.pop("key", None)
        try:
            custom_field_services.custom_field_definition_update(
                definition=definition,
                by=request.user,
                data=data,
                expected_version=form.cleaned_data["version"] or definition.version,
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("customers:custom_fields")
    return render(
        request,
        "customers/custom_field_form.html",
        {"form": form, "definition": definition},
        status=status,
    )


@login_required
@require_POST
def custom_field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    custom_field_services.custom_field_definition_delete(definition=definition, by=request.user)
    messages.success(request, _("Custom field removed; stored values are kept."))
    return see_other("customers:custom_fields")


@login_required
def tags(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    form = TagForm(request.POST or None)
    if request.method == "POST":
        require_write(request.user)
        if form.is_valid():
            try:
                tag_services.tag_create(by=request.user, **form.cleaned_data_without_version())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Tag added."))
                return see_other("customers:tags")
    all_tags = Tag.objects.annotate(people=Count("customers", distinct=True)).order_by("name")
    return render(
        request,
        "customers/tags.html",
        {
            "form": form,
            "tags": all_tags,
            "can_write": can_write(request.user),
            "is_owner": is_owner(request.user),
        },
    )


@login_required
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    tag = get_object_or_404(Tag, pk=pk)
    form = TagForm(request.POST or None, instance=tag, initial={"version": tag.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            tag_services.tag_update(
                tag=tag,
                by=request.user,
                data=form.cleaned_data_without_version(),
                expected_version=form.cleaned_data["version"] or tag.version,
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("customers:tags")
    return render(request, "customers/tag_form.html", {"form": form, "tag": tag}, status=status)


@login_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    tag = get_object_or_404(Tag, pk=pk)
    tag_services.tag_delete(tag=tag, by=request.user)
    messages.success(request, _("Tag deleted."))
    return see_other("customers:tags")
