from ninja import Router

router = Router(tags=["sales"])

# Each feature has its own module and router.
from solocrm.sales.api_deals import router as deals_router  # noqa: E402
from solocrm.sales.api_orders import router as orders_router  # noqa: E402
from solocrm.sales.api_pipelines import router as pipelines_router  # noqa: E402
from solocrm.sales.api_products import router as products_router  # noqa: E402

router.add_router("/", products_router)
router.add_router("/", orders_router)
router.add_router("/", pipelines_router)
router.add_router("/", deals_router)
