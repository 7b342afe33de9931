"""Every write of the agenda. Views, the API, the worker and the demo call these."""

from solocrm.agenda.services.cadences import (
    CADENCE_FIELDS,
    cadence_create,
    cadence_delete,
    cadence_update,
)
from solocrm.agenda.services.calendar import (
    calendar_feed_authenticate,
    calendar_feed_create,
    calendar_feed_revoke,
)
from solocrm.agenda.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
)
from solocrm.agenda.services.tasks import (
    TASK_FIELDS,
    task_complete,
    task_create,
    task_delete,
    task_reopen,
    task_update,
)
from solocrm.agenda.services.today import today_snooze

__all__ = [
    "CADENCE_FIELDS",
    "TASK_FIELDS",
    "cadence_create",
    "cadence_delete",
    "cadence_update",
    "calendar_feed_authenticate",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "notification_mark_read",
    "notifications_mark_all_read",
    "task_complete",
    "task_create",
    "task_delete",
    "task_reopen",
    "task_update",
    "today_snooze",
]
