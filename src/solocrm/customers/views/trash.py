"""The trash: restore customers and companies; the owner empties it for good."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.permissions import can_write, is_owner, require_owner, require_read
from solocrm.customers import merge_selectors, selectors, services
from solocrm.customers.views._helpers import see_other


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    """Trashed records; a customer merged into another is marked so, with the merge's
    Undo in place of a plain restore (which would leave their details on the other)."""
    require_read(request.user)
    customers = list(
        selectors.customers_visible(request.user, trashed=True).order_by("-deleted_at", "-id")[:500]
    )
    merged_into = merge_selectors.merges_into_others(request.user, [c.pk for c in customers])
    return render(
        request,
        "customers/trash.html",
        {
            "customers": [(customer, merged_into.get(customer.pk)) for customer in customers],
            "companies": selectors.companies_visible(request.user, trashed=True).order_by(
                "-deleted_at", "-id"
            )[:500],
            "can_write": can_write(request.user),
            "is_owner": is_owner(request.user),
        },
    )


@login_required
@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(selectors.customers_visible(request.user, trashed=True), pk=pk)
    services.customer_restore(customer=customer, by=request.user)
    messages.success(request, _("%s restored.") % customer.name)
    return see_other("customers:trash")


@login_required
@require_POST
def company_restore(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(selectors.companies_visible(request.user, trashed=True), pk=pk)
    services.company_restore(company=company, by=request.user)
    messages.success(request, _("%s restored.") % company.name)
    return see_other("customers:trash")


@login_required
@require_POST
def trash_empty(request: HttpRequest) -> HttpResponse:
    require_owner(request.user)
    try:
        counts = services.trash_empty(by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Trash emptied: %(customers)d customers and %(companies)d companies deleted.")
            % counts,
        )
    return see_other("customers:trash")
