"""Demo sales: products, two years of orders with realistic repeat purchases, a default
pipeline (and a second one) with deals in every stage.

Purchases follow the BG/NBD story the analytics fit: each customer buys at their own
rate λ ~ Gamma(r, α) (exponential gaps between orders) and, after each purchase, drops
out for good with their own probability p ~ Beta(a, b). Order values follow a
Gamma-Gamma story: each customer has a typical spend ν ~ Gamma, each order is around it.
A quarter of the customers never buy (leads). So "who is still alive" and "what is a
customer worth" have true answers the analytics can find.

Deterministic for a seed: all randomness from ``ctx.rng``, dates from a fixed
``BASE_DATE``; rows are bulk-inserted with one summary audit entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from solocrm.core.audit import audit_record
from solocrm.core.demo import DemoContext, register
from solocrm.customers.models import Customer
from solocrm.sales.models import Deal, DealStageChange, Order, OrderLine, Pipeline, Product, Stage
from solocrm.sales.services.totals import line_amounts, money, order_amounts

BASE_DATE = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)
HISTORY_DAYS = 730
# BG/NBD-like parameters: purchase rate per day ~ Gamma(shape R, scale 1/ALPHA),
# dropout after a purchase ~ Beta(A, B); mean gap ≈ ALPHA/R ≈ 45 days, mean dropout 0.2.
R, ALPHA, A, B = 0.9, 40.0, 1.0, 4.0
SPEND_SHAPE, SPEND_SCALE, ORDER_SHAPE = 3.0, 70.0, 4.0
NEVER_BUY = 0.25

PRODUCTS = [
    ("TEA-LJ-250", "西湖龙井 250g", "茶叶", "168.00"),
    ("TEA-PE-357", "普洱茶饼 357g", "茶叶", "238.00"),
    ("TEA-TGY-250", "铁观音 250g", "茶叶", "128.00"),
    ("TEA-DHP-100", "大红袍 100g", "茶叶", "198.00"),
    ("TEA-JUN-50", "金骏眉 50g", "茶叶", "156.00"),
    ("TEA-EG-100", "Earl Grey 100g", "Tea", "68.00"),
    ("TEA-SEN-100", "Sencha 100g", "Tea", "88.00"),
    ("TEA-WHT-100", "白毫银针 100g", "茶叶", "288.00"),
    ("SET-ZS-01", "紫砂壶", "茶具", "420.00"),
    ("SET-GW-01", "盖碗三件套", "茶具", "96.00"),
    ("SET-CUP-6", "白瓷品茗杯 6只", "茶具", "72.00"),
    ("SET-TRAY-01", "竹制茶盘", "茶具", "260.00"),
    ("SET-KETTLE", "Electric kettle", "Teaware", "199.00"),
    ("GIFT-BOX-S", "礼盒（小）", "礼品", "58.00"),
    ("GIFT-BOX-L", "礼盒（大）", "礼品", "128.00"),
    ("CLASS-TEA", "茶艺课（一次）", "课程", "300.00"),
    ("SUB-MONTH", "Monthly tea subscription", "Subscription", "99.00"),
    ("SNACK-01", "茶点拼盘", "茶点", "45.00"),
]
CHANNELS = [("online", 5), ("wechat", 4), ("store", 3), ("marketplace", 3), ("phone", 1)]
STATUSES = [("paid", 92), ("refunded", 3), ("partially_refunded", 2), ("cancelled", 3)]
PIPELINES = {
    "销售线索 Sales": [("Lead", 10), ("Qualified", 25), ("Proposal", 50), ("Negotiation", 75)],
    "Wholesale partners": [("Contacted", 10), ("Samples sent", 30), ("Trial order", 60)],
}
DEAL_TITLES = [
    "年度团购",
    "企业礼品采购",
    "Office tea supply",
    "茶艺课包场",
    "Wholesale starter order",
    "婚礼回礼定制",
    "Hotel lobby tea service",
    "中秋礼盒",
    "Monthly subscription for team",
    "Café partnership",
    "春茶预订",
    "Conference gift bags",
]
LOST_REASONS = ["价格太高", "Chose a competitor", "预算取消", "No response", "Timing", "需求变化"]


def _weighted(ctx: DemoContext, options: list[tuple[str, int]]) -> str:
    return ctx.rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _products(ctx: DemoContext, owner_id: int | None) -> list[Product]:
    existing = {p.sku: p for p in Product.objects.filter(sku__in=[p[0] for p in PRODUCTS])}
    new = [
        Product(
            sku=sku,
            name=name,
            category=category,
            unit_price=Decimal(price),
            currency="CNY",
            created_by_id=owner_id,
            updated_by_id=owner_id,
        )
        for sku, name, category, price in PRODUCTS
        if sku not in existing
    ]
    Product.objects.bulk_create(new)
    return list(Product.objects.filter(sku__in=[p[0] for p in PRODUCTS]).order_by("sku"))


def _purchase_times(ctx: DemoContext) -> list[dt.datetime]:
    """One customer's purchases: a start, gaps ~ Exp(λ), dropout ~ Bernoulli(p) after each."""
    if ctx.rng.random() < NEVER_BUY:
        return []
    rate = ctx.rng.gammavariate(R, 1 / ALPHA)
    dropout = ctx.rng.betavariate(A, B)
    start = BASE_DATE - dt.timedelta(days=HISTORY_DAYS)
    t = start + dt.timedelta(days=ctx.rng.uniform(0, HISTORY_DAYS - 1))
    times = []
    while t <= BASE_DATE:
        hour = ctx.rng.randrange(1, 13)  # 09:00–21:00 in China, in UTC
        times.append(t.replace(hour=hour, minute=ctx.rng.randrange(60), second=0, microsecond=0))
        if ctx.rng.random() < dropout:
            break
        t += dt.timedelta(days=max(ctx.rng.expovariate(rate), 0.5))
    return [moment for moment in times if moment <= BASE_DATE]


