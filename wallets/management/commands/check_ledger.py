from django.core.management.base import BaseCommand, CommandError

from wallets.ledger import ledger_differences


class Command(BaseCommand):
    help = "Rebuild every lot's points left from the ledger and report any difference from the kept figure."

    def handle(self, *args, **options) -> None:
        differences = ledger_differences()
        for lot, kept, rebuilt in differences:
            self.stdout.write(f"lot {lot}: kept {kept}, ledger says {rebuilt}")
        if differences:
            raise CommandError(f"{len(differences)} lot(s) differ from the ledger.")
        self.stdout.write("The kept balances equal a rebuild from the ledger.")
