"""Read a user's transaction file into the transaction-log contract, with clear errors.

A transaction file is text with one transaction per line (an order, order line,
payment or refund) and at least three columns: who bought, when and how much.

- **Separator**: ``"auto"`` (the default) looks at the first line: a tab means TSV,
  otherwise a comma, otherwise a semicolon; a line with none of them is split on runs
  of spaces (``"whitespace"``, e.g. the CDNOW sample). ``"comma"``, ``"tab"``,
  ``"semicolon"``, ``"whitespace"`` or any single character can be given instead.
- **Header**: by default the first line names the columns. Without a header
  (``header=False``) the columns are named by ``column_names`` when given, otherwise
  by their 0-based position (``"0"``, ``"1"``, ...). A column is chosen by its name,
  or by its 0-based position when no column has that name.
- **Encoding**: ``"auto"`` reads UTF-8 (a byte-order mark is skipped) and falls back
  to GB18030 (a superset of GBK and GB2312, what Chinese spreadsheet software writes)
  when the file is not valid UTF-8.
- **Customer**: any text, kept as written apart from surrounding spaces (so
  ``00004`` stays ``00004``). An empty customer is an error.
- **Date**: ``date_format`` is a ``strftime`` pattern such as ``"%Y%m%d"`` or
  ``"%d.%m.%Y %H:%M"``. Without it, ISO 8601 is tried first (``2024-03-05``,
  ``2024-03-05 14:22``, ``20240305``); otherwise the pattern is guessed from the first
  date (``2024/03/05 14:22`` works) and then required of every row. Ambiguous dates such
  as ``05/03/2024`` are guessed month first: give ``date_format`` for day-first data.
  A time zone offset is dropped (the local wall-clock time is kept).
- **Amount**: a number; a currency sign or code (``¥``, ``￥``, ``$``, ``€``, ``£``,
  ``元``, ``RMB``, ``CNY``, ...), spaces and thousands separators (``1,234.50``) are
  removed, ``(12.00)`` and ``−12`` (a Unicode minus) mean ``-12``. A comma is accepted
  only as a thousands separator followed by groups of three digits, so a decimal comma
  (``12,5``) is refused rather than misread. Negative amounts are refunds: they are
  kept, and the analysis decides what to do with them.

Lines with more fields than the header are read with the extra fields ignored; a
field missing from a short line counts as empty (and is then refused if it is one of
the three columns).

Errors raise :class:`TransactionFileError` with a message for the user: a missing
column is named with the columns found; unparsable dates, amounts or empty customers
name the column and the 1-based line numbers in the file of the first few bad rows.

A simple delimited file (no quotes, ISO dates, plain numbers) is split with numpy
(:mod:`solocrm.analytics.io_fast`). Any other file is read in chunks of ``chunk_rows``
lines with pandas' C parser and each chunk is turned into compact arrays at once
(customer codes, dates, float amounts), so ten million lines never exist as Python
strings all at the same time. Both give the same result.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from solocrm.analytics.io_fast import read_simple_file

SEPARATORS = {"comma": ",", "tab": "\t", "semicolon": ";", "whitespace": r"\s+"}
WHITESPACE = r"\s+"
ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK_ROWS = 1_000_000
BAD_ROWS_SHOWN = 5

_CURRENCY = re.compile(r"(?i)[¥￥$€£₩₹]|元|rmb|cny|usd|eur|gbp|hkd|jpy|\s")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_MINUS = str.maketrans({"−": "-", "－": "-", "（": "(", "）": ")"})


class TransactionFileError(ValueError):
    """A transaction file that cannot be analysed; the message says what and where."""


@dataclass(frozen=True)
class TransactionFile:
    """A transaction file read into the analytics' transaction-log contract.

    ``transactions`` has one row per line of the file (in file order) with the columns
    ``customer_id`` (int64 code; ``customer_labels[code]`` is the text from the file),
    ``timestamp`` (datetime64) and ``amount`` (float64, negative for refunds).
    ``customer_labels`` is sorted, so code order is label order.
    """

    transactions: pd.DataFrame
    customer_labels: pd.Index
    path: str
    encoding: str
    separator: str
    header: bool
    columns_found: list[str]
    columns_used: dict[str, str]
    date_format: str
    rows: int = field(default=0)


def read_transactions(
    path: str | Path,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str,
    separator: str = "auto",
    header: bool = True,
    column_names: Sequence[str] | None = None,
    date_format: str | None = None,
    encoding: str = "auto",
    chunk_rows: int = CHUNK_ROWS,
) -> TransactionFile:
    """Read and validate a transaction file (see the module docstring for the rules)."""
    path = Path(path)
    if not path.is_file():
        raise TransactionFileError(f"{path}: no such file")
    chosen_encoding = detect_encoding(path) if encoding == "auto" else encoding
    first_line = _first_line(path, chosen_encoding)
    if first_line is None:
        raise TransactionFileError(f"{path}: the file is empty")
    sep = _separator(separator, first_line)
    names = _column_names(path, chosen_encoding, sep, header, column_names)
    positions = {
        role: _column_position(names, wanted, role)
        for role, wanted in (("customer", customer_col), ("date", date_col), ("amount", amount_col))
    }
    if len(set(positions.values())) < 3:
        raise TransactionFileError("the customer, date and amount columns must be different")
    reader = _Reader(path, chosen_encoding, sep, header, positions, names, date_format)
    simple = None
    if date_format in (None, "ISO8601"):
        simple = read_simple_file(str(path), chosen_encoding, sep, header, positions, len(names))
    if simple is not None:
        codes, uniques = [simple.codes], [simple.labels]
        stamps, amounts = [simple.stamps], [simple.amounts]
        reader.rows, reader.date_format = simple.rows, "ISO8601"
    else:
        codes, uniques, stamps, amounts = [], [], [], []
        for chunk in reader.chunks(chunk_rows):
            codes.append(chunk[0])
            uniques.append(chunk[1])
            stamps.append(chunk[2])
            amounts.append(chunk[3])
    if reader.rows == 0:
        raise TransactionFileError(f"{path}: the file has no transactions, only a header")
    customer_code, labels = _merge_customer_codes(codes, uniques)
    transactions = pd.DataFrame(
        {
            "customer_id": customer_code,
            "timestamp": np.concatenate(stamps),
            "amount": np.concatenate(amounts),
        }
    )
    return TransactionFile(
        transactions=transactions,
        customer_labels=labels,
        path=str(path),
        encoding=chosen_encoding,
        separator={v: k for k, v in SEPARATORS.items()}.get(sep, sep),
        header=header,
        columns_found=names,
        columns_used={role: names[position] for role, position in positions.items()},
        date_format=reader.date_format or "ISO8601",
        rows=reader.rows,
    )


def detect_encoding(path: Path, block_bytes: int = 1 << 22) -> str:
    """``"utf-8-sig"`` when the whole file is valid UTF-8, else ``"gb18030"`` if valid."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as stream:
                while block := stream.read(block_bytes):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise TransactionFileError(
        f"{path}: the file is neither UTF-8 nor GB18030 (GBK) text; save it as UTF-8 "
        "or give the encoding"
    )


