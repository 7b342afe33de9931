"""What goes wrong in an import: the whole file is refused, or one row is rejected."""

from __future__ import annotations

from dataclasses import dataclass


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why, for the person."""


@dataclass(frozen=True)
class RowProblem:
    """Why one row was rejected: its line in the file, the column, the value and reason."""

    line: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, str | int]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RowWarning:
    """A row imported as asked that deserves a look: it resembles stored records.

    Not a problem: the row counts as created (or whatever happened to it), and warnings
    are not part of created + updated + skipped + rejected = rows.
    """

    line: int
    column: str
    value: str
    reason: str
    record_id: int | None = None
    similar: tuple[dict[str, object], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "record_id": self.record_id,
            "similar": list(self.similar),
        }
