"""A file's contents as the importer sees them: header names and numbered data rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Row:
    """One data row; ``line`` is its first physical line (the header is line 1)."""

    line: int
    cells: tuple[Any, ...]


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
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
