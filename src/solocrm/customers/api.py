from ninja import Router

router = Router(tags=["customers"])

# Each feature has its own module and router; add yours as a block like these.

# Customers, timelines, companies, trash, tags and custom fields.
from solocrm.customers.api_companies import router as companies_router  # noqa: E402
from solocrm.customers.api_customers import router as customers_router  # noqa: E402
from solocrm.customers.api_settings import router as settings_router  # noqa: E402

router.add_router("/", customers_router)
router.add_router("/", companies_router)
router.add_router("/", settings_router)

# Duplicates and merges (merge_api.py).
from solocrm.customers.merge_api import router as merge_router  # noqa: E402

router.add_router("/", merge_router)

# Import and export (import_api.py).
from solocrm.customers.import_api import router as import_router  # noqa: E402

router.add_router("/", import_router)
