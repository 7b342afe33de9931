"""Use the SQLite bundled with ``pysqlite3`` (a modern 3.5x) instead of the system one.

Django's SQLite backend does ``from sqlite3 import dbapi2``; aliasing the module before
Django loads the backend is the documented way to swap the library in.
"""

import sys

MINIMUM_SQLITE = (3, 51, 3)


def install_pysqlite3() -> str:
    """Alias ``sqlite3`` to ``pysqlite3`` when available; return the SQLite version used."""
    try:
        import pysqlite3  # type: ignore[import-untyped]
        from pysqlite3 import dbapi2  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - pysqlite3 is a pinned dependency
        import sqlite3

        return sqlite3.sqlite_version
    sys.modules["sqlite3"] = pysqlite3
    sys.modules["sqlite3.dbapi2"] = dbapi2
    return dbapi2.sqlite_version


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
