from __future__ import annotations

from ninja import Schema


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldError] = []


COMMON_ERRORS = (400, 401, 403, 422, 429)


def with_errors(success: dict[int, object], *extra: int) -> dict[int, object]:
    """Declare the success schema and every error status an operation can answer."""
    responses: dict[int, object] = dict(success)
    for status in (*COMMON_ERRORS, *extra):
        responses[status] = ErrorOut
    return responses
