from django.core.management.base import BaseCommand

from households.lookup import household_named
from transactions.csv_io import export


class Command(BaseCommand):
    help = "Print a household's purchases as CSV in the import format."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--household", required=True, help="Household name (or id).")

    def handle(self, *args, household: str, **options) -> None:
        for line in export(household_named(household)):
            self.stdout.write(line, ending="")
