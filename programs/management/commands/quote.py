import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programs.catalog import get_catalog
from programs.engine import Context, quote_cards
from programs.models import Channel


class Command(BaseCommand):
    help = "Rank cards by the points one payment at a merchant earns (the same engine as 'which card?')."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--merchant", required=True, help="Merchant name, English name or alias.")
        parser.add_argument("--amount", required=True, type=int, help="Amount in yen incl. tax.")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Payment date YYYY-MM-DD (default today).")
        parser.add_argument("--card", action="append", dest="cards", metavar="SLUG", help="Only these cards.")
        parser.add_argument("--mr-plus", action="store_true", help="Assume MR Plus where a card can have it.")
        parser.add_argument("--channel", choices=[Channel.STORE, Channel.ONLINE], default=Channel.STORE)
        parser.add_argument("--json", action="store_true", help="Print a JSON list, best first.")

    def handle(self, *args, merchant, amount, date, cards, mr_plus, channel, json: bool = False, **options) -> None:
        if amount <= 0:
            raise CommandError("--amount must be a positive number of yen.", returncode=2)
        catalog = get_catalog()
        unknown = [c for c in cards or () if c not in catalog.methods]
        if unknown:
            raise CommandError(
                f"Unknown card slug: {', '.join(unknown)}. Known: {', '.join(sorted(catalog.methods))}", returncode=2
            )
        context = Context()
        if mr_plus:
            context.addons = {slug: set(method.addons) for slug, method in catalog.methods.items() if method.addons}
        day = date or timezone.localdate()
        quotes = quote_cards(merchant, amount, day, catalog, cards=cards, context=context, channel=channel)
        if json:
            self.stdout.write(self._json(quotes))
            return
        found = catalog.merchant_named(merchant)
        self.stdout.write(
            f"{found.name if found else merchant} · ¥{amount:,} · {day:%Y-%m-%d}"
            + ("" if found else " (not in the catalog: ordinary rates)")
        )
        for rank, q in enumerate(quotes, 1):
            self.stdout.write(
                f"{rank:>2}. {q.card:<24} {q.points:>8,} pt  {q.rate:>6}%  {q.treatment or '-':<8} {q.program}"
            )
            self.stdout.write(f"    {' '.join(q.reasons)}")

    def _json(self, quotes) -> str:
        return json.dumps(
            [
                {
                    "card": q.card,
                    "program": q.program,
                    "points": q.points,
                    "value_yen": q.value_yen,
                    "rate": float(q.rate),
                    "treatment": q.treatment,
                    "list_date": q.list_date.isoformat() if q.list_date else None,
                    "cap_left_yen": q.cap_left_yen,
                    "reason": " ".join(q.reasons),
                    "earnings": [
                        {"program": e.program, "points": e.points, "kind": e.kind, "source": e.source}
                        for e in q.earnings
                    ],
                }
                for q in quotes
            ],
            ensure_ascii=False,
            indent=2,
        )
