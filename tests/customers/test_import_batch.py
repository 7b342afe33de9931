"""The batched customer import writes what the services write, row for row.

The reference is ``CustomerWriter``: every row through ``customer_create`` /
``customer_update`` / ``interaction_create`` in its own savepoint. The importer's
``CustomerBatchWriter`` must end with the same records, audit entries, outcomes and
problems, with a handful of queries per batch instead of some forty per row.
"""

from __future__ import annotations

import codecs
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from solocrm.core.context import acting_as
from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.models import AuditEntry
from solocrm.customers import duplicates_batch, services
from solocrm.customers.importing import csv_reading, engine
from solocrm.customers.importing import services as import_services
from solocrm.customers.importing.csv_reading import csv_table_read
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.phones_fast import cn_mobile, phones_clean_fast
from solocrm.customers.importing.reading import table_read
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.importing.table import LazyRows
from solocrm.customers.importing.writers import CustomerWriter
from solocrm.customers.models import Customer
from solocrm.customers.phones import _phone_normalise
from solocrm.customers.services import CustomerBatch, phones_clean

HEADER = "编号,姓名,手机,邮箱,标签,生日,公司,城市,性别,来源,备注,同意营销,会员等级\n"
ROWS = [
    "A-1,张伟,13800138000,zw@example.com,VIP、老客户,1990/5/1,星光设计,杭州,男,微信,喜欢绿茶,是,金\n",
    "A-2,李娜,+86 139 0013 9000;010-12345678,LN@example.com,VIP,,星光设计,,女,,,否,\n",
    "A-3,Wang  Fang,,wf@example.com;wang@example.org,newsletter,03/04/1992,Acme,Paris,,,"
    '"多行\n备注",,银\n',
    ",赵六,13700137000,,,,,,,,,,\n",
]
UNSTABLE = {
    "id",
    "created_at",
    "updated_at",
    "consent_at",
    "occurred_at",
    "last_contacted_at",  # the time of the latest note, set by a database trigger
    "time",
}


def run(data: str, by, **options: Any):
    with acting_as(by, "cli"):
        return import_file(
            data=data.encode("utf-8"), filename="c.csv", by=by, options=ImportOptions(**options)
        )


@contextmanager
def writing_with(writer: type) -> Iterator[None]:
    """Import customers with ``writer`` (``CustomerWriter``: row by row, the reference)."""
    default = import_services.WRITERS["customers"]
    import_services.WRITERS["customers"] = writer
    try:
        yield
    finally:
        import_services.WRITERS["customers"] = default


def _stable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in UNSTABLE and not k.endswith("_id")}


def state() -> dict[str, Any]:
    """Everything the import wrote, without ids and timestamps."""
    customers = []
    for customer in Customer.objects.all():
        customers.append(
            {
                "fields": _stable(
                    {f.attname: getattr(customer, f.attname) for f in Customer._meta.fields}
                ),
                "company": customer.company.name if customer.company else None,
                "emails": list(customer.emails.values_list("email", "is_primary")),
                "phones": list(customer.phones.values_list("raw", "e164", "is_primary")),
                "tags": sorted(customer.tags.values_list("name", flat=True)),
                "notes": list(
                    customer.interactions.values_list(
                        "kind", "subject", "body", "direction", "author__email"
                    )
                ),
            }
        )
    audit = sorted(
        (
            e.action,
            e.object_type,
            e.object_repr,
            e.actor_id,
            e.channel,
            repr(sorted(_stable(e.changes).items())),
        )
        for e in AuditEntry.objects.exclude(action="import")
    )
    customers.sort(key=lambda customer: customer["fields"]["name"])
    return {"customers": customers, "audit": audit}


def imported_then_undone(data: str, by, **options: Any) -> tuple[dict[str, Any], Any]:
    with transaction.atomic():
        summary = run(data, by, **options)
        written = state()
        transaction.set_rollback(True)
    return written, summary


