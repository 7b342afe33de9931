"""A corpus of malformed and hostile customer import files, each checked end to end.

Every file is its own test. A file is either refused whole (the reason names what is
wrong, nothing is written, one ``import`` audit entry says so) or every data row is
accounted for: created + updated + skipped + rejected = the table's rows, and each
rejected row is reported with its physical line (its sheet row in XLSX) and column. In
atomic mode a file with a rejected row writes nothing; in partial mode exactly the good
rows are written.

Hand-made files live in ``import_corpus/`` (``make_corpus.py`` records how each was
made); files too big for the repository are built here, deterministically.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from solocrm.core.context import acting_as
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.exporting import customers_export
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.services import ImportOptions, ImportSummary, import_file
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction

CORPUS = Path(__file__).parent / "import_corpus"
MB = 1024 * 1024
SMALL = ImportLimits(max_bytes=64 * 1024, max_rows=10, max_unpacked_bytes=2 * MB)


# --- files built at test time --------------------------------------------------------


def _zip_bomb() -> bytes:
    """A real workbook plus a sheet of 201 MB of zeros (about 200 KB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"0" * MB
            for _ in range(201):
                member.write(block)
    return buffer.getvalue()


def _lying_zip_bomb() -> bytes:
    """A workbook whose sheet declares 1 KB but inflates to 50 MB: the sizes in both zip
    headers are rewritten, so only reading the member would find the lie."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name"])
    workbook.active.append(["Ann"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    sheet_xml = source.read("xl/worksheets/sheet1.xml")
    padded = sheet_xml.replace(b"</worksheet>", b"<!--" + b" " * (50 * MB) + b"--></worksheet>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = padded if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            archive.writestr(info.filename, data)
    data = bytearray(out.getvalue())
    real = len(padded).to_bytes(4, "little")
    fake = (1024).to_bytes(4, "little")
    position = 0
    while (position := data.find(real, position)) != -1:  # local and central headers
        data[position : position + 4] = fake
    return bytes(data)


def _oversized() -> bytes:
    row = "Ann Lee,ann@example.com,13900139001\n"
    return ("Name,Email,Phone\n" + row * (SMALL.max_bytes // len(row) + 1)).encode()


def _over_row_limit() -> bytes:
    return ("Name\n" + "".join(f"Person {i}\n" for i in range(SMALL.max_rows + 1))).encode()


def _xlsx_over_row_limit() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name"])
    for i in range(SMALL.max_rows + 1):
        workbook.active.append([f"Person {i}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _too_many_columns() -> bytes:
    header = ",".join(["Name", *(f"Extra {i}" for i in range(200))])
    return f"{header}\nAnn\n".encode()


def _huge_field() -> bytes:
    return b'Name,Notes\nAnn,short\nBob,"' + b"x" * 200_000 + b'"\nCai,after\n'


GENERATED: dict[str, Callable[[], bytes]] = {
    "xlsx_zip_bomb_201mb.xlsx": _zip_bomb,
    "xlsx_zip_bomb_lying_sizes.xlsx": _lying_zip_bomb,
    "oversized.csv": _oversized,
    "over_the_row_limit.csv": _over_row_limit,
    "xlsx_over_the_row_limit.xlsx": _xlsx_over_row_limit,
    "too_many_columns.csv": _too_many_columns,
    "huge_quoted_field.csv": _huge_field,
}


# --- expectations --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What a file must give: ``refused`` (a part of the reason), or the names the good
    rows create (in file order), how many rows are skipped as existing customers, and
    for each rejected row its line and the columns named in its problems."""

    refused: str = ""
    created: tuple[str, ...] = ()
    skipped: int = 0
    rejected: dict[int, tuple[str, ...]] = field(default_factory=dict)
    limits: ImportLimits | None = None
    encoding: str = ""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → field values
    rerun: bool = False  # every good row has an email, phone or external ID to match on


TWO_CHINESE = ("张伟", "李娜")
CASES: dict[str, Case] = {
    # encodings
    "gbk_plain.csv": Case(rerun=True, created=TWO_CHINESE, encoding="gb18030"),
    "gbk_stray_invalid_byte.csv": Case(
        refused="line 3 holds bytes that are not valid GBK/GB18030 (Chinese) (0xFF)"
    ),
    "gb18030_only_characters.csv": Case(
        created=("䶮明", "𠮷野家"), encoding="gb18030", stored={"𠮷野家": {"city": "上海"}}
    ),
    "utf16_le_bom_tab.csv": Case(created=TWO_CHINESE, encoding="utf-16"),
    "utf16_be_bom.csv": Case(created=TWO_CHINESE, encoding="utf-16"),
    "utf16_le_no_bom.csv": Case(created=TWO_CHINESE, encoding="utf-16-le"),
    "utf16_be_no_bom.csv": Case(created=TWO_CHINESE, encoding="utf-16-be"),
    "utf32_bom.csv": Case(created=TWO_CHINESE, encoding="utf-32"),
    "utf8_bom_crlf.csv": Case(
        rerun=True,
        created=TWO_CHINESE,
        encoding="utf-8-sig",
        stored={"李娜": {"birthday": "1991-02-03", "emails": ["ln@example.com"]}},
    ),
    "utf8_bom_only.csv": Case(refused="empty"),
    "latin1_accents.csv": Case(
        created=("José Müller", "François"), stored={"François": {"city": "Besançon"}}
    ),
    "utf8_cut_character.csv": Case(refused="line 3 holds bytes that are not valid UTF-8"),
    # delimiters and quoting
    "excel_sep_line_semicolon.csv": Case(
        created=("Ann",), rejected={4: ("Email",)}, stored={"Ann": {"city": "Paris, TX"}}
    ),
    "utf16_bom_sep_line_tab.csv": Case(
        created=("Ann",), rejected={5: ("Email",)}, encoding="utf-16"
    ),
    "semicolon_with_commas_in_cells.csv": Case(
        created=("Ann", "Bob"), stored={"Ann": {"address": "Beijing, Chaoyang; Road 1"}}
    ),
    "mixed_delimiters.csv": Case(
        refused="Line 3 is separated by semicolons but the file by commas"
    ),
    "unbalanced_quote_at_end.csv": Case(
        refused="Line 3: the file is not valid CSV (a quoted value starts on line 3 and is never"
    ),
    "unbalanced_quote_in_middle.csv": Case(
        refused="Line 4: the file is not valid CSV (text follows the closing quote of a "
        "value begun on line 2"
    ),
    "quote_inside_unquoted_cell.csv": Case(created=('Ann "the boss" Lee', "Bob")),
    "embedded_newlines_then_bad_row.csv": Case(
        rerun=True, created=("Ann", "Cai"), rejected={5: ("Email",)}
    ),
    "carriage_return_line_endings.csv": Case(
        rerun=True, created=("Ann", "Cai"), rejected={3: ("Email",)}
    ),
    "blank_lines_between_rows.csv": Case(created=("Ann",), rejected={8: ("Email",)}),
    "trailing_delimiters.csv": Case(created=("Ann", "Bob")),
    # hostile values
    "formula_cells.csv": Case(
        created=("=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")'),
        stored={
            "=cmd|' /C calc'!A0": {"city": "+1+1", "wechat_id": "-2+3", "address": "@SUM(A1:A9)"},
            '=HYPERLINK("http://evil.example","click")': {"city": "=1+1", "address": "-1,2"},
        },
    ),
    "html_script_payloads.csv": Case(
        created=("<script>alert(1)</script>", '"><svg onload=alert(1)>'),
        stored={'"><svg onload=alert(1)>': {"city": "{{ 7*7 }}"}},
    ),
    "nul_bytes.csv": Case(refused="binary"),
    "control_characters.csv": Case(
        created=(*(f"Person {i}" for i in range(150)), "Esc[31mRed"),
        stored={"Esc[31mRed": {"city": "BellTown"}},
    ),
    "bidi_and_zero_width.csv": Case(created=("\u202eevil.exe\u202c", "Zero\u200bWidth")),
    "very_long_name.csv": Case(created=("Ann",), rejected={3: ("Name",)}),
    "many_problems_in_one_row.csv": Case(
        created=("Ann",), rejected={3: ("Email", "Phone", "Birthday", "Gender", "Name")}
    ),
    "chinese_headers_bad_values.csv": Case(
        rerun=True,
        created=("王芳",),
        rejected={3: ("手机号码", "生日")},
        stored={"王芳": {"birthday": "1990-01-02", "tags": ["VIP", "老客户"], "gender": "female"}},
    ),
    # duplicates
    "duplicate_rows_in_file.csv": Case(rerun=True, created=("Ann", "Bob"), skipped=3),
    "rows_duplicating_existing_customers.csv": Case(rerun=True, created=("New One",), skipped=3),
    # headers and shape
    "empty.csv": Case(refused="empty"),
    "whitespace_only.csv": Case(refused="empty"),
    "header_only.csv": Case(refused="no data rows"),
    "header_and_blank_lines.csv": Case(refused="no data rows"),
    # a row of empty names is a blank line (Excel writes them above a table), so the
    # first data row is taken for the header and nothing is left to import
    "header_blank_names.csv": Case(refused="no data rows"),
    "unknown_columns_only.csv": Case(refused="no column is mapped to Name"),
    "unknown_columns_ignored.csv": Case(created=("Ann",)),
    "repeated_header_names.csv": Case(
        created=("Ann",), stored={"Ann": {"emails": ["ann@example.com", "ann2@example.com"]}}
    ),
    "too_many_cells.csv": Case(created=("Ann", "Cai"), rejected={3: ("Column 3",)}),
    "too_few_cells.csv": Case(created=("Ann", "Bob", "Cai")),
    "single_column_no_delimiter.csv": Case(created=("Ann", "Bob")),
    # wrong kinds of file
    "pdf_renamed.csv": Case(refused="PDF"),
    "png_renamed.csv": Case(refused="PNG"),
    "old_xls_renamed.csv": Case(refused=".xls"),
    "gzip_renamed.csv": Case(refused="gzip"),
    "csv_named_xlsx.xlsx": Case(refused="not an Excel workbook"),
    "csv_named_pdf.pdf": Case(refused="type .pdf"),
    "xlsx_named_csv.csv": Case(created=("Ann",)),
    "zip_not_a_workbook.csv": Case(refused="not an XLSX workbook"),
    # workbooks
    "xlsx_multiple_sheets.xlsx": Case(rerun=True, created=("张伟",), rejected={4: ("手机",)}),
    "xlsx_formulas_dates_numbers.xlsx": Case(
        rerun=True,
        created=("Ann", "Bob"),
        rejected={4: ("Name",)},  # a formula is never run: no cached value, no name
        stored={"Bob": {"external_id": "1002", "birthday": "1991-02-03"}},
    ),
    "xlsx_text_that_looks_like_formulas.xlsx": Case(
        created=("=cmd|' /C calc'!A0", "+1+1"), stored={"+1+1": {"city": "-2+3"}}
    ),
    "xlsx_header_only.xlsx": Case(refused="no data rows"),
    "xlsx_empty_sheet.xlsx": Case(refused="empty"),
    "xlsx_truncated.xlsx": Case(refused="damaged"),
    # generated
    "xlsx_zip_bomb_201mb.xlsx": Case(refused="zip bomb"),
    "xlsx_zip_bomb_lying_sizes.xlsx": Case(refused="could not be read", limits=SMALL),
    "oversized.csv": Case(refused="MB", limits=SMALL),
    "over_the_row_limit.csv": Case(refused="more than 10 data rows", limits=SMALL),
    "xlsx_over_the_row_limit.xlsx": Case(refused="more than 10 data rows", limits=SMALL),
    "too_many_columns.csv": Case(refused="201 columns"),
    "huge_quoted_field.csv": Case(refused="Line 3: the file is not valid CSV (field larger than"),
}


def test_the_corpus_is_complete():
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    assert on_disk | set(GENERATED) == set(CASES)
    assert len(CASES) >= 40


# --- the checks ----------------------------------------------------------------------

EXISTING = "Existing Person"


@pytest.fixture
def existing(owner):
    with acting_as(owner, "ui"):
        return services.customer_create(
            by=owner,
            name=EXISTING,
            emails=["existing@example.com"],
            phones=["+8613800138000"],
            data={"external_id": "EXT-1"},
        )


def _counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "emails": CustomerEmail.objects.count(),
        "phones": CustomerPhone.objects.count(),
        "companies": Company.objects.count(),
        "interactions": Interaction.objects.count(),
        "audit (not import)": AuditEntry.objects.exclude(action="import").count(),
        "audit (import)": AuditEntry.objects.filter(action="import").count(),
    }


