"""Every write of the sales domain. Views, the API, imports and the demo call these."""

from solocrm.sales.services.deals import (
    DEAL_FIELDS,
    deal_create,
    deal_delete,
    deal_move_to_stage,
    deal_update,
)
from solocrm.sales.services.orders import (
    ORDER_FIELDS,
    LineInput,
    order_create,
    order_delete,
    order_number_new,
    order_update,
    require_order_write,
)
from solocrm.sales.services.pipelines import (
    DEFAULT_STAGES,
    PIPELINE_FIELDS,
    STAGE_FIELDS,
    StageInput,
    pipeline_create,
    pipeline_delete,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_update,
    stages_reorder,
)
from solocrm.sales.services.products import (
    PRODUCT_FIELDS,
    product_create,
    product_delete,
    product_update,
)

__all__ = [
    "DEAL_FIELDS",
    "DEFAULT_STAGES",
    "ORDER_FIELDS",
    "PIPELINE_FIELDS",
    "PRODUCT_FIELDS",
    "STAGE_FIELDS",
    "LineInput",
    "StageInput",
    "deal_create",
    "deal_delete",
    "deal_move_to_stage",
    "deal_update",
    "order_create",
    "order_delete",
    "order_number_new",
    "order_update",
    "pipeline_create",
    "pipeline_delete",
    "pipeline_update",
    "product_create",
    "product_delete",
    "product_update",
    "require_order_write",
    "stage_create",
    "stage_delete",
    "stage_update",
    "stages_reorder",
]
