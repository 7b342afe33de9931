"""Exporting customer lists to CSV and XLSX, safe to open in a spreadsheet.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, CR or LF could run as a
formula when the file is opened (CSV injection); such cells get an apostrophe in front.
A plain number (``-12.5``) is left alone: it cannot run, and in XLSX it stays a number.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cell_neutralise(value: Any) -> Any:
    """The value with an apostrophe before a formula-like text; other values unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value
