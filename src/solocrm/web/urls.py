from django.urls import path

from solocrm.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("health/", views.health, name="health"),
]