def _import(owner: Any, data: bytes, name: str, mode: str, limits: ImportLimits | None):
    with acting_as(owner, "cli"):
        return import_file(
            data=data, filename=name, by=owner, options=ImportOptions(mode=mode), limits=limits
        )


def _check_accounting(summary: ImportSummary, case: Case) -> None:
    counts = summary.as_dict()
    assert summary.result is not None
    assert counts["rows"] == summary.table["rows"] > 0
    assert counts["rows"] == sum(counts[k] for k in ("created", "updated", "skipped", "rejected"))
    assert (counts["created"], counts["updated"], counts["skipped"], counts["rejected"]) == (
        len(case.created),
        0,
        case.skipped,
        len(case.rejected),
    ), summary.problems
    lines = [outcome.line for outcome in summary.result.outcomes]
    assert lines == sorted(set(lines))
    rejected = {o.line for o in summary.result.outcomes if o.action == "rejected"}
    assert rejected == set(case.rejected)
    found: dict[int, tuple[str, ...]] = {}
    for problem in summary.problems:
        found[problem.line] = (*found.get(problem.line, ()), problem.column)
        assert problem.reason
    assert found == case.rejected
    if case.encoding:
        assert summary.table["encoding"] == case.encoding


def _stored(customer: Customer, key: str) -> Any:
    if key == "emails":
        return list(customer.emails.values_list("email", flat=True))
    if key == "tags":
        return sorted(customer.tags.values_list("name", flat=True))
    value = getattr(customer, key)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _check_written(before_names: set[str], case: Case) -> None:
    new = list(
        Customer.objects.exclude(name__in=before_names)
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert new == list(case.created)
    for name, values in case.stored.items():
        customer = Customer.objects.get(name=name)
        assert {key: _stored(customer, key) for key in values} == values


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file(owner, existing, name):
    case = CASES[name]
    data = GENERATED[name]() if name in GENERATED else (CORPUS / name).read_bytes()
    before = _counts()
    before_names = set(Customer.objects.values_list("name", flat=True))

    summary = _import(owner, data, name, "atomic", case.limits)
    after = _counts()
    assert after["audit (import)"] == before["audit (import)"] + 1
    if case.refused:
        assert case.refused in summary.refused
        assert summary.result is None and not summary.written
        assert {**after, "audit (import)": 0} == {**before, "audit (import)": 0}
        entry = AuditEntry.objects.filter(action="import").latest("id")
        assert entry.changes["refused"] == summary.refused
        return
    assert not summary.refused, summary.refused
    _check_accounting(summary, case)
    if case.rejected:  # atomic: nothing at all
        assert not summary.written
        assert {**after, "audit (import)": 0} == {**before, "audit (import)": 0}
        summary = _import(owner, data, name, "partial", case.limits)
        _check_accounting(summary, case)
    assert summary.written
    _check_written(before_names, case)
    if case.rerun:  # the same file again creates no one
        again = _import(owner, data, name, "partial", case.limits).as_dict()
        assert (again["created"], again["rejected"]) == (0, len(case.rejected))
        assert again["skipped"] == len(case.created) + case.skipped
        _check_written(before_names, case)


def test_formula_cells_are_stored_as_text_and_exported_neutralised(owner, existing):
    _import(owner, (CORPUS / "formula_cells.csv").read_bytes(), "f.csv", "atomic", None)
    with acting_as(owner, "ui"):
        export = customers_export(
            by=owner, customers=Customer.objects.all(), file_format="csv", filters={}
        )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    cmd = by_name["'=cmd|' /C calc'!A0"]
    assert (cmd["City"], cmd["WeChat ID"], cmd["Address"]) == ("'+1+1", "'-2+3", "'@SUM(A1:A9)")
    link = by_name['\'=HYPERLINK("http://evil.example","click")']
    assert (link["City"], link["Address"]) == ("'=1+1", "'-1,2")
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")]
