"""Export of the customer list: the list page's query string, plus ``format=csv|xlsx``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from solocrm.customers.exporting import ExportFile, filtered_export


def export_response(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Export-Rows"] = str(export.rows)
    return response


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    result = filtered_export(user=request.user, query=request.GET)
    if isinstance(result, dict):
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in result.items())
        return HttpResponseBadRequest(
            f"The export's filters are wrong — {problems}", content_type="text/plain; charset=utf-8"
        )
    return export_response(result)
