from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("which-card/", views.which_card, name="which_card"),
]
