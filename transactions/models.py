"""Purchases: the facts a family logs, and the ledger movements they posted.

A purchase's facts can be edited and a purchase can be cancelled, but what it posted is never
rewritten: each change reverses the movements of the previous revision and posts new ones
(`transactions.posting`), and every revision keeps the facts it was posted with.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connections, models
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from households.models import Household, Member
from households.scoping import HouseholdOwned, HouseholdQuerySet
from pointbook.summaries import differences
from programs.models import Channel, Merchant, PaymentMethod
from wallets.models import LinkedAccount, Movement

ITEM_FLAGS = {
    "kindle": _("Kindle / e-book"),
    "digital": _("digital content"),
    "gift_card": _("Amazon gift card"),
    "prime_fee": _("Prime fee"),
    "voucher": _("voucher"),
    "pre_order": _("pre-order"),
    "subscribe_save": _("定期おトク便 (Subscribe & Save)"),
}


class PurchaseQuerySet(HouseholdQuerySet):
    def active(self) -> PurchaseQuerySet:
        return self.filter(cancelled_on__isnull=True)


class Purchase(HouseholdOwned):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="purchases")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("member"))
    day = models.DateField(_("date"))
    merchant_name = models.CharField(_("merchant"), max_length=200)
    merchant = models.ForeignKey(Merchant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    amount = models.PositiveIntegerField(_("amount incl. tax (yen)"))
    amount_excl_tax = models.PositiveIntegerField(_("amount excl. tax (yen)"), null=True, blank=True)
    tax_rate_percent = models.PositiveSmallIntegerField(_("tax rate %"), default=10)
    method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, related_name="+", verbose_name=_("card or payment method")
    )
    funding = models.CharField(
        _("funded by"), max_length=50, blank=True, help_text=_("For d払い: dcard, docomo-bill or d-barai-balance.")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.STORE)
    coupons = models.JSONField(_("coupons"), default=list, blank=True)
    points_spent = models.PositiveIntegerField(_("points spent"), default=0)
    points_account = models.ForeignKey(
        LinkedAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points from"),
    )
    expected_ship_on = models.DateField(_("expected shipment"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    # A stable fingerprint of an imported row: importing the same file twice adds nothing.
    import_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["household", "day"], name="purchase_household_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "import_key"], condition=~Q(import_key=""), name="purchase_imported_once"
            ),
            models.CheckConstraint(
                condition=Q(points_spent=0) | Q(points_account__isnull=False), name="spent_points_name_their_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_name} ¥{self.amount:,}"

    @property
    def is_order(self) -> bool:
        """An online order with items that ship (Amazon): points move at shipment."""
        return bool(self.items.all())

    @property
    def shipped_on(self) -> dt.date | None:
        """The day the last item shipped, once every item has."""
        days = [item.shipped_on for item in self.items.all()]
        return max(days) if days and all(days) else None


class MonthlySpendQuerySet(HouseholdQuerySet):
    def add(self, spent: dict[tuple[int, dt.date], int]) -> None:
        """Add yen per (household, month) to the summaries, in the caller's transaction (the one that
        writes the purchases). One upsert: two members' first purchases of a month, posted at the same
        time, both count (neither fails on the other's new row)."""
        spent = {key: yen for key, yen in spent.items() if yen}
        if not spent:
            return
        connection = connections[self.db]
        table = connection.ops.quote_name(MonthlySpend._meta.db_table)
        rows = sorted(spent.items())
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 300):  # within every SQLite's parameter limit
                chunk = rows[start : start + 300]
                params = []
                for (household_id, month), yen in chunk:
                    params += [household_id, connection.ops.adapt_datefield_value(month), yen]
                cursor.execute(
                    f"INSERT INTO {table} (household_id, month, yen) VALUES "  # noqa: S608 — our own table name
                    + ", ".join(["(%s, %s, %s)"] * len(chunk))
                    + f" ON CONFLICT (household_id, month) DO UPDATE SET yen = {table}.yen + excluded.yen",
                    params,
                )

    def rebuilt(self, households=None) -> dict[tuple[int, dt.date], int]:
        """Yen per (household, month) summed from the live purchases: what the summaries must hold."""
        purchases = Purchase.objects.active()
        if households is not None:
            purchases = purchases.filter(household__in=households)
        rows = (
            purchases.annotate(month=TruncMonth("day"))
            .values_list("household_id", "month")
            .annotate(yen=Sum("amount"))
            .order_by()
        )
        return {(h, m.date() if isinstance(m, dt.datetime) else m): yen for h, m, yen in rows if yen}

    def differences(self) -> list[tuple[int, dt.date, int, int]]:
        """Months whose kept spend differs from a rebuild: (household, month, kept, rebuilt)."""
        kept = {(h, m): yen for h, m, yen in self.values_list("household_id", "month", "yen") if yen}
        return sorted((h, m, k, r) for (h, m), k, r in differences(kept, self.rebuilt()))

    def refresh(self, households) -> None:
        """Rebuild the households' summaries from their purchases (after purchases were written in bulk)."""
        self.filter(household__in=households).delete()
        self.bulk_create(
            MonthlySpend(household_id=h, month=m, yen=yen) for (h, m), yen in self.rebuilt(households).items()
        )


class MonthlySpend(HouseholdOwned):
    """Yen spent per household and month (live purchases, by the purchase's day): the dashboard's "spent
    this month", read from one row however many purchases the month has.

    A summary kept in the same transaction as the purchases (`transactions.posting`); the purchases stay
    the truth and `check_ledger` rebuilds it and reports any difference."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    yen = models.BigIntegerField(default=0)

    objects = MonthlySpendQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "month"], name="one_spend_per_household_month")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m} ¥{self.yen:,}"


class OrderItem(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("item"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("price incl. tax (yen)"))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        # Orders waiting for shipment: a handful, however many orders there were.
        indexes = [models.Index(fields=["purchase"], condition=Q(shipped_on__isnull=True), name="item_unshipped")]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.price:,}"


class Revision(models.Model):
    """The facts of a purchase as they were posted, and who changed them when."""

    class Action(models.TextChoices):
        CREATED = "created", _("logged")
        EDITED = "edited", _("edited")
        SHIPPED = "shipped", _("shipped")
        CANCELLED = "cancelled", _("cancelled")

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(max_length=10, choices=Action)
    facts = models.JSONField()
    explanation = models.JSONField(default=list, help_text=_("What the engine said, per earning."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.get_action_display()}"


class Posting(models.Model):
    """A ledger movement a purchase posted; `reversed` once a later revision took it back."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="postings")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="postings")
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="posting")
    source = models.CharField(max_length=80, blank=True)  # "card:amex-green", "rule:rakuten-ichiba", "spend"
    reversed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.purchase_id} → {self.movement_id}"


class Use(models.Model):
    """What a live purchase used of a limit spanning payments (annual tax cap, スーパー還元 cycle cap, a
    campaign's period cap), so the next payment's engine context knows what is left. Derived from
    the current revision: replaced when the purchase is edited, removed when it is cancelled."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="uses")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)  # cap / cycle / period
    key = models.CharField(max_length=80)  # spend cap id or earning rule slug
    period_start = models.DateField()
    amount = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["member", "kind", "key", "period_start"], name="use_lookup")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} {self.period_start} {self.amount}"
