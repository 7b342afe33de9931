"""Who is acting, and through which channel: set once per request, command or job.

Every audit entry reads these, so a service never needs the request to know its actor.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CHANNELS = ("ui", "api", "cli", "job", "system")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    channel: str
    request_id: str


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "solocrm_actor", default=None
)


def current_actor() -> Actor:
    actor = _current.get()
    if actor is None:
        return Actor(user_id=None, label="system", channel="system", request_id="")
    return actor


@contextlib.contextmanager
def acting_as(user: Any | None, channel: str, request_id: str | None = None) -> Iterator[Actor]:
    """Run a block with ``user`` recorded as the actor of every write, through ``channel``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if user is not None and getattr(user, "is_authenticated", False):
        actor = Actor(user.pk, user.get_username(), channel, request_id or uuid.uuid4().hex)
    else:
        actor = Actor(
            None,
            "anonymous" if channel in ("ui", "api") else channel,
            channel,
            request_id or uuid.uuid4().hex,
        )
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def set_actor(user: Any, channel: str) -> None:
    """Replace the actor for the rest of the current context (used once auth is known)."""
    previous = current_actor()
    _current.set(
        Actor(user.pk, user.get_username(), channel, previous.request_id or uuid.uuid4().hex)
    )
