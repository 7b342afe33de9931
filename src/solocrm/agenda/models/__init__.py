"""Agenda records: tasks, keep-in-touch cadences, reminders (notifications and email
deliveries), private calendar feeds and Today-page snoozes.

Every write goes through ``solocrm.agenda.services``; reads shared by pages and the API
live in ``solocrm.agenda.selectors``.
"""

from solocrm.agenda.models.cadences import Cadence
from solocrm.agenda.models.calendar import CalendarFeed
from solocrm.agenda.models.reminders import Notification, ReminderDelivery
from solocrm.agenda.models.tasks import Task
from solocrm.agenda.models.today import TodaySnooze

__all__ = ["Cadence", "CalendarFeed", "Notification", "ReminderDelivery", "Task", "TodaySnooze"]
