"""``Idempotency-Key`` on API POSTs: the first response is stored and replayed.

The key is scoped to the caller (the bearer token's digest or the session's user), so
two users cannot see each other's responses. Reusing a key with a different body is an
error, and so is a retry while the first request is still running.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from solocrm.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {
            "detail": detail,
            "code": "idempotency_error",
            "errors": [{"field": HEADER, "message": detail}],
        },
        status=status,
    )


def _scope(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth:
        return hashlib.sha256(auth.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"session:{user.pk}".encode()).hexdigest()
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return _error(422, f"{HEADER} must be at most 255 characters.")
        scope = _scope(request)
        if scope is None:  # unauthenticated: let the API answer 401 as usual
            return self.get_response(request)
        request_hash = hashlib.sha256(request.path.encode() + b"\0" + request.body).hexdigest()
        IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, request_hash=request_hash
                )
        except IntegrityError:
            stored = IdempotencyRecord.objects.get(scope=scope, key=key)
            if stored.request_hash != request_hash:
                return _error(422, f"This {HEADER} was already used for a different request.")
            if stored.status_code is None:
                return _error(409, f"A request with this {HEADER} is still being processed.")
            response = HttpResponse(
                bytes(stored.body or b""),
                status=stored.status_code,
                content_type=stored.content_type,
            )
            response["Idempotent-Replayed"] = "true"
            return response
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in (401, 409, 429):
            record.delete()  # not a final answer: the client may retry with the same key
        else:
            content = response.content if not response.streaming else json.dumps({}).encode()
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code,
                body=content,
                content_type=response.get("Content-Type", ""),
            )
        return response
