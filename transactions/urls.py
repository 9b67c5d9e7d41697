from django.urls import path

from . import views

urlpatterns = [
    path("", views.purchase_list, name="purchase_list"),
    path("new/", views.purchase_new, name="purchase_new"),
    path("preview/", views.purchase_preview, name="purchase_preview"),
    path("merchants/", views.merchant_options, name="merchant_options"),
    path("export.csv", views.purchase_export, name="purchase_export"),
    path("import/", views.purchase_import, name="purchase_import"),
    path("import/preview/", views.purchase_import_preview, name="purchase_import_preview"),
    path("import/apply/", views.purchase_import_apply, name="purchase_import_apply"),
    path("<int:purchase_id>/", views.purchase_detail, name="purchase_detail"),
    path("<int:purchase_id>/edit/", views.purchase_edit, name="purchase_edit"),
    path("<int:purchase_id>/cancel/", views.purchase_cancel, name="purchase_cancel"),
    path("<int:purchase_id>/ship/", views.purchase_ship, name="purchase_ship"),
]
