from django.core.management.base import BaseCommand, CommandError

from transactions.models import MonthlySpend
from wallets.balances import holdings_differences
from wallets.ledger import ledger_differences, summary_differences


class Command(BaseCommand):
    help = (
        "Rebuild every lot's points left, the monthly summaries and the balance snapshots from the ledger, and "
        "the monthly spends from the purchases; report any difference."
    )

    def handle(self, *args, **options) -> None:
        differences = ledger_differences()
        for lot, kept, rebuilt in differences:
            self.stdout.write(f"lot {lot}: kept {kept}, ledger says {rebuilt}")
        months = summary_differences()
        for account, month, kept, rebuilt in months:
            self.stdout.write(f"account {account}, {month:%Y-%m}: summary {kept}, ledger says {rebuilt}")
        held = holdings_differences()
        for account, key, kept, rebuilt in held:
            what = " ".join(str(part) for part in key)
            self.stdout.write(f"account {account}, {what}: snapshot {kept}, ledger says {rebuilt}")
        spent = MonthlySpend.objects.differences()
        for household, month, kept, rebuilt in spent:
            self.stdout.write(f"household {household}, {month:%Y-%m}: spend ¥{kept:,}, purchases say ¥{rebuilt:,}")
        if differences or months or held or spent:
            raise CommandError(
                f"{len(differences)} lot(s), {len(months)} monthly summaries, {len(held)} balance snapshot "
                f"row(s) and {len(spent)} monthly spend(s) differ from the ledger."
            )
        self.stdout.write(
            "The kept balances, monthly summaries, balance snapshots and monthly spends equal a rebuild from "
            "the ledger and the purchases."
        )
