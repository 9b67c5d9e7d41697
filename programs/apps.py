from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Catalog: programmes and earning rules")

    def ready(self) -> None:
        from . import signals

        signals.connect()
