from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel


class Product(TrackedModel):
    """Something the business sells; order lines may point at it or be free text."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        app_label = "sales"
        ordering = ["name", "id"]
        verbose_name = _("product")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=Decimal("0")), name="sales_product_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
