"""Likely duplicates of customers just created in bulk (an import's warnings).

``LikelyDuplicates.check`` answers, for a batch of new customers, what
``find_duplicates_for`` answers for one: stored customers the user may see that share
an email or phone, or have a similar name at the same company or in the same city,
scored by ``duplicates_scoring``. Each new customer is compared only with customers
stored before it (a smaller id): those already there and earlier rows of the import.

The company and city blocks are loaded once per import (one query for the new keys of
a batch) and grow with every distinct name the import creates, not with every customer
(see ``_Block``). Inside a block, names are looked up by length: ``fuzz.ratio`` of two
keys of lengths a and b is at most 200·min(a, b)/(a + b), and below 7 characters in all
only identical keys reach the threshold, so most names (2–3 Chinese characters) are a
membership test, and longer ones are compared by rapidfuzz only with names of a length
that can reach it.

A common name in a big city would make each new customer compare with every earlier
namesake (a million-row file of 杭州 customers: tens of millions of comparisons). So a
block offers at most ``BLOCK_CANDIDATES`` customers for a name, the most similar first,
then the oldest (``best_matches`` prefers the oldest on equal scores too); customers
sharing an email or phone are always compared. The warnings differ from comparing with
everyone only when a customer left out by every block they share with the new one
would have scored higher than those kept. The records compared are kept for the whole
import (``forget`` drops one that the import changed).
"""

from __future__ import annotations

import bisect
import heapq
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
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
    normalise_email,
)
from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone

# Two different keys whose lengths add up to less than this never reach NAME_THRESHOLD:
# the ratio is at most 100 · (1 − 1/(a + b)), and 100 · (1 − 1/7) ≈ 85.7.
FUZZY_MIN_TOTAL_LENGTH = 7
BLOCK_CANDIDATES = 5
# Blocks of up to this many customers are scanned rather than indexed (see _Block).
SMALL_BLOCK = 64
KEPT_RECORDS = 100_000
QUERY_IDS = 5000


class _Block:
    """The customers of one company or one city, as (id, name key) pairs.

    Only the ``BLOCK_CANDIDATES`` oldest customers of each name key are kept: ``similar``
    never offers more of one name (they score alike, and the oldest come first), so
    the others would only cost memory and time. A small block (most companies) keeps
    its pairs in two flat arrays and is scanned; past ``SMALL_BLOCK`` pairs it is
    indexed by key length and key (with each length's keys also in a list, in the order
    added, for rapidfuzz). Adding a pair it holds already changes nothing.
    """

    __slots__ = ("_by_length", "_ids", "_keys", "_names")
    _names: dict[int, list[str]]  # set only when indexed: most blocks never are

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._ids = array("q")
        self._by_length: dict[int, dict[str, list[int]]] | None = None

    def add(self, customer_id: int, key: str) -> None:
        if not key:
            return
        key = sys.intern(key)  # one string per distinct name, however many share it
        if self._by_length is not None:
            self._index(customer_id, key)
            return
        if customer_id in self._ids and self._keys[self._ids.index(customer_id)] == key:
            return
        self._keys.append(key)
        self._ids.append(customer_id)
        if len(self._ids) > SMALL_BLOCK:
            self._by_length, self._names = {}, {}
            for pk, name in sorted(zip(self._ids, self._keys, strict=True)):
                self._index(pk, name)
            self._keys, self._ids = [], array("q")

    def _index(self, customer_id: int, key: str) -> None:
        assert self._by_length is not None
        if _keep_oldest(self._by_length.setdefault(len(key), {}), key, customer_id):
            self._names.setdefault(len(key), []).append(key)

    def similar(self, key: str, before: int) -> list[int]:
        """Ids below ``before`` whose name key reaches ``NAME_THRESHOLD`` against ``key``:
        the ``BLOCK_CANDIDATES`` most similar, the oldest first among equals."""
        if not key:
            return []
        scored = self._scan(key, before) if self._by_length is None else self._lookup(key, before)
        return [pk for _score, pk in heapq.nsmallest(BLOCK_CANDIDATES, scored)]

    def _scan(self, key: str, before: int) -> list[tuple[float, int]]:
        scored: list[tuple[float, int]] = []
        if key in self._keys:
            pairs = zip(self._keys, self._ids, strict=True)
            scored = [(-100.0, pk) for name, pk in pairs if name == key and pk < before]
        reach = _reachable_lengths(len(key))
        if not reach:  # most Chinese names: only an identical key can match
            return scored
        for name, pk in zip(self._keys, self._ids, strict=True):
            if pk < before and len(name) in reach and name != key:
                score = fuzz.ratio(key, name, score_cutoff=NAME_THRESHOLD)
                if score:
                    scored.append((-score, pk))
        return scored

    def _lookup(self, key: str, before: int) -> list[tuple[float, int]]:
        assert self._by_length is not None
        own = len(key)
        exact = self._by_length.get(own, {}).get(key, ())
        scored = [(-100.0, pk) for pk in exact if pk < before]
        for length, keys in self._by_length.items():
            if not _may_reach(own, length):
                continue
            matches = process.extract(
                key,
                self._names[length],
                scorer=fuzz.ratio,
                score_cutoff=NAME_THRESHOLD,
                limit=None,
            )
            scored += [
                (-score, pk)
                for name, score, _index in matches
                if name != key
                for pk in keys[name]
                if pk < before
            ]
        return scored


