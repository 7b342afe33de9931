"""The import's shortcuts when preparing rows give exactly the answers of the slow path."""

from __future__ import annotations

import datetime as dt
import random

from django.core.validators import validate_email

from solocrm.customers.importing.phones_fast import (
    phones_clean_fast,
    phones_clean_primed,
    phones_prime,
)
from solocrm.customers.importing.prepare import MAX_EMAIL, PLAIN_EMAIL, _emails_clean
from solocrm.customers.importing.values import CONTROLS, FORMULA_GUARD, cell_text
from solocrm.customers.phones import phones_remembered, remembered
from solocrm.customers.services import emails_clean


def _slow_cell_text(value: object) -> str:
    return FORMULA_GUARD.sub("", CONTROLS.sub("", str(value)).strip())


def test_cell_text_of_a_string_is_the_slow_path_answer():
    rng = random.Random(3)
    alphabet = ["a", " ", "'", "=", "-", "\t", "\n", "\x00", "\x1b", "\x85", "\xa0", "张", "\u2028"]
    texts = ["", "'", "''=x", "'=x", " '=1 ", "\x1b[31m红\x1b[0m", "\xa0x\xa0", "'\x00=x"]
    texts += ["".join(rng.choices(alphabet, k=rng.randrange(1, 8))) for _i in range(3000)]
    for text in texts:
        assert cell_text(text) == _slow_cell_text(text), repr(text)
    assert cell_text("'=SUM(A1)") == "=SUM(A1)" and cell_text(" \x07a\x7f ") == "a"
    assert cell_text(2.0) == "2" and cell_text(dt.date(2024, 3, 5)) == "2024-03-05"


def test_plain_emails_are_cleaned_as_emails_clean_does():
    rng = random.Random(7)
    alphabet = [*"ab9_.+-@", "K", "é", " ", "张", "\u212a", ".com", "@x.cn", "xn--"]
    items = [
        ["c1@example.com"],
        ["A@B.CN", "a@b.cn", "x.y+z@mail-1.example.org"],
        ["a..b@x.com"],
        ["a@-x.com"],
        ["a@x.c0m"],
        ["a@localhost"],
        ["x" * 320 + "@a.cn"],
        ["", " a@b.cn "],
    ]
    items += [
        [
            "".join(rng.choices(alphabet, k=rng.randrange(3, 12)))
            for _j in range(rng.randrange(1, 3))
        ]
        for _i in range(3000)
    ]
    plain = 0
    for emails in items:
        assert _emails_clean(emails) == emails_clean(emails), emails
        for email in emails:
            lowered = email.strip().lower()
            if len(lowered) <= MAX_EMAIL and PLAIN_EMAIL.fullmatch(lowered):
                plain += 1
                validate_email(lowered)  # the shortcut accepts only what Django accepts
    assert plain > 50
    assert _emails_clean(["a..b@x.com"]) == ([], ["“a..b@x.com” is not an email address."])


def test_phones_are_cleaned_and_primed_as_in_two_steps():
    cases = [
        ["13800138000", "13800138000", "13900139000"],
        ["13800138000", "010-12345678"],
        ["12345"],
        ["+8613800138000"],
        [],
    ]
    for items in cases:
        for region in ("CN", "US"):
            with phones_remembered():
                phones_prime(items, region=region)
                expected = phones_clean_fast(items, region=region)
                primed = [remembered(("normalise", i, region), lambda: None) for i in items]
            with phones_remembered():
                assert phones_clean_primed(items, region=region) == expected, (items, region)
                again = [remembered(("normalise", i, region), lambda: None) for i in items]
            assert again == primed, (items, region)


def test_plain_emails_prepared_are_not_validated_again_when_written(monkeypatch):
    from solocrm.customers.services import contacts

    with phones_remembered():
        assert _emails_clean(["A@B.cn", "c@d.cn"]) == (["a@b.cn", "c@d.cn"], [])
        monkeypatch.setattr(contacts, "validate_email", None)  # would fail if called
        assert emails_clean(["a@b.cn", " C@D.CN"]) == (["a@b.cn", "c@d.cn"], [])
