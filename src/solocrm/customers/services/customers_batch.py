"""Creating many customers at once (imports): the rules of ``customer_create``, a few
statements per batch instead of some forty per customer.

``CustomerBatch.add`` validates one customer exactly as ``customer_create`` does (same
rules, same messages, see ``customer_checks``) and raises the same ``ValidationError`` or
``PermissionDenied``; the database checks are answered from what the batch loaded
(companies, external IDs, custom-field definitions). ``save`` then writes every added
customer with its emails, phones, tags and notes in one ``bulk_create`` per table,
computes ``search_text`` once per customer (the full-text index follows on insert) and
writes one audit entry per record, as the services do. Run ``save`` inside the
caller's transaction: a database refusal (say, an external ID taken meanwhile) raises,
and the caller rolls the batch back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from solocrm.core.audit import snapshot
from solocrm.core.context import current_actor
from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import require_write, visible
from solocrm.core.tags import Tag
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction
from solocrm.customers.phones import NormalisedPhone
from solocrm.customers.search_index import search_text_for
from solocrm.customers.services._base import audit_entries, audited_snapshot, raise_if, stamp
from solocrm.customers.services.customer_checks import (
    customer_apply,
    customer_validate,
    tags_resolve,
)
from solocrm.customers.services.interactions import interaction_build

INTERACTION_LINKS = ["customer", "company", "author", "created_by", "updated_by"]


@dataclass(frozen=True)
class NoteDraft:
    """An interaction logged on the new customer (an imported note)."""

    subject: str = ""
    body: str = ""
    kind: str = Interaction.Kind.NOTE


@dataclass
class CustomerDraft:
    """The arguments of ``customer_create``, plus notes to log on the new customer."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    tags: Sequence[Tag | str] = ()
    custom_fields: dict[str, Any] | None = None
    notes: Sequence[NoteDraft] = ()


@dataclass
class _Pending:
    customer: Customer
    emails: list[str]
    phones: list[NormalisedPhone]
    tags: list[Tag]
    interactions: list[Interaction]


