"""Uploaded import files kept between the upload, mapping, preview and the background job.

Each upload lives in its own folder under ``MEDIA_ROOT/imports/`` (never served by the
web server), named by a random token and bound to the user who sent it; its options
(mapping, mode, …) sit beside it as JSON. Reports of finished jobs go to
``MEDIA_ROOT/imports/reports/``. Uploads never run are removed after a day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings

TOKEN = re.compile(r"[0-9a-f]{32}")
KEEP_UPLOADS = dt.timedelta(days=1)


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _folder(token: str) -> Path:
    if not TOKEN.fullmatch(token):
        raise FileNotFoundError("not an upload token")
    return _root() / token


@dataclass
class Upload:
    token: str
    filename: str
    user_id: int
    options: dict[str, Any]

    def read(self) -> bytes:
        return (_folder(self.token) / "file").read_bytes()


def uploads_prune(*, older_than: dt.timedelta = KEEP_UPLOADS) -> int:
    """Remove uploads left behind (a person who never ran their import); returns how many."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for folder in _root().glob("*"):
        if TOKEN.fullmatch(folder.name) and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def upload_store(*, data: bytes, filename: str, user: Any) -> Upload:
    uploads_prune()
    token = secrets.token_hex(16)
    folder = _folder(token)
    folder.mkdir(parents=True, mode=0o700)
    (folder / "file").write_bytes(data)
    upload = Upload(token, PurePath(filename).name[:200] or "upload", user.pk, {})
    _save(upload)
    return upload


def _save(upload: Upload) -> None:
    meta = {"filename": upload.filename, "user_id": upload.user_id, "options": upload.options}
    (_folder(upload.token) / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def upload_get(*, token: str, user: Any) -> Upload | None:
    """The upload if it exists and belongs to ``user``."""
    try:
        meta = json.loads((_folder(token) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != getattr(user, "pk", None):
        return None
    return Upload(token, meta["filename"], meta["user_id"], meta.get("options") or {})


def upload_options_set(upload: Upload, options: dict[str, Any]) -> None:
    upload.options = options
    _save(upload)


def upload_delete(token: str) -> None:
    shutil.rmtree(_folder(token), ignore_errors=True)


def report_path(job_id: int) -> Path:
    return _root() / "reports" / f"job-{int(job_id)}.csv"


def report_store(job_id: int, content: bytes) -> Path:
    path = report_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