def _first_line(path: Path, encoding: str) -> str | None:
    with path.open(encoding=encoding, newline="") as stream:
        for line in stream:
            if line.strip():
                return line
    return None


def _separator(separator: str, first_line: str) -> str:
    if separator != "auto":
        sep = SEPARATORS.get(separator, separator)
        if sep != WHITESPACE and len(sep) != 1:
            raise TransactionFileError(
                f"unknown separator {separator!r}: use auto, {', '.join(SEPARATORS)} "
                "or a single character"
            )
        return sep
    for candidate in ("\t", ",", ";"):
        if candidate in first_line:
            return candidate
    return WHITESPACE


def _column_names(
    path: Path, encoding: str, sep: str, header: bool, column_names: Sequence[str] | None
) -> list[str]:
    width_frame = pd.read_csv(
        path, sep=sep, header=None, nrows=1, dtype=str, encoding=encoding, keep_default_na=False
    )
    found = [str(name).strip() for name in width_frame.iloc[0]] if header else []
    if column_names is not None:
        names = [str(name).strip() for name in column_names]
        if len(names) != width_frame.shape[1]:
            raise TransactionFileError(
                f"{len(names)} column names were given but the file has "
                f"{width_frame.shape[1]} columns"
            )
        return names
    return found or [str(position) for position in range(width_frame.shape[1])]


def _column_position(names: list[str], wanted: str, role: str) -> int:
    wanted = str(wanted).strip()
    if wanted in names:
        return names.index(wanted)
    if wanted.isdigit() and int(wanted) < len(names):
        return int(wanted)
    raise TransactionFileError(
        f"the {role} column {wanted!r} is not in the file; columns found: "
        + ", ".join(repr(name) for name in names)
    )


