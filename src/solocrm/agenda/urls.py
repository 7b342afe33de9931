from django.urls import path

from solocrm.agenda.views import cadences, calendar, notifications, tasks, today

app_name = "agenda"

urlpatterns = [
    path("", today.today_page, name="today"),
    path("today/tasks/<int:pk>/done/", today.today_done, name="today_done"),
    path("today/snooze/", today.today_snooze, name="today_snooze"),
    path("today/customers/<int:customer_id>/log/", today.today_log, name="today_log"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/<int:pk>/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/done/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/delete/", tasks.task_delete, name="task_delete"),
    path("tasks/links/<str:kind>/", tasks.task_link_search, name="task_link_search"),
    path("keep-in-touch/", cadences.cadence_list, name="cadence_list"),
    path("keep-in-touch/<int:pk>/", cadences.cadence_edit, name="cadence_edit"),
    path("keep-in-touch/<int:pk>/delete/", cadences.cadence_delete, name="cadence_delete"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path("calendar/", calendar.calendar_settings, name="calendar"),
    path("calendar/<str:secret>.ics", calendar.calendar_feed, name="calendar_feed"),
]
