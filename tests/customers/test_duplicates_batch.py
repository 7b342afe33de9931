"""The blocks an import's duplicate check looks names up in (``duplicates_batch``)."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz

from solocrm.core.context import acting_as
from solocrm.customers import duplicates_batch, services
from solocrm.customers.duplicates_batch import _Block
from solocrm.customers.duplicates_scoring import NAME_THRESHOLD, name_key
from solocrm.customers.importing.services import ImportOptions, import_file

NAMES = [
    "张伟", "张玮", "李娜", "王芳", "欧阳娜娜", "欧阳娜",
    "Zhang Wei", "Wei Zhang", "Zhang Wie", "Anna Lee", "Ana Lee", "Anna Leee", "Bo", "Li",
]  # fmt: skip


def _everyone_compared(added: list[tuple[int, str]], key: str, before: int) -> list[int]:
    """What ``similar`` promises, by comparing ``key`` with every customer added."""
    scored = []
    for pk, other in set(added):
        score = fuzz.ratio(key, other)
        if pk < before and score >= NAME_THRESHOLD:
            scored.append((-score, pk))
    return [pk for _score, pk in sorted(scored)[: duplicates_batch.BLOCK_CANDIDATES]]


@pytest.mark.parametrize("small_block", [0, 7, 64])
def test_a_block_offers_the_most_similar_then_the_oldest_of_everyone_added(
    monkeypatch, small_block
):
    monkeypatch.setattr(duplicates_batch, "SMALL_BLOCK", small_block)
    rng = random.Random(small_block)
    added = [(pk, name_key(rng.choice(NAMES))) for pk in range(1, 301)]
    order = added + rng.sample(added, 40)  # loaded out of order, some twice
    rng.shuffle(order)
    block = _Block()
    for pk, key in order:
        block.add(pk, key)
    compared = 0
    for name in NAMES:
        key = name_key(name)
        for before in (1, 2, 10, 50, 301, 10_000):
            expected = _everyone_compared(added, key, before)
            assert block.similar(key, before) == expected, (name, before)
            compared += len(expected)
    assert compared > 200


def test_a_name_with_a_thousand_namesakes_offers_its_oldest_five():
    block = _Block()
    ids = list(range(10, 10_010, 10))
    random.Random(1).shuffle(ids)
    for pk in ids:
        block.add(pk, "张伟")
        block.add(pk + 1, "张玮")  # not similar enough (50%)
    assert block.similar("张伟", 10_000_000) == [10, 20, 30, 40, 50]
    assert block.similar("张伟", 31) == [10, 20, 30]
    assert block.similar("张伟", 10) == []
    assert block.similar("张玮", 10_000_000) == [11, 21, 31, 41, 51]
    assert block.similar("李娜", 10_000_000) == []


def test_warnings_name_the_same_customers_whether_blocks_are_scanned_or_indexed(
    owner, as_owner, monkeypatch
):
    acme = services.company_create(by=owner, name="Acme")
    stored = [
        services.customer_create(by=owner, name=name, data={"city": city, "company": company})
        for name, city, company in [
            ("张伟", "杭州", None),
            ("Zhang Wei", "Beijing", acme),
            ("张伟", "杭州", acme),
            ("Anna Lee", "", acme),
        ]
    ]
    data = (
        "Name,City,Company\n"
        "张伟,杭州,\n"  # line 2
        "Wei Zhang,beijing,\n"  # 3
        "Ana Lee,,Acme\n"  # 4
        "张伟,上海,Acme\n"  # 5
        "李娜,杭州,\n"  # 6: nobody like her
        "张伟,杭州,Acme\n"  # 7
    )
    first_zhang, zhang_wei, acme_zhang, anna = (c.pk for c in stored)
    for small_block in (64, 1):
        monkeypatch.setattr(duplicates_batch, "SMALL_BLOCK", small_block)
        with acting_as(owner, "cli"):
            summary = import_file(
                data=data.encode(),
                filename="c.csv",
                by=owner,
                options=ImportOptions(on_duplicate="create", mode="atomic", dry_run=True),
            )
        warned = {
            w.line: [(s["customer_id"], s["score"]) for s in w.similar] for w in summary.warnings
        }
        created = {o.line: o.record_id for o in summary.result.outcomes}
        assert warned == {
            2: [(first_zhang, 80), (acme_zhang, 80)],
            3: [(zhang_wei, 80)],
            4: [(anna, 84)],
            5: [(acme_zhang, 90)],
            7: [(acme_zhang, 95), (created[5], 90), (first_zhang, 80)],
        }, small_block