def _order_lines(ctx: DemoContext, products: list[Product], spend: float) -> list[OrderLine]:
    target = spend * ctx.rng.gammavariate(ORDER_SHAPE, 1 / ORDER_SHAPE)
    lines: list[OrderLine] = []
    gross_so_far = Decimal(0)
    while len(lines) < 4 and (not lines or gross_so_far < Decimal(str(target)) * Decimal("0.8")):
        product = ctx.rng.choice(products)
        quantity = Decimal(ctx.rng.choices([1, 2, 3, 6], weights=[10, 4, 2, 1])[0])
        gross = money(quantity * product.unit_price)
        discount = (
            money(gross * Decimal(ctx.rng.choice([5, 10, 15])) / 100)
            if ctx.rng.random() < 0.1
            else Decimal(0)
        )
        amounts = line_amounts(quantity=quantity, unit_price=product.unit_price, discount=discount)
        lines.append(
            OrderLine(
                position=len(lines) + 1,
                product=product,
                description=product.name,
                quantity=quantity,
                unit_price=product.unit_price,
                discount=amounts.discount,
                line_total=amounts.total,
            )
        )
        gross_so_far += gross
    return lines


def _orders(ctx: DemoContext, products: list[Product], owner_id: int | None) -> tuple[int, int]:
    customers = list(Customer.objects.alive().order_by("pk").values_list("pk", flat=True))
    orders: list[Order] = []
    order_lines: list[list[OrderLine]] = []
    for customer_id in customers:
        spend = ctx.rng.gammavariate(SPEND_SHAPE, SPEND_SCALE)
        for number, moment in enumerate(_purchase_times(ctx), start=1):
            lines = _order_lines(ctx, products, spend)
            sums = order_amounts(
                line_amounts(
                    quantity=line.quantity, unit_price=line.unit_price, discount=line.discount
                )
                for line in lines
            )
            status = _weighted(ctx, STATUSES)
            refunded = {
                "refunded": sums.total,
                "partially_refunded": money(sums.total * Decimal(ctx.rng.randrange(10, 60)) / 100),
            }.get(status, Decimal(0))
            if status == "partially_refunded" and not (0 < refunded < sums.total):
                status, refunded = "paid", Decimal(0)
            orders.append(
                Order(
                    customer_id=customer_id,
                    number=f"DEMO-{customer_id}-{number:03d}",
                    ordered_at=moment,
                    channel=_weighted(ctx, CHANNELS),
                    status=status,
                    currency="CNY",
                    subtotal=sums.subtotal,
                    discount_total=sums.discount_total,
                    total=sums.total,
                    refunded_amount=refunded,
                    owner_id=owner_id,
                    created_by_id=owner_id,
                    updated_by_id=owner_id,
                )
            )
            order_lines.append(lines)
    Order.objects.bulk_create(orders, batch_size=1000)
    flat = []
    for order, lines in zip(orders, order_lines, strict=True):
        for line in lines:
            line.order = order
            flat.append(line)
    OrderLine.objects.bulk_create(flat, batch_size=2000)
    return len(orders), len(flat)


