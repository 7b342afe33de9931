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
