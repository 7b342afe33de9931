from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from solocrm.core.context import acting_as


class AuditContextMiddleware:
    """Record the logged-in user as the actor of every write made by a UI request.

    API requests replace this with the token's or session's user in the API layer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "ui"
        request_id = request.headers.get("X-Request-Id", "")[:64] or None
        with acting_as(getattr(request, "user", None), channel, request_id):
            return self.get_response(request)