def _pipelines(owner_id: int | None) -> list[Pipeline]:
    pipelines = []
    for position, (name, open_stages) in enumerate(PIPELINES.items(), start=1):
        pipeline, created = Pipeline.objects.get_or_create(
            name=name,
            defaults={
                "position": position,
                "is_default": position == 1
                and not Pipeline.objects.filter(is_default=True).exists(),
                "created_by_id": owner_id,
                "updated_by_id": owner_id,
            },
        )
        if created:
            stages = [
                Stage(pipeline=pipeline, name=n, position=i, probability=p)
                for i, (n, p) in enumerate(open_stages, start=1)
            ]
            stages.append(
                Stage(
                    pipeline=pipeline,
                    name="Won",
                    position=len(stages) + 1,
                    probability=100,
                    is_won=True,
                )
            )
            stages.append(
                Stage(
                    pipeline=pipeline,
                    name="Lost",
                    position=len(stages) + 1,
                    probability=0,
                    is_lost=True,
                )
            )
            Stage.objects.bulk_create(stages)
        pipelines.append(pipeline)
    return pipelines


def _deal_path(ctx: DemoContext, stages: list[Stage], final: Stage) -> list[Stage]:
    """The stages a deal went through to reach ``final`` (lost deals stop somewhere)."""
    open_stages = [s for s in stages if not s.is_closed]
    if final.is_won:
        return [*open_stages, final]
    if final.is_lost:
        return [*open_stages[: ctx.rng.randrange(1, len(open_stages) + 1)], final]
    return open_stages[: open_stages.index(final) + 1]


def _deals(ctx: DemoContext, owner_id: int | None) -> int:
    customers = list(Customer.objects.alive().order_by("pk").values_list("pk", "company_id"))
    if not customers:
        return 0
    created = 0
    for pipeline in _pipelines(owner_id):
        stages = list(pipeline.stages.order_by("position"))
        per_stage = max(2, ctx.customers // 40)
        deals, paths = [], []
        for stage in stages:
            for _n in range(per_stage + (2 if stage.is_closed else 0)):
                path = _deal_path(ctx, stages, stage)
                opened = BASE_DATE - dt.timedelta(days=ctx.rng.randrange(20, 300))
                moments = sorted(
                    opened + dt.timedelta(days=ctx.rng.uniform(0, (BASE_DATE - opened).days))
                    for _s in path[1:]
                )
                times = [opened, *moments]
                customer_id, company_id = ctx.rng.choice(customers)
                deals.append(
                    Deal(
                        title=ctx.rng.choice(DEAL_TITLES),
                        pipeline=pipeline,
                        stage=stage,
                        customer_id=customer_id,
                        company_id=company_id,
                        amount=Decimal(ctx.rng.randrange(20, 500) * 100),
                        currency="CNY",
                        expected_close_date=(
                            BASE_DATE + dt.timedelta(days=ctx.rng.randrange(-15, 120))
                        ).date(),
                        owner_id=owner_id,
                        source=ctx.rng.choice(["website", "referral", "wechat", "event"]),
                        next_step=""
                        if stage.is_closed
                        else ctx.rng.choice(["Call back", "发送报价", "Send samples", "约见面"]),
                        lost_reason=ctx.rng.choice(LOST_REASONS) if stage.is_lost else "",
                        stage_changed_at=times[-1],
                        closed_at=times[-1] if stage.is_closed else None,
                        created_by_id=owner_id,
                        updated_by_id=owner_id,
                    )
                )
                paths.append((path, times))
        Deal.objects.bulk_create(deals)
        changes = []
        for deal, (path, times) in zip(deals, paths, strict=True):
            previous = None
            for stage, moment in zip(path, times, strict=True):
                changes.append(
                    DealStageChange(
                        deal=deal,
                        from_stage=previous,
                        to_stage=stage,
                        changed_at=moment,
                        changed_by_id=owner_id,
                    )
                )
                previous = stage
            Deal.objects.filter(pk=deal.pk).update(created_at=times[0])
        DealStageChange.objects.bulk_create(changes, batch_size=1000)
        created += len(deals)
    return created


@register("sales", order=20)
def load_sales(ctx: DemoContext) -> None:
    owner_id = getattr(ctx.owner, "pk", None)
    products = _products(ctx, owner_id)
    orders, lines = _orders(ctx, products, owner_id)
    deals = _deals(ctx, owner_id)
    counts: dict[str, Any] = {
        "products": len(products),
        "orders": orders,
        "order_lines": lines,
        "deals": deals,
    }
    audit_record(
        "import",
        object_type_label="sales.order",
        object_repr="demo sales data",
        changes={key: [0, value] for key, value in counts.items()},
    )
    ctx.created.update(counts)
