from django.urls import path

from solocrm.customers.views import companies, customers, settings, trash

app_name = "customers"

# Customers, companies, trash, settings. Other features add their own block below.
urlpatterns = [
    path("", customers.customer_list, name="customer_list"),
    path("new/", customers.customer_create, name="customer_create"),
    path("bulk/", customers.customer_bulk, name="customer_bulk"),
    path("<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("<int:pk>/delete/", customers.customer_delete, name="customer_delete"),
    path("<int:pk>/interactions/", customers.interaction_create, name="interaction_create"),
    path(
        "<int:pk>/interactions/<int:interaction_pk>/edit/",
        customers.interaction_edit,
        name="interaction_edit",
    ),
    path(
        "<int:pk>/interactions/<int:interaction_pk>/delete/",
        customers.interaction_delete,
        name="interaction_delete",
    ),
    path("views/", customers.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", customers.saved_view_delete, name="saved_view_delete"),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_create, name="company_create"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", companies.company_delete, name="company_delete"),
    path("trash/", trash.trash, name="trash"),
    path("trash/empty/", trash.trash_empty, name="trash_empty"),
    path("trash/customers/<int:pk>/restore/", trash.customer_restore, name="customer_restore"),
    path("trash/companies/<int:pk>/restore/", trash.company_restore, name="company_restore"),
    path("custom-fields/", settings.custom_fields, name="custom_fields"),
    path("custom-fields/<int:pk>/", settings.custom_field_edit, name="custom_field_edit"),
    path(
        "custom-fields/<int:pk>/delete/", settings.custom_field_delete, name="custom_field_delete"
    ),
    path("tags/", settings.tags, name="tags"),
    path("tags/<int:pk>/", settings.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", settings.tag_delete, name="tag_delete"),
]

# Duplicates and merges.
from solocrm.customers import merge_views  # noqa: E402

urlpatterns += [
    path("duplicates/", merge_views.duplicates_page, name="duplicates"),
    path("duplicates/check/", merge_views.duplicates_check, name="duplicates_check"),
    path("merge/", merge_views.merge_page, name="merge"),
    path("merges/", merge_views.merge_list, name="merge_list"),
    path("merges/<int:pk>/undo/", merge_views.merge_undo, name="merge_undo"),
]

# Import and export.
from solocrm.customers import export_views, import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<str:token>/columns/", import_views.import_mapping_edit, name="import_mapping"),
    path("import/<str:token>/preview/", import_views.import_preview, name="import_preview"),
    path("import/<str:token>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("import/jobs/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/jobs/<int:pk>/report/", import_views.import_report, name="import_report"),
    path("export/", export_views.customer_export, name="customer_export"),
]
