import pytest
from django.db import connection

from solocrm.core.page_cache import sqlite_page_cache


def cache_size():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def test_a_larger_page_cache_inside_the_block_and_the_old_one_after(db):
    if connection.vendor != "sqlite":
        with sqlite_page_cache(4096):  # nothing to change elsewhere, and no error
            pass
        return
    before = cache_size()
    assert before == -65536  # settings.SQLITE_PRAGMAS
    with sqlite_page_cache(4096):
        assert cache_size() == -4096
    assert cache_size() == before
    with pytest.raises(RuntimeError), sqlite_page_cache(8192):
        raise RuntimeError("an import that fails")
    assert cache_size() == before
