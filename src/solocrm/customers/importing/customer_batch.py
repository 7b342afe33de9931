"""Importing customers a batch of rows at a time, with the per-row rules of ``writers``.

For each batch the match keys of all its rows (external IDs, emails, E.164 phones) are
loaded in three queries into a ``MatchIndex``; rows are then matched in memory, in file
order, and every row created or updated adds its keys, so a later row matches an earlier
one exactly as it would against the database. New customers are validated one by one by
``CustomerBatch`` (the rules of ``customer_create``) and written together at the end of
the batch. Updates go through ``customer_update`` one row at a time (optimistic
locking and all), after the creates before them are written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from solocrm.customers.duplicates_batch import LikelyDuplicate, LikelyDuplicates, new_record
from solocrm.customers.importing.engine import BatchRefused
from solocrm.customers.importing.writers import AmbiguousMatch, CustomerWriter, RowConflict
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone
from solocrm.customers.services import CustomerBatch, CustomerDraft, NoteDraft

UPPER_CHUNK = 200  # names upper-cased per query (well under SQLite's parameter limit)


@dataclass(eq=False)
class Known:
    """A customer the batch knows: stored (``pk``) or waiting to be written (``pending``)."""

    order: tuple[int, int]  # stored customers first, by id; then new ones in file order
    name: str
    external_id: str | None
    pk: int | None = None
    in_trash: bool = False
    pending: Customer | None = None

    @property
    def record_id(self) -> int | None:
        return self.pk if self.pending is None else self.pending.pk


@dataclass
class MatchIndex:
    """Who each external ID, email and phone of a batch's rows belongs to."""

    by_external_id: dict[str, Known] = field(default_factory=dict)
    by_email: dict[str, list[Known]] = field(default_factory=dict)
    by_phone: dict[str, list[Known]] = field(default_factory=dict)
    stored: dict[int, Known] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: Sequence[dict[str, Any]]) -> MatchIndex:
        """Four queries, each served by an index (emails and phones are looked up on
        their own: joined to the customers, SQLite would scan every live customer)."""
        index = cls()
        external_ids = {v["external_id"] for v in rows if v.get("external_id")}
        emails = {e for v in rows for e in v.get("emails", ())}
        phones = {p for v in rows for p in v.get("phones_e164", ())}
        if external_ids:
            for pk, name, external_id, deleted_at in (
                Customer.objects.filter(external_id__in=external_ids)
                .order_by()
                .values_list("pk", "name", "external_id", "deleted_at")
            ):
                known = index._stored(pk, name, external_id)
                known.in_trash = deleted_at is not None
                index.by_external_id[external_id] = known
        owners: list[tuple[dict[str, list[Known]], str, int]] = []
        if emails:
            found = CustomerEmail.objects.filter(email__in=emails).order_by()
            owners += [
                (index.by_email, e, pk) for pk, e in found.values_list("customer_id", "email")
            ]
        if phones:
            found = CustomerPhone.objects.filter(e164__in=phones).order_by()
            owners += [
                (index.by_phone, p, pk) for pk, p in found.values_list("customer_id", "e164")
            ]
        alive = (
            Customer.objects.filter(pk__in={pk for _keys, _key, pk in owners}, deleted_at=None)
            .order_by()
            .values_list("pk", "name", "external_id")
        )
        known_alive = {pk: index._stored(pk, name, external_id) for pk, name, external_id in alive}
        for keys, key, pk in sorted(owners, key=lambda owner: owner[2]):
            if pk in known_alive:
                index._add(keys, key, known_alive[pk])
        return index

    def _stored(self, pk: int, name: str, external_id: str | None) -> Known:
        if pk not in self.stored:
            self.stored[pk] = Known((0, pk), name, external_id, pk=pk)
        return self.stored[pk]

    @staticmethod
    def _add(keys: dict[str, list[Known]], key: str, known: Known) -> None:
        owners = keys.setdefault(key, [])
        if known not in owners:
            owners.append(known)

    def match(
        self, values: dict[str, Any], *, write_pending: Callable[[], None]
    ) -> tuple[Known | None, str]:
        """``CustomerWriter.match`` answered from the index (same order, same conflicts).

        ``write_pending`` is called first when the answer names a customer not yet
        written (an earlier row of the batch), so that it has its id.
        """
        external_id = values.get("external_id")
        if external_id and (found := self.by_external_id.get(external_id)) is not None:
            if found.in_trash:
                raise RowConflict(
                    "external_id",
                    _("External ID %s belongs to a customer in the trash; restore them first.")
                    % external_id,
                )
            _give_ids([found], write_pending)
            return found, "external ID"
        reasons: dict[Known, str] = {}
        emails = values.get("emails") or []
        for email in emails:
            for known in self.by_email.get(email, ()):
                reasons.setdefault(known, "email")
        for phone in values.get("phones_e164") or []:
            for known in self.by_phone.get(phone, ()):
                reasons.setdefault(known, "phone")
        candidates = sorted(reasons, key=lambda known: known.order)
        if external_id:  # another external ID means another person who shares a contact
            candidates = [c for c in candidates if not c.external_id]
        _give_ids(candidates, write_pending)
        if len(candidates) > 1:
            described = ", ".join(f"#{c.record_id} {c.name} ({reasons[c]})" for c in candidates)
            raise AmbiguousMatch(
                "emails" if emails else "phones",
                _("Matches several customers: %s; merge them first.") % described,
            )
        if candidates:
            return candidates[0], reasons[candidates[0]]
        return None, ""

    def owners(self, values: dict[str, Any]) -> set[Known]:
        """Everyone known to have one of the row's emails or phones."""
        found = {k for email in values.get("emails", ()) for k in self.by_email.get(email, ())}
        for phone in values.get("phones_e164", ()):
            found.update(self.by_phone.get(phone, ()))
        return found

    def remember(self, known: Known, values: dict[str, Any]) -> None:
        """The row's keys now belong to ``known`` (created from it, or updated by it)."""
        known.name = " ".join(values["name"].split())
        if values.get("external_id"):
            known.external_id = values["external_id"]
            self.by_external_id[values["external_id"]] = known
        for email in values.get("emails", ()):
            self._add(self.by_email, email, known)
        for phone in values.get("phones_e164", ()):
            self._add(self.by_phone, phone, known)


