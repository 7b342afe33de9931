"""Turning the bytes of a CSV file into text.

Short files fool statistical detectors, so strict decodings are tried first, in this
order: UTF-32 and UTF-16 when the file starts with their byte-order mark; UTF-8 (with or
without a BOM); GB18030, the superset of GBK that Chinese Excel writes. Only a file none
of these decode goes to charset-normalizer, unless it is plainly UTF-8 or GB18030 text
with a few damaged bytes: that is refused, naming the line of the first one, rather than
read as some other encoding's mojibake. Text that decodes but holds NUL bytes or more
than 1% control characters (C0 or C1) is binary data, and is refused.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from solocrm.customers.importing.errors import FileRefused

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
STRICT_CANDIDATES = ("utf-8-sig", "gb18030")
ALLOWED_CONTROLS = {"\t", "\n", "\r", "\x0c"}
MAX_CONTROL_SHARE = 0.01
# Well-formed multi-byte characters: UTF-8 sequences, and GB2312's two high bytes (the
# common hanzi of GBK and GB18030; Latin-1 accents are followed by ASCII, not by these).
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
GB2312_PAIR = re.compile(rb"[\xb0-\xf7][\xa1-\xfe]")
DAMAGED_SHARE = 10  # at least this many good characters for each bad byte
SAMPLE_BYTES = 1024 * 1024
BINARY_SIGNATURES = {
    b"\xd0\xcf\x11\xe0": "an old Excel .xls file or a password-protected workbook; "
    "save it as .xlsx or CSV",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:65536]
    controls = sum(
        1 for ch in sample if (ch < " " or "\x7f" <= ch <= "\x9f") and ch not in ALLOWED_CONTROLS
    )
    return controls > MAX_CONTROL_SHARE * len(sample)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a BOM shows as a NUL in every other byte of ASCII characters."""
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if min(odd_nuls, even_nuls) > max(odd_nuls, even_nuls) // 10:
        return None  # NULs on both sides: binary data, not UTF-16 text
    encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
    text = _strict(data, encoding)
    return (encoding, text) if text is not None else None


def _line_of(data: bytes, position: int) -> int:
    before = data[:position]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _refuse_if_damaged(data: bytes) -> None:
    """Refuse UTF-8 or GB18030 text spoilt by a few bytes (cut, or a stray byte)."""
    for encoding, what, good in (
        ("utf-8", "UTF-8", UTF8_SEQUENCE),
        ("gb18030", "GBK/GB18030 (Chinese)", GB2312_PAIR),
    ):
        try:
            data.decode(encoding)
            continue
        except UnicodeDecodeError as exc:
            first_bad = exc.start
        sample = data[:SAMPLE_BYTES]
        bad = sample.decode(encoding, errors="replace").count("\ufffd")
        if sum(1 for _match in good.finditer(sample)) >= DAMAGED_SHARE * bad:
            raise FileRefused(
                _(
                    "The file is %(encoding)s text, but line %(line)s holds bytes that are "
                    "not valid %(encoding)s (0x%(byte)02X); the file may be damaged or cut "
                    "short. Save it again as UTF-8 CSV and try again."
                )
                % {"encoding": what, "line": _line_of(data, first_bad), "byte": data[first_bad]}
            )


def _candidates(data: bytes) -> list[tuple[str, str]]:
    """(encoding, text) pairs in order of preference; empty when nothing decodes."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            return [(encoding, text)] if text is not None else []
    found = []
    if utf16 := _utf16_without_bom(data):
        found.append(utf16)
    for encoding in STRICT_CANDIDATES:
        text = _strict(data, encoding)
        if text is not None:
            found.append((encoding, text))
    if not found:
        _refuse_if_damaged(data)
        best = from_bytes(data[:SAMPLE_BYTES]).best()
        if best is not None and best.encoding:
            text = _strict(data, best.encoding)
            if text is not None:
                found.append((best.encoding, text))
    return found


def text_decode(*, data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for a CSV file's bytes, or refuse the file."""
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileRefused(_("This is %s, not a CSV or XLSX file.") % what)
    candidates = _candidates(data)
    if not candidates:
        raise FileRefused(
            _(
                "The file's text encoding could not be recognised; save it as UTF-8 CSV "
                "(or CSV from Excel, or XLSX) and try again."
            )
        )
    for encoding, text in candidates:
        if not _looks_binary(text):
            return text.removeprefix("\ufeff"), encoding
    raise FileRefused(_("This looks like a binary file, not a CSV or XLSX file."))
