"""The customer full-text index, kept in step with ``Customer.search_text`` by the database.

``search_text`` is a lower-cased, denormalised text (name, emails, phone digits, WeChat
ID, company name, interaction notes) that services refresh on every write. The index:

- SQLite: an external-content FTS5 table with the ``trigram`` tokenizer, fed by
  triggers on ``customers_customer``, so every write (services, bulk inserts, raw SQL)
  reaches it. Trigrams need three characters, so ``search_text`` ends with a line of
  marked pairs: every two neighbouring CJK characters followed by ``BIGRAM_MARK``
  (``张伟`` → ``张伟\ue000``), which makes a 2-character Chinese name an ordinary
  3-character index term. Other short terms (one character, two Latin letters) fall back
  to ``LIKE`` on ``search_text``.
- PostgreSQL: a ``pg_trgm`` GIN index on ``UPPER(search_text)``, which serves Django's
  ``icontains`` for terms of any length.

Django rebuilds a SQLite table (dropping its triggers) for some schema changes, so a
``post_migrate`` handler re-creates missing triggers and rebuilds the index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.db.models.sql.datastructures import BaseTable
from django.db.models.sql.where import WhereNode

TABLE = "customers_customer"
FTS = "customers_customer_fts"
# Plain literals (no string building): the names are the constants above.
TRIGGERS = {
    "customers_customer_fts_ai": """CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ai
        AFTER INSERT ON customers_customer BEGIN
        INSERT INTO customers_customer_fts(rowid, search_text)
        VALUES (new.id, new.search_text); END""",
    "customers_customer_fts_ad": """CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ad
        AFTER DELETE ON customers_customer BEGIN
        INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text); END""",
    "customers_customer_fts_au": """CREATE TRIGGER IF NOT EXISTS customers_customer_fts_au
        AFTER UPDATE OF search_text ON customers_customer BEGIN
        INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO customers_customer_fts(rowid, search_text)
        VALUES (new.id, new.search_text); END""",
}
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS customers_customer_fts USING fts5(search_text, "
    "content='customers_customer', content_rowid='id', tokenize='trigram')"
)
SQLITE_REBUILD = "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES ('rebuild')"
SQLITE_MATCH = "SELECT rowid FROM customers_customer_fts WHERE customers_customer_fts MATCH %s"
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
    f"DROP TABLE IF EXISTS {FTS}",
]

PG_INDEX = "customers_customer_search_trgm"
POSTGRESQL_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING gin (UPPER(search_text) gin_trgm_ops)",
]
POSTGRESQL_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}"]

TRIGRAM = 3
MAX_SEARCH_TEXT = 20000


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in [SQLITE_TABLE, *TRIGGERS.values(), SQLITE_REBUILD]:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def install_name_index(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_NAME_INDEX)


def uninstall_name_index(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")


def ensure(using: str = "default") -> bool:
    """Re-create the SQLite index triggers (and ``NAME_INDEX``) if a table rebuild dropped
    them. True if it did."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')")
        present = {row[0] for row in cursor.fetchall()}
        if TABLE not in present:
            return False
        missing = [sql for name, sql in TRIGGERS.items() if name not in present]
        statements = [] if NAME_INDEX in present else [SQLITE_NAME_INDEX]
        if FTS not in present or missing:
            statements += [SQLITE_TABLE, *TRIGGERS.values(), SQLITE_REBUILD]
        for sql in statements:
            cursor.execute(sql)
    return bool(statements)


def ensure_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    ensure(using)


