"""A file's contents as the importer sees them: header names and numbered data rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

# Above this many data rows a CSV file's rows are not kept as objects but read again
# from its text when the import walks them (``LazyRows``): a million rows as tuples of
# strings would take gigabytes.
LAZY_ROWS = 10_000


@dataclass(frozen=True)
class Row:
    """One data row; ``line`` is its first physical line (the header is line 1)."""

    line: int
    cells: tuple[Any, ...]


class LazyRows(Sequence[Row]):
    """A file's data rows, produced again by ``source`` each time they are walked."""

    def __init__(self, source: Callable[[], Iterator[Row]], count: int) -> None:
        self._source = source
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Row]:
        return self._source()

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            return list(itertools.islice(self._source(), start, stop, step))
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return next(itertools.islice(self._source(), index % self._count, None))


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[Row] | LazyRows = field(default_factory=list)
    header_line: int = 1
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    blank_rows: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "columns": len(self.headers),
            "rows": len(self.rows),
            "blank_rows": self.blank_rows,
        }


def is_blank(cells: tuple[Any, ...] | list[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def header_names(cells: tuple[Any, ...] | list[Any]) -> list[str]:
    """Clean header names: whitespace collapsed, empty ones named by position, repeated
    ones numbered ("Phone", "Phone (2)") so each column has a distinct name."""
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        name = " ".join(str(cell if cell is not None else "").replace("\ufeff", "").split())
        name = name or f"Column {index}"
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name} ({n})"
        names.append(candidate)
    while names and names[-1].startswith("Column ") and _blank_header(cells, len(names) - 1):
        names.pop()  # trailing unnamed columns (Excel's habit) carry nothing
    return names


def _blank_header(cells: tuple[Any, ...] | list[Any], index: int) -> bool:
    cell = cells[index]
    return cell is None or str(cell).strip() == ""
