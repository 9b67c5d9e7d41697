from django.core.management.base import BaseCommand, CommandError

from households.lookup import household_named
from transactions.csv_io import FileSource, ImportRefused, apply_steps


class Command(BaseCommand):
    help = "Import purchases from a CSV file (UTF-8 or Shift_JIS), all or nothing; rows already imported are skipped."
    # A data command, as `shell` is: the project's checks (its URLs, its admin, its templates) are run by
    # `runserver`, `migrate` and `check --deploy`; loading every URL module for them took a fifth of an
    # empty import's start.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--household", required=True, help="Household name (or id).")
        parser.add_argument("file", help="CSV file in the format of the README (and of the export).")

    def handle(self, *args, household: str, file: str, **options) -> None:
        found = household_named(household)
        steps = apply_steps(found, FileSource(file))
        try:
            while True:
                try:
                    self.stderr.write(f"{next(steps):,} rows…")
                except StopIteration as finished:
                    checked = finished.value
                    break
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}", returncode=2) from None
        except ImportRefused as refused:
            for line, message in refused.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(f"{len(refused.errors)} error(s); nothing was imported.", returncode=2) from None
        self.stdout.write(
            f"Imported {checked.new:,} purchase(s) into {found.name}; {checked.duplicates:,} already imported."
        )
