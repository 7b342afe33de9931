"""Reads that find likely duplicate customers (the scoring is in ``duplicates_scoring``).

``find_duplicates_for`` checks one customer being typed in or imported against the
database; ``duplicate_pairs`` lists every likely pair for the duplicates page. Both see
only live (not trashed) customers the user may see.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from rapidfuzz import fuzz, process

from solocrm.core.permissions import visible
from solocrm.customers.duplicates_scoring import (
    MIN_SCORE,
    NAME_THRESHOLD,
    CustomerRecord,
    PairScore,
    Reason,
    best_matches,
    name_key,
    normalise_email,
    normalise_phone,
    scored_pairs,
)
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone
from solocrm.customers.phones import default_phone_region


@dataclass(frozen=True)
class DuplicateMatch:
    """A stored customer that looks like the one being entered."""

    customer: Customer
    score: int
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> str:
        return "; ".join(reason.detail for reason in self.reasons)


@dataclass(frozen=True)
class DuplicatePair:
    first: Customer
    second: Customer
    score: int
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> str:
        return "; ".join(reason.detail for reason in self.reasons)


def _candidates(user: Any | None) -> QuerySet[Customer]:
    customers = Customer.objects.alive()
    return customers if user is None else visible(user, customers)


def scoring_records(customers: QuerySet[Customer]) -> list[CustomerRecord]:
    """Scoring records for ``customers`` in three queries."""
    emails: dict[int, set[str]] = defaultdict(set)
    phones: dict[int, set[str]] = defaultdict(set)
    ids = customers.values("pk")
    for customer_id, email in CustomerEmail.objects.filter(customer__in=ids).values_list(
        "customer_id", "email"
    ):
        emails[customer_id].add(normalise_email(email))
    for customer_id, e164 in CustomerPhone.objects.filter(customer__in=ids).values_list(
        "customer_id", "e164"
    ):
        phones[customer_id].add(e164)
    # Names and cities repeat (an import keeps many records): one string for each.
    return [
        CustomerRecord(
            id=pk,
            name=sys.intern(name),
            emails=frozenset(emails[pk]),
            phones=frozenset(phones[pk]),
            company_id=company_id,
            city=sys.intern(city),
        )
        for pk, name, company_id, city in customers.values_list("pk", "name", "company_id", "city")
    ]


def _similar_names(customers: QuerySet[Customer], name: str) -> set[int]:
    key = name_key(name)
    if not key:
        return set()
    rows = list(customers.values_list("pk", "name"))
    matches = process.extract(
        key,
        [name_key(other) for _pk, other in rows],
        scorer=fuzz.ratio,
        score_cutoff=NAME_THRESHOLD,
        limit=None,
    )
    return {rows[index][0] for _choice, _score, index in matches}


def find_duplicates_for(
    *,
    name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    company_id: int | None = None,
    city: str = "",
    exclude_id: int | None = None,
    user: Any | None = None,
    phone_region: str | None = None,
    min_score: int = MIN_SCORE,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Stored customers that look like this one, best first (see ``duplicates_scoring``).

    ``user`` limits the search to what they may see (``None``: every customer, for jobs).
    Phones are read in ``phone_region`` (default: the workspace's region); ones that do
    not parse are compared by their digits.
    """
    region = phone_region or default_phone_region()
    candidate = CustomerRecord(
        id=exclude_id,
        name=name or "",
        emails=frozenset(e for e in (normalise_email(x) for x in emails) if e),
        phones=frozenset(p for p in (normalise_phone(x, region=region) for x in phones) if p),
        company_id=company_id,
        city=" ".join((city or "").split()),
    )
    customers = _candidates(user)
    if exclude_id is not None:
        customers = customers.exclude(pk=exclude_id)
    ids: set[int] = set()
    if candidate.emails:
        ids.update(
            CustomerEmail.objects.filter(
                customer__in=customers.values("pk"), email__in=candidate.emails
            ).values_list("customer_id", flat=True)
        )
    if candidate.phones:
        ids.update(
            CustomerPhone.objects.filter(
                customer__in=customers.values("pk"), e164__in=candidate.phones
            ).values_list("customer_id", flat=True)
        )
    block = Q()
    if company_id is not None:
        block |= Q(company_id=company_id)
    if candidate.city:
        block |= Q(city__iexact=candidate.city)
    if block:
        ids |= _similar_names(customers.filter(block), candidate.name)
    if not ids:
        return []
    records = scoring_records(customers.filter(pk__in=ids))
    matches = best_matches(candidate, records, min_score=min_score)[:limit]
    by_id = customers.select_related("company").in_bulk([record.id for record, _s in matches])
    return [
        DuplicateMatch(by_id[record.id], score.score, score.reasons)
        for record, score in matches
        if record.id in by_id
    ]


def duplicate_pair_scores(*, user: Any, min_score: int = MIN_SCORE) -> list[PairScore]:
    """Every likely duplicate pair among the live customers ``user`` sees, best first.

    Blocked by email, phone, company and city (no all-against-all comparison), so a
    page of pairs costs three queries and one pass over the customers.
    """
    return scored_pairs(scoring_records(_candidates(user)), min_score=min_score)


def with_customers(pairs: Sequence[PairScore]) -> list[DuplicatePair]:
    """The pairs with their customers loaded (one query), for a page of results."""
    ids = {pk for pair in pairs for pk in (pair.a.id, pair.b.id)}
    by_id = Customer.objects.select_related("company").in_bulk(ids)
    return [
        DuplicatePair(by_id[pair.a.id], by_id[pair.b.id], pair.score.score, pair.score.reasons)
        for pair in pairs
        if pair.a.id in by_id and pair.b.id in by_id
    ]
