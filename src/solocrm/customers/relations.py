"""Which models point at a customer, so a merge can move them to the surviving record.

Apps that add a foreign key to ``Customer`` (orders, deals, tickets …) register it in
their ``AppConfig.ready()``::

    from solocrm.customers.relations import register_customer_relation
    register_customer_relation(Order, "customer")

The merge (``merge.py``) re-points every registered relation from the merged-away
customer to the survivor. Contact details (emails, phones) and tags are merged by the
merge itself and are not registered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class CustomerRelation:
    model: type[models.Model]
    field_name: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field_name}"


CUSTOMER_RELATIONS: list[CustomerRelation] = []


def register_customer_relation(model: type[models.Model], field_name: str) -> None:
    """Declare that ``model.field_name`` is a foreign key to ``customers.Customer``."""
    field = model._meta.get_field(field_name)
    target = getattr(field, "related_model", None)
    if target is None or target._meta.label_lower != "customers.customer":
        raise ValueError(f"{model._meta.label}.{field_name} is not a foreign key to Customer")
    relation = CustomerRelation(model, field_name)
    if relation not in CUSTOMER_RELATIONS:
        CUSTOMER_RELATIONS.append(relation)


def customer_relations() -> list[CustomerRelation]:
    return list(CUSTOMER_RELATIONS)