def _may_reach(own: int, length: int) -> bool:
    """Whether two different keys of these lengths can reach ``NAME_THRESHOLD``."""
    if 200 * min(own, length) < NAME_THRESHOLD * (own + length):
        return False  # too different in length
    return own + length >= FUZZY_MIN_TOTAL_LENGTH


@cache
def _reachable_lengths(own: int) -> frozenset[int]:
    """The lengths of the other keys a key of length ``own`` may reach the threshold with."""
    return frozenset(length for length in range(1, 2 * own + 2) if _may_reach(own, length))


def _keep_oldest(keys: dict[str, list[int]], key: str, customer_id: int) -> bool:
    """Add ``customer_id`` to ``keys[key]``, the ``BLOCK_CANDIDATES`` smallest ids, sorted;
    whether ``key`` is new."""
    ids = keys.get(key)
    if ids is None:
        keys[key] = [customer_id]
        return True
    if customer_id not in ids and (len(ids) < BLOCK_CANDIDATES or customer_id < ids[-1]):
        bisect.insort(ids, customer_id)
        del ids[BLOCK_CANDIDATES:]
    return False


@dataclass(frozen=True)
class LikelyDuplicate:
    customer_id: int
    name: str
    score: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "score": self.score,
            "reason": self.reason,
        }