def search_text_for(
    *,
    name: str,
    emails: Iterable[str] = (),
    phones: Iterable[tuple[str, str]] = (),
    wechat_id: str = "",
    company_name: str = "",
    external_id: str = "",
    notes: Iterable[str] = (),
) -> str:
    """The denormalised, lower-cased text a customer is found by.

    Phones appear as typed, as E.164 digits and as national digits, so any fragment of
    the digits matches (``0013 8000``, ``138001``, ``010-1234``).
    """
    parts = [name, wechat_id, company_name, external_id, *emails]
    for raw, e164 in phones:
        parts.append(raw)
        parts.append(re.sub(r"\D", "", e164))
        parts.append(re.sub(r"\D", "", raw))
        parts.append(_national_digits(e164))
    parts.extend(notes)
    # A mobile's typed, digit and national forms are often the same text: each distinct
    # part once (matching is by presence, so nothing is lost; the index gets less work).
    kept = dict.fromkeys(" ".join(p.split()) for p in parts if p and p.strip())
    text = "\n".join(kept)
    text = text.lower()[:MAX_SEARCH_TEXT]
    pairs = cjk_pairs(text)
    return f"{text}\n{pairs}" if pairs else text


# Han (with extensions and compatibility ideographs), kana and Hangul.
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{2,}")
BIGRAM_MARK = "\ue000"  # a private-use character: never typed, stripped from queries


def cjk_pairs(text: str) -> str:
    """Each distinct pair of neighbouring CJK characters in ``text``, marked, space-separated."""
    pairs = dict.fromkeys(
        run[i : i + 2] for run in CJK_RUN.findall(text) for i in range(len(run) - 1)
    )
    return " ".join(pair + BIGRAM_MARK for pair in pairs)


def _national_digits(e164: str) -> str:
    if not e164:
        return ""
    from solocrm.customers.phones import remembered

    return remembered(("national", e164), lambda: _format_national_digits(e164))


def _format_national_digits(e164: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national)


PHONE_QUERY = re.compile(r"[\d\s\-+().]+")
# A term matching more rows than this is filtered inside the list query, which then walks
# the sort order's index; fewer, and their ids are fetched first and sorted on their own
# (by name: from NAME_INDEX, ~1.4 µs an id at a million customers, against ~4 µs reading
# each row). Walking the name index costs ~0.2 µs a customer passed over before the page
# is full: 190 ms for "huang", whose 18,000 matches are Chinese names, sorted last.
CANDIDATES = 20000
# On SQLite: a candidate's name, and what every list asks (alive? whose?), without
# reading its (wide) row.
NAME_INDEX = "customer_id_name"
SQLITE_NAME_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {NAME_INDEX} ON {TABLE} (id, name, deleted_at, owner_id)"
)


def search_terms(query: str) -> list[str]:
    """Split a query into terms; a query that looks like a phone number is one digit term."""
    query = " ".join(query.replace(BIGRAM_MARK, "").split()).lower()
    if not query:
        return []
    if PHONE_QUERY.fullmatch(query):
        digits = re.sub(r"\D", "", query)
        if len(digits) >= TRIGRAM:
            return [digits]
    return query.split(" ")


def index_term(term: str) -> str | None:
    """What the SQLite index holds for ``term``, or None when only a scan can find it."""
    if len(term) >= TRIGRAM:
        return term
    if len(term) == 2 and CJK_RUN.fullmatch(term):
        return term + BIGRAM_MARK
    return None


def search_condition(query: str, using: str = "default") -> Q | None:
    """A filter on ``Customer`` matching every term of ``query``; None for an empty query.

    On SQLite this runs one bounded index query first (``CANDIDATES`` + 1 ids): a rare
    term becomes a short id list, a common one a sub-select the list's ordered index scan
    checks row by row; either way the list query never sorts every match.
    """
    terms = search_terms(query)
    if not terms:
        return None
    vendor = connections[using].vendor
    condition = Q()
    fts_terms: list[str] = []
    for term in terms:
        indexed = index_term(term) if vendor == "sqlite" else None
        if indexed is not None:
            fts_terms.append(indexed)
        else:  # PostgreSQL: served by the trigram index; SQLite: short terms, LIKE
            condition &= Q(search_text__icontains=term)
    if fts_terms:
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in fts_terms)
        condition &= _sqlite_match(match, using)
    return condition


