"""Benchmark: customer search at 1,000,000 customers through HTTP (gunicorn, 2 workers).

Uses the database ``bench_customer_list.py`` builds (``--build 1000000``; built here if
missing). Starts gunicorn exactly as ``solocrm serve`` does (``solocrm.wsgi``, 2 sync
workers) on 127.0.0.1 against that SQLite file, then fires searches one after another at
``GET /api/v1/customers?q=`` with a bearer token (the first page: 50 customers with
their emails, phones and tags, as JSON).

Terms are drawn from the stored customers (seeded), in five kinds: Chinese names of two
characters (surname + first given character: 张伟 finds 张伟 and 张伟明) and of three,
English name prefixes, phone fragments (4, 7 and 11 digits of a stored number) and
email prefixes; plus a few WeChat IDs, company and note words.

Baseline, in this process, right before each request: the raw full-text query the
application's search needs for the same term, on its own ``sqlite3`` connection to the
same file — ``SELECT rowid FROM customers_customer_fts WHERE … MATCH ?``, every matching
rowid fetched (the trigram index answers any substring; two Chinese characters are asked
for as their marked pair, as the application does). Reports p50/p95 of both, overall
and per kind, and the ratio of the p95s (the issue's target: at most 4×). Then the same
terms as a member limited to their own customers (checking nobody else's comes back).

Writes ``bench/results/search.json``.

Run: ``.venv/bin/python bench/bench_search.py [ROUNDS]`` (default 3 rounds of every term).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import machine, summary

RESULT_PATH = Path(__file__).parent / "results" / "search.json"
CUSTOMERS = 1_000_000
SEED = 4
PER_KIND = 12
TARGET_RATIO = 4


def pick_terms(rng: random.Random) -> list[tuple[str, str]]:
    """(kind, term) pairs drawn from the stored customers."""
    from django.db.models import Max

    from solocrm.customers.models import Customer, CustomerEmail, CustomerPhone

    top = Customer.objects.aggregate(Max("pk"))["pk__max"]

    def sample(count: int, queryset: Any, field: str, accept: Any) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            start = rng.randrange(top)
            for value in queryset.filter(**{f"{queryset.model._meta.pk.name}__gte": start})[
                :200
            ].values_list(field, flat=True):
                if value and accept(value) and value not in found:
                    found.append(value)
                    break
        return found

    def chinese(name: str) -> bool:
        return "\u4e00" <= name[0] <= "\u9fff"

    customers = Customer.objects.alive().order_by("pk")
    two = [n[:2] for n in sample(PER_KIND, customers, "name", chinese)]
    three = sample(PER_KIND, customers, "name", lambda n: chinese(n) and len(n) == 3)
    english = [
        n.split()[rng.randrange(2)][: rng.randrange(3, 6)].lower()
        for n in sample(PER_KIND, customers, "name", lambda n: not chinese(n))
    ]
    phones = sample(PER_KIND, CustomerPhone.objects.order_by("pk"), "e164", bool)
    fragments = []
    for n, e164 in enumerate(phones):
        digits = e164.lstrip("+")
        length = (4, 7, 11)[n % 3]
        start = len(digits) - length if n % 3 != 1 else rng.randrange(len(digits) - length)
        fragments.append(digits[start : start + length])
    emails = [
        e[: rng.randrange(5, 10)]
        for e in sample(PER_KIND, CustomerEmail.objects.order_by("pk"), "email", bool)
    ]
    other = [
        *sample(4, customers, "wechat_id", bool),
        "批发",
        "报价",
        "贸易有限",
        "harbor",
    ]
    kinds = {
        "chinese_2": two,
        "chinese_3": three,
        "english_prefix": english,
        "phone_fragment": fragments,
        "email_prefix": emails,
        "other": other,
    }
    return [(kind, term) for kind, terms in kinds.items() for term in terms]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(home: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, SOLOCRM_HOME=str(home), DJANGO_SETTINGS_MODULE="solocrm.settings")
    env.pop("SOLOCRM_DATABASE_URL", None)
    process = subprocess.Popen(  # the command line `solocrm serve` runs, minus the log
        [sys.executable, "-m", "gunicorn", "solocrm.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--graceful-timeout", "5"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            url = f"http://127.0.0.1:{port}/api/v1/customers"
            with urllib.request.urlopen(url, timeout=5):
                break
        except urllib.error.HTTPError:
            break  # answering (401 without a token)
        except OSError:
            time.sleep(0.3)
    return process


def get(port: int, secret: str, term: str) -> tuple[float, dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/customers?" + urllib.parse.urlencode({"q": term})
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http://127.0.0.1
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, json.loads(body)


def raw_fts(connection: Any, term: str) -> tuple[float, int]:
    """The application's index query for ``term`` alone: every matching rowid."""
    from solocrm.customers.search_index import SQLITE_MATCH, index_term, search_terms

    indexed = [index_term(t) for t in search_terms(term)]
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed if t)
    started = time.perf_counter()
    rows = connection.execute(SQLITE_MATCH.replace("%s", "?"), [match]).fetchall()
    return (time.perf_counter() - started) * 1000, len(rows)


