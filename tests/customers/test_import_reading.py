"""Reading files: encodings, delimiters, line numbers, XLSX, and files refused whole."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.fields import CUSTOMER_FIELDS
from solocrm.customers.importing.headers import mapping_suggest
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.reading import table_read

CHINESE = "姓名,手机,邮箱\n张伟,13800138000,zw@example.com\n李娜,13900139000,ln@example.com\n"


def xlsx_bytes(rows: list[list], *, title: str = "客户") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CHINESE.encode("gbk"), "gb18030"),
        (CHINESE.encode("gb18030"), "gb18030"),
        (CHINESE.encode("utf-8"), "utf-8-sig"),
        (CHINESE.encode("utf-8-sig"), "utf-8-sig"),
        (CHINESE.encode("utf-16"), "utf-16"),
        (CHINESE.replace(",", "\t").encode("utf-16-le"), "utf-16-le"),
    ],
    ids=["gbk", "gb18030", "utf8", "utf8-bom", "utf16-bom", "utf16le-no-bom"],
)
def test_encodings_are_detected_and_text_is_exact(data, encoding):
    table = table_read(data=data, filename="customers.csv")
    assert table.encoding == encoding
    assert table.headers == ["姓名", "手机", "邮箱"]
    assert [row.cells for row in table.rows] == [
        ("张伟", "13800138000", "zw@example.com"),
        ("李娜", "13900139000", "ln@example.com"),
    ]


def test_a_short_gbk_file_is_not_mistaken_for_another_encoding():
    table = table_read(data="姓名\n王芳\n".encode("gbk"), filename="a.csv")
    assert table.headers == ["姓名"]
    assert table.rows[0].cells == ("王芳",)


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "bar"), (",", "comma")]
)
def test_delimiters_are_sniffed(delimiter, name):
    text = delimiter.join(["Name", "Address", "Phone"]) + "\n"
    text += delimiter.join(["Ann", '"Beijing, Chaoyang; Road 1"', "13800138000"]) + "\n"
    table = table_read(data=text.encode(), filename="a.csv")
    assert table.delimiter == delimiter
    assert table.rows[0].cells == ("Ann", "Beijing, Chaoyang; Road 1", "13800138000")


def test_excel_sep_hint_line_sets_the_delimiter_and_counts_as_a_line():
    table = table_read(data=b"sep=;\nName;City\nAnn;Paris, TX\n", filename="a.csv")
    assert table.delimiter == ";"
    assert table.header_line == 2
    assert table.rows[0].line == 3
    assert table.rows[0].cells == ("Ann", "Paris, TX")


def test_line_numbers_are_physical_lines_with_multiline_cells_and_blank_lines():
    text = (
        "Name,Notes\r\n"  # line 1
        'Ann,"first\r\nsecond\r\nthird"\r\n'  # lines 2-4
        "\r\n"  # line 5, blank
        "Bob,plain\r\n"  # line 6
        '"Cai\nWei","a ""quoted"" word"\n'  # lines 7-8
        "Dan,last"  # line 9, no newline at the end
    )
    table = table_read(data=text.encode(), filename="a.csv")
    assert [row.line for row in table.rows] == [2, 6, 7, 9]
    assert table.rows[0].cells[1] == "first\r\nsecond\r\nthird"
    assert table.rows[2].cells == ("Cai\nWei", 'a "quoted" word')
    assert table.blank_rows == 1


def test_xlsx_rows_keep_sheet_numbers_and_native_values():
    data = xlsx_bytes(
        [
            ["姓名", "手机", "生日"],
            ["张伟", 13800138000, dt.datetime(1990, 5, 1)],
            [None, None, None],
            ["李娜", "+86 139 0013 9000", "1991/2/3"],
        ]
    )
    table = table_read(data=data, filename="客户.xlsx")
    assert table.file_format == "xlsx"
    assert table.sheet == "客户"
    assert table.headers == ["姓名", "手机", "生日"]
    assert [row.line for row in table.rows] == [2, 4]
    assert table.rows[0].cells == ("张伟", 13800138000, dt.datetime(1990, 5, 1))


def test_xlsx_is_recognised_by_content_not_name():
    data = xlsx_bytes([["Name"], ["Ann"]])
    assert table_read(data=data, filename="upload.csv").file_format == "xlsx"


def test_repeated_and_empty_headers_get_distinct_names():
    table = table_read(data=b"Phone,,Phone,Name\n1,2,3,Ann\n", filename="a.csv")
    assert table.headers == ["Phone", "Column 2", "Phone (2)", "Name"]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"", "a.csv", "empty"),
        (b"  \r\n\r\n ", "a.csv", "empty"),
        (b"Name,Phone\r\n", "a.csv", "no data rows"),
        (b"Name,Phone\r\n,\r\n", "a.csv", "no data rows"),
        (os.urandom(4096), "a.csv", "encoding|binary"),
        (b"\x00\x01\x02\x03binary\x00" * 50, "a.csv", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", r"\.xls"),
        (b"%PDF-1.7 whatever", "a.csv", "PDF"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "damaged"),
        (b"Name\nAnn\n", "a.xlsx", "not an Excel workbook"),
        (b"Name\nAnn\n", "a.docx", "cannot be imported"),
        (_zip_bomb(), "bomb.xlsx", "unpacks to 3 MB"),
    ],
    ids=[
        "empty",
        "whitespace",
        "header-only",
        "header-and-blank-row",
        "random-bytes",
        "nul-bytes",
        "xls",
        "pdf",
        "damaged-zip",
        "csv-named-xlsx",
        "docx",
        "zip-bomb",
    ],
)
def test_unreadable_files_are_refused_with_the_reason(data, filename, reason):
    limits = ImportLimits(max_unpacked_bytes=2 * 1024 * 1024)
    with pytest.raises(FileRefused, match=reason):
        table_read(data=data, filename=filename, limits=limits)


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRefused, match="not an XLSX workbook"):
        table_read(data=buffer.getvalue(), filename="a.xlsx")


def test_files_over_the_size_limit_are_refused_before_reading():
    with pytest.raises(FileRefused, match="at most 1 MB"):
        table_read(data=b"x" * (1024 * 1024 + 1), limits=ImportLimits(max_bytes=1024 * 1024))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_files_over_the_row_limit_are_refused(file_format):
    rows = [["Name"], *([f"n{i}"] for i in range(6))]
    data = xlsx_bytes(rows) if file_format == "xlsx" else "\n".join(r[0] for r in rows).encode()
    with pytest.raises(FileRefused, match="more than 5 data rows"):
        table_read(data=data, filename=f"a.{file_format}", limits=ImportLimits(max_rows=5))
    assert len(table_read(data=data, filename=f"a.{file_format}").rows) == 6


def test_unterminated_quote_or_oversized_field_is_refused_with_a_line():
    huge = b'Name,Notes\nAnn,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(FileRefused, match=r"Line \d+: the file is not valid CSV"):
        table_read(data=huge, filename="a.csv")


def test_chinese_and_english_headers_are_suggested():
    headers = [
        "客户名称", "手机号", "电子邮件", "公司", "微信号", "地址", "城市", "生日",
        "标签", "备注", "来源", "性别", "电话", "不认识的列",
    ]  # fmt: skip
    assert mapping_suggest(headers=headers, fields=CUSTOMER_FIELDS) == {
        "客户名称": "name",
        "手机号": "phones",
        "电子邮件": "emails",
        "公司": "company",
        "微信号": "wechat_id",
        "地址": "address",
        "城市": "city",
        "生日": "birthday",
        "标签": "tags",
        "备注": "notes",
        "来源": "source",
        "性别": "gender",
        "电话": "phones",
        "不认识的列": "",
    }
    english = ["Full Name", "E-mail *", "Mobile Phone", "Company Phone", "客户手机号", "名字"]
    assert mapping_suggest(headers=english, fields=CUSTOMER_FIELDS) == {
        "Full Name": "name",
        "E-mail *": "emails",
        "Mobile Phone": "phones",
        "Company Phone": "phones",  # compound names end in what they are
        "客户手机号": "phones",
        "名字": "",  # name is taken by the first column
    }


def _read_outcome(path: Path) -> object:
    try:
        table = table_read(data=path.read_bytes(), filename=path.name, path=path)
    except FileRefused as exc:
        return ("refused", str(exc))
    rows = [(row.line, row.cells) for row in table.rows]
    return (table.headers, table.delimiter, table.encoding, table.blank_rows, rows)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (Path(__file__).parent / "import_corpus").iterdir() if p.suffix != ".py"),
    ids=lambda p: p.name,
)
def test_a_long_text_read_from_its_head_and_the_file_reads_as_the_whole_text(path, monkeypatch):
    """Past HEAD_CHARS the text is not held: the first pass reads the file again. Every
    corpus file (made "long" by a tiny head) reads exactly as from its whole text."""
    from solocrm.customers.importing import csv_reading, reading

    monkeypatch.setattr(csv_reading, "SAMPLE_CHARS", 40)
    monkeypatch.setattr(reading, "HEAD_CHARS", 10**9)
    whole = _read_outcome(path)
    monkeypatch.setattr(reading, "HEAD_CHARS", 60)
    assert _read_outcome(path) == whole
