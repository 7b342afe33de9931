"""Import kinds other apps add to ``solocrm import`` (the sales app adds orders and
products), so the one command serves every kind with the same options and report.

An app registers a kind in its ``AppConfig.ready()``::

    register_import_kind(ImportKind("orders", run=orders_import, add_arguments=extra_args))

``run(*, data, filename, by, options, mapping, arguments)`` imports the file and returns
an ``ImportSummary`` (``arguments`` are all the command's parsed options);
``add_arguments(parser)`` adds the kind's own options to the command; ``upload_url`` names
the URL of the kind's web upload (the job page links back to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImportKind:
    name: str
    run: Callable[..., Any]
    add_arguments: Callable[[Any], None] | None = None
    upload_url: str = ""


EXTRA_IMPORT_KINDS: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> None:
    EXTRA_IMPORT_KINDS.setdefault(kind.name, kind)


def extra_import_kinds() -> dict[str, ImportKind]:
    return dict(EXTRA_IMPORT_KINDS)
