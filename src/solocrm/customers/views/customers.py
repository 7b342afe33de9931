"""Customer pages: list (filters, columns, saved views, bulk actions), detail, edit, and
the timeline's entries (log, edit, delete)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.core.selectors import object_history
from solocrm.customers import merge_selectors, selectors, services
from solocrm.customers.filters import (
    DEFAULT_COLUMNS,
    CustomerFilterForm,
    ListPageChoices,
    available_columns,
    customers_filter,
    list_page_choices,
)
from solocrm.customers.forms import (
    BulkActionForm,
    CustomerForm,
    InteractionEditForm,
    InteractionForm,
    add_service_errors,
)
from solocrm.customers.models import Customer, SavedView
from solocrm.customers.panels import customer_panels
from solocrm.customers.templatetags.customer_list import (
    PageLabels,
    column_choices_html,
    current_page_labels,
    datalist_html,
    options_html,
)
from solocrm.customers.views._helpers import htmx_target, keyset_page, see_other

MERGES_SHOWN = 10  # on a customer's page; the merges list pages through the rest


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    choices = list_page_choices(user=request.user)
    form = CustomerFilterForm(request.GET, definitions=choices.definitions, tags=choices.tags)
    customers = selectors.customers_visible(request.user)
    if form.is_valid():
        customers = customers_filter(customers, form)
        columns = form.cleaned_data["columns"]
    else:
        customers = customers.order_by("name", "id")
        columns = list(DEFAULT_COLUMNS)
    page = keyset_page(
        selectors.customers_for_list(customers, columns=columns),
        request,
        first=selectors.customers_first,
    )
    selectors.customers_list_details(page["items"])
    labels = current_page_labels()
    all_columns = [
        (column.key, labels.columns.get(column.key, column.label))
        for column in available_columns(choices.definitions)
    ]
    shown = dict(all_columns)
    context = {
        "form": form,
        "page": page,
        "columns": [(key, shown[key]) for key in columns],
        "saved_views": choices.saved_views,
        "bulk_action_options_html": options_html(
            (value, label, False) for value, label in labels.bulk_actions
        ),
        **_filter_choices(request, form, choices, labels, all_columns, columns),
        "can_write": can_write(request.user),
        "query": request.GET.urlencode(),
    }
    if htmx_target(request) == "results":
        return render(request, "customers/customer_list.html#results", context)
    return render(request, "customers/customer_list.html", context)


def _filter_choices(
    request: HttpRequest,
    form: CustomerFilterForm,
    choices: ListPageChoices,
    labels: PageLabels,
    all_columns: list[tuple[str, str]],
    chosen: list[str],
) -> dict[str, Any]:
    """The filter form's options with the chosen ones marked, worked out once here (the
    template's nested loops over lazy labels cost a millisecond)."""
    wanted = {name: set(request.GET.getlist(name)) for name in ("stage", "tier", "source", "tag")}

    def options(name: str) -> list[tuple[str, str, bool]]:
        return [(value, label, value in wanted[name]) for value, label in labels.choices[name]]

    stages = options("stage")
    owner = request.GET.get("owner", "")
    owners = [(pk, name, owner == str(pk)) for pk, name in choices.owners]
    sort = request.GET.get("sort")
    return {
        "filter_selects": [
            ("stage", _("Stage"), options_html(stages)),
            ("tier", _("Tier"), options_html(options("tier"))),
            ("source", _("Source"), options_html(options("source"))),
        ],
        "stage_options_html": options_html(stages, marked=False),
        "tag_options_html": options_html(
            (name, name, name in wanted["tag"]) for name in choices.tags
        ),
        "tag_datalist_html": datalist_html(choices.tags),
        "owner_options_html": options_html(owners),
        "owner_choices_html": options_html(owners, marked=False),
        "sort_options_html": options_html(
            (value, label, sort == value) for value, label in labels.sorts
        ),
        "column_choices_html": column_choices_html(all_columns, chosen),
        "custom_filter_fields": [form[name] for name in form.fields if name.startswith("cf_")],
    }


def _back_to_list(query: str) -> HttpResponse:
    url = reverse("customers:customer_list")
    return see_other(f"{url}?{query}" if query else url)


