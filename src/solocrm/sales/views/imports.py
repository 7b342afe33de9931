"""Import pages for products and orders: upload → columns → preview → run.

The customers' wizard machinery does the work: the stored upload (bound to its user),
reading and limits, header suggestions, the mapping form, the background job with its
progress page and report. Only the sales parts differ: the fields, the options (an
unknown customer is created or rejected) and the run (``sales_import_file``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from solocrm.core.permissions import require_write
from solocrm.customers.importing import uploads
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.forms import mapping_initial
from solocrm.customers.importing.headers import mapping_suggest
from solocrm.customers.importing.reading import table_read
from solocrm.sales.forms import SalesMappingForm, SalesUploadForm
from solocrm.sales.import_jobs import import_options, sales_import_job_create
from solocrm.sales.importing.fields import SALES_FIELDS
from solocrm.sales.importing.prepare import sales_mapping
from solocrm.sales.importing.services import sales_import_file

PREVIEW_ROWS = 20  # outcomes shown on the preview; its counts cover the whole file


def _upload(request: HttpRequest, token: str) -> uploads.Upload:
    require_write(request.user)
    upload = uploads.upload_get(token=token, user=request.user)
    if upload is None or upload.options.get("kind") not in SALES_FIELDS:
        raise Http404("No such upload.")
    return upload


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    initial = {"kind": request.GET.get("kind") if request.GET.get("kind") in SALES_FIELDS else ""}
    form = SalesUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        data = file.read()
        try:
            table_read(data=data, filename=file.name)
        except FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            upload = uploads.upload_store(data=data, filename=file.name, user=request.user)
            uploads.upload_options_set(upload, {"kind": form.cleaned_data["kind"]})
            return redirect("sales:import_mapping", token=upload.token)
    return render(request, "sales/import_upload.html", {"form": form})


@login_required
def import_mapping_edit(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    kind = upload.options["kind"]
    fields = list(SALES_FIELDS[kind])
    try:
        table = table_read(data=upload.read(), filename=upload.filename)
    except FileRefused as exc:
        context = {"form": SalesUploadForm(), "refused": str(exc)}
        return render(request, "sales/import_upload.html", context)
    suggested = mapping_suggest(headers=table.headers, fields=fields)
    initial = mapping_initial(
        {**suggested, **upload.options.get("mapping", {})}, table.headers, upload.options
    )
    initial["unknown_customers"] = upload.options.get("unknown_customers", "reject")
    form = SalesMappingForm(
        request.POST or None, initial=initial, headers=table.headers, fields=fields, kind=kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            sales_mapping(table=table, kind=kind, mapping=form.mapping())
        except FileRefused as exc:
            form.add_error(None, str(exc))
        else:
            uploads.upload_options_set(upload, {"kind": kind, **form.options()})
            return redirect("sales:import_preview", token=upload.token)
    columns = form.column_samples(table.rows)
    return render(
        request,
        "sales/import_mapping.html",
        {"form": form, "upload": upload, "table": table, "columns": columns, "kind": kind},
    )


@login_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """A trial run of the whole file, written nowhere (the rows of one order share their
    outcome, so a part of the file would not say what the whole does)."""
    upload = _upload(request, token)
    if "mapping" not in upload.options:
        return redirect("sales:import_mapping", token=upload.token)
    if request.method == "POST":
        job = sales_import_job_create(upload=upload, user=request.user)
        return redirect("customers:import_job", pk=job.pk)
    summary = sales_import_file(
        data=upload.read(),
        filename=upload.filename,
        by=request.user,
        options=import_options(upload.options, dry_run=True),
        mapping=upload.options["mapping"],
        unknown_customers=upload.options.get("unknown_customers", "reject"),
    )
    outcomes = summary.result.outcomes[:PREVIEW_ROWS] if summary.result else []
    return render(
        request,
        "sales/import_preview.html",
        {
            "upload": upload,
            "summary": summary,
            "counts": summary.as_dict(),
            "outcomes": outcomes,
            "kind": upload.options["kind"],
        },
    )


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    uploads.upload_delete(upload.token)
    return redirect("sales:import_upload")
