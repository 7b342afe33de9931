"""A larger SQLite page cache for bulk work (imports).

Each connection keeps up to ``settings.SQLITE_PRAGMAS``' 64 MB of pages. An import of a
million rows walks and grows a dozen indexes of the customers table, the full-text index
and the audit log's; with more of their pages kept, fewer are read and written again.
The cache is allocated as pages are used and given back when the block ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connections

IMPORT_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def sqlite_page_cache(kib: int, using: str = "default") -> Iterator[None]:
    """Inside the block, the connection may keep up to ``kib`` KiB of pages (on SQLite;
    elsewhere nothing changes); afterwards, what it kept before."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(before)}")