class CustomerBatch:
    """Customers validated one by one and written together (see the module docstring)."""

    def __init__(self, *, by: Any, phone_region: str | None = None) -> None:
        require_write(by)
        self.by = by
        self.phone_region = phone_region
        self.definitions: Sequence[CustomFieldDefinition] = definitions_for(
            CustomFieldDefinition.Target.CUSTOMER
        )
        self._companies: dict[int, Company | None] = {}
        self._taken: dict[str, bool] = {}
        self._tags: dict[str, Tag] = {}
        self._pending: list[_Pending] = []

    # -- lookups (the BatchLookups protocol of customer_checks) -------------------------

    def preload(self, *, external_ids: Iterable[str] = (), company_ids: Iterable[int] = ()) -> None:
        """Load what validating these rows will ask about: two queries for a batch."""
        wanted_ids = {e for e in external_ids if e and e not in self._taken}
        if wanted_ids:
            taken = set(
                Customer.objects.filter(external_id__in=wanted_ids).values_list(
                    "external_id", flat=True
                )
            )
            self._taken.update({e: e in taken for e in wanted_ids})
        wanted_companies = {c for c in company_ids if c not in self._companies}
        if wanted_companies:
            found = visible(self.by, Company.objects.filter(pk__in=wanted_companies)).in_bulk()
            self._companies.update({pk: found.get(pk) for pk in wanted_companies})

    def company(self, company_id: int) -> Company | None:
        if company_id not in self._companies:
            self.preload(company_ids=[company_id])
        return self._companies[company_id]

    def external_id_taken(self, external_id: str) -> bool:
        if external_id not in self._taken:
            self.preload(external_ids=[external_id])
        return self._taken[external_id]

    # -- adding and saving ---------------------------------------------------------------

    def add(self, draft: CustomerDraft) -> Customer:
        """Validate ``draft`` as ``customer_create`` would; keep it for ``save``.

        Raises ``ValidationError`` or ``PermissionDenied`` and keeps nothing then. The
        customer returned gets its primary key in ``save``.
        """
        by = self.by
        customer = Customer()
        customer_apply(customer, {"owner": by, **draft.data, "name": draft.name})
        require_write(by, customer)  # a limited member may only create records they own
        stamp(customer, by, creating=True)
        emails, phones = customer_validate(
            customer,
            by=by,
            emails=draft.emails,
            phones=draft.phones,
            custom_fields=draft.custom_fields,
            previous_custom_fields={},
            phone_region=self.phone_region,
            creating=True,
            lookups=self,
        )
        company = self.company(customer.company_id) if customer.company_id else None
        interactions = [self._interaction(customer, company, note) for note in draft.notes]
        if customer.external_id:
            self._taken[customer.external_id] = True  # a later row may not take it again
        pending = _Pending(
            customer, emails or [], phones or [], self._resolve_tags(draft.tags), interactions
        )
        customer.search_text = search_text_for(
            name=customer.name,
            emails=pending.emails,
            phones=[(p.raw, p.e164) for p in pending.phones],
            wechat_id=customer.wechat_id,
            company_name=company.name if company else "",
            external_id=customer.external_id or "",
            # The timeline's order, newest first, as the services' refresh reads it.
            notes=[f"{i.subject}\n{i.body}" for i in reversed(interactions)],
        )
        self._pending.append(pending)
        return customer

    def _interaction(
        self, customer: Customer, company: Company | None, note: NoteDraft
    ) -> Interaction:
        """An interaction as ``interaction_create`` builds and checks it (``model_create``:
        stamped with the acting user, ``full_clean``; its links are known to exist)."""
        interaction = interaction_build(
            by=self.by,
            customer=customer,
            kind=note.kind,
            subject=note.subject,
            body=note.body,
            company=company,
        )
        actor = current_actor().user_id
        interaction.created_by_id = interaction.updated_by_id = actor
        try:
            interaction.full_clean(exclude=INTERACTION_LINKS)
        except ValidationError as exc:
            raise_if(dict(exc.message_dict))
        return interaction

    def _resolve_tags(self, tags: Sequence[Tag | str]) -> list[Tag]:
        missing = [t for t in tags if isinstance(t, str) and t not in self._tags]
        for name, tag in zip(missing, self._resolve_names(missing), strict=True):
            self._tags[name] = tag
        resolved = [t if isinstance(t, Tag) else self._tags[t] for t in tags]
        return list(dict.fromkeys(t for t in resolved if t is not None))

    def _resolve_names(self, names: list[str]) -> list[Tag | None]:
        """Each name's tag as ``customer_create`` finds or creates it (blank: None)."""
        return [next(iter(tags_resolve([name], self.by)), None) for name in names]

    def __len__(self) -> int:
        return len(self._pending)

    def save(self) -> list[Customer]:
        """Write every added customer; the batch is empty afterwards."""
        pending, self._pending = self._pending, []
        if not pending:
            return []
        customers = Customer.objects.bulk_create([p.customer for p in pending])
        CustomerEmail.objects.bulk_create(
            CustomerEmail(customer=p.customer, email=email, is_primary=i == 0)
            for p in pending
            for i, email in enumerate(p.emails)
        )
        CustomerPhone.objects.bulk_create(
            CustomerPhone(customer=p.customer, raw=phone.raw, e164=phone.e164, is_primary=i == 0)
            for p in pending
            for i, phone in enumerate(p.phones)
        )
        through = Customer.tags.through
        through.objects.bulk_create(
            through(customer_id=p.customer.pk, tag_id=tag.pk) for p in pending for tag in p.tags
        )
        for p in pending:
            for interaction in p.interactions:
                interaction.customer = p.customer
        Interaction.objects.bulk_create(i for p in pending for i in p.interactions)
        audit_entries(self._audit(pending))
        return customers

    @staticmethod
    def _audit(pending: list[_Pending]) -> Iterable[tuple[str, Any, dict[str, Any]]]:
        """The entries ``customer_create`` and ``interaction_create`` write, row by row."""
        for p in pending:
            after = audited_snapshot(
                p.customer,
                emails=p.emails,
                phones=[phone.raw for phone in p.phones],
                tags=sorted(tag.name for tag in p.tags),
            )
            yield "create", p.customer, _created(after)
            for interaction in p.interactions:
                yield "create", interaction, _created(snapshot(interaction))


def _created(values: dict[str, Any]) -> dict[str, Any]:
    return {k: [None, v] for k, v in values.items() if v not in (None, "", [], {})}
