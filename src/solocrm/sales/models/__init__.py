"""Sales records: products, orders with their lines, pipelines, stages and deals.

Every write goes through ``solocrm.sales.services``; reads shared by pages and the API
live in ``solocrm.sales.selectors``.
"""

from solocrm.sales.models.deals import Deal, DealStageChange
from solocrm.sales.models.orders import Order, OrderLine
from solocrm.sales.models.pipelines import Pipeline, Stage
from solocrm.sales.models.products import Product

__all__ = ["Deal", "DealStageChange", "Order", "OrderLine", "Pipeline", "Product", "Stage"]
