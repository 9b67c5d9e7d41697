from django.contrib import admin
from django.urls import include, path

from households import views as household_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/signup/", household_views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("purchases/", include("transactions.urls")),
    path("reminders/", include("reminders.urls")),
    path("wallet/", include("wallets.urls")),
    path("", include("dashboard.urls")),
    path("", include("households.urls")),
]