def outcomes(summary) -> list[tuple[int, str, str]] | str:
    if summary.result is None:
        return f"refused: {summary.refused}"
    return [(o.line, o.action, o.detail) for o in summary.result.outcomes]


def problems(summary) -> list[tuple[int, str, str, str]]:
    """The problems; ids of records created and rolled back vary (PostgreSQL's sequences
    do not roll back)."""
    return [(p.line, p.column, p.value, re.sub(r"#\d+", "#…", p.reason)) for p in summary.problems]


@pytest.fixture
def level_field(owner):
    with acting_as(owner, "ui"):
        custom_field_definition_create(
            by=owner,
            target="customer",
            key="level",
            label="会员等级",
            field_type="choice",
            choices=["金", "银"],
        )


def test_batched_rows_are_written_exactly_as_the_services_write_them(owner, level_field):
    data = HEADER + "".join(ROWS)
    batched, batched_summary = imported_then_undone(data, owner)
    with writing_with(CustomerWriter):
        reference, reference_summary = imported_then_undone(data, owner)
    assert batched == reference
    assert outcomes(batched_summary) == outcomes(reference_summary)
    assert [c["fields"]["name"] for c in batched["customers"]] == [
        "Wang Fang",
        "张伟",
        "李娜",
        "赵六",
    ]
    zhang = batched["customers"][1]
    assert zhang["notes"] == [("note", "Imported note", "喜欢绿茶", "none", owner.email)]
    assert "13800138000" in zhang["fields"]["search_text"]
    assert "喜欢绿茶" in zhang["fields"]["search_text"]


def test_search_text_and_full_text_index_find_batched_rows(owner):
    from solocrm.customers.search_index import search_condition

    run(HEADER + "".join(ROWS), owner)
    for query, name in (
        ("张伟", "张伟"),
        ("0013 9000", "李娜"),
        ("绿茶", "张伟"),
        ("example.org", "Wang Fang"),
    ):
        found = Customer.objects.filter(search_condition(query))
        assert list(found.values_list("name", flat=True)) == [name], query


def test_rejected_rows_give_the_same_problems_in_both_ways(owner, level_field):
    with acting_as(owner, "ui"):
        services.customer_create(by=owner, name="Old", data={"external_id": "T-1"})
        trashed = services.customer_create(by=owner, name="Gone", data={"external_id": "T-9"})
        services.customer_delete(customer=trashed, by=owner)
    data = HEADER + (
        f"A-5,{'x' * 201},,,,,,,,,,,\n"  # name too long
        "A-6,Ann,,,,,,,,,,,铜\n"  # not a choice
        "T-9,Gone again,,,,,,,,,,,\n"  # external ID of a trashed customer
        "A-7,Bob,,bob@example.com,,,,,,,,,\n"
        "A-8,Bobby,,bob@example.com,,,,,,,,,\n"  # another external ID, same email: created
        ",Rob,,bob@example.com,,,,,,,,,\n"  # no external ID: Bob and Bobby, ambiguous
    )
    for on_duplicate in ("skip", "update", "create"):
        options = {"mode": "partial", "on_duplicate": on_duplicate}
        batched_state, batched = imported_then_undone(data, owner, **options)
        with writing_with(CustomerWriter):
            reference_state, reference = imported_then_undone(data, owner, **options)
        assert outcomes(batched) == outcomes(reference), on_duplicate
        assert problems(batched) == problems(reference), on_duplicate
        assert batched_state == reference_state, on_duplicate
        # Rob is ambiguous, which only create mode (it creates whatever matches) lets in.
        expected = [2, 3, 4] if on_duplicate == "create" else [2, 3, 4, 7]
        assert [p.line for p in batched.problems] == expected, on_duplicate


