"""A reminder reaches a real SMTP server exactly once across ``kill -9`` of the worker.

The test runs the real ``solocrm worker`` against a database of its own (a SQLite file,
or a fresh PostgreSQL database when the suite runs on PostgreSQL), made with ``solocrm
migrate``; tasks are created through the services in ``solocrm shell``. An aiosmtpd
server records every message. The first worker is killed while it is in the middle of
an SMTP conversation (held at RCPT TO of the fourth message, after its claim was
committed); a second worker must send that one and the rest, and nothing twice.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
LEASE_SECONDS = 3
DUE_NOW, DUE_LATER = 6, 2

SETUP = f"""
import datetime as dt
from django.utils import timezone
from solocrm.accounts.services import user_create
from solocrm.agenda.services import task_create
owner = user_create(email="owner@example.com", password=None, role="owner", name="Owner")
now = timezone.now()
for n in range({DUE_NOW}):
    task_create(by=owner, title=f"now {{n}}", remind_at=now - dt.timedelta(seconds=1))
for n in range({DUE_LATER}):
    task_create(by=owner, title=f"later {{n}}", remind_at=now + dt.timedelta(seconds=8))
"""
REPORT = """
from solocrm.agenda.models import Notification, ReminderDelivery
states = sorted(ReminderDelivery.objects.values_list("state", flat=True))
print(states, Notification.objects.count())
"""


class Recorder:
    """Keeps every message; holds the SMTP conversation of message ``hold_at`` at RCPT."""

    def __init__(self, hold_at: int) -> None:
        self.messages: list[email.message.Message] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(self.messages) + 1 == self.hold_at and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of the test's own, on the engine the suite runs on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(settings.DATABASE_URL)
    name = f"solocrm_worker_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def smtp():
    recorder = Recorder(hold_at=4)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    recorder.release.set()
    controller.stop()


def run(env, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "solocrm"), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "solocrm"), "worker", "--interval", "0.1", "--no-startup-delay", "-v", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(condition, timeout: float, what, worker: subprocess.Popen) -> None:
    """Wait until ``condition()``; on timeout say ``what()`` and what the worker logged."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            _out, err = worker.communicate(timeout=10)
            raise AssertionError(f"timed out waiting for {what()}; worker said:\n{err[-3000:]}")
        time.sleep(0.05)


def test_each_reminder_reaches_smtp_exactly_once_across_a_worker_kill(tmp_path, database_url, smtp):
    recorder, port = smtp
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="solocrm.settings",
        SOLOCRM_HOME=str(tmp_path),
        SOLOCRM_DATABASE_URL=database_url,
        SOLOCRM_SECRET_KEY="worker-test-" + "x" * 40,
        SOLOCRM_EMAIL_HOST="127.0.0.1",
        SOLOCRM_EMAIL_PORT=str(port),
        SOLOCRM_REMINDER_LEASE_SECONDS=str(LEASE_SECONDS),
        SOLOCRM_FAST_HASHER="1",
    )
    run(env, "migrate", "--verbosity", "0")
    run(env, "shell", "--no-imports", "-c", SETUP)

    first = start_worker(env)
    try:
        wait_for(recorder.holding.is_set, 60, lambda: "the fourth message", first)
        assert len(recorder.messages) == 3
        os.kill(first.pid, signal.SIGKILL)  # mid-conversation, its claim committed
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    recorder.release.set()
    assert first.returncode == -signal.SIGKILL

    second = start_worker(env)
    try:
        wait_for(
            lambda: len(recorder.messages) >= DUE_NOW + DUE_LATER,
            60,
            lambda: f"every reminder (received {[m['Subject'] for m in recorder.messages]})",
            second,
        )
        time.sleep(LEASE_SECONDS + 2)  # every recheck sweep has run: nothing more may come
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)

    subjects = sorted(m["Subject"] for m in recorder.messages)
    assert subjects == sorted(
        [f"Reminder: now {n}" for n in range(DUE_NOW)]
        + [f"Reminder: later {n}" for n in range(DUE_LATER)]
    )
    assert len(set(recorder.ids())) == len(recorder.ids()) == DUE_NOW + DUE_LATER
    report = run(env, "shell", "--no-imports", "-c", REPORT).strip()
    assert report == f"{['sent'] * (DUE_NOW + DUE_LATER)} {DUE_NOW + DUE_LATER}"
