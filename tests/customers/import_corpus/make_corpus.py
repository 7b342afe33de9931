"""Writes the hand-made hostile import files of this directory (run it to rebuild them).

The files on disk are what the corpus test reads; this script only records how each was
made, byte for byte (a rebuilt workbook differs only in the save time openpyxl stamps).
Files too big to keep in the repository (zip bombs, oversized files, files over the row
limit) are built at test time by ``test_import_corpus``.

    .venv/bin/python tests/customers/import_corpus/make_corpus.py
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
GOOD = "Name,Email,Phone\nAnn Lee,ann@example.com,13900139001\n"


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_text_cells(rows: list[list[str]]) -> bytes:
    """A workbook whose cells are text even when they start with = (a user typed '=...)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CHINESE = (
    "姓名,手机,邮箱,生日\n"
    "张伟,13800138011,zw@example.com,1990-01-02\n"
    "李娜,13900139012,ln@example.com,1991/2/3\n"
)

FILES: dict[str, bytes] = {
    # --- encodings -------------------------------------------------------------------
    "gbk_plain.csv": CHINESE.encode("gbk"),
    "gbk_stray_invalid_byte.csv": CHINESE.encode("gbk").replace(
        "李娜".encode("gbk"), "李".encode("gbk") + b"\xff"
    ),
    "gb18030_only_characters.csv": ("姓名,城市\n䶮明,北京\n𠮷野家,上海\n").encode("gb18030"),
    "utf16_le_bom_tab.csv": codecs.BOM_UTF16_LE + CHINESE.replace(",", "\t").encode("utf-16-le"),
    "utf16_be_bom.csv": codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"),
    "utf16_le_no_bom.csv": CHINESE.replace(",", "\t").encode("utf-16-le"),
    "utf16_be_no_bom.csv": CHINESE.encode("utf-16-be"),
    "utf32_bom.csv": CHINESE.encode("utf-32"),
    "utf8_bom_crlf.csv": CHINESE.replace("\n", "\r\n").encode("utf-8-sig"),
    "utf8_bom_only.csv": codecs.BOM_UTF8,
    "latin1_accents.csv": "Name,City\nJosé Müller,Zürich\nFrançois,Besançon\n".encode("latin-1"),
    "utf8_cut_character.csv": CHINESE.encode().replace("李娜".encode(), "李娜".encode()[:-1]),
    # --- delimiters and quoting --------------------------------------------------------
    "excel_sep_line_semicolon.csv": (
        b"sep=;\r\nName;Email;City\r\nAnn;ann@example.com;Paris, TX\r\nBob;not-an-email;Lyon\r\n"
    ),
    "mixed_delimiters.csv": (
        b"Name,Email,Phone\nAnn,ann@example.com,13900139001\n"
        b"Bob;bob@example.com;13900139002\nCai,cai@example.com,13900139003\n"
    ),
    "unbalanced_quote_at_end.csv": (b'Name,Email\nAnn,ann@example.com\n"Bob,bob@example.com\n'),
    "unbalanced_quote_in_middle.csv": (
        b'Name,Notes\nAnn,"starts a quote\nBob,swallowed\nCai,"ends here\nDan,after\n'
    ),
    "utf16_bom_sep_line_tab.csv": (
        "sep=\t\r\nName\tEmail\r\nAnn\tann@example.com\r\n\r\nBob\tbob@\r\n"
    ).encode("utf-16"),
    "semicolon_with_commas_in_cells.csv": (
        b'Name;Address;Phone\nAnn;"Beijing, Chaoyang; Road 1";13900139001\n'
        b"Bob;Road 2, Haidian;13900139002\n"
    ),
    "quote_inside_unquoted_cell.csv": (b'Name,Notes\nAnn "the boss" Lee,ok\nBob,say ""hi""\n'),
    "embedded_newlines_then_bad_row.csv": (
        b'Name,Notes,Email\nAnn,"line one\nline two\nline three",ann@example.com\n'
        b'Bob,"a\r\nb",bob@example\nCai,,cai@example.com\n'
    ),
    "carriage_return_line_endings.csv": (
        b"Name,Email\rAnn,ann@example.com\rBob,bad@\rCai,cai@example.com\r"
    ),
    "blank_lines_between_rows.csv": (
        b"\n\nName,Email\n\nAnn,ann@example.com\n,\n\nBob,bob@@example.com\n\n"
    ),
    "trailing_delimiters.csv": (b"Name,Email,,,\nAnn,ann@example.com,,,\nBob,bob@example.com,,,\n"),
    # --- hostile values ----------------------------------------------------------------
    "formula_cells.csv": (
        b"Name,City,WeChat ID,Address\n"
        b"\"=cmd|' /C calc'!A0\",+1+1,-2+3,@SUM(A1:A9)\n"
        b'"=HYPERLINK(""http://evil.example"",""click"")",=1+1,@x,"-1,2"\n'
    ),
    "html_script_payloads.csv": (
        b"Name,City,Notes\n<script>alert(1)</script>,<b>Paris</b>,"
        b"\"<img src=x onerror=alert('x')>\"\n"
        b'"""><svg onload=alert(1)>",{{ 7*7 }},{% debug %}\n'
    ),
    "nul_bytes.csv": b"Name,Email\nAnn\x00,ann@example.com\nBob,bob@example.com\n",
    "control_characters.csv": (
        "Name,City\n"
        + "".join(f"Person {i},City {i}\n" for i in range(150))
        + "Esc\x1b[31mRed,Bell\x07Town\n"
    ).encode(),
    "bidi_and_zero_width.csv": (
        "Name,Email\n\u202eevil.exe\u202c,bidi@example.com\nZero\u200bWidth,zw@example.com\n"
    ).encode(),
    "very_long_name.csv": (
        "Name,Email\nAnn,ann@example.com\n" + "长" * 201 + ",long@example.com\n"
    ).encode(),
    "many_problems_in_one_row.csv": (
        b"Name,Email,Phone,Birthday,Gender\n"
        b"Ann,ann@example.com,13900139001,1990-01-02,female\n"
        b",bad@,12,2024-02-30,robot\n"
    ),
    "chinese_headers_bad_values.csv": (
        "客户名称,手机号码,电子邮箱,生日,性别,标签\n"
        "王芳,13800138021,wf@example.com,1990年1月2日,女,VIP，老客户\n"
        "赵磊,1380013,zl@example.com,1990年13月2日,男,\n"
    ).encode(),
    # --- duplicates --------------------------------------------------------------------
    "duplicate_rows_in_file.csv": (
        b"Name,Email,Phone\nAnn,ann@example.com,13900139001\nAnn,ann@example.com,13900139001\n"
        b"Ann Again,ANN@example.com,\nBob,,13900139002\nBobby,,139 0013 9002\n"
    ),
    "rows_duplicating_existing_customers.csv": (
        b"Name,External ID,Email,Phone\nSame Email,,existing@example.com,\n"
        b"Same Phone,,,+86 138 0013 8000\nSame ID,EXT-1,,\nNew One,,new@example.com,\n"
    ),
    # --- headers and shape -------------------------------------------------------------
    "empty.csv": b"",
    "whitespace_only.csv": b" \r\n\t\n  \n",
    "header_only.csv": b"Name,Email,Phone\r\n",
    "header_and_blank_lines.csv": b"Name,Email\n\n,\n\n",
    "header_blank_names.csv": b",,\nAnn,ann@example.com,13900139001\n",
    "unknown_columns_only.csv": b"Foo,Bar,Baz\nAnn,ann@example.com,1\n",
    "unknown_columns_ignored.csv": b"Name,Foo,Email,Bar\nAnn,x,ann@example.com,y\n",
    "repeated_header_names.csv": (
        b"Name,Name,Email,Email\nAnn,Annie,ann@example.com,ann2@example.com\n"
    ),
    "too_many_cells.csv": (
        b"Name,Email\nAnn,ann@example.com\nBob,bob@example.com,surprise\nCai,cai@example.com,,\n"
    ),
    "too_few_cells.csv": (
        b"Name,Email,Phone\nAnn\nBob,bob@example.com\n\nCai,cai@example.com,13900139003\n"
    ),
    "single_column_no_delimiter.csv": b"Name\nAnn\nBob\n",
    # --- wrong kinds of file -----------------------------------------------------------
    "pdf_renamed.csv": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
    "png_renamed.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01",
    "old_xls_renamed.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "gzip_renamed.csv": gzip.compress(GOOD.encode(), mtime=0),
    "csv_named_xlsx.xlsx": GOOD.encode(),
    "csv_named_pdf.pdf": GOOD.encode(),
    "xlsx_named_csv.csv": xlsx({"Customers": [["Name", "Email"], ["Ann", "ann@example.com"]]}),
    # --- workbooks ---------------------------------------------------------------------
    "xlsx_multiple_sheets.xlsx": xlsx(
        {
            "客户": [["姓名", "手机"], ["张伟", 13800138011], [None, None], ["李娜", "bad"]],
            "Other": [["Name"], ["Not imported"]],
        }
    ),
    "xlsx_formulas_dates_numbers.xlsx": xlsx(
        {
            "Sheet": [
                ["Name", "Phone", "Birthday", "External ID"],
                ["Ann", 13900139001, dt.datetime(1990, 1, 2), 1001],
                ["Bob", 13900139002.0, dt.date(1991, 2, 3), 1002.0],
                ['=CONCAT("B","ob")', 13900139003, "1992-03-04", 1003],
            ]
        }
    ),
    "xlsx_text_that_looks_like_formulas.xlsx": xlsx_text_cells(
        [["Name", "City"], ["=cmd|' /C calc'!A0", "@SUM(A1)"], ["+1+1", "-2+3"]]
    ),
    "xlsx_header_only.xlsx": xlsx({"Sheet": [["Name", "Email"]]}),
    "xlsx_empty_sheet.xlsx": xlsx({"Sheet": []}),
}


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("notes.txt", date_time=(2024, 1, 1, 0, 0, 0)), GOOD)
    return buffer.getvalue()


FILES["zip_not_a_workbook.csv"] = _zip_without_workbook()
FILES["xlsx_truncated.xlsx"] = FILES["xlsx_multiple_sheets.xlsx"][:700]


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    print(f"{len(FILES)} files written to {HERE}")


if __name__ == "__main__":
    main()
