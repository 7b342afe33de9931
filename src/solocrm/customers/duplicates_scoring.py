"""Pure duplicate scoring: how alike two customers are, and which pairs to compare.

No Django here: the functions take plain :class:`CustomerRecord` values, so the
duplicate finder, the duplicates page and the importer all score the same way.

The score (0–100) is the strongest of these signals:

==========================  ===============================================
signal                      score
==========================  ===============================================
same email (normalised)     100
same phone (E.164)          95
similar name, same company  0.9 × name similarity (needs similarity ≥ 85)
similar name, same city     0.8 × name similarity (needs similarity ≥ 85)
==========================  ===============================================

and each further signal adds 5 (capped at 100), so "same phone and the same name in
the same city" outranks "same phone" alone. A pair is reported at ``MIN_SCORE`` (60)
or more; a similar name alone, with no shared company or city, is never reported
(two "张伟" in different cities are different people).

Name similarity is a token-sort ratio: rapidfuzz's ``fuzz.ratio`` (normalised Indel
similarity, 0–100) of two name keys, where the key is NFKC, case-folded, punctuation
removed and words sorted (what ``token_sort_ratio`` does, done once per name instead of
once per comparison), so "Zhang Wei" and "wei zhang" score 100. Chinese (CJK) names
have no word breaks: the key drops the spaces between CJK characters, so "张 伟" equals
"张伟" and names compare character by character ("张伟" vs "张玮" scores 50, below the
threshold). Pinyin is not matched against
characters ("Zhang Wei" vs "张伟" is not a match).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import phonenumbers
from rapidfuzz import fuzz, process

EMAIL_SCORE = 100
PHONE_SCORE = 95
NAME_THRESHOLD = 85
COMPANY_WEIGHT = 0.9
CITY_WEIGHT = 0.8
EXTRA_SIGNAL_BONUS = 5
MIN_SCORE = 60
# Blocks larger than this are split by the first character of the name key before
# rapidfuzz's cdist compares every name with every other (time and memory grow with
# block²). Within a big city, names that differ in their first character are then
# not compared; a shared company, email or phone still pairs them.
MAX_BLOCK = 500
# Blocks smaller than this are compared pair by pair (cdist's set-up costs more).
SMALL_BLOCK = 16
# Blocks at least this large are compared on every CPU (threads cost more on small ones).
PARALLEL_BLOCK = 400
# An email or phone shared by more customers than this (a switchboard, "info@") is not
# evidence that they are the same person; such keys are skipped when pairing.
MAX_SHARED_KEY = 50

EMAIL, PHONE, NAME_COMPANY, NAME_CITY = "email", "phone", "name_company", "name_city"

_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_NOT_WORD = re.compile(r"[^\w\s]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """What the scorer needs to know about one customer (or a customer being typed in).

    An import keeps up to 100,000 of them: no ``__dict__`` (slots), and the comparison
    keys of repeated names and cities are one string each (interned)."""

    id: int | None
    name: str = ""
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    company_id: int | None = None
    city: str = ""

    # Derived once, when the record is made: comparison keys.
    name_key: str = field(init=False, repr=False, compare=False)
    city_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name_key", sys.intern(name_key(self.name)))
        object.__setattr__(self, "city_key", sys.intern(normalise_city(self.city)))


@dataclass(frozen=True)
class Reason:
    signal: str
    score: int
    detail: str


@dataclass(frozen=True)
class Score:
    score: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        return "; ".join(reason.detail for reason in self.reasons)


# --- normalisation --------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, as the customer services store addresses."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def normalise_phone(phone: str, *, region: str = "CN") -> str:
    """E.164 (``+8613812345678``) when the number parses, else its digits ("" if none)."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(_DIGITS.findall(text))
    return digits if len(digits) >= 5 else ""