def test_a_row_matching_one_written_earlier_in_the_same_batch(owner):
    data = "Name,Email,Phone\nAnn,ann@example.com,\nBen,,13800138000\nAnnie,ann@example.com,\n"
    data += "Ann B,ann@example.com,13800138000\n"  # email → Ann, phone → Ben
    summary = run(data, owner, on_duplicate="update", mode="partial")
    ann, ben = Customer.objects.get(name="Annie"), Customer.objects.get(name="Ben")
    assert outcomes(summary) == [
        (2, "created", ""),
        (3, "created", ""),
        (4, "updated", "email"),
        (5, "rejected", ""),
    ]
    assert summary.result.outcomes[2].record_id == ann.pk
    reason = summary.problems[0].reason
    assert f"#{ann.pk} Annie (email)" in reason and f"#{ben.pk} Ben (phone)" in reason
    assert ann.version == 2


def test_a_batch_the_database_refuses_is_written_row_by_row(owner, monkeypatch):
    original = CustomerBatch.save
    calls = {"n": 0}

    def refuse_first(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise IntegrityError("UNIQUE constraint failed: customers_customer.external_id")
        return original(self)

    monkeypatch.setattr(CustomerBatch, "save", refuse_first)
    summary = run(HEADER + "".join(ROWS), owner, mode="partial")
    assert summary.as_dict()["created"] == 4 and not summary.problems
    assert Customer.objects.count() == 4
    assert AuditEntry.objects.filter(action="create", object_type="customers.customer").count() == 4


@pytest.mark.parametrize("mode", ["atomic", "partial"])
def test_a_write_the_database_refuses_on_the_writer_thread_sends_the_batch_row_by_row(
    owner, monkeypatch, mode
):
    """The batch's statements run on a second thread; the database refusing one of them
    (here: customer keys already taken) still rolls the batch back, and its rows are then
    written one by one, nothing lost and nothing half-written."""
    from solocrm.customers.services import customers_batch

    taken = services.customer_create(by=owner, name="Taken")
    reserve = customers_batch.ids_reserve
    calls = {"n": 0}

    def taken_first(model, count):
        calls["n"] += 1
        if model is Customer and calls["n"] == 1:
            return [taken.pk + i for i in range(count)]  # the first one is Taken's
        return reserve(model, count)

    monkeypatch.setattr(customers_batch, "ids_reserve", taken_first)
    summary = run(HEADER + "".join(ROWS), owner, mode=mode)
    assert summary.as_dict()["created"] == 4 and not summary.problems, summary.as_dict()
    assert Customer.objects.count() == 5
    assert Customer.objects.get(pk=taken.pk).name == "Taken"
    assert AuditEntry.objects.filter(action="create", object_type="customers.customer").count() == 5
    wang = Customer.objects.get(external_id="A-3")
    assert sorted(wang.emails.values_list("email", flat=True)) == [
        "wang@example.org",
        "wf@example.com",
    ]
    assert wang.interactions.count() == 1 and wang.tags.count() == 1


def test_queries_per_batch_do_not_grow_with_its_rows(owner):
    def queries(rows: int, start: int) -> int:
        lines = "".join(
            f"{i},客户{i},1380013{i:04d},c{i}@example.com,VIP,,星光设计,杭州,,,备注{i},,\n"
            for i in range(start, start + rows)
        )
        with CaptureQueriesContext(connection) as captured:
            summary = run(HEADER + lines, owner)
        assert summary.as_dict()["created"] == rows
        return len(captured)

    queries(5, 0)  # the company, the tag and the workspace settings now exist
    few, many = queries(20, 100), queries(180, 1000)
    # A batch costs a fixed number of queries; what grows is the number of INSERT
    # statements SQLite's limit on parameters splits a bulk insert into.
    assert few <= 40 and many - few <= (180 - 20) // 10, (few, many)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["", "E-1", "E-2", "E-9"]),
            st.sampled_from(["Ann", "Ben", "张伟", "x" * 201, " "]),
            st.sampled_from(["", "a@example.com", "b@example.com", "bad@"]),
            st.sampled_from(["", "13800138000", "13900139000", "12345"]),
            st.sampled_from(["", "Acme", "ACME", "星光"]),
            st.sampled_from(["", "hi", "VIP"]),
        ),
        min_size=1,
        max_size=12,
    ),
    on_duplicate=st.sampled_from(["skip", "update", "create"]),
    mode=st.sampled_from(["atomic", "partial"]),
    batch_rows=st.sampled_from([engine.BATCH_ROWS, 2, 3]),
)
@example(
    rows=[("", " ", "", "", "", "")], on_duplicate="skip", mode="atomic", batch_rows=1000
)  # refused whole
@example(
    rows=[("E-1", "Ann", "a@example.com", "13900139000", "ACME", "hi")] * 2,
    on_duplicate="update",
    mode="partial",
    batch_rows=1000,
)
@example(  # a company an update made, named by a later new row
    rows=[
        ("", "Ann", "", "", "", ""),
        ("E-2", "Ben", "", "", "星光", ""),
        ("", "张伟", "", "", "星光", ""),
    ],
    on_duplicate="update",
    mode="atomic",
    batch_rows=1000,
)
@example(  # a company made in one batch, named again (other case) in later ones
    rows=[
        ("", "Ann", "", "", "星光", ""),
        ("", "Ben", "", "", "", ""),
        ("E-1", "张伟", "", "", "星光", ""),
        ("", "Ann", "b@example.com", "", "Acme", ""),
        ("E-2", "Ben", "", "", "星光", ""),
    ],
    on_duplicate="update",
    mode="partial",
    batch_rows=2,
)
def test_batched_and_row_by_row_imports_agree(owner, rows, on_duplicate, mode, batch_rows):
    """Also with tiny batches: what one batch learnt (companies found or made, keys
    matched) must serve the next ones as the database would."""
    with acting_as(owner, "ui"):
        if not Customer.objects.exists():
            services.customer_create(by=owner, name="Old A", emails=["a@example.com"])
            services.customer_create(by=owner, name="Old B", phones=["13900139000"],
                                     data={"external_id": "E-2"})  # fmt: skip
            gone = services.customer_create(by=owner, name="Gone", data={"external_id": "E-9"})
            services.customer_delete(customer=gone, by=owner)
            services.company_create(by=owner, name="acme")
    data = "ID,Name,Email,Phone,Company,Notes\n" + "".join(",".join(row) + "\n" for row in rows)
    results = []
    default_batch_rows = engine.BATCH_ROWS
    engine.BATCH_ROWS = batch_rows
    try:
        for writer in (import_services.CustomerBatchWriter, CustomerWriter):
            with writing_with(writer):
                written, summary = imported_then_undone(
                    data, owner, mode=mode, on_duplicate=on_duplicate
                )
            results.append((written, outcomes(summary), problems(summary)))
    finally:
        engine.BATCH_ROWS = default_batch_rows
    assert results[0] == results[1]


