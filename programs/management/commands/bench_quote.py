import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programs.catalog import get_catalog
from programs.engine import quote_cards

MERCHANTS = ["東京ガス", "Amazon", "国税", "NHK", "ローソン", "Tokyo Gas", "近所のパン屋"]


class Command(BaseCommand):
    help = "Time ranking every catalog card for a merchant (what 'which card?' does on each keystroke)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=200)

    def handle(self, *args, repeat: int, **options) -> None:
        day = timezone.localdate()
        get_catalog()  # the first call loads the snapshot; later calls only check its version
        samples = []
        with CaptureQueriesContext(connection) as queries:
            for i in range(repeat):
                t0 = time.perf_counter()
                quote_cards(MERCHANTS[i % len(MERCHANTS)], 12_345, day, get_catalog())
                samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        cards = len(get_catalog().methods)
        self.stdout.write(
            f"quote, all {cards} catalog cards, {repeat} runs: median {statistics.median(samples):.2f} ms, "
            f"p95 {samples[int(0.95 * (len(samples) - 1))]:.2f} ms, {len(queries) / repeat:.1f} SQL queries per quote"
        )
