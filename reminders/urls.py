from django.urls import path

from . import views

urlpatterns = [
    path("", views.preferences, name="reminders_preferences"),
    path("calendar/rotate/", views.rotate_calendar, name="reminders_rotate_calendar"),
    path("calendar/<str:token>.ics", views.calendar, name="reminders_calendar"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="reminders_unsubscribe"),
]