class _Reader:
    """Chunked reading with per-chunk conversion; remembers the rows seen."""

    def __init__(
        self,
        path: Path,
        encoding: str,
        sep: str,
        header: bool,
        positions: dict[str, int],
        names: list[str],
        date_format: str | None,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.sep = sep
        self.header = header
        self.positions = positions
        self.names = names
        self.date_format = date_format
        self.rows = 0

    def chunks(self, chunk_rows: int) -> Iterator[tuple[np.ndarray, ...]]:
        usecols = sorted(self.positions.values())
        text_columns = {self.positions["customer"]: object, self.positions["date"]: object}
        try:
            reader = pd.read_csv(
                self.path,
                sep=self.sep,
                header=None,
                skiprows=1 if self.header else 0,
                usecols=usecols,
                dtype=text_columns,
                encoding=self.encoding,
                chunksize=chunk_rows,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=True,
                on_bad_lines="error",
            )
        except pd.errors.EmptyDataError:
            return
        try:
            for frame in reader:
                first_row = self.rows
                self.rows += len(frame)
                yield self._convert(frame, first_row)
        except pd.errors.ParserError as error:
            raise TransactionFileError(f"{self.path}: the file cannot be read: {error}") from None
        finally:
            reader.close()

    def _convert(self, frame: pd.DataFrame, first_row: int) -> tuple[np.ndarray, ...]:
        customer = frame[self.positions["customer"]].str.strip()
        bad = customer.isna().to_numpy() | (customer == "").to_numpy()
        if bad.any():
            self._fail("customer", "an empty customer", np.flatnonzero(bad), customer, first_row)
        codes, uniques = pd.factorize(customer.to_numpy())
        stamps = self._dates(frame[self.positions["date"]], first_row)
        amounts = self._amounts(frame[self.positions["amount"]], first_row)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object), stamps, amounts

    def _dates(self, values: pd.Series, first_row: int) -> np.ndarray:
        text = values.str.strip()
        if self.date_format is None:
            self.date_format = _choose_date_format(text)
        form = None if self.date_format == "ISO8601" else self.date_format
        try:
            parsed = pd.to_datetime(text, format=form or "ISO8601", errors="coerce")
        except ValueError:  # e.g. mixed time zone offsets
            parsed = pd.to_datetime(text, format=form or "ISO8601", errors="coerce", utc=True)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        bad = parsed.isna().to_numpy()
        if bad.any():
            what = f"a date that does not match {self.date_format}" if form else "a bad date"
            self._fail("date", what, np.flatnonzero(bad), values, first_row)
        return parsed.to_numpy().astype("datetime64[s]")

    def _amounts(self, values: pd.Series, first_row: int) -> np.ndarray:
        if pd.api.types.is_numeric_dtype(values.dtype):
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan, copy=True
            )
            retry = np.flatnonzero(np.isnan(numbers) & values.notna().to_numpy())
            if retry.size:
                numbers[retry] = [_amount_from_text(values.iloc[i]) for i in retry]
        bad = ~np.isfinite(numbers)
        if bad.any():
            self._fail(
                "amount", "a missing or non-numeric amount", np.flatnonzero(bad), values, first_row
            )
        return numbers

    def _fail(
        self, role: str, what: str, bad: np.ndarray, values: pd.Series, first_row: int
    ) -> None:
        shown = bad[:BAD_ROWS_SHOWN]
        lines = data_row_lines(
            self.path, self.encoding, self.sep, self.header, [first_row + int(i) for i in shown]
        )
        examples = ", ".join(
            f"line {line}: {_shown_value(values.iloc[int(i)])}"
            for line, i in zip(lines, shown, strict=True)
        )
        more = (
            f" and {bad.size - shown.size} more in the same block" if bad.size > shown.size else ""
        )
        column = self.names[self.positions[role]]
        raise TransactionFileError(f"column {column!r} ({role}) has {what} — {examples}{more}")


def _shown_value(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    return repr(str(value))


def _choose_date_format(text: pd.Series) -> str:
    """ISO 8601 when the first dates parse as such, else the pattern of the first date."""
    sample = text.dropna()
    sample = sample[sample != ""].head(1000)
    if sample.empty:
        return "ISO8601"
    iso = pd.to_datetime(sample, format="ISO8601", errors="coerce")
    if iso.notna().all():
        return "ISO8601"
    guessed = guess_datetime_format(str(sample.iloc[0]))
    return guessed or "ISO8601"


def _amount_from_text(value: object) -> float:
    text = str(value).translate(_MINUS)
    text = _CURRENCY.sub("", text)
    text = _THOUSANDS.sub("", text)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        number = float(text)
    except ValueError:
        return np.nan
    return -number if negative else number


def _merge_customer_codes(
    codes: list[np.ndarray], uniques: list[np.ndarray]
) -> tuple[np.ndarray, pd.Index]:
    """One sorted label index for all chunks and every row's code in it."""
    all_uniques = np.concatenate(uniques)
    global_code, labels = pd.factorize(all_uniques)
    order = np.argsort(labels.astype(str), kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    offset = 0
    merged = []
    for chunk_codes, chunk_uniques in zip(codes, uniques, strict=True):
        merged.append(rank[global_code[offset + chunk_codes]])
        offset += chunk_uniques.size
    return np.concatenate(merged), pd.Index(
        np.asarray(labels, dtype=object)[order], name="customer"
    )


def data_row_lines(
    path: Path, encoding: str, sep: str, header: bool, rows: Sequence[int]
) -> list[int]:
    """1-based file line numbers where the given 0-based data rows start.

    Blank lines are skipped as the parser skips them, and a quoted field may span
    lines, so this re-reads the file (only on the error path).
    """
    wanted = {row: None for row in rows}
    pending = sorted(wanted)
    if not pending:
        return []
    found: dict[int, int] = {}
    row = -1 if header else 0
    with path.open(encoding=encoding, newline="") as stream:
        if sep == WHITESPACE:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                if row >= 0 and row in wanted:
                    found[row] = number
                    if len(found) == len(wanted):
                        break
                row += 1
        else:
            reader = csv.reader(stream, delimiter=sep)
            line_before = 0
            for record in reader:
                start = line_before + 1
                line_before = reader.line_num
                if not record:
                    continue
                if row >= 0 and row in wanted:
                    found[row] = start
                    if len(found) == len(wanted):
                        break
                row += 1
    return [found.get(row, row + 1 + int(header)) for row in rows]
