from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("which-card/", views.which_card, name="which_card"),
    path("insights/", views.insights, name="insights"),
    path("insights/lots/<int:lot_id>/received/", views.lot_received, name="lot_received"),
]
