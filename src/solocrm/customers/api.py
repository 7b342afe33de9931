from ninja import Router

router = Router(tags=["customers"])

# Duplicates and merges (merge_api.py).
from solocrm.customers.merge_api import router as merge_router  # noqa: E402

router.add_router("/", merge_router)
