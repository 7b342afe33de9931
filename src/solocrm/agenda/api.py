from ninja import Router

router = Router(tags=["agenda"])

# Tasks (api_tasks.py), cadences (api_cadences.py), the Today list, notifications and
# the calendar feed (api_today.py).
from solocrm.agenda.api_cadences import router as cadences_router  # noqa: E402
from solocrm.agenda.api_tasks import router as tasks_router  # noqa: E402
from solocrm.agenda.api_today import router as today_router  # noqa: E402

router.add_router("/", tasks_router)
router.add_router("/", cadences_router)
router.add_router("/", today_router)
