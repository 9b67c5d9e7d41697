from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households")

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from . import versioning

        connection_created.connect(versioning.install, dispatch_uid="households-data-version")
        for connection in connections.all(initialized_only=True):  # opened before the apps were ready
            versioning.install(connection=connection)
