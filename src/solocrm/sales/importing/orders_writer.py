"""Writing a batch of orders: match customers, resolve products, then create the new
orders together (``orders_create_many``) and update or skip the existing ones.

An existing order number is skipped (``--on-duplicate skip``, the default), updated
(``update``: the file's cells and lines replace the stored ones; an order the file
leaves as it is counts as skipped, so a re-run changes nothing) or refused (``create``:
order numbers are unique). An unknown customer rejects the order
(``--unknown-customers reject``, the default) or is created from the row's name, email,
phone and external ID (``create``), in the same savepoint as the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.writers import CustomerWriter, RowConflict
from solocrm.customers.models import Customer
from solocrm.sales.importing.customers_lookup import CustomerLookup
from solocrm.sales.importing.engine import Unit, UnitOutcome
from solocrm.sales.importing.orders import OrderPlan, order_plan
from solocrm.sales.models import Order, Product
from solocrm.sales.services import LineInput, order_create, order_update
from solocrm.sales.services.orders_bulk import OrderDraft, orders_create_many, rows_where_in
from solocrm.sales.services.totals import line_amounts, money

UNKNOWN_CUSTOMERS = ("reject", "create")
ORDER_DATA = ("ordered_at", "channel", "status", "currency", "refunded_amount", "notes")
ERROR_COLUMNS = {"customer": "customer_email", "lines": "unit_price", "__all__": ""}


class OrderWriter:
    def __init__(
        self,
        *,
        by: Any,
        column_map: ColumnMap,
        unknown_customers: str = "reject",
        phone_region: str,
        source_label: str,
    ) -> None:
        if unknown_customers not in UNKNOWN_CUSTOMERS:
            raise ValueError(f"unknown_customers must be one of {', '.join(UNKNOWN_CUSTOMERS)}")
        self.by = by
        self.column_map = column_map
        self.unknown_customers = unknown_customers
        self.customer_writer = CustomerWriter(
            by=by, phone_region=phone_region, source_label=source_label
        )
        self._products: dict[str, Product] | None = None

    # -- problems -------------------------------------------------------------------

    def _reject(self, unit: Unit, plan: OrderPlan | None, exc: Exception) -> UnitOutcome:
        if isinstance(exc, ValidationError):
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        elif isinstance(exc, RowConflict):
            errors = {exc.field: [str(exc)]}
        elif isinstance(exc, PermissionDenied):
            errors = {"__all__": [str(exc) or _("Permission denied.")]}
        else:
            errors = {"__all__": [_("The database refused the order: %s") % exc]}
        for key, messages in errors.items():
            row, field = unit.rows[0], key
            parts = key.split(".")
            if parts[0] == "lines" and len(parts) > 1 and plan is not None:
                index = int(parts[1])
                row = plan.line_rows[index] if index < len(plan.line_rows) else row
                field = parts[2] if len(parts) > 2 else "unit_price"
            field = ERROR_COLUMNS.get(field, field)
            for message in messages:
                row.reject(self.column_map.header_for(field), row.cells.get(field, ""), message)
        return UnitOutcome("rejected")

    # -- building ---------------------------------------------------------------------

    def products(self) -> dict[str, Product]:
        if self._products is None:
            self._products = {p.sku.casefold(): p for p in Product.objects.all()}
        return self._products

    def _lines(self, plan: OrderPlan) -> list[LineInput]:
        lines = []
        for index, line in enumerate(plan.lines):
            product = None
            if line.get("sku"):
                product = self.products().get(line["sku"].casefold())
                if product is None:
                    message = _("No product has the SKU “%s”; import the products first.")
                    raise ValidationError({f"lines.{index}.sku": [message % line["sku"]]})
            lines.append(
                LineInput(
                    product=product,
                    description=line.get("description", ""),
                    quantity=line.get("quantity", Decimal(1)),
                    unit_price=line.get("unit_price"),
                    discount=line.get("discount", Decimal(0)),
                )
            )
        self._check_total(plan, lines)
        return lines

    @staticmethod
    def _check_total(plan: OrderPlan, lines: list[LineInput]) -> None:
        given = plan.values.get("total")
        if given is None or not any(k in line for line in plan.lines for k in ("sku", "quantity")):
            return
        total = Decimal(0)
        for line in lines:
            price = line.unit_price if line.unit_price is not None else line.product.unit_price
            try:
                amounts = line_amounts(
                    quantity=line.quantity, unit_price=price, discount=line.discount
                )
            except ValueError:
                return  # the services name the line's own problem
            total += amounts.total
        if money(total) != money(given):
            raise ValidationError(
                {"total": [_("The lines add up to %(sum)s but the order total says %(given)s.")
                           % {"sum": money(total), "given": money(given)}]}
            )  # fmt: skip

    def _draft(self, plan: OrderPlan, customer: Any) -> OrderDraft:
        values = plan.values
        if "ordered_at" not in values:
            raise ValidationError({"ordered_at": [_("A new order needs its order time.")]})
        return OrderDraft(
            customer=customer,
            number=plan.number,
            ordered_at=values["ordered_at"],
            lines=self._lines(plan),
            currency=values.get("currency"),
            channel=values.get("channel", Order.Channel.OTHER),
            status=values.get("status", Order.Status.PAID),
            refunded_amount=values.get("refunded_amount"),
            notes=values.get("notes", ""),
        )

    # -- writing ----------------------------------------------------------------------

    def _new_customer(self, plan: OrderPlan, lookup: CustomerLookup) -> Customer:
        values = plan.values
        name = (
            values.get("customer_name")
            or next(iter(values.get("customer_email", [])), "")
            or next(iter(values.get("customer_phone", [])), "")
            or values.get("customer_external_id", "")
        )
        customer = self.customer_writer.create(
            {
                "name": name,
                "external_id": values.get("customer_external_id"),
                "emails": values.get("customer_email", []),
                "phones": values.get("customer_phone", []),
            }
        )
        lookup.add(customer, values)
        return customer

    def _update(self, order: Order, plan: OrderPlan, customer: Any) -> UnitOutcome:
        data = {key: plan.values[key] for key in ORDER_DATA if key in plan.values}
        if customer is not None and customer.pk != order.customer_id:
            data["customer"] = Customer.objects.get(pk=customer.pk)
        updated = order_update(order=order, by=self.by, data=data, lines=self._lines(plan))
        if updated.version == order.version:
            return UnitOutcome("skipped", order.pk, _("unchanged"))
        return UnitOutcome("updated", order.pk, _("order number"))

    def _create_with_customer(self, plan: OrderPlan, lookup: CustomerLookup) -> UnitOutcome:
        draft = self._draft(plan, None)  # checks the order before anyone is created
        draft.customer = self._new_customer(plan, lookup)
        order = order_create(
            by=self.by,
            customer=draft.customer,
            lines=draft.lines,
            number=draft.number,
            ordered_at=draft.ordered_at,
            currency=draft.currency,
            channel=draft.channel,
            status=draft.status,
            refunded_amount=draft.refunded_amount,
            notes=draft.notes,
        )
        return UnitOutcome("created", order.pk, _("with a new customer"))

    def _one(
        self, plan: OrderPlan, existing: Order | None, lookup: CustomerLookup, on_duplicate: str
    ) -> UnitOutcome | OrderDraft:
        customer, _matched_by = lookup.match(plan.values)
        if existing is not None:
            if on_duplicate == "skip":
                return UnitOutcome("skipped", existing.pk, _("exists (order number)"))
            if on_duplicate == "create":
                message = _("Order %s exists; order numbers are unique.") % plan.number
                raise ValidationError({"number": [message]})
            with transaction.atomic():
                return self._update(existing, plan, customer)
        if customer is None:
            if self.unknown_customers == "reject":
                raise ValidationError({"customer": [_(
                    "No customer has this email, phone or external ID; add them first or "
                    "choose to create unknown customers.")]})  # fmt: skip
            with transaction.atomic():
                return self._create_with_customer(plan, lookup)
        return self._draft(plan, customer)

    def write(self, units: Sequence[Unit], on_duplicate: str) -> list[UnitOutcome]:
        plans = [None if unit.rejected else order_plan(unit, self.column_map) for unit in units]
        lookup = CustomerLookup.load(plan.values for plan in plans if plan is not None)
        numbers = [plan.number for plan in plans if plan is not None]
        taken = rows_where_in(Order, "number", ("id",), numbers)  # usually none: then no ORM
        existing = {o.number: o for o in Order.objects.filter(pk__in=[pk for (pk,) in taken])}
        outcomes: list[UnitOutcome | None] = [None] * len(units)
        drafts: list[tuple[int, OrderDraft]] = []
        for index, (unit, plan) in enumerate(zip(units, plans, strict=True)):
            if plan is None:
                outcomes[index] = UnitOutcome("rejected")
                continue
            try:
                result = self._one(plan, existing.get(plan.number), lookup, on_duplicate)
            except (ValidationError, RowConflict, PermissionDenied, DatabaseError) as exc:
                outcomes[index] = self._reject(unit, plan, exc)
                continue
            if isinstance(result, OrderDraft):
                drafts.append((index, result))
            else:
                outcomes[index] = result
        for index, created in self._create_many(drafts):
            unit, plan = units[index], plans[index]
            outcomes[index] = (
                self._reject(unit, plan, created)
                if isinstance(created, Exception)
                else UnitOutcome("created", created.pk)
            )
        return [outcome or UnitOutcome("rejected") for outcome in outcomes]

    def _create_many(self, drafts: list[tuple[int, OrderDraft]]) -> list[tuple[int, Any]]:
        if not drafts:
            return []
        try:
            with transaction.atomic():
                results = orders_create_many(by=self.by, drafts=[d for _i, d in drafts])
            return [(index, result) for (index, _d), result in zip(drafts, results, strict=True)]
        except DatabaseError:  # e.g. a number taken meanwhile: find the culprit one by one
            pass
        answers: list[tuple[int, Any]] = []
        for index, draft in drafts:
            try:
                with transaction.atomic():
                    answers.append((index, orders_create_many(by=self.by, drafts=[draft])[0]))
            except DatabaseError as exc:
                answers.append((index, exc))
        return answers
