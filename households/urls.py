from django.urls import path

from . import views

urlpatterns = [
    path("household/new/", views.household_create, name="household_create"),
    path("household/switch/", views.household_switch, name="household_switch"),
    path("household/members/", views.member_list, name="member_list"),
    path("household/members/add/", views.member_add, name="member_add"),
    path("household/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("household/members/<int:member_id>/remove-login/", views.member_remove_login, name="member_remove_login"),
    path("household/members/<int:member_id>/delete/", views.member_delete, name="member_delete"),
    path("household/invites/new/", views.invite_create, name="invite_create"),
    path("household/invites/<int:invite_id>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
]