class LikelyDuplicates:
    """Checks new customers against the stored ones, a batch at a time, for one import."""

    def __init__(self, *, user: Any, min_score: int = MIN_SCORE, limit: int = 3) -> None:
        self.user = user
        self.min_score = min_score
        self.limit = limit
        self._companies: dict[int, _Block] = {}
        self._cities: dict[str, _Block] = defaultdict(_Block)
        self._loaded_cities: set[str] = set()
        self._records: dict[int, CustomerRecord | None] = {}
        self._expected: dict[int | None, CustomerRecord] = {}
        self._sharers: dict[int, set[int]] = {}

    def forget(self, customer_ids: Iterable[int]) -> None:
        """Drop the kept records of these customers (the import changed them)."""
        for pk in customer_ids:
            self._records.pop(pk, None)
            self._expected.pop(pk, None)

    def expect(
        self, records: Iterable[CustomerRecord], *, sharers: dict[int, set[int]] | None = None
    ) -> None:
        """The records of customers just written, as ``check`` would read them back: it
        takes them instead (once; ``check`` drops what it did not use). ``sharers``: for
        some of them, every stored customer (alive, visible or not) that has one of
        their emails or phones, as the writer knows it: ``check`` then need not look."""
        self._expected.update((record.id, record) for record in records)
        self._sharers.update(sharers or {})

    def expected_forget(self) -> None:
        """The customers ``expect`` was told about were rolled back."""
        self._expected.clear()
        self._sharers.clear()

    def _visible(self) -> Any:
        customers = Customer.objects.alive()
        return customers if self.user is None else visible(self.user, customers)

    def check(self, customer_ids: Iterable[int]) -> dict[int, list[LikelyDuplicate]]:
        """For each of these (new) customers, the likely duplicates stored before it."""
        ids = list(customer_ids)
        new = [self._expected[pk] for pk in ids if pk in self._expected]
        if unknown := [pk for pk in ids if pk not in self._expected]:
            new += scoring_records(Customer.objects.filter(pk__in=unknown))
        sharers = {r.id: self._sharers[r.id] for r in new if r.id in self._sharers}
        self._expected.clear()
        self._sharers.clear()
        new.sort(key=lambda record: record.id or 0)
        if not new:
            return {}
        self._load_blocks(new)
        candidates = self._shared_contacts([r for r in new if r.id not in sharers])
        candidates.update(self._visible_sharers(sharers))
        for record in new:
            assert record.id is not None
            for block in self._blocks_of(record):
                candidates[record.id].update(block.similar(record.name_key, record.id))
            candidates[record.id] = {pk for pk in candidates[record.id] if pk < record.id}
        stored = self._stored(set().union(*candidates.values()))
        found: dict[int, list[LikelyDuplicate]] = {}
        for record in new:
            assert record.id is not None
            others = [stored[pk] for pk in sorted(candidates[record.id]) if pk in stored]
            matches = best_matches(record, others, min_score=self.min_score)[: self.limit]
            if matches:
                found[record.id] = [_likely(other, score) for other, score in matches]
        return found

    def _stored(self, wanted: set[int]) -> dict[int, CustomerRecord]:
        """The scoring records of ``wanted`` the user may see, kept for later batches."""
        missing = sorted(wanted - self._records.keys())
        if len(self._records) + len(missing) > KEPT_RECORDS:
            self._records.clear()
            missing = sorted(wanted)
        for start in range(0, len(missing), QUERY_IDS):
            part = missing[start : start + QUERY_IDS]
            found = {r.id: r for r in scoring_records(self._visible().filter(pk__in=part))}
            self._records.update({pk: found.get(pk) for pk in part})  # None: not visible
        return {pk: record for pk in wanted if (record := self._records[pk]) is not None}

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
        city_keys = {normalise_city(city) for city in cities}
        if block:
            rows = self._visible().filter(block).values_list("pk", "name", "company_id", "city")
            for pk, name, company_id, city in rows.iterator(chunk_size=5000):
                key, city_key = name_key(name), normalise_city(city)
                if company_id in companies:
                    self._companies[company_id].add(pk, key)
                if city_key in city_keys:  # perhaps loaded before under another spelling
                    self._cities[city_key].add(pk, key)
        for record in new:  # already written, so perhaps among those just loaded
            assert record.id is not None
            for found in self._blocks_for(record.company_id, record.city_key):
                found.add(record.id, record.name_key)

    def _blocks_for(self, company_id: int | None, city_key: str) -> list[_Block]:
        found = []
        if company_id is not None and company_id in self._companies:
            found.append(self._companies[company_id])
        if city_key:
            found.append(self._cities[city_key])
        return found

    def _visible_sharers(self, sharers: dict[int, set[int]]) -> dict[int, set[int]]:
        """``sharers`` without the customers the user may not see (or in the trash)."""
        ids = set().union(*sharers.values())
        seen = set(self._visible().filter(pk__in=ids).values_list("pk", flat=True)) if ids else ids
        return {pk: shared & seen for pk, shared in sharers.items()}

    def _shared_contacts(self, new: Sequence[CustomerRecord]) -> dict[int, set[int]]:
        """Customers sharing an email or phone with each new one, among those the user
        sees (three queries; contacts are looked up by their own index first)."""
        if not new:
            return {}
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


def new_record(
    customer: Customer, *, emails: Iterable[str], phones: Iterable[str]
) -> CustomerRecord:
    """The record ``scoring_records`` reads back for a customer just written with these
    emails and E.164 phones."""
    return CustomerRecord(
        id=customer.pk,
        name=sys.intern(customer.name),
        emails=frozenset(normalise_email(email) for email in emails),
        phones=frozenset(phones),
        company_id=customer.company_id,
        city=sys.intern(customer.city),
    )


def _likely(other: CustomerRecord, score: Score) -> LikelyDuplicate:
    assert other.id is not None
    return LikelyDuplicate(other.id, other.name, score.score, score.summary)