def _sqlite_match(match: str, using: str) -> Q:
    with connections[using].cursor() as cursor:
        cursor.execute(f"{SQLITE_MATCH} LIMIT %s", [match, CANDIDATES + 1])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= CANDIDATES:
        return Q(IdsIn(F("pk"), ids)) if ids else Q(pk__in=[])
    # The unary + keeps SQLite from reading the matches by id and sorting them all: the
    # sort order's index is walked and each row looked up in the (materialised) matches.
    unindexed_pk = Func(F("pk"), template="+%(expressions)s", output_field=IntegerField())
    matches = RawSQL(SQLITE_MATCH, [match])  # noqa: S611 - the query is a parameter
    return Q(In(unindexed_pk, matches))


class IdsIn(In):
    """``pk IN (…)`` over ids the SQLite index just returned, sent as one JSON array
    (``json_each``): binding up to ``CANDIDATES`` values one by one, each prepared
    through the field, cost more than the search."""

    def get_prep_lookup(self) -> Any:
        return self.rhs

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "(SELECT value FROM json_each(%s))", [json.dumps(self.rhs)]


def names_from_index(queryset: QuerySet) -> QuerySet | None:
    """``queryset`` (selecting ids) read through ``NAME_INDEX``, when it picks among a
    search's candidates (``IdsIn``) by name on SQLite; None otherwise. The page's ids then
    sort on names read from the index, not from every candidate's row (a query selecting
    more columns would read every candidate's row anyway). SQLite's planner prefers the
    rowid for ``id IN (…)``, so the index is named (``INDEXED BY``)."""
    query = queryset.query
    if connections[queryset.db].vendor != "sqlite":
        return None
    if not _picks_candidates(query.where, query.base_table):
        return None
    if not query.order_by or query.order_by[0].lstrip("-") != "name":
        return None
    queryset = queryset.all()
    alias = queryset.query.get_initial_alias()
    table = queryset.query.alias_map[alias]
    queryset.query.alias_map[alias] = _IndexedTable(table.table_name, table.table_alias)
    return queryset


# Columns a condition may test besides the candidates for the page to go through the
# index: whether alive, whose (a member limited to their own customers), and the keyset
# cursor's (name, id). Left to the planner, a member's search walked their customers in
# name order testing each against the candidates: p95 232 ms at a million, 86 through
# the index.
INDEX_ONLY_COLUMNS = {"deleted_at", "owner", "name", "id"}


def _picks_candidates(where: Any, alias: str) -> bool:
    """Whether ``where`` is a search's candidates, alive or trashed, someone's, after a
    cursor, and nothing else. Any other condition (a tag, a stage…) is left to the
    planner, which may know a better index for it."""
    conditions = _conjuncts(where)
    return any(isinstance(c, IdsIn) for c in conditions) and all(
        isinstance(c, IdsIn) or _only_on(c, INDEX_ONLY_COLUMNS, alias) for c in conditions
    )


def _conjuncts(where: Any) -> list[Any]:
    """The conditions ``where`` ANDs together."""
    if isinstance(where, WhereNode) and not where.negated and where.connector == "AND":
        return [part for child in where.children for part in _conjuncts(child)]
    return [where]


def _only_on(condition: Any, columns: set[str], alias: str) -> bool:
    """Whether ``condition`` compares only these columns of the customers table (``alias``
    in the query, not a joined table's) with values."""
    if isinstance(condition, WhereNode):
        return all(_only_on(child, columns, alias) for child in condition.children)
    column = getattr(condition, "lhs", None)
    target = getattr(column, "target", None)
    return (
        getattr(column, "alias", None) == alias
        and getattr(target, "name", None) in columns
        and not hasattr(getattr(condition, "rhs", None), "resolve_expression")
    )


class _IndexedTable(BaseTable):
    """The customers table in a ``FROM`` clause, read through ``NAME_INDEX``."""

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = super().as_sql(compiler, connection)
        return f"{sql} INDEXED BY {connection.ops.quote_name(NAME_INDEX)}", params
