"""Pages for duplicates and merging: the pairs list, the form's "possible duplicates"
fragment, the field-by-field merge page with its preview, and the merges list with undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import can_write, require_read, require_write
from solocrm.customers import duplicates, merge, merge_selectors
from solocrm.customers.duplicates_scoring import MIN_SCORE
from solocrm.customers.models import Customer
from solocrm.customers.selectors import customers_visible
from solocrm.customers.views._helpers import see_other

PAIRS_PER_PAGE = 50


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@login_required
def duplicates_page(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    min_score = min(100, max(MIN_SCORE, _int(request.GET.get("min_score")) or MIN_SCORE))
    scores = duplicates.duplicate_pair_scores(user=request.user, min_score=min_score)
    page = Paginator(scores, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "pairs": duplicates.with_customers(page.object_list),
        "min_score": min_score,
        "can_write": can_write(request.user),
    }
    return render(request, "customers/duplicates.html", context)


@login_required
def duplicates_check(request: HttpRequest) -> HttpResponse:
    """The "possible duplicates" fragment for the customer form (``hx-include`` the form)."""
    require_read(request.user)
    data = request.GET
    matches = duplicates.find_duplicates_for(
        name=data.get("name", ""),
        emails=_lines(data.get("emails", "")),
        phones=[line.strip() for line in data.get("phones", "").splitlines() if line.strip()],
        company_id=_int(data.get("company")),
        city=data.get("city", ""),
        exclude_id=_int(data.get("exclude")),
        user=request.user,
    )
    context = {"matches": matches, "exclude": _int(data.get("exclude"))}
    return render(request, "customers/duplicates_check.html", context)


def _choices(data: QueryDict) -> tuple[dict[str, str], dict[str, str]]:
    fields = {k.removeprefix("field_"): v for k, v in data.items() if k.startswith("field_")}
    custom = {k.removeprefix("cf_"): v for k, v in data.items() if k.startswith("cf_")}
    return fields, custom


def _pair(request: HttpRequest, data: QueryDict) -> tuple[Customer, Customer]:
    ids = _int(data.get("survivor")), _int(data.get("merged"))
    if None in ids or ids[0] == ids[1]:
        raise Http404("Choose two different customers to merge.")
    visible_customers = customers_visible(request.user)
    return (
        get_object_or_404(visible_customers, pk=ids[0]),
        get_object_or_404(visible_customers, pk=ids[1]),
    )


def _merge_context(request: HttpRequest, data: QueryDict) -> dict[str, Any]:
    survivor, merged = _pair(request, data)
    fields, custom = _choices(data)
    context: dict[str, Any] = {
        "survivor_version": _int(data.get("survivor_version")) or survivor.version,
        "merged_version": _int(data.get("merged_version")) or merged.version,
    }
    try:
        context["preview"] = merge_selectors.merge_preview(
            survivor=survivor, merged=merged, fields=fields, custom_fields=custom
        )
    except ValidationError as exc:
        context["errors"] = exc.messages
        context["preview"] = merge_selectors.merge_preview(survivor=survivor, merged=merged)
    return context


@login_required
def merge_page(request: HttpRequest) -> HttpResponse:
    """Pick the survivor and, field by field, which value to keep; POST merges."""
    require_write(request.user)
    data = request.POST if request.method == "POST" else request.GET
    context = _merge_context(request, data)
    status = 422 if "errors" in context else 200
    if request.method == "POST" and "errors" not in context:
        preview = context["preview"]
        try:
            done = merge.customer_merge(
                survivor=preview.survivor,
                merged=preview.merged,
                by=request.user,
                field_choices=preview.choices.fields,
                custom_field_choices=preview.choices.custom_fields,
                survivor_version=context["survivor_version"],
                merged_version=context["merged_version"],
            )
        except StaleVersionError as exc:
            context["errors"], context["stale"], status = [str(exc)], True, 409
        except ValidationError as exc:
            context["errors"], status = exc.messages, 422
        else:
            messages.success(
                request,
                _("Merged “%(merged)s” into “%(survivor)s”. You can undo this under Merges.")
                % {"merged": done.merged.name, "survivor": done.survivor.name},
            )
            return see_other("customers:customer_detail", pk=done.survivor_id)
    if request.htmx and request.method == "GET":
        return render(request, "customers/merge.html#preview", context)
    return render(request, "customers/merge.html", context, status=status)


@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    require_read(request.user)
    customer_id = _int(request.GET.get("customer"))
    merges = merge_selectors.merges_visible(request.user, customer_id=customer_id)
    page = Paginator(merges, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "customer_id": customer_id,
        "can_write": can_write(request.user),
        "next": _safe_next(request, request.GET.get("next", "")) or request.get_full_path(),
    }
    template = "customers/merges.html#merge_table" if request.htmx else "customers/merges.html"
    return render(request, template, context)


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(merge_selectors.merges_visible(request.user), pk=pk)
    try:
        merge.customer_merge_undo(merge=found, by=request.user)
    except merge.MergeUndoRefusedError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Merge undone: “%(merged)s” is back and its records moved back.")
            % {"merged": found.merged.name},
        )
    return see_other(
        _safe_next(request, request.POST.get("next", "")) or reverse("customers:merge_list")
    )


def _safe_next(request: HttpRequest, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())
    return url if url and allowed else ""
