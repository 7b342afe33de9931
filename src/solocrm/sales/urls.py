from django.urls import path

from solocrm.sales.views import deal_forms, deals, figures, orders, products

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
]
