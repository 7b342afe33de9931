"""Request and response shapes of the sales API. Money travels as decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

VERSION_DOC = "The version you read; a stale one answers 409"


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    unit_price: Decimal
    currency: str
    active: bool
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ProductIn(Schema):
    sku: str = Field(..., max_length=64)
    name: str = Field(..., max_length=200)
    unit_price: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    currency: str | None = Field(None, description="ISO code; default: the workspace's")
    category: str = ""
    active: bool = True
    description: str = ""


class ProductPatch(Schema):
    version: int = Field(..., description=VERSION_DOC)
    sku: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    currency: str | None = None
    category: str | None = None
    active: bool | None = None
    description: str | None = None


class OrderLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal


class OrderLineIn(Schema):
    product_id: int | None = Field(None, description="A product; its name and price are defaults")
    description: str = Field("", max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=12, decimal_places=3)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    discount: Decimal = Field(
        Decimal(0), ge=0, max_digits=12, decimal_places=2, description="An amount off the line"
    )


class OrderOut(Schema):
    id: int
    number: str
    customer_id: int | None
    customer_name: str = ""
    ordered_at: dt.datetime
    channel: str
    status: str
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    refunded_amount: Decimal
    notes: str
    owner_id: int | None
    lines: list[OrderLineOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return obj.customer.name if obj.customer_id else ""

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class OrderIn(Schema):
    customer_id: int | None = None
    number: str = Field("", max_length=64, description="Unique; generated when empty")
    ordered_at: dt.datetime | None = Field(None, description="Default: now")
    channel: str = "other"
    status: str = "paid"
    currency: str | None = Field(None, description="ISO code; default: the workspace's")
    refunded_amount: Decimal | None = Field(
        None, ge=0, description="For a partial refund; a refunded order is refunded in full"
    )
    notes: str = ""
    owner_id: int | None = Field(None, description="Who sold it; defaults to you")
    lines: list[OrderLineIn] = Field(..., min_length=1)


class OrderPatch(Schema):
    version: int = Field(..., description=VERSION_DOC)
    customer_id: int | None = None
    number: str | None = Field(None, max_length=64)
    ordered_at: dt.datetime | None = None
    channel: str | None = None
    status: str | None = None
    currency: str | None = None
    refunded_amount: Decimal | None = Field(None, ge=0)
    notes: str | None = None
    owner_id: int | None = None
    lines: list[OrderLineIn] | None = Field(None, description="Replaces every line")


class StageOut(Schema):
    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool
    version: int


class StageIn(Schema):
    name: str = Field(..., max_length=100)
    probability: int = Field(0, ge=0, le=100)
    is_won: bool = False
    is_lost: bool = False
    position: int | None = Field(None, ge=0, description="Default: after the last stage")


class StagePatch(Schema):
    version: int = Field(..., description=VERSION_DOC)
    name: str | None = Field(None, max_length=100)
    probability: int | None = Field(None, ge=0, le=100)
    is_won: bool | None = None
    is_lost: bool | None = None
    position: int | None = Field(None, ge=0)


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    archived: bool
    stages: list[StageOut]
    version: int

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class PipelineIn(Schema):
    name: str = Field(..., max_length=100)
    is_default: bool = False
    stages: list[StageIn] | None = Field(
        None, description="In order; default: Lead, Qualified, Proposal, Negotiation, Won, Lost"
    )


class PipelinePatch(Schema):
    version: int = Field(..., description=VERSION_DOC)
    name: str | None = Field(None, max_length=100)
    position: int | None = Field(None, ge=0)
    is_default: bool | None = None
    archived: bool | None = None


class StageOrderIn(Schema):
    stage_ids: list[int] = Field(..., description="Every stage of the pipeline, in the new order")


class DealOut(Schema):
    id: int
    title: str
    pipeline_id: int
    stage_id: int
    stage_name: str = ""
    customer_id: int | None
    company_id: int | None
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    owner_id: int | None
    source: str
    next_step: str
    lost_reason: str
    notes: str
    stage_changed_at: dt.datetime
    closed_at: dt.datetime | None
    order_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_stage_name(obj: Any) -> str:
        return obj.stage.name


class DealIn(Schema):
    title: str = Field(..., max_length=200)
    pipeline_id: int | None = Field(None, description="Default: the default pipeline")
    stage_id: int | None = Field(None, description="Default: the pipeline's first open stage")
    customer_id: int | None = None
    company_id: int | None = None
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, description="ISO code; default: the workspace's")
    expected_close_date: dt.date | None = None
    owner_id: int | None = Field(None, description="Defaults to you")
    source: str = ""
    next_step: str = ""
    notes: str = ""


class DealPatch(Schema):
    version: int = Field(..., description=VERSION_DOC)
    title: str | None = Field(None, max_length=200)
    customer_id: int | None = None
    company_id: int | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = None
    expected_close_date: dt.date | None = None
    owner_id: int | None = None
    source: str | None = None
    next_step: str | None = None
    lost_reason: str | None = None
    notes: str | None = None


class DealMoveIn(Schema):
    stage_id: int
    version: int = Field(..., description=VERSION_DOC)
    lost_reason: str | None = Field(None, max_length=200)
    create_order: bool = Field(False, description="Winning only: also create the order")
    order_number: str = Field("", max_length=64)


class StageChangeOut(Schema):
    from_stage_id: int | None
    to_stage_id: int
    changed_at: dt.datetime
    changed_by_id: int | None


class MoneyOut(Schema):
    currency: str
    amount: Decimal


class BoardColumnOut(Schema):
    stage: StageOut
    count: int
    amounts: list[MoneyOut]
    weighted: list[MoneyOut]
    deals: list[DealOut]


class MonthForecastOut(Schema):
    month: dt.date | None
    deals: int
    amount: Decimal
    weighted: Decimal


class StageConversionOut(Schema):
    stage_id: int
    stage_name: str
    reached: int
    to_next: float | None


class LostReasonOut(Schema):
    reason: str
    deals: int
    amount: Decimal


class SalesFiguresOut(Schema):
    currency: str
    start: dt.date
    end: dt.date
    pipeline_id: int | None
    weighted_pipeline: list[MonthForecastOut]
    weighted_total: Decimal
    won: int
    lost: int
    win_rate: float | None
    average_deal_size: Decimal | None
    average_sales_cycle_days: float | None
    conversion: list[StageConversionOut]
    lost_reasons: list[LostReasonOut]
