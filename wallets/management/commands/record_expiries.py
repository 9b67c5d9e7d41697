from django.core.management.base import BaseCommand
from django.utils import timezone

from wallets.ledger import record_expiries


class Command(BaseCommand):
    help = "Write expire movements for points whose last day has passed (balances exclude them anyway)."

    def handle(self, *args, **options) -> None:
        points = record_expiries(timezone.localdate())
        self.stdout.write(f"Recorded {points:,} expired points.")
