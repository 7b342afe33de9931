"""Likely duplicates of customers just created in bulk (an import's warnings).

``LikelyDuplicates.check`` answers, for a batch of new customers, what
``find_duplicates_for`` answers for one: stored customers the user may see that share
an email or phone, or have a similar name at the same company or in the same city,
scored by ``duplicates_scoring``. Each new customer is compared only with customers
stored before it (a smaller id): those already there and earlier rows of the import.

The company and city blocks are loaded once per import (one query for the new keys of
a batch) and grow with every customer the import creates. Inside a block, names are
looked up by length: ``fuzz.ratio`` of two keys of lengths a and b is at most
200·min(a, b)/(a + b), and below 7 characters in all only identical keys reach the
threshold, so most names (2–3 Chinese characters) are a dictionary lookup, and longer
ones are compared by rapidfuzz only with names of a length that can reach it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from rapidfuzz import fuzz, process

from solocrm.core.permissions import visible
from solocrm.customers.duplicates import scoring_records
from solocrm.customers.duplicates_scoring import (
    MIN_SCORE,
    NAME_THRESHOLD,
    CustomerRecord,
    Score,
    best_matches,
    name_key,
    normalise_city,
)
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone

# Two different keys whose lengths add up to less than this never reach NAME_THRESHOLD:
# the ratio is at most 100 · (1 − 1/(a + b)), and 100 · (1 − 1/7) ≈ 85.7.
FUZZY_MIN_TOTAL_LENGTH = 7


@dataclass
class _Block:
    """The customers of one company or one city: their name keys, by length."""

    ids: set[int] = field(default_factory=set)
    by_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_length: dict[int, tuple[list[str], list[int]]] = field(default_factory=dict)

    def add(self, customer_id: int, key: str) -> None:
        if customer_id in self.ids or not key:
            return
        self.ids.add(customer_id)
        self.by_key[key].append(customer_id)
        keys, ids = self.by_length.setdefault(len(key), ([], []))
        keys.append(key)
        ids.append(customer_id)

    def similar(self, key: str) -> set[int]:
        """Ids whose name key reaches ``NAME_THRESHOLD`` against ``key``."""
        if not key:
            return set()
        found = set(self.by_key.get(key, ()))
        own = len(key)
        for length, (keys, ids) in self.by_length.items():
            if 200 * min(own, length) < NAME_THRESHOLD * (own + length):
                continue  # too different in length to reach the threshold
            if own + length < FUZZY_MIN_TOTAL_LENGTH:
                continue  # only an identical key can match: found above
            matches = process.extract(
                key, keys, scorer=fuzz.ratio, score_cutoff=NAME_THRESHOLD, limit=None
            )
            found.update(ids[index] for _key, _score, index in matches)
        return found


@dataclass(frozen=True)
class LikelyDuplicate:
    customer_id: int
    name: str
    score: int
    reason: str


class LikelyDuplicates:
    """Checks new customers against the stored ones, a batch at a time, for one import."""

    def __init__(self, *, user: Any, min_score: int = MIN_SCORE, limit: int = 3) -> None:
        self.user = user
        self.min_score = min_score
        self.limit = limit
        self._companies: dict[int, _Block] = {}
        self._cities: dict[str, _Block] = defaultdict(_Block)
        self._loaded_cities: set[str] = set()

    def _visible(self) -> Any:
        customers = Customer.objects.alive()
        return customers if self.user is None else visible(self.user, customers)

    def check(self, customer_ids: Iterable[int]) -> dict[int, list[LikelyDuplicate]]:
        """For each of these (new) customers, the likely duplicates stored before it."""
        new = scoring_records(Customer.objects.filter(pk__in=list(customer_ids)))
        new.sort(key=lambda record: record.id or 0)
        if not new:
            return {}
        self._load_blocks(new)
        candidates = self._shared_contacts(new)
        for record in new:
            assert record.id is not None
            for block in self._blocks_of(record):
                candidates[record.id].update(block.similar(record.name_key))
            candidates[record.id] = {pk for pk in candidates[record.id] if pk < record.id}
        wanted = set().union(*candidates.values())
        stored = {r.id: r for r in scoring_records(self._visible().filter(pk__in=wanted))}
        found: dict[int, list[LikelyDuplicate]] = {}
        for record in new:
            assert record.id is not None
            others = [stored[pk] for pk in sorted(candidates[record.id]) if pk in stored]
            matches = best_matches(record, others, min_score=self.min_score)[: self.limit]
            if matches:
                found[record.id] = [_likely(other, score) for other, score in matches]
        return found

    def _blocks_of(self, record: CustomerRecord) -> list[_Block]:
        blocks = []
        if record.company_id is not None:
            blocks.append(self._companies[record.company_id])
        if record.city_key:
            blocks.append(self._cities[record.city_key])
        return blocks

    def _load_blocks(self, new: Sequence[CustomerRecord]) -> None:
        """Load the companies and cities not seen yet (one query), then add ``new``."""
        companies = {r.company_id for r in new if r.company_id is not None} - set(self._companies)
        cities = {" ".join(r.city.split()) for r in new if r.city_key} - self._loaded_cities
        block = Q(company_id__in=companies) if companies else Q()
        for city in sorted(cities):
            block |= Q(city__iexact=city)
        for company_id in companies:
            self._companies[company_id] = _Block()
        self._loaded_cities |= cities
        if block:
            rows = self._visible().filter(block).values_list("pk", "name", "company_id", "city")
            for pk, name, company_id, city in rows.iterator(chunk_size=5000):
                self._file(pk, name_key(name), company_id, normalise_city(city))
        for record in new:
            self._file(record.id, record.name_key, record.company_id, record.city_key)

    def _file(self, pk: Any, key: str, company_id: int | None, city_key: str) -> None:
        if company_id is not None and company_id in self._companies:
            self._companies[company_id].add(pk, key)
        if city_key:
            self._cities[city_key].add(pk, key)

    def _shared_contacts(self, new: Sequence[CustomerRecord]) -> dict[int, set[int]]:
        """Customers sharing an email or phone with each new one, among those the user
        sees (three queries; contacts are looked up by their own index first)."""
        owners: dict[tuple[str, str], set[int]] = defaultdict(set)
        emails = {email for record in new for email in record.emails}
        phones = {phone for record in new for phone in record.phones}
        if emails:
            found = CustomerEmail.objects.filter(email__in=emails).order_by()
            for pk, email in found.values_list("customer_id", "email"):
                owners["email", email].add(pk)
        if phones:
            found = CustomerPhone.objects.filter(e164__in=phones).order_by()
            for pk, phone in found.values_list("customer_id", "e164"):
                owners["phone", phone].add(pk)
        ids = set().union(*owners.values())
        seen = set(self._visible().filter(pk__in=ids).values_list("pk", flat=True))
        shared: dict[int, set[int]] = {}
        for record in new:
            assert record.id is not None
            keys = [("email", e) for e in record.emails] + [("phone", p) for p in record.phones]
            shared[record.id] = {pk for key in keys for pk in owners[key] if pk in seen}
        return shared


def _likely(other: CustomerRecord, score: Score) -> LikelyDuplicate:
    assert other.id is not None
    return LikelyDuplicate(other.id, other.name, score.score, score.summary)
