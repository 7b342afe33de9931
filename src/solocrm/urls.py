from django.urls import include, path
from django.views.i18n import set_language

from solocrm.api.api import api

urlpatterns = [
    path("", include("solocrm.web.urls")),
    path("accounts/", include("solocrm.accounts.urls")),
    path("customers/", include("solocrm.customers.urls")),
    path("sales/", include("solocrm.sales.urls")),
    path("agenda/", include("solocrm.agenda.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
