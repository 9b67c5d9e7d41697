import datetime as dt
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from households.lookup import household_named
from wallets.balances import balances_on


class Command(BaseCommand):
    help = "A household's points per member and programme on a date: available, pending and expiring."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--household", required=True, help="Household name (or id).")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="Date YYYY-MM-DD (default today).")
        parser.add_argument("--json", action="store_true", help="Print JSON: one item per member and programme.")

    def handle(self, *args, household: str, as_of: dt.date | None, json: bool = False, **options) -> None:
        found = household_named(household)
        day = as_of or timezone.localdate()
        balances = balances_on(found, day)
        names = {m.pk: m.name for m in balances.members}
        rows = [(names[member_id], figures) for member_id, per in balances.by_member.items() for figures in per]
        if json:
            self.stdout.write(self._json(rows))
            return
        self.stdout.write(f"{found.name} · {day:%Y-%m-%d}")
        for member, f in rows:
            pending = ", ".join(f"{p.points:,} on {p.available_on or 'shipment'}" for p in f.pending) or "-"
            self.stdout.write(
                f"{member:<12} {f.program.slug:<16} available {f.available:>8,} pt (¥{f.available_yen:,})"
                f"  pending {pending}"
            )
            for e in f.expiring:
                self.stdout.write(f"{'':<12} {'':<16} expiring {e.points:>8,} pt on {e.expires_on} ({e.kind})")
        self.stdout.write("Household")
        for f in balances.household:
            windows = "  ".join(f"{days}d {points:,}" for days, points, _yen in f.windows)
            self.stdout.write(
                f"{'':<12} {f.program.slug:<16} available {f.available:>8,} pt (¥{f.available_yen:,})"
                f"  pending {f.pending_total:,}  expiring {windows}"
            )

    def _json(self, rows) -> str:
        return json.dumps(
            [
                {
                    "member": member,
                    "program": f.program.slug,
                    "available": f.available,
                    "available_yen": f.available_yen,
                    "pending": [
                        {"points": p.points, "available_on": p.available_on and p.available_on.isoformat()}
                        for p in f.pending
                    ],
                    "expiring": [
                        {"points": e.points, "expires_on": e.expires_on.isoformat(), "kind": str(e.kind)}
                        for e in f.expiring
                    ],
                }
                for member, f in rows
            ],
            ensure_ascii=False,
            indent=2,
        )