def test_plain_cn_mobiles_normalise_exactly_as_phonenumbers_does():
    """The shortcut for 11-digit mobiles against ``phonenumbers``, for every 4-digit
    prefix (and the 5-digit ones its patterns single out)."""
    rng = random.Random(20240305)
    numbers = [f"{prefix}{rng.randrange(10**7):07d}" for prefix in range(1000, 2000)]
    numbers += [f"{prefix}{rng.randrange(10**6):06d}" for prefix in range(16100, 16110)]
    numbers += [f"{prefix}{rng.randrange(10**6):06d}" for prefix in range(17400, 17410)]
    taken = 0
    for number in numbers:
        fast = cn_mobile(number)
        if fast is None:
            continue
        taken += 1
        assert fast == _phone_normalise(number, region="CN"), number
    assert taken > 500  # the shortcut does serve most mobiles
    assert cn_mobile("13800138000") is not None
    assert cn_mobile("138 0013 8000") is None and cn_mobile("+8613800138000") is None
    assert cn_mobile("12345678901") is None  # not a mobile: left to phonenumbers
    for items in (
        ["13800138000", "13800138000", "13900139000"],
        ["13800138000", "010-12345678"],
        ["12345"],
        [],
    ):
        for region in ("CN", "US"):
            assert phones_clean_fast(items, region=region) == phones_clean(items, region=region)


