"""Creating many customers at once (imports): the rules of ``customer_create``, a few
statements per batch instead of some forty per customer.

``CustomerBatch.add`` validates one customer exactly as ``customer_create`` does (same
rules, same messages, see ``customer_checks``) and raises the same ``ValidationError`` or
``PermissionDenied``; the database checks are answered from what the batch loaded
(companies, external IDs, custom-field definitions). ``save`` then writes every added
customer with its emails, phones, tags and notes with a few plain ``INSERT`` statements
per table (``rows_insert``: the values Django would send, without building a model
instance or compiling a query per row), computes ``search_text`` once per customer (the
full-text index follows on insert) and writes one audit entry per record, as the
services do. The keys are reserved first (``ids_reserve``) and the statements run on a
second thread (``StatementWriter``) while this one builds the next. Run ``save`` inside
the caller's transaction: a database refusal (say, an external ID taken meanwhile)
raises, and the caller rolls the batch back.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import timezone

from solocrm.core.audit import created_changes
from solocrm.core.context import current_actor
from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.models import AuditEntry, blank_instances
from solocrm.core.permissions import require_write, visible
from solocrm.core.statement_writer import StatementWriter
from solocrm.core.tags import Tag
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction
from solocrm.customers.phones import NormalisedPhone
from solocrm.customers.search_index import search_text_for
from solocrm.customers.services._base import (
    acting_user_links,
    raise_if,
    stamp,
)
from solocrm.customers.services.companies import _apply as company_apply
from solocrm.customers.services.companies import _validate as company_validate
from solocrm.customers.services.customer_checks import (
    customer_apply,
    customer_validate,
    tags_resolve,
)
from solocrm.customers.services.interactions import interaction_build

INTERACTION_LINKS = ["customer", "company", "author", "created_by", "updated_by"]
# Internal types whose Python value is what the database takes (no conversion).
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}
ROWS_PER_STATEMENT = 500
SQLITE_MAX_PARAMETERS = 32_766
POSTGRESQL_MAX_PARAMETERS = 65_535
EMPTY_DICT = object()  # the memo's key for {}
AUDIT_COLUMNS = (
    "time",
    "actor_id",
    "actor_label",
    "channel",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
)


def rows_insert(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    writer: StatementWriter | None = None,
) -> list[int]:
    """Insert ``rows`` (values in ``attnames`` order, as on the model) into ``model``'s
    table in multi-row ``INSERT`` statements: given a ``writer``, it runs them (and
    nothing is returned); otherwise they run here with ``RETURNING``, and the new primary
    keys come back in the rows' order (SQLite ≥ 3.35 and PostgreSQL keep it, which
    ``bulk_create`` relies on too).

    Values are converted for the database as ``bulk_create`` converts them
    (``get_db_prep_save``), but only for fields whose values need it (dates, JSON,
    decimals…); plain text, numbers and foreign-key ids go as they are.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in attnames]
    converted = [i for i, f in enumerate(fields) if f.get_internal_type() not in PLAIN_TYPES]
    if converted:
        rows = [list(row) for row in rows]
        for i in converted:
            prepare = _memoised(fields[i].get_db_prep_save, connection)
            for row in rows:
                row[i] = prepare(row[i])
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only quoted model metadata and placeholders are joined in; values are parameters.
    insert = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
    size = _rows_per_statement(connection, fields, rows)
    statements = (rows[start : start + size] for start in range(0, len(rows), size))
    if writer is not None:
        for part in statements:
            writer.submit(_rows_sql(insert, one, len(part)), [v for row in part for v in row])
        return []
    pk = quote(model._meta.pk.column)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for part in statements:
            sql = f"{_rows_sql(insert, one, len(part))} RETURNING {pk}"
            cursor.execute(sql, [v for row in part for v in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


@functools.lru_cache(maxsize=64)
def _rows_sql(insert: str, one: str, count: int) -> str:
    """The same text for the same statement: its hash and its conversions are cached."""
    return insert + ", ".join([one] * count)


def _rows_per_statement(connection: Any, fields: Sequence[Any], rows: Sequence[Any]) -> int:
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 32):
        # Django assumes SQLite's old limit of 999 parameters; since 3.32 it is 32,766,
        # and fewer, longer statements write a batch about a fifth faster.
        size = max(size, min(ROWS_PER_STATEMENT, SQLITE_MAX_PARAMETERS // len(fields)))
    elif connection.vendor == "postgresql":
        size = min(size, POSTGRESQL_MAX_PARAMETERS // len(fields))
    return size


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for new ``model`` rows, in ascending order, that no other
    insert takes: on PostgreSQL from the table's sequence; on SQLite the ones
    ``AUTOINCREMENT`` would give next, so only inside a transaction that holds the write
    lock (``BEGIN IMMEDIATE``) and inserts them before any other row of the table."""
    connection = connections[router.db_for_write(model)]
    table, pk = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not connection.in_atomic_block:
                raise RuntimeError("ids_reserve on SQLite needs the caller's transaction")
            # Only the model's quoted table and column names are joined in.
            largest = f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0)"  # noqa: S608
            seq = "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)"
            cursor.execute(f"SELECT max({seq}, {largest})", [table])
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(table), pk, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _memoised(prepare: Any, connection: Any) -> Any:
    """``prepare(value, connection)``, once per distinct date or time (a batch's rows
    share their timestamps), once for ``None`` and for ``{}``; other values each time."""
    seen: dict[Any, Any] = {}

    def prepared(value: Any) -> Any:
        kind = type(value)
        if kind is dict and not value:
            key: Any = EMPTY_DICT
        elif value is None or kind is dt.datetime or kind is dt.date:
            key = value
        else:
            return prepare(value, connection)
        if key not in seen:
            seen[key] = prepare(value, connection)
        return seen[key]

    return prepared


def _model_rows(
    objs: Sequence[models.Model], now: Any = None, *, with_pk: bool = False
) -> tuple[list[str], list[list[Any]]]:
    """The concrete fields' attnames of ``objs`` (the primary key only ``with_pk``) and
    their values (``pre_save`` applied, as ``bulk_create`` does: ``auto_now`` dates are
    set here, to ``now`` if given)."""
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    presaved = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for f in presaved:
            if now is None:
                f.pre_save(obj, True)
            else:
                setattr(obj, f.attname, now)
    names = [f.attname for f in fields]
    return names, [[getattr(obj, name) for name in names] for obj in objs]


def objects_insert(
    objs: Sequence[models.Model], *, now: Any = None, writer: StatementWriter | None = None
) -> None:
    """``bulk_create(objs)`` through ``rows_insert``: the objects get their primary keys.
    ``now``: the time their ``auto_now`` fields take (else each its own). Given a
    ``writer``, the objects already have their keys (``ids_reserve``) and the writer
    inserts them."""
    if not objs:
        return
    model = type(objs[0])
    names, rows = _model_rows(objs, now, with_pk=writer is not None)
    if writer is not None:
        rows_insert(model, names, rows, writer=writer)
        ids = [obj.pk for obj in objs]
    else:
        ids = rows_insert(model, names, rows)
    database = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = database


def ids_assign(objs: Sequence[models.Model]) -> None:
    """Give new ``objs`` (all of one model) their primary keys now (``ids_reserve``)."""
    if objs:
        for obj, pk in zip(objs, ids_reserve(type(objs[0]), len(objs)), strict=True):
            obj.pk = pk


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
    company_name: str

    def search_text(self) -> str:
        customer = self.customer
        return search_text_for(
            name=customer.name,
            emails=self.emails,
            phones=[(p.raw, p.e164) for p in self.phones],
            wechat_id=customer.wechat_id,
            company_name=self.company_name,
            external_id=customer.external_id or "",
            # The timeline's order, newest first, as the services' refresh reads it.
            notes=[f"{i.subject}\n{i.body}" for i in reversed(self.interactions)],
        )


class CustomerBatch:
    """Customers validated one by one and written together (see the module docstring)."""

    def __init__(
        self,
        *,
        by: Any,
        phone_region: str | None = None,
        companies: dict[int, Company | None] | None = None,
    ) -> None:
        """``companies``: the companies known so far (id → the company, or None if the
        user may not see it), shared by the batches of one import; the batch adds to it."""
        require_write(by)
        self.by = by
        self.phone_region = phone_region
        self.definitions: Sequence[CustomFieldDefinition] = definitions_for(
            CustomFieldDefinition.Target.CUSTOMER
        )
        self._company_definitions: Sequence[CustomFieldDefinition] | None = None
        self._companies: dict[int, Company | None] = {} if companies is None else companies
        self._taken: dict[str, bool] = {}
        self._tags: dict[str, Tag] = {}
        self._pending: list[_Pending] = []
        self._new_customer = blank_instances(Customer)
        self._new_company = blank_instances(Company)
        self._new_interaction = blank_instances(Interaction)
        # What the last ``save`` wrote: each customer with its emails and E.164 phones.
        self.saved: list[tuple[Customer, list[str], list[str]]] = []

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
        customer = self._new_customer()
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
        company = self._company_of(customer)
        interactions = [self._interaction(customer, company, note) for note in draft.notes]
        if customer.external_id:
            self._taken[customer.external_id] = True  # a later row may not take it again
        pending = _Pending(
            customer,
            emails or [],
            phones or [],
            self._resolve_tags(draft.tags),
            interactions,
            company.name if company else "",
        )
        self._pending.append(pending)
        return customer

    def company_draft(self, name: str) -> Company:
        """The company ``company_create(by=…, name=name)`` would make, validated the same
        way but not saved: ``add`` customers with it (``data["company"]``) and ``save``
        writes it, before them, with its audit entry. Raises like ``company_create``."""
        company = self._new_company()
        company_apply(company, {"owner": self.by, "name": name})
        require_write(self.by, company)
        stamp(company, self.by, creating=True)
        if self._company_definitions is None:
            self._company_definitions = definitions_for(CustomFieldDefinition.Target.COMPANY)
        company_validate(
            company,
            None,
            {},
            new=True,
            definitions=self._company_definitions,
            known_users=acting_user_links(company, self.by),
        )
        return company

    def _company_of(self, customer: Customer) -> Company | None:
        if customer.company_id is not None:
            return self.company(customer.company_id)
        return customer.company  # a ``company_draft`` (or None): cached, no query

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
            new=self._new_interaction,
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
        drafts = list(
            {id(c): c for p in pending if (c := p.customer.company) and c.pk is None}.values()
        )
        now = timezone.now()  # what the batch writes shares its creation moment
        objects_insert(drafts, now=now)
        self._companies.update((c.pk, c) for c in drafts)
        for p in pending:
            if (company := p.customer.company) is not None and p.customer.company_id is None:
                p.customer.company = company  # now saved: sets company_id
                for interaction in p.interactions:
                    interaction.company = company
        customers = [p.customer for p in pending]
        interactions = [i for p in pending for i in p.interactions]
        # Keys first, so that every row below can be built before any is written; then
        # the statements run on a second thread while this one builds the next.
        ids_assign(customers)
        ids_assign(interactions)
        for p in pending:
            for interaction in p.interactions:
                interaction.customer = p.customer
            # What the contact triggers would set (see below).
            times = [i.occurred_at for i in p.interactions if i.deleted_at is None]
            p.customer.last_contacted_at = max(times, default=None)
        with StatementWriter(connections[router.db_for_write(Customer)]) as writer:
            # Contacts, tags and notes go before their customers (foreign keys are
            # checked at commit): a customer's row then arrives with the time of its
            # latest note, which the insert trigger finds already right, instead of
            # each note's trigger updating the row written a moment before.
            rows_insert(
                CustomerEmail,
                ("customer_id", "email", "is_primary"),
                [(p.customer.pk, e, i == 0) for p in pending for i, e in enumerate(p.emails)],
                writer=writer,
            )
            rows_insert(
                CustomerPhone,
                ("customer_id", "raw", "e164", "is_primary"),
                [
                    (p.customer.pk, phone.raw, phone.e164, i == 0)
                    for p in pending
                    for i, phone in enumerate(p.phones)
                ],
                writer=writer,
            )
            rows_insert(
                Customer.tags.through,
                ("customer_id", "tag_id"),
                [(p.customer.pk, tag.pk) for p in pending for tag in p.tags],
                writer=writer,
            )
            objects_insert(interactions, now=now, writer=writer)
            for p in pending:  # the full-text index follows on insert
                p.customer.search_text = p.search_text()
            objects_insert(customers, now=now, writer=writer)
            _audit_write(  # as company_create
                [("create", c, created_changes(c, tags=[])) for c in drafts], writer=writer
            )
            _audit_write(self._audit(pending), writer=writer)
        self.saved = [(p.customer, p.emails, [phone.e164 for phone in p.phones]) for p in pending]
        return customers

    @staticmethod
    def _audit(pending: list[_Pending]) -> Iterable[tuple[str, Any, dict[str, Any]]]:
        """The entries ``customer_create`` and ``interaction_create`` write, row by row."""
        for p in pending:
            yield (
                "create",
                p.customer,
                created_changes(
                    p.customer,
                    emails=p.emails,
                    phones=[phone.raw for phone in p.phones],
                    tags=sorted(tag.name for tag in p.tags),
                ),
            )
            for interaction in p.interactions:
                yield "create", interaction, created_changes(interaction)


def _audit_write(
    entries: Iterable[tuple[str, Any, dict[str, Any]]], *, writer: StatementWriter
) -> None:
    """``audit_entries`` for changes already made JSON-safe (by ``snapshot``), written
    by ``writer``."""
    actor = current_actor()
    now = timezone.now()
    head = (now, actor.user_id, actor.label[:254], actor.channel, actor.request_id)
    rows = [
        (*head, action, obj._meta.label_lower, str(obj.pk), str(obj)[:200], changes)
        for action, obj, changes in entries
    ]
    rows_insert(AuditEntry, AUDIT_COLUMNS, rows, writer=writer)
