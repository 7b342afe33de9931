"""Limits on what an import will read, from the environment with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class ImportLimits:
    """``max_bytes``: the uploaded file; ``max_rows``: data rows; ``max_unpacked_bytes``:
    an XLSX file's zip members once uncompressed; ``max_columns``: header width."""

    max_bytes: int = 20 * MB
    max_rows: int = 50_000
    max_unpacked_bytes: int = 200 * MB
    max_columns: int = 200


def limits_from_environment() -> ImportLimits:
    defaults = ImportLimits()
    return ImportLimits(
        max_bytes=_env_int("SOLOCRM_IMPORT_MAX_BYTES", defaults.max_bytes),
        max_rows=_env_int("SOLOCRM_IMPORT_MAX_ROWS", defaults.max_rows),
        max_unpacked_bytes=_env_int(
            "SOLOCRM_IMPORT_MAX_UNPACKED_BYTES", defaults.max_unpacked_bytes
        ),
        max_columns=defaults.max_columns,
    )