def _csv_table(text: str):
    return csv_table_read(text=text, encoding="utf-8", limits=ImportLimits())


def test_a_long_csv_is_read_again_when_walked_with_the_same_rows(monkeypatch):
    text = 'Name,Note\nAnn,x\n\nBen,"two\nlines"\n,\nCat,y\nDan,z\n'
    kept = _csv_table(text)
    monkeypatch.setattr(csv_reading, "LAZY_ROWS", 2)
    lazy = _csv_table(text)
    assert isinstance(kept.rows, list) and isinstance(lazy.rows, LazyRows)
    assert list(lazy.rows) == list(lazy.rows) == kept.rows  # walked twice, the same
    assert [row.line for row in lazy.rows] == [2, 4, 7, 8]
    assert len(lazy.rows) == 4 and lazy.describe() == kept.describe()
    assert lazy.rows[1:3] == kept.rows[1:3] and lazy.rows[-1] == kept.rows[-1]
    with pytest.raises(IndexError):
        lazy.rows[4]
    limited = ImportLimits(max_rows=3)
    with pytest.raises(FileRefused, match="more than 3 data rows"):
        csv_table_read(text=text, encoding="utf-8", limits=limited)


def test_an_import_of_rows_read_again_matches_one_of_kept_rows(owner, monkeypatch):
    data = HEADER + "".join(ROWS) + ",,13800138000,,,,,,,,,,\n" + ROWS[0]
    kept = [imported_then_undone(data, owner, mode=m) for m in ("atomic", "partial")]
    monkeypatch.setattr(csv_reading, "LAZY_ROWS", 2)
    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    lazy = [imported_then_undone(data, owner, mode=m) for m in ("atomic", "partial")]
    for (written, summary), (written_lazy, summary_lazy) in zip(kept, lazy, strict=True):
        assert written_lazy == written
        assert outcomes(summary_lazy) == outcomes(summary)
        assert problems(summary_lazy) == problems(summary)
        assert summary_lazy.as_dict()["rejected"] == 1  # the row without a name


