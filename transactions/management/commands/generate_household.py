import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from households.models import Household
from transactions.generate import generate


class Command(BaseCommand):
    help = (
        "Create a realistic household with years of history (5 members, about 20 cards, every programme), "
        "written in bulk: the data for the benchmarks. Deterministic for a seed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--purchases", type=int, default=10_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="pointbook-bench", help="for the members who log in")

    def handle(self, *args, name: str, purchases: int, years: int, seed: int, password: str, **options) -> None:
        if purchases < 1 or years < 1:
            raise CommandError("--purchases and --years must be at least 1.")
        if Household.objects.filter(name=name).exists():
            raise CommandError(f"A household named {name!r} exists already; choose another name.")
        t0 = time.perf_counter()
        household, summary = generate(
            name, purchases, seed=seed, years=years, today=timezone.localdate(), password=password
        )
        owner = household.members.get(role="owner")
        self.stdout.write(
            f"{household.name}: {summary.purchases:,} purchases ({summary.cancelled:,} cancelled), "
            f"{summary.movements:,} movements, {summary.lots:,} lots, {summary.spent:,} points spent, "
            f"{summary.expired:,} expired, in {time.perf_counter() - t0:.1f} s. "
            f"Log in as {owner.user.username} / {password}."
        )
