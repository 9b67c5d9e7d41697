from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from households.models import Household, Member, Role

DEMO_PASSWORD = "pointbook-demo"
DEMO_HOUSEHOLD = "山田家 (demo)"


class Command(BaseCommand):
    help = "Create the demo household (idempotent) so a new installation's first page is not empty."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow it with DEBUG off (never in production).")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("The demo household has a known password; it is loaded only with DEBUG on.")
        User = get_user_model()
        household, _ = Household.objects.get_or_create(name=DEMO_HOUSEHOLD)
        for username, name, role in [("taro", "太郎", Role.OWNER), ("hanako", "花子", Role.MEMBER)]:
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Member.objects.get_or_create(household=household, user=user, defaults={"name": name, "role": role})
        Member.objects.get_or_create(household=household, name="健", user=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo household {DEMO_HOUSEHOLD}: log in as taro (owner) or hanako (member), password {DEMO_PASSWORD}"
            )
        )
