"""The background job that imports an uploaded file (see ``core.jobs``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solocrm.core.jobs import job_create, job_progress, job_run
from solocrm.core.models import Job
from solocrm.customers.importing import uploads
from solocrm.customers.importing.report import report_csv
from solocrm.customers.importing.services import ImportOptions, import_file

JOB_KIND = "import"
SHOWN_WARNINGS = 200  # on the job's page; the report has them all


def import_job_create(*, upload: uploads.Upload, user: Any) -> Job:
    """Queue the import of ``upload`` with its stored options (runs after commit)."""
    return job_create(
        kind=JOB_KIND,
        task=import_task,
        parameters={"upload": upload.token, "file": upload.filename, **upload.options},
        user=user,
    )


def _work(job: Job) -> dict[str, Any]:
    parameters = job.parameters
    upload = uploads.upload_get(token=parameters["upload"], user=job.created_by)
    if upload is None:
        raise FileNotFoundError("The uploaded file is gone; upload it again.")
    options = ImportOptions(
        kind=parameters.get("kind", "customers"),
        mode=parameters.get("mode", "atomic"),
        on_duplicate=parameters.get("on_duplicate", "skip"),
        date_order=parameters.get("date_order", "dmy"),
    )
    summary = import_file(
        data=upload.read(),
        filename=upload.filename,
        by=job.created_by,
        options=options,
        mapping=parameters.get("mapping") or None,
        progress=lambda done, total: job_progress(job, done=done, total=total),
    )
    return job_result(job, summary, upload)


def job_result(job: Job, summary: Any, upload: uploads.Upload) -> dict[str, Any]:
    """What an import job keeps of ``summary`` (its report stored beside it); the upload,
    now imported, is deleted. Shared by every kind's job."""
    result = summary.as_dict()
    if summary.problems or summary.warnings:
        uploads.report_store(job.pk, report_csv(summary.problems, summary.warnings))
    result["report"] = bool(summary.problems or summary.warnings)
    result["warning_rows"] = [w.as_dict() for w in summary.warnings[:SHOWN_WARNINGS]]
    uploads.upload_delete(upload.token)
    return result


@task()
def import_task(*, job_id: int) -> dict[str, Any]:
    return job_run(job_id, _work)