def test_a_big_import_counts_every_row_and_keeps_only_the_first_details(owner, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_ROWS", 4)
    monkeypatch.setattr(engine, "KEPT_OUTCOMES", 3)
    monkeypatch.setattr(engine, "KEPT_ENTRIES", 2)
    lines = "".join(
        f"K{i},{'' if i % 3 == 0 else '张伟'},,,,,,杭州,,,,,\n" for i in range(1, 11)
    )  # lines 4, 7 and 10 have no name; every 张伟 in 杭州 after the first is a warning
    summary = run(HEADER + lines, owner, mode="partial")
    counts = summary.as_dict()
    assert (counts["rows"], counts["created"], counts["rejected"], counts["warnings"]) == (
        10,
        7,
        3,
        6,
    )
    assert counts["created"] + counts["updated"] + counts["skipped"] + counts["rejected"] == 10
    assert [o.line for o in summary.result.outcomes] == [2, 3, 4]
    assert [p.line for p in summary.problems] == [4, 7]
    assert [w.line for w in summary.warnings] == [3, 5]
    assert Customer.objects.count() == 7


def test_a_common_name_is_compared_with_its_oldest_namesakes(owner, monkeypatch):
    monkeypatch.setattr(duplicates_batch, "BLOCK_CANDIDATES", 2)
    lines = "".join(f"K{i},张伟,,,,,,杭州,,,,,\n" for i in range(1, 6))
    summary = run(HEADER + lines, owner)
    first, second = Customer.objects.order_by("pk").values_list("pk", flat=True)[:2]
    assert [w.line for w in summary.warnings] == [3, 4, 5, 6]
    assert [[d["customer_id"] for d in w.similar] for w in summary.warnings] == [
        [first],
        [first, second],
        [first, second],
        [first, second],
    ]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("gbk", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16", b"")]
)
def test_rows_read_again_are_decoded_again_from_the_file(monkeypatch, encoding, bom):
    data = bom + 'sep=;\r\n姓名;备注\r\n张伟;"两\r\n行"\r\n\r\n李娜;x\r\n王芳;\r\n'.encode(encoding)
    kept = table_read(data=data, filename="c.csv")
    monkeypatch.setattr(csv_reading, "LAZY_ROWS", 1)
    lazy = table_read(data=data, filename="c.csv")
    assert isinstance(lazy.rows, LazyRows) and lazy.describe() == kept.describe()
    assert list(lazy.rows) == kept.rows
    assert [(row.line, row.cells) for row in kept.rows] == [
        (3, ("张伟", "两\r\n行")),
        (6, ("李娜", "x")),
        (7, ("王芳", "")),
    ]


def test_the_next_batch_is_prepared_while_the_writer_writes_and_keeps_its_phone_answers(
    owner, monkeypatch
):
    """Rows are prepared a batch ahead, while the statement writer writes the batch
    before (``meanwhile``); the phone answers found then serve that batch's own writing,
    so each number is still parsed once."""
    import threading

    from solocrm.customers import phones

    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    prepared_while_writing: dict[int, bool] = {}
    prepare = engine.row_prepare

    def spy_prepare(row, **kwargs):
        busy = any(t.name == "statement-writer" for t in threading.enumerate())
        prepared_while_writing[row.line] = busy
        return prepare(row, **kwargs)

    parsed: list[str] = []
    normalise = phones._phone_normalise

    def spy_normalise(raw, *, region):
        parsed.append(raw)
        return normalise(raw, region=region)

    monkeypatch.setattr(engine, "row_prepare", spy_prepare)
    monkeypatch.setattr(phones, "_phone_normalise", spy_normalise)
    landlines = [f"010-1234 56{i:02d}" for i in range(6)]  # not the mobiles' shortcut
    data = "姓名,电话\n" + "".join(f"客户{i},{phone}\n" for i, phone in enumerate(landlines))
    summary = run(data, owner)
    assert summary.as_dict()["created"] == 6, summary.as_dict()
    assert prepared_while_writing == {2: False, 3: False, 4: True, 5: True, 6: True, 7: True}
    assert sorted(parsed) == landlines  # once each, in all
    stored = Customer.objects.filter(phones__raw__in=landlines).values_list(
        "phones__e164", flat=True
    )
    assert sorted(stored) == [f"+86101234 56{i:02d}".replace(" ", "") for i in range(6)]


def test_imported_notes_set_each_customers_last_contact_time(owner):
    """The batch writes a customer's row after its notes, with the time of the latest
    one: what the contact triggers keep it equal to."""
    from django.db.models import Max

    summary = run(HEADER + "".join(ROWS), owner)
    assert summary.as_dict()["created"] == 4
    customers = Customer.objects.annotate(latest=Max("interactions__occurred_at"))
    assert {c.external_id: c.latest is not None for c in customers} == {
        "A-1": True,
        "A-2": False,
        "A-3": True,
        None: False,
    }
    for customer in customers:
        assert customer.last_contacted_at == customer.latest, customer.name


def test_a_file_refused_while_the_batch_before_is_written_keeps_that_batch(owner, monkeypatch):
    """The next batch is read and prepared while the writer writes the one before; if
    the file is refused then (it changed on disk), the refusal still comes after that
    batch, as it would have without reading ahead: in partial mode it is kept."""
    from solocrm.customers.importing.errors import FileRefused

    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    prepare = engine.row_prepare

    def refuse_line_6(row, **kwargs):
        if row.line == 6:
            raise FileRefused("The file changed while it was being imported.")
        return prepare(row, **kwargs)

    monkeypatch.setattr(engine, "row_prepare", refuse_line_6)
    data = "姓名,邮箱\n" + "".join(f"客户{i},c{i}@example.com\n" for i in range(6))
    summary = run(data, owner, mode="partial")
    assert summary.refused == "The file changed while it was being imported."
    assert sorted(Customer.objects.values_list("name", flat=True)) == [f"客户{i}" for i in range(4)]