def companies_named(names: Iterable[str]) -> dict[str, Company]:
    """``Company.objects.alive().filter(name__iexact=name).order_by("pk").first()`` for
    many names in two queries.

    ``iexact`` is ``UPPER(name) = UPPER(value)`` on PostgreSQL and a ``LIKE`` without
    wildcards on SQLite, where both ``LIKE`` and ``UPPER`` fold ASCII letters only; so
    the database upper-cases the names (its own rules) and the companies are found by
    ``UPPER(name)``, the first by id winning.
    """
    wanted = sorted(set(names))
    upper: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), UPPER_CHUNK):
            part = wanted[start : start + UPPER_CHUNK]
            columns = ", ".join(["UPPER(CAST(%s AS TEXT))"] * len(part))
            cursor.execute(f"SELECT {columns}", part)  # only placeholders are joined in
            upper.update(zip(part, cursor.fetchone(), strict=True))
    first: dict[str, int] = {}
    for pk, name_upper in (
        Company.objects.alive()
        .annotate(name_upper=Upper("name"))
        .filter(name_upper__in=set(upper.values()))
        .order_by("-pk")
        .values_list("pk", "name_upper")
    ):
        first[name_upper] = pk
    found = Company.objects.in_bulk(set(first.values()))
    return {name: found[first[key]] for name, key in upper.items() if key in first}


def _give_ids(knowns: Sequence[Known], write_pending: Callable[[], None]) -> None:
    if any(k.pending is not None and k.pending.pk is None for k in knowns):
        write_pending()


