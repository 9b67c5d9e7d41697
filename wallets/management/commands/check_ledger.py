from django.core.management.base import BaseCommand, CommandError

from wallets.ledger import ledger_differences, summary_differences


class Command(BaseCommand):
    help = "Rebuild every lot's points left and the monthly summaries from the ledger; report any difference."

    def handle(self, *args, **options) -> None:
        differences = ledger_differences()
        for lot, kept, rebuilt in differences:
            self.stdout.write(f"lot {lot}: kept {kept}, ledger says {rebuilt}")
        months = summary_differences()
        for account, month, kept, rebuilt in months:
            self.stdout.write(f"account {account}, {month:%Y-%m}: summary {kept}, ledger says {rebuilt}")
        if differences or months:
            raise CommandError(f"{len(differences)} lot(s) and {len(months)} monthly summaries differ from the ledger.")
        self.stdout.write("The kept balances and monthly summaries equal a rebuild from the ledger.")