def main(rounds: int) -> dict[str, Any]:
    from bench_customer_list import ensure_customers, ensure_people, setup_django

    home = setup_django(CUSTOMERS)
    state = ensure_customers(home, CUSTOMERS)
    from django.db import connection

    from solocrm.accounts.models import WorkspaceSettings
    from solocrm.accounts.services import api_token_create
    from solocrm.customers.models import Customer

    owner, member, _tags = ensure_people()
    terms = pick_terms(random.Random(SEED))
    _token, owner_secret = api_token_create(user=owner, name="bench search")
    _token, member_secret = api_token_create(user=member, name="bench search")
    database = connection.settings_dict["NAME"]
    connection.close()
    from pysqlite3 import dbapi2 as sqlite3

    raw = sqlite3.connect(database)
    port = free_port()
    server = start_gunicorn(home, port)
    samples: dict[str, dict[str, list[float]]] = {}
    per_term: dict[str, dict[str, Any]] = {}
    try:
        for _kind, term in terms:  # warm both workers and the page cache
            get(port, owner_secret, term)
            raw_fts(raw, term)
        for _round in range(rounds):
            for kind, term in terms:
                base_ms, matches = raw_fts(raw, term)
                http_ms, body = get(port, owner_secret, term)
                kind_samples = samples.setdefault(kind, {"http": [], "raw": []})
                kind_samples["http"].append(http_ms)
                kind_samples["raw"].append(base_ms)
                per_term[term] = {
                    "kind": kind,
                    "index_matches": matches,
                    "shown": len(body["items"]),
                }
        WorkspaceSettings.objects.update(members_own_records_only=True)
        member_ms, foreign = [], 0
        for _kind, term in terms:
            http_ms, body = get(port, member_secret, term)
            member_ms.append(http_ms)
            foreign += sum(1 for item in body["items"] if item["owner_id"] != member.pk)
    finally:
        WorkspaceSettings.objects.update(members_own_records_only=False)
        server.terminate()
        server.wait(timeout=20)
    all_http = [v for s in samples.values() for v in s["http"]]
    all_raw = [v for s in samples.values() for v in s["raw"]]
    overall = {"http": summary(all_http), "raw_fts": summary(all_raw)}
    overall["p95_ratio_http_to_raw"] = round(
        overall["http"]["p95_ms"] / overall["raw_fts"]["p95_ms"], 2
    )
    by_kind = {
        kind: {"http": summary(s["http"]), "raw_fts": summary(s["raw"])}
        for kind, s in samples.items()
    }
    return {
        "customers": Customer.objects.count(),
        "build": state["builds"].get(str(CUSTOMERS)),
        "rounds": rounds,
        "requests": len(all_http),
        "endpoint": "GET /api/v1/customers?q= (bearer token, first page of 50)",
        "server": "gunicorn solocrm.wsgi, 2 sync workers, 127.0.0.1",
        "overall": overall,
        "target_ratio": TARGET_RATIO,
        "by_kind": by_kind,
        "limited_member": {
            **summary(member_ms),
            "requests": len(member_ms),
            "customers_of_others_returned": foreign,
        },
        "terms": per_term,
        "machine": machine(),
    }


if __name__ == "__main__":
    outcome = main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in outcome.items() if k != "terms"}, indent=2))
