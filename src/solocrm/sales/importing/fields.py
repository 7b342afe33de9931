"""The fields a column can feed in product and order files, with the header names that
suggest them (English and Chinese)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from solocrm.customers.importing.fields import ImportField

PRODUCT_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "sku",
        _("SKU"),
        "text",
        (
            "sku",
            "product code",
            "item code",
            "code",
            "article number",
            "货号",
            "商品编码",
            "编码",
            "sku编码",
        ),
        required=True,
    ),
    ImportField(
        "name",
        _("Name"),
        "text",
        (
            "name",
            "product",
            "product name",
            "item",
            "title",
            "商品名称",
            "产品名称",
            "名称",
            "商品",
            "品名",
        ),
        required=True,
    ),
    ImportField(
        "category",
        _("Category"),
        "text",
        ("category", "type", "group", "分类", "类别", "品类", "商品分类"),
    ),
    ImportField(
        "unit_price",
        _("Unit price"),
        "money",
        ("price", "unit price", "list price", "单价", "价格", "售价", "零售价"),
    ),
    ImportField("currency", _("Currency"), "currency", ("currency", "币种", "货币")),
    ImportField(
        "active", _("Active"), "yes_no", ("active", "enabled", "on sale", "上架", "在售", "启用")
    ),
    ImportField(
        "description",
        _("Description"),
        "text",
        ("description", "details", "描述", "说明", "商品描述"),
    ),
)

ORDER_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "number",
        _("Order number"),
        "text",
        ("order number", "order no", "order id", "order", "order #", "订单号", "订单编号", "单号"),
        required=True,
    ),
    ImportField(
        "ordered_at",
        _("Order time"),
        "datetime",
        (
            "order date",
            "ordered at",
            "order time",
            "date",
            "time",
            "purchase date",
            "下单时间",
            "订单日期",
            "订单时间",
            "日期",
            "时间",
            "购买日期",
        ),
    ),
    ImportField(
        "customer_email",
        _("Customer email"),
        "emails",
        ("email", "customer email", "e-mail", "邮箱", "客户邮箱", "电子邮件"),
    ),
    ImportField(
        "customer_phone",
        _("Customer phone"),
        "phones",
        (
            "phone",
            "customer phone",
            "mobile",
            "tel",
            "手机",
            "手机号",
            "电话",
            "客户电话",
            "联系电话",
        ),
    ),
    ImportField(
        "customer_external_id",
        _("Customer external ID"),
        "text",
        (
            "customer id",
            "customer number",
            "external id",
            "客户编号",
            "客户id",
            "会员号",
            "会员编号",
        ),
    ),
    ImportField(
        "customer_name",
        _("Customer name"),
        "text",
        (
            "customer",
            "customer name",
            "name",
            "buyer",
            "客户",
            "客户名称",
            "客户姓名",
            "姓名",
            "买家",
        ),
    ),
    ImportField(
        "channel",
        _("Channel"),
        "channel",
        ("channel", "sales channel", "source", "渠道", "销售渠道", "来源"),
    ),
    ImportField(
        "status", _("Status"), "order_status", ("status", "order status", "状态", "订单状态")
    ),
    ImportField("currency", _("Currency"), "currency", ("currency", "币种", "货币")),
    ImportField(
        "sku",
        _("Product SKU"),
        "text",
        ("sku", "product code", "item code", "货号", "商品编码", "sku编码"),
    ),
    ImportField(
        "description",
        _("Line description"),
        "text",
        (
            "product",
            "item",
            "product name",
            "item name",
            "description",
            "商品",
            "商品名称",
            "产品",
            "品名",
            "描述",
        ),
    ),
    ImportField(
        "quantity", _("Quantity"), "quantity", ("quantity", "qty", "count", "units", "数量", "件数")
    ),
    ImportField("unit_price", _("Unit price"), "money", ("unit price", "price", "单价", "价格")),
    ImportField(
        "discount",
        _("Discount"),
        "money",
        ("discount", "discount amount", "折扣", "优惠", "优惠金额", "折扣金额"),
    ),
    ImportField(
        "total",
        _("Order total"),
        "money",
        (
            "total",
            "order total",
            "amount",
            "order amount",
            "总额",
            "订单金额",
            "金额",
            "合计",
            "实付金额",
        ),
    ),
    ImportField(
        "refunded_amount",
        _("Refunded amount"),
        "money",
        ("refunded", "refund", "refunded amount", "退款", "退款金额"),
    ),
    ImportField(
        "notes", _("Notes"), "text", ("notes", "note", "comment", "remarks", "备注", "说明")
    ),
)

SALES_FIELDS = {"products": PRODUCT_FIELDS, "orders": ORDER_FIELDS}
# Fields an order's rows must agree on (each row repeats them, or leaves them empty).
ORDER_LEVEL = (
    "ordered_at",
    "customer_email",
    "customer_phone_e164",
    "customer_external_id",
    "customer_name",
    "channel",
    "status",
    "currency",
    "total",
    "refunded_amount",
    "notes",
)
LINE_LEVEL = ("sku", "description", "quantity", "unit_price", "discount")