class CustomerBatchSession:
    """One batch of rows: match, create (kept until ``flush``), skip or update."""

    def __init__(self, writer: CustomerBatchWriter, rows: Sequence[dict[str, Any]]) -> None:
        self.writer = writer
        self.rows = rows
        self.index = MatchIndex.load(rows)
        self._batch: CustomerBatch | None = None
        self._companies: dict[str, Company] = {}
        self._sequence = itertools.count()
        # Each new customer, with who else had one of its emails or phones when it was
        # made (``LikelyDuplicates`` warns about them).
        self._sharers: list[tuple[Known, set[Known]]] = []

    @property
    def batch(self) -> CustomerBatch:
        """Made at the batch's first new customer (a file imported again creates none)."""
        if self._batch is None:
            rows, writer = self.rows, self.writer
            self._batch = CustomerBatch(
                by=writer.by, phone_region=writer.phone_region, companies=writer.company_ids
            )
            names = {v["company"] for v in rows if v.get("company")}
            unknown = names - writer.companies_by_name.keys() - writer.absent_names
            found = companies_named(unknown)
            writer.companies_by_name.update(found)
            writer.absent_names.update(unknown - found.keys())
            self._companies = {
                n: writer.companies_by_name[n] for n in names if n in writer.companies_by_name
            }
            self._batch.preload(
                external_ids=[v["external_id"] for v in rows if v.get("external_id")],
                company_ids=[c.pk for c in found.values()],
            )
        return self._batch

    @staticmethod
    def _company_found(name: str) -> Company | None:
        return Company.objects.alive().filter(name__iexact=name).order_by("pk").first()

    def match(self, values: dict[str, Any]) -> tuple[Known | None, str]:
        return self.index.match(values, write_pending=self.flush)

    def create(self, values: dict[str, Any]) -> Known:
        """Validate the row's customer and keep it for ``flush``; raises like the services."""
        batch = self.batch
        name = values.get("company")
        writer = self.writer
        # Not there when last looked for? An update row may have added it since.
        if (
            name
            and name not in self._companies
            and name not in writer.absent_names
            and (found := self._company_found(name))
        ):
            batch.preload(company_ids=[found.pk])
            self._companies[name] = writer.companies_by_name[name] = found
        if name and name not in self._companies:
            # Written with the batch (``CustomerBatch.company_draft``); a row rejected
            # below leaves no company behind.
            company = batch.company_draft(name)
            customer = self._add(values, company)
            self._companies[name] = writer.companies_by_name[name] = company
            writer.absent_names.discard(name)
        else:
            customer = self._add(values, self._companies.get(name) if name else None)
        known = Known((1, next(self._sequence)), customer.name, customer.external_id)
        known.pending = customer
        self._sharers.append((known, self.index.owners(values)))
        self.index.remember(known, values)
        return known

    def _add(self, values: dict[str, Any], company: Company | None) -> Customer:
        data = self.writer.plain_data(values, creating=True)
        if company is not None:
            data["company"] = company
        body = values.get("notes", "")
        notes = [NoteDraft(subject=_("Imported note"), body=body)] if body else []
        return self.batch.add(
            CustomerDraft(
                name=values["name"],
                data=data,
                emails=values.get("emails", ()),
                phones=values.get("phones", ()),
                tags=values.get("tags", ()),
                custom_fields=values.get("custom_fields"),
                notes=notes,
            )
        )

    def update(self, known: Known, values: dict[str, Any]) -> bool:
        """``CustomerWriter.update`` on the stored record, in its own savepoint."""
        self.flush()
        with transaction.atomic():
            customer = Customer.objects.get(pk=known.record_id)
            changed = self.writer.update(customer, values)
        if values.get("company"):  # it may have made a company a later row names
            self.writer.absent_names.clear()
        self.index.remember(known, values)
        if changed and isinstance(self.writer, CustomerBatchWriter):
            self.writer.duplicates.forget([customer.pk])
        return changed

    def flush(self) -> None:
        """Write the customers created so far; ``BatchRefused`` if the database won't."""
        if self._batch is None or not len(self._batch):
            return
        try:
            with transaction.atomic():
                self._batch.save()
        except DatabaseError as exc:
            self.writer.companies_forget()  # the companies it made were rolled back
            self.writer.duplicates.expected_forget()  # the customers too
            raise BatchRefused(str(exc)) from exc
        sharers, self._sharers = self._sharers, []
        self.writer.duplicates.expect(
            (
                new_record(customer, emails=emails, phones=phones)
                for customer, emails, phones in self._batch.saved
            ),
            sharers={
                known.record_id: {s.record_id for s in shared if s.record_id is not None}
                for known, shared in sharers
                if known.record_id is not None
            },
        )


class CustomerBatchWriter(CustomerWriter):
    """The customer writer the importer uses: a batch of rows at a time, and warnings
    about likely duplicates among the customers it created."""

    def __init__(self, *, by: Any, phone_region: str, source_label: str) -> None:
        super().__init__(by=by, phone_region=phone_region, source_label=source_label)
        self.duplicates = LikelyDuplicates(user=by)
        # Companies looked up or made so far, kept across batches (the file's company
        # names, exactly as written; company ids as ``CustomerBatch`` checks them).
        self.companies_by_name: dict[str, Company] = {}
        self.absent_names: set[str] = set()
        self.company_ids: dict[int, Company | None] = {}

    def companies_forget(self) -> None:
        self.companies_by_name.clear()
        self.absent_names.clear()
        self.company_ids.clear()

    def batch(self, rows: Sequence[dict[str, Any]]) -> CustomerBatchSession:
        return CustomerBatchSession(self, rows)

    def likely_duplicates(self, record_ids: Sequence[int]) -> dict[int, list[LikelyDuplicate]]:
        return self.duplicates.check(record_ids)
