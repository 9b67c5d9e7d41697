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
        if not household.purchases.exists():
            self._history(household)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo household {DEMO_HOUSEHOLD}: log in as taro (owner) or hanako (member), password {DEMO_PASSWORD}"
            )
        )

    def _history(self, household: Household) -> None:
        """A few months of a family's points, dated from today so the dashboard has something to say."""
        import datetime as dt
        from decimal import Decimal

        from django.utils import timezone

        from programs.models import Addon, EarningRule, LotKind, PaymentMethod, Program
        from transactions.posting import Facts, log_purchase, ship
        from wallets import ledger
        from wallets.models import CampaignEntry, CycleBonus, HeldCard, LinkedAccount

        today = timezone.localdate()
        taro, hanako, ken = (household.members.get(name=n) for n in ("太郎", "花子", "健"))

        def account(member, slug, **flags):
            return LinkedAccount.objects.get_or_create(
                member=member, program=Program.objects.get(slug=slug), defaults=flags
            )[0]

        def card(member, slug, addons=()):
            held = HeldCard.objects.get_or_create(member=member, method=PaymentMethod.objects.get(slug=slug))[0]
            held.addons.set(Addon.objects.filter(slug__in=addons))

        rakuten = account(taro, "rakuten")
        dpoint = account(hanako, "dpoint", amazon_link=True, amazon_auto_use=True)
        account(taro, "dpoint", amazon_link=True)
        account(ken, "rakuten")
        card(taro, "amex-gold-preferred", ["mr-plus"])
        card(taro, "rakuten-pay")
        card(hanako, "marriott-amex")
        card(hanako, "d-barai")
        super_kangen = EarningRule.objects.get(slug="dpoint-super-kangen")
        CampaignEntry.objects.get_or_create(
            member=hanako, rule=super_kangen, defaults={"entered_on": dt.date(2019, 5, 22)}
        )
        CycleBonus.objects.get_or_create(
            member=hanako,
            rule=super_kangen,
            cycle_start=today.replace(day=10)
            if today.day >= 10
            else (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10),
            defaults={"percent": Decimal(3)},
        )
        ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
        ledger.earn(rakuten, 2400, ago(300), available_on=ago(279), note="demo: 楽天カード")
        ledger.earn(
            rakuten,
            500,
            ago(40),
            available_on=ago(19),
            kind=LotKind.PERIOD_LIMITED,
            expires_on=today + dt.timedelta(days=12),
            note="demo: 楽天スーパーSALE",
        )
        ledger.earn(dpoint, 800, ago(120), available_on=ago(120), note="demo")
        purchases = [
            Facts(taro, ago(2), "楽天市場", 6600, "rakuten-pay", "online", amount_excl_tax=6000),
            Facts(taro, ago(20), "東京ガス", 8800, "amex-gold-preferred"),
            Facts(taro, ago(25), "NHK", 2200, "amex-gold-preferred"),
            Facts(hanako, ago(3), "ローソン", 1200, "d-barai", funding="dcard"),
            Facts(hanako, ago(33), "ホテル", 42000, "marriott-amex"),
        ]
        for facts in purchases:
            log_purchase(facts)
        from programs.engine import Item

        order = log_purchase(
            Facts(
                hanako,
                ago(6),
                "Amazon",
                12800,
                "marriott-amex",
                "online",
                items=(Item(12800, frozenset(), "炊飯器"),),
                shipped_on=(None,),
            )
        )
        ship(order, ago(4))
