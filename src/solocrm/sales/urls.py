from django.urls import path

from solocrm.sales.views import deal_forms, deals, figures, imports, orders, pipelines, products

app_name = "sales"

urlpatterns = [
    path("", deals.board, name="board"),
    path("pipelines/<int:pk>/", deals.board, name="pipeline_board"),
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deal_forms.deal_create, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deal_forms.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", deals.deal_move, name="deal_move"),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", orders.order_edit, name="order_edit"),
    path("products/", products.product_list, name="product_list"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/<int:pk>/edit/", products.product_edit, name="product_edit"),
    path("figures/", figures.figures, name="figures"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/<str:token>/columns/", imports.import_mapping_edit, name="import_mapping"),
    path("import/<str:token>/preview/", imports.import_preview, name="import_preview"),
    path("import/<str:token>/cancel/", imports.import_cancel, name="import_cancel"),
    path("settings/pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("settings/pipelines/<int:pk>/", pipelines.pipeline_detail, name="pipeline_detail"),
    path("settings/pipelines/<int:pk>/delete/", pipelines.pipeline_delete, name="pipeline_delete"),
    path("settings/pipelines/<int:pk>/stages/", pipelines.stage_create, name="stage_create"),
    path("settings/stages/<int:pk>/", pipelines.stage_edit, name="stage_edit"),
    path(
        "settings/stages/<int:pk>/move/<str:direction>/",
        pipelines.stage_move,
        name="stage_move",
    ),
    path("settings/stages/<int:pk>/delete/", pipelines.stage_delete, name="stage_delete"),
]
