"""The REST API at /api/v1/: each app's ``api.py`` router mounted on one NinjaAPI."""

from __future__ import annotations

from csp.decorators import csp_update
from ninja import NinjaAPI

from solocrm.api import errors
from solocrm.api.auth import BearerTokenAuth, SessionAuth

API_DESCRIPTION = """
Solo CRM's REST API. Authenticate with `Authorization: Bearer <token>` (make a token on
the Tokens page) or with the browser session plus the `X-CSRFToken` header.

Errors always have the form `{"detail": "...", "code": "...", "errors": [{"field": "...",
"message": "..."}]}`. Lists use cursor pagination: pass `next_cursor` back as `cursor`.
A POST with an `Idempotency-Key` header is performed once; a retry with the same key
and body replays the first response.
"""

# Swagger UI sets inline styles; the relaxation applies to the docs page only.
docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})

api = NinjaAPI(
    title="Solo CRM API",
    version="1",
    description=API_DESCRIPTION,
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=docs_csp,
)
errors.install(api)


def _mount() -> None:
    from solocrm.accounts.api import router as accounts_router
    from solocrm.core.api import router as core_router

    api.add_router("/", core_router)
    api.add_router("/", accounts_router)
    for module in API_MODULES:
        router = __import__(module, fromlist=["router"]).router
        api.add_router("/", router)


# Domain apps add "solocrm.<app>.api" here as they arrive.
API_MODULES: list[str] = ["solocrm.customers.api", "solocrm.sales.api", "solocrm.agenda.api"]

_mount()
