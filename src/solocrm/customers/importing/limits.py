"""Limits on what an import will read, from the environment with safe defaults.

Uploads through the web UI and the API use ``limits_from_environment`` (20 MB, 50,000
rows unless ``SOLOCRM_IMPORT_MAX_*`` say otherwise). The ``solocrm import`` command
reads a file an administrator put on the server, so it has its own, larger limits
(``cli_limits_from_environment``: 1 GB and 2,000,000 rows unless
``SOLOCRM_CLI_IMPORT_MAX_BYTES`` / ``SOLOCRM_CLI_IMPORT_MAX_ROWS`` say otherwise; never
below the web's). The importer streams the rows, so memory does not grow with them.
"""

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


CLI_MAX_BYTES = 1024 * MB
CLI_MAX_ROWS = 2_000_000


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


def cli_limits_from_environment() -> ImportLimits:
    """The command line's limits (see the module docstring)."""
    web = limits_from_environment()
    return ImportLimits(
        max_bytes=max(_env_int("SOLOCRM_CLI_IMPORT_MAX_BYTES", CLI_MAX_BYTES), web.max_bytes),
        max_rows=max(_env_int("SOLOCRM_CLI_IMPORT_MAX_ROWS", CLI_MAX_ROWS), web.max_rows),
        max_unpacked_bytes=web.max_unpacked_bytes,
        max_columns=web.max_columns,
    )
