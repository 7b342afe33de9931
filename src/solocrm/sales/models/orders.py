from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel

ZERO = Decimal("0")
# Totals are computed with Decimal in the services; the database re-checks the sums
# within half a cent so a float-storing engine (SQLite) cannot reject exact values.
HALF_CENT = Decimal("0.005")


class Order(TrackedModel):
    """One purchase. ``subtotal``, ``discount_total`` and ``total`` are written together by
    ``order_totals_recompute`` from the lines, in the same transaction as the lines."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online shop")
        STORE = "store", _("store")
        PHONE = "phone", _("phone")
        WECHAT = "wechat", _("WeChat")
        MARKETPLACE = "marketplace", _("marketplace")
        SALES = "sales", _("direct sales")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PAID = "paid", _("paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")
        REFUNDED = "refunded", _("refunded")
        CANCELLED = "cancelled", _("cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,  # erasing a person keeps the anonymous revenue
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    number = models.CharField(_("order number"), max_length=64, unique=True)
    ordered_at = models.DateTimeField(_("ordered at"), db_index=True)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.OTHER
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PAID, db_index=True
    )
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(
        _("discount"), max_digits=14, decimal_places=2, default=ZERO
    )
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=ZERO)
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=14, decimal_places=2, default=ZERO
    )
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )

    class Meta:
        app_label = "sales"
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("order")
        indexes = [models.Index(fields=["customer", "ordered_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=ZERO)
                & Q(discount_total__gte=ZERO)
                & Q(discount_total__lte=F("subtotal") + HALF_CENT),
                name="sales_order_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("subtotal") - F("discount_total") - HALF_CENT)
                & Q(total__lte=F("subtotal") - F("discount_total") + HALF_CENT),
                name="sales_order_total_is_subtotal_less_discount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=ZERO)
                & Q(refunded_amount__lte=F("total") + HALF_CENT),
                name="sales_order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def net_total(self) -> Decimal:
        """What the customer kept paying: nothing if cancelled, total less refunds otherwise."""
        if self.status == self.Status.CANCELLED:
            return ZERO
        return self.total - self.refunded_amount


class OrderLine(models.Model):
    """A line of an order: a product or free text, a quantity, a unit price and a discount
    (an amount off the line). ``line_total`` is ``quantity × unit_price − discount``,
    rounded to cents, computed by the services."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    position = models.PositiveIntegerField(_("position"), default=1)
    product = models.ForeignKey(
        "sales.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO)
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)

    class Meta:
        app_label = "sales"
        ordering = ["order", "position", "id"]
        verbose_name = _("order line")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=ZERO)
                & Q(unit_price__gte=ZERO)
                & Q(discount__gte=ZERO)
                & Q(line_total__gte=ZERO),
                name="sales_orderline_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"
