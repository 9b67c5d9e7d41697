import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders.digests import prepare


class Command(BaseCommand):
    help = "Daily: write each member's reminder digest (if there is anything new to say) and enqueue it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Run as of this day (default today).")

    def handle(self, *args, date: dt.date | None = None, **options) -> None:
        digests = prepare(date or timezone.localdate())
        self.stdout.write(f"{len(digests)} digest(s) enqueued.")
