"""Background jobs with a record the UI can show (progress, result, error).

A job is created in the caller's transaction and its task is enqueued on commit, so a
rolled-back request never starts a job. Task functions take the job id and call
:func:`job_run`, which is idempotent: a job that already finished is not run again.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from solocrm.core.context import acting_as
from solocrm.core.models import Job


def job_create(*, kind: str, task: Any, parameters: dict[str, Any], user: Any = None) -> Job:
    job = Job.objects.create(
        kind=kind, parameters=parameters, created_by=user if getattr(user, "pk", None) else None
    )
    transaction.on_commit(lambda: task.enqueue(job_id=job.pk))
    return job


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    job.progress_done = done
    if total is not None:
        job.progress_total = total
    Job.objects.filter(pk=job.pk).update(
        progress_done=job.progress_done, progress_total=job.progress_total
    )


def job_run(job_id: int, work: Callable[[Job], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work(job)`` once for the job, recording start, result or error."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now()
        )
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not claimed and job.status != Job.Status.RUNNING:
        return job.result  # already done: running it again would repeat its effects
    try:
        with acting_as(job.created_by, "job"):
            result = work(job)
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED,
            error=f"{exc}\n\n{traceback.format_exc(limit=5)}",
            finished_at=timezone.now(),
        )
        raise
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED, result=result, finished_at=timezone.now()
    )
    return result
