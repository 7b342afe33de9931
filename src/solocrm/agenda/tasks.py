"""Background work of the agenda, run by ``solocrm worker``."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solocrm.core.context import acting_as


@task()
def reminders_sweep() -> dict[str, Any]:
    """Deliver every reminder that is due (in the app and by email). Idempotent: any
    number of sweeps, in any order, deliver each reminder once (see ``reminders``)."""
    from solocrm.agenda.reminders import reminders_deliver_due

    with acting_as(None, "job"):
        return reminders_deliver_due().as_dict()
