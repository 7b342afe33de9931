"""Company pages: list, detail (people and timeline), create, edit, trash."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.core.selectors import object_history
from solocrm.customers import selectors, services
from solocrm.customers.forms import CompanyForm, add_service_errors
from solocrm.customers.models import Company
from solocrm.customers.views._helpers import keyset_page, see_other


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    q = request.GET.get("q", "").strip()[:200]
    companies = (
        selectors.company_search(request.user, q)
        .annotate(people=Count("customers", filter=Q(customers__deleted_at__isnull=True)))
        .order_by("name", "id")
    )
    return render(
        request,
        "customers/company_list.html",
        {"page": keyset_page(companies, request), "q": q, "can_write": can_write(request.user)},
    )


def _company_or_404(request: HttpRequest, pk: int) -> Company:
    return get_object_or_404(
        selectors.companies_visible(request.user).prefetch_related("tags"), pk=pk
    )


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request.user)
    company = _company_or_404(request, pk)
    return render(
        request,
        "customers/company_detail.html",
        {
            "company": company,
            "people": selectors.company_customers(request.user, company)[:200],
            "timeline": selectors.interactions_visible(request.user)
            .filter(company=company)
            .select_related("customer", "author")[:50],
            "history": object_history(company)[:30],
            "custom_fields": selectors.custom_field_display(company),
            "can_write": can_write(request.user),
        },
    )


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    form = CompanyForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(
                by=request.user, name=form.cleaned_data["name"], **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Company added."))
            return see_other("customers:company_detail", pk=company.pk)
    return render(request, "customers/company_form.html", {"form": form, "company": None})


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company_or_404(request, pk)
    require_write(request.user, company)
    form = CompanyForm(request.POST or None, instance=company)
    status = 200
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        arguments["data"]["name"] = form.cleaned_data["name"]
        try:
            services.company_update(
                company=company,
                by=request.user,
                expected_version=form.cleaned_data["version"] or company.version,
                **arguments,
            )
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return see_other("customers:company_detail", pk=company.pk)
    return render(
        request,
        "customers/company_form.html",
        {"form": form, "company": company, "stale": status == 409},
        status=status,
    )


@login_required
@require_POST
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company_or_404(request, pk)
    services.company_delete(company=company, by=request.user)
    messages.success(request, _("%s moved to the trash.") % company.name)
    return see_other("customers:company_list")