@login_required
@require_POST
def customer_bulk(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    form = BulkActionForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, _("Choose an action and at least one customer."))
        return _back_to_list(query)
    try:
        count = services.customers_bulk_action(
            by=request.user,
            customer_ids=form.cleaned_data["ids"],
            action=form.cleaned_data["action"],
            value=form.value(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(count)d customers changed.") % {"count": count})
    return _back_to_list(query)


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        view = services.saved_view_create(
            user=request.user, name=request.POST.get("name", ""), query_string=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_list(query)
    messages.success(request, _("View “%s” saved.") % view.name)
    return _back_to_list(view.query_string)


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    services.saved_view_delete(saved_view=view, user=request.user)
    messages.success(request, _("View deleted."))
    return _back_to_list("")


def _customer_or_404(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(
        selectors.customers_with_details(selectors.customers_visible(request.user)), pk=pk
    )


def _detail_context(request: HttpRequest, customer: Customer, form: InteractionForm) -> dict:
    merges = merge_selectors.merges_visible(request.user, customer_id=customer.pk)
    detail_url = reverse("customers:customer_detail", args=[customer.pk])
    return {
        "customer": customer,
        "timeline": selectors.customer_timeline(customer),
        "interaction_form": form,
        "history": object_history(customer)[:30],
        "can_write": can_write(request.user),
        "custom_fields": selectors.custom_field_display(customer),
        "panels": customer_panels(request.user, customer),
        # The merges list's own table (and Undo), coming back to this page after an undo.
        "merges_page": Paginator(merges, MERGES_SHOWN).get_page(1),
        "merges_next": detail_url,
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    customer = _customer_or_404(request, pk)
    return render(
        request,
        "customers/customer_detail.html",
        _detail_context(request, customer, InteractionForm()),
    )


@login_required
@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    require_write(request.user, customer)
    form = InteractionForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.interaction_create(by=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            if not htmx_target(request):
                messages.success(request, _("Logged."))
                return see_other("customers:customer_detail", pk=customer.pk)
            form = InteractionForm()
    else:
        status = 422
    context = _detail_context(request, customer, form)
    if htmx_target(request) == "activity":
        return render(request, "customers/customer_detail.html#activity", context, status=status)
    return render(request, "customers/customer_detail.html", context, status=status)


@login_required
def interaction_edit(request: HttpRequest, pk: int, interaction_pk: int) -> HttpResponse:
    """Change a timeline entry; refused with 409 if someone saved it meanwhile."""
    customer = _customer_or_404(request, pk)
    require_write(request.user, customer)
    interaction = get_object_or_404(customer.interactions.alive(), pk=interaction_pk)
    form = InteractionEditForm(request.POST or None, instance=interaction)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(
                interaction=interaction,
                by=request.user,
                data=form.changes(),
                expected_version=form.cleaned_data["version"] or interaction.version,
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            messages.success(request, _("Saved."))
            return see_other(f"{reverse('customers:customer_detail', args=[pk])}#activity")
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "customers/interaction_form.html",
        {"form": form, "customer": customer, "interaction": interaction, "stale": status == 409},
        status=status,
    )


@login_required
@require_POST
def interaction_delete(request: HttpRequest, pk: int, interaction_pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    interaction = get_object_or_404(customer.interactions.alive(), pk=interaction_pk)
    services.interaction_delete(interaction=interaction, by=request.user)
    messages.success(request, _("Deleted from the timeline."))
    return see_other("customers:customer_detail", pk=customer.pk)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    initial = {"owner": request.user, "lifecycle_stage": "lead", "consent_status": "unknown"}
    company_id = request.GET.get("company", "")
    if company_id.isdigit():
        initial["company"] = selectors.companies_visible(request.user).filter(pk=company_id).first()
    form = CustomerForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                by=request.user, name=form.cleaned_data["name"], **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer added."))
            return see_other("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    require_write(request.user, customer)
    form = CustomerForm(request.POST or None, user=request.user, customer=customer)
    status = 200
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        arguments["data"]["name"] = form.cleaned_data["name"]
        try:
            services.customer_update(
                customer=customer,
                by=request.user,
                expected_version=form.cleaned_data["version"] or customer.version,
                **arguments,
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("customers:customer_detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "stale": status == 409},
        status=status,
    )


@login_required
@require_POST
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    services.customer_delete(customer=customer, by=request.user)
    messages.success(request, _("%s moved to the trash.") % customer.name)
    return see_other("customers:customer_list")
