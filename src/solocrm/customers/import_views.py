"""Import pages: upload → mapping → preview → run (a background job with a progress bar)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from solocrm.core import selectors as core_selectors
from solocrm.core.models import Job
from solocrm.core.permissions import require_write
from solocrm.customers.importing import uploads
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.forms import MappingForm, UploadForm, mapping_initial
from solocrm.customers.importing.headers import mapping_suggest
from solocrm.customers.importing.kinds import extra_import_kinds
from solocrm.customers.importing.reading import table_read
from solocrm.customers.importing.services import (
    ImportOptions,
    import_fields,
    import_file,
    import_mapping,
)
from solocrm.customers.importing.tasks import JOB_KIND, import_job_create

PREVIEW_ROWS = 20


def _upload(request: HttpRequest, token: str) -> uploads.Upload:
    require_write(request.user)
    upload = uploads.upload_get(token=token, user=request.user)
    if upload is None:
        raise Http404("No such upload.")
    return upload


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            table_read(data=data, filename=form.cleaned_data["file"].name)
        except FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            upload = uploads.upload_store(
                data=data, filename=form.cleaned_data["file"].name, user=request.user
            )
            uploads.upload_options_set(upload, {"kind": form.cleaned_data["kind"]})
            return redirect("customers:import_mapping", token=upload.token)
    return render(request, "customers/import_upload.html", {"form": form})


@login_required
def import_mapping_edit(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    kind = upload.options.get("kind", "customers")
    fields = import_fields(kind)
    try:
        table = table_read(data=upload.read(), filename=upload.filename)
    except FileRefused as exc:
        return render(
            request, "customers/import_upload.html", {"form": UploadForm(), "refused": str(exc)}
        )
    suggested = mapping_suggest(headers=table.headers, fields=fields)
    initial = mapping_initial(
        {**suggested, **upload.options.get("mapping", {})}, table.headers, upload.options
    )
    form = MappingForm(request.POST or None, initial=initial, headers=table.headers, fields=fields)
    if request.method == "POST" and form.is_valid():
        try:
            import_mapping(table=table, kind=kind, mapping=form.mapping())
        except FileRefused as exc:
            form.add_error(None, str(exc))
        else:
            uploads.upload_options_set(upload, {"kind": kind, **form.options()})
            return redirect("customers:import_preview", token=upload.token)
    columns = form.column_samples(table.rows)
    return render(
        request,
        "customers/import_mapping.html",
        {"form": form, "upload": upload, "table": table, "columns": columns},
    )


@login_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    if "mapping" not in upload.options:
        return redirect("customers:import_mapping", token=upload.token)
    if request.method == "POST":
        job = import_job_create(upload=upload, user=request.user)
        return redirect("customers:import_job", pk=job.pk)
    options = ImportOptions(
        kind=upload.options["kind"],
        mode=upload.options["mode"],
        on_duplicate=upload.options["on_duplicate"],
        date_order=upload.options["date_order"],
        dry_run=True,
    )
    summary = import_file(
        data=upload.read(),
        filename=upload.filename,
        by=request.user,
        options=options,
        mapping=upload.options["mapping"],
        preview_rows=PREVIEW_ROWS,
    )
    return render(
        request,
        "customers/import_preview.html",
        {"upload": upload, "summary": summary, "counts": summary.as_dict()},
    )


def _import_job(request: HttpRequest, pk: int) -> Job:
    require_write(request.user)
    jobs = core_selectors.jobs_for(request.user).filter(kind=JOB_KIND)
    return get_object_or_404(jobs, pk=pk)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job(request, pk)
    running = job.status in (Job.Status.QUEUED, Job.Status.RUNNING)
    template = "customers/import_job.html#progress" if request.htmx else "customers/import_job.html"
    kind = extra_import_kinds().get(job.parameters.get("kind", ""))
    again = reverse(kind.upload_url if kind and kind.upload_url else "customers:import_upload")
    context = {"job": job, "running": running, "result": job.result, "again_url": again}
    return render(request, template, context)


@login_required
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    job = _import_job(request, pk)
    path = uploads.report_path(job.pk)
    if not path.exists():
        raise Http404("This import has no report.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-report.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    uploads.upload_delete(upload.token)
    return redirect("customers:import_upload")
