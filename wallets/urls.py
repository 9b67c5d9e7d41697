from django.urls import path

from . import views

app_name = "wallets"
urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/add/", views.account_add, name="account_add"),
    path("accounts/<int:account_id>/", views.account, name="account"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:account_id>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<int:account_id>/reconcile/", views.reconcile, name="reconcile"),
    path("accounts/<int:account_id>/spend/", views.spend, name="spend"),
    path("accounts/<int:account_id>/what-if/", views.what_if, name="what_if"),
    path("movements/<int:movement_id>/reverse/", views.movement_reverse, name="movement_reverse"),
    path("cards/add/", views.card_add, name="card_add"),
    path("cards/<int:card_id>/remove/", views.card_remove, name="card_remove"),
    path("entries/add/", views.entry_add, name="entry_add"),
    path("bonuses/add/", views.bonus_add, name="bonus_add"),
]