def normalise_city(city: str) -> str:
    text = unicodedata.normalize("NFKC", city or "").casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def name_key(name: str) -> str:
    """NFKC, case-folded, punctuation-free, words sorted; CJK runs kept as one word."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _NOT_WORD.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", " ".join(text.split()))
    return " ".join(sorted(text.split()))


def name_similarity(a: str, b: str) -> float:
    """0–100 similarity of two names (see the module docstring)."""
    return _key_similarity(name_key(a), name_key(b))


def _key_similarity(key_a: str, key_b: str) -> float:
    if not key_a or not key_b:
        return 0.0
    return float(fuzz.ratio(key_a, key_b))


# --- scoring one pair -----------------------------------------------------------------


def score_pair(a: CustomerRecord, b: CustomerRecord) -> Score:
    """How likely ``a`` and ``b`` are the same customer, with the reasons why."""
    reasons: list[Reason] = []
    shared_emails = sorted(a.emails & b.emails - {""})
    if shared_emails:
        reasons.append(Reason(EMAIL, EMAIL_SCORE, f"same email {', '.join(shared_emails)}"))
    shared_phones = sorted(a.phones & b.phones - {""})
    if shared_phones:
        reasons.append(Reason(PHONE, PHONE_SCORE, f"same phone {', '.join(shared_phones)}"))
    same_company = a.company_id is not None and a.company_id == b.company_id
    same_city = bool(a.city_key) and a.city_key == b.city_key
    if same_company or same_city:
        similarity = _key_similarity(a.name_key, b.name_key)
        if similarity >= NAME_THRESHOLD:
            if same_company:
                reasons.append(
                    Reason(
                        NAME_COMPANY,
                        round(COMPANY_WEIGHT * similarity),
                        f"similar name ({similarity:.0f}%) at the same company",
                    )
                )
            if same_city:
                reasons.append(
                    Reason(
                        NAME_CITY,
                        round(CITY_WEIGHT * similarity),
                        f"similar name ({similarity:.0f}%) in the same city",
                    )
                )
    if not reasons:
        return Score(0)
    reasons.sort(key=lambda reason: -reason.score)
    total = min(100, reasons[0].score + EXTRA_SIGNAL_BONUS * (len(reasons) - 1))
    return Score(total, tuple(reasons))


# --- finding pairs among many customers ------------------------------------------------


@dataclass(frozen=True)
class PairScore:
    a: CustomerRecord
    b: CustomerRecord
    score: Score


def _pairs_in_group(ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    ordered = sorted(set(ids))
    if len(ordered) > MAX_SHARED_KEY:
        return
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            yield first, second


def _similar_name_pairs(records: Sequence[CustomerRecord]) -> Iterator[tuple[int, int]]:
    """Pairs within one block whose names reach ``NAME_THRESHOLD``, via rapidfuzz cdist."""
    if len(records) < 2:
        return
    if len(records) > MAX_BLOCK:
        by_initial: dict[str, list[CustomerRecord]] = defaultdict(list)
        for record in records:
            by_initial[record.name_key[:1]].append(record)
        if len(by_initial) > 1:
            for sub_block in by_initial.values():
                yield from _similar_name_pairs(sub_block)
            return
    keys = [record.name_key for record in records]
    if len(records) < SMALL_BLOCK:
        for i, first in enumerate(records):
            for second in records[i + 1 :]:
                if _key_similarity(first.name_key, second.name_key) >= NAME_THRESHOLD:
                    yield _ordered(first, second)
        return
    matrix = process.cdist(
        keys,
        keys,
        scorer=fuzz.ratio,
        score_cutoff=NAME_THRESHOLD,
        dtype=np.uint8,
        workers=-1 if len(records) > PARALLEL_BLOCK else 1,
    )
    rows, cols = np.nonzero(np.triu(matrix, k=1))
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        if keys[row] and keys[col]:
            yield _ordered(records[row], records[col])


def _ordered(a: CustomerRecord, b: CustomerRecord) -> tuple[int, int]:
    assert a.id is not None and b.id is not None
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def candidate_pairs(records: Iterable[CustomerRecord]) -> set[tuple[int, int]]:
    """Id pairs worth scoring, found by blocking instead of comparing everyone.

    Blocks: each normalised email, each phone, each company and each city. Emails and
    phones pair everyone in their block; companies and cities pair only similar names.
    """
    by_email: dict[str, list[int]] = defaultdict(list)
    by_phone: dict[str, list[int]] = defaultdict(list)
    by_company: dict[int, list[CustomerRecord]] = defaultdict(list)
    by_city: dict[str, list[CustomerRecord]] = defaultdict(list)
    for record in records:
        if record.id is None:
            continue
        for email in record.emails:
            if email:
                by_email[email].append(record.id)
        for phone in record.phones:
            if phone:
                by_phone[phone].append(record.id)
        if record.company_id is not None:
            by_company[record.company_id].append(record)
        if record.city_key:
            by_city[record.city_key].append(record)
    pairs: set[tuple[int, int]] = set()
    for group in (*by_email.values(), *by_phone.values()):
        pairs.update(_pairs_in_group(group))
    for block in (*by_company.values(), *by_city.values()):
        pairs.update(_similar_name_pairs(block))
    return pairs


def scored_pairs(
    records: Iterable[CustomerRecord], *, min_score: int = MIN_SCORE
) -> list[PairScore]:
    """Every pair scoring at least ``min_score``, best first (then by ids)."""
    by_id = {record.id: record for record in records if record.id is not None}
    results = []
    for first, second in candidate_pairs(by_id.values()):
        score = score_pair(by_id[first], by_id[second])
        if score.score >= min_score:
            results.append(PairScore(by_id[first], by_id[second], score))
    results.sort(key=lambda pair: (-pair.score.score, pair.a.id, pair.b.id))
    return results


def best_matches(
    candidate: CustomerRecord,
    others: Iterable[CustomerRecord],
    *,
    min_score: int = MIN_SCORE,
) -> list[tuple[CustomerRecord, Score]]:
    """``others`` that look like ``candidate``, best first."""
    matches = []
    for other in others:
        if candidate.id is not None and other.id == candidate.id:
            continue
        score = score_pair(candidate, other)
        if score.score >= min_score:
            matches.append((other, score))
    matches.sort(key=lambda match: (-match[1].score, match[0].id or 0))
    return matches
