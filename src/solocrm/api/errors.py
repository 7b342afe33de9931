"""One error format for every API failure: ``{"detail", "code", "errors": [{field, message}]}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from solocrm.api.auth import ReadOnlyTokenError
from solocrm.core.exceptions import StaleVersionError


def _field_from_loc(loc: list | tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "__all__"


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    code: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": errors or []}, status=status
    )


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_from_loc(e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return error_response(
            api, request, 422, f"Invalid input — {summary}", "validation_error", errors
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": msg}
                for field, msgs in exc.message_dict.items()
                for msg in msgs
            ]
        else:
            errors = [{"field": "__all__", "message": msg} for msg in exc.messages]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return error_response(
            api, request, 422, f"Invalid input — {summary}", "validation_error", errors
        )

    @api.exception_handler(StaleVersionError)
    def stale(request: HttpRequest, exc: StaleVersionError) -> HttpResponse:
        return error_response(
            api,
            request,
            409,
            str(exc),
            "stale_version",
            [{"field": "version", "message": str(exc)}],
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, str(exc) or "Permission denied.", "forbidden")

    @api.exception_handler(ReadOnlyTokenError)
    def read_only(request: HttpRequest, exc: ReadOnlyTokenError) -> HttpResponse:
        return error_response(api, request, 403, str(exc), "read_only_token")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "Not found.", "not_found")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            401,
            "Authentication required: send a Bearer token or log in.",
            "unauthenticated",
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, str(exc), "error")
