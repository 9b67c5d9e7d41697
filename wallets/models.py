"""Where a household's points live: linked accounts, the cards members hold, and the point ledger.

The ledger is append-only. A `Movement` records every change of points (earn, spend, expire, adjust,
reverse); points live in `Lot`s created by earn/adjust movements, and `Allocation`s say which lots a
spend, expiry or reversal took points from (or gave them back to). `Lot.remaining` is maintained in the
same transaction as the movement so balances read the live lots instead of summing all of history; it
always equals `points - sum(allocations)` (`manage.py check_ledger` rebuilds and compares).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from households.models import Member
from households.scoping import HouseholdOwned, HouseholdQuerySet
from programs.models import Addon, EarningRule, LotKind, PaymentMethod, Program


class LinkedAccount(HouseholdOwned):
    """A member's account in a point programme (楽天会員, dアカウント, Amazon, リクルートID, …).

    `amazon_link` / `amazon_auto_use` describe the partner link on Amazon (RULES.md §3): with
    「いつものお支払いにポイントを利用する」 on, Amazon spends all of this programme's points on every order.
    """

    household_lookup = "member__household"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("member"))
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("point programme")
    )
    label = models.CharField(_("label"), max_length=100, blank=True, help_text=_("e.g. the last digits of the ID."))
    amazon_link = models.BooleanField(_("linked on Amazon"), default=False)
    amazon_auto_use = models.BooleanField(
        _("「いつものお支払いにポイントを利用する」 is on"),
        default=False,
        help_text=_("Amazon then spends all of these points on every order."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every ledger write bumps `ledger_version` in its own transaction (`wallets.ledger._outdate_snapshots`); the
    # account's `Holding` snapshot is current while `holdings_version` equals it. `holdings_from`: the
    # latest day of a movement that took points when the snapshot was made (earlier days read the lots).
    ledger_version = models.PositiveBigIntegerField(default=0, editable=False)
    holdings_version = models.BigIntegerField(default=-1, editable=False)
    holdings_from = models.DateField(null=True, editable=False)

    LEDGER_FIELDS = frozenset({"ledger_version", "holdings_version", "holdings_from"})

    class Meta:
        verbose_name = _("linked account")
        verbose_name_plural = _("linked accounts")
        ordering = ["member_id", "program__slug"]
        constraints = [
            # One account per programme and member: balances and spending are per account.
            models.UniqueConstraint(fields=["member", "program"], name="one_account_per_member_and_program"),
            # Auto-use is a setting of the Amazon link; without a link it cannot be on.
            models.CheckConstraint(
                condition=Q(amazon_auto_use=False) | Q(amazon_link=True), name="auto_use_needs_amazon_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.program}"

    @property
    def holdings_current(self) -> bool:
        """Do the snapshots (`Holding`, `OpenPromise`) hold what the lots hold, as this copy was read?"""
        return self.holdings_version == self.ledger_version

    def save(self, *args, **kwargs) -> None:
        # An edit (label, Amazon link) never writes the ledger's versions back from a stale copy: that
        # could mark an old balance snapshot current.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.LEDGER_FIELDS
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.amazon_auto_use and not self.amazon_link:
            raise ValidationError({"amazon_auto_use": _("Auto-use is a setting of the Amazon link; link first.")})


class HeldCard(HouseholdOwned):
    """A card or payment method a member holds, with the add-ons they joined (MR Plus)."""

    household_lookup = "member__household"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="cards", verbose_name=_("member"))
    method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, related_name="holders", verbose_name=_("card or payment method")
    )
    addons = models.ManyToManyField(Addon, blank=True, related_name="holders", verbose_name=_("add-ons"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("card held")
        verbose_name_plural = _("cards held")
        ordering = ["member_id", "method__slug"]
        constraints = [models.UniqueConstraint(fields=["member", "method"], name="one_card_of_a_kind_per_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.method}"


class CampaignEntry(HouseholdOwned):
    """A member entered a campaign (エントリー); `status` picks the campaign's tier (first-use / returning)."""

    household_lookup = "member__household"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="entries", verbose_name=_("member"))
    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("campaign"))
    status = models.CharField(_("member status"), max_length=30, blank=True)
    entered_on = models.DateField(_("entered on"))

    class Meta:
        verbose_name = _("campaign entry")
        verbose_name_plural = _("campaign entries")
        constraints = [models.UniqueConstraint(fields=["member", "rule"], name="one_entry_per_member_and_campaign")]

    def __str__(self) -> str:
        return f"{self.member} · {self.rule}"


class CycleBonus(HouseholdOwned):
    """The member's own bonus % for one cycle of a programme such as dポイントスーパー還元: RULES.md §4 lacks
    the per-condition table, so the member enters what the programme's site shows."""

    household_lookup = "member__household"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="cycle_bonuses", verbose_name=_("member"))
    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="cycle_bonuses")
    cycle_start = models.DateField(_("cycle starts on"))
    percent = models.DecimalField(_("bonus %"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("cycle bonus")
        verbose_name_plural = _("cycle bonuses")
        ordering = ["-cycle_start"]
        constraints = [
            models.UniqueConstraint(fields=["member", "rule", "cycle_start"], name="one_bonus_per_member_and_cycle"),
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100), name="bonus_percent_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.cycle_start} · {self.percent}%"


class MovementQuerySet(HouseholdQuerySet):
    def on_or_before(self, day: dt.date) -> MovementQuerySet:
        return self.filter(on__lte=day)


class Movement(HouseholdOwned):
    """One change of points in one account. Never edited or deleted: a mistake is a `REVERSE` movement."""

    household_lookup = "account__member__household"

    class Kind(models.TextChoices):
        EARN = "earn", _("earn")
        SPEND = "spend", _("spend")
        EXPIRE = "expire", _("expire")
        ADJUST = "adjust", _("adjust")
        REVERSE = "reverse", _("reverse")

    account = models.ForeignKey(LinkedAccount, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    points = models.IntegerField(_("points"), help_text=_("Positive adds to the balance, negative takes from it."))
    on = models.DateField(_("date"))
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    reason = models.TextField(_("why"), blank=True, help_text=_("The rules that decided an earning."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["on", "id"]
        indexes = [
            models.Index(fields=["account", "on"], name="movement_account_day"),
            # Balances on a past day look up the few movements dated after it.
            models.Index(fields=["on"], name="movement_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="movement_moves_points"),
            # Only a reversal points at another movement, and a reversal always does.
            models.CheckConstraint(
                condition=Q(kind="reverse", reverses__isnull=False) | (~Q(kind="reverse") & Q(reverses__isnull=True)),
                name="reversal_names_its_movement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()} {self.points:+d}"


class LotQuerySet(HouseholdQuerySet):
    def live_on(self, day: dt.date, *fields: str) -> LotQuerySet:
        """Lots that may hold points on `day`, each annotated with `left` = its points on that day.

        Reads the lots with points left now (the partial index `lot_live`) and, in the same query, the
        few emptied by movements dated after `day`, so a date near today touches the live lots, not all
        of history. A union: filter before calling it, order after; `fields` gives rows of those fields.
        """
        taken_later = Allocation.objects.filter(movement__on__gt=day).values("lot_id")
        base = (
            self.filter(earned_on__lte=day)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
            .annotate(
                left=F("points") - Coalesce(Sum("allocations__points", filter=Q(allocations__movement__on__lte=day)), 0)
            )
            .filter(left__gt=0)
            .order_by()
        )
        live, emptied = base.filter(remaining__gt=0), base.filter(remaining=0, pk__in=taken_later)
        if fields:  # rows of these fields (a union cannot be narrowed afterwards)
            live, emptied = live.values_list(*fields), emptied.values_list(*fields)
        return live.union(emptied, all=True).order_by()


class Lot(HouseholdOwned):
    """Points from one earn or adjust movement, with their kind and dates.

    Pending from `earned_on` until `available_on` (empty while it depends on an event such as the
    shipment of an Amazon order); usable until `expires_on` inclusive (empty: never expires). For a
    programme whose normal points expire together (楽天), `expires_on` of its normal lots is the end of
    their chain of grants and is moved on by every new grant (`wallets.ledger`).
    """

    household_lookup = "account__member__household"

    account = models.ForeignKey(LinkedAccount, on_delete=models.PROTECT, related_name="lots")
    earned_by = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="lot")
    kind = models.CharField(_("kind"), max_length=20, choices=LotKind, default=LotKind.NORMAL)
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("points left"))
    earned_on = models.DateField(_("earned on"))
    available_on = models.DateField(_("available on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # A lot whose earning was reversed before it was ever granted: it never existed for expiry chains.
    void = models.BooleanField(default=False)
    # The day a member confirmed the programme really granted these points (marked received, or a
    # reconciled balance that includes them); promised points past due without it are "overdue".
    received_on = models.DateField(_("received on"), null=True, blank=True)
    # Points a rule promised (a campaign, 楽天市場's SPU, スーパー還元): the family checks they arrive.
    promised = models.BooleanField(default=False)

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("point lot")
        verbose_name_plural = _("point lots")
        ordering = ["earned_on", "id"]
        indexes = [
            # Balances and spending read only lots with points left: keep that set small to scan.
            models.Index(fields=["account", "expires_on"], condition=Q(remaining__gt=0), name="lot_live"),
            # Expiry chains (楽天) look up an account's normal grants by date.
            models.Index(fields=["account", "kind", "available_on"], name="lot_grants"),
            # "Lost last month" reads the lots that expired in one month.
            models.Index(fields=["expires_on"], name="lot_expiry"),
            # Promises not yet confirmed: a handful, however long the history.
            models.Index(
                fields=["account"],
                condition=Q(promised=True, received_on__isnull=True, void=False),
                name="lot_open_promise",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__lte=F("points")), name="lot_remaining_within_points"),
            models.CheckConstraint(condition=Q(points__gt=0), name="lot_has_points"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.points} ({self.get_kind_display()})"

    def state_on(self, day: dt.date) -> str:
        if self.void:
            return "void"
        if self.expires_on is not None and day > self.expires_on:
            return "expired"
        if self.available_on is None or day < self.available_on:
            return "pending"
        return "available" if self.remaining else "spent"


class Allocation(models.Model):
    """Points a movement took from a lot (positive) or gave back to it (negative, a reversed spend)."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations")
    points = models.IntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="allocation_moves_points")]

    def __str__(self) -> str:
        return f"{self.movement_id} → lot {self.lot_id}: {self.points:+d}"


class MonthlyEarning(HouseholdOwned):
    """Points earned per account and month (earn movements not reversed): the dashboard's chart.

    A summary kept in the same transaction as the movement (`wallets.ledger`); the ledger stays the
    truth and `check_ledger` rebuilds it and reports any difference."""

    household_lookup = "account__member__household"

    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="one_summary_per_account_month")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m} {self.points}"


class Holding(HouseholdOwned):
    """Points left in an account's lots, summed per kind and dates: what balances read instead of every
    live lot (a family paying by card every day keeps thousands of lots; their dates are a few hundred).

    A snapshot of the ledger, never a second truth: every ledger write bumps the account's
    `ledger_version` in its own transaction, and the next read of an account whose `holdings_version`
    differs rebuilds its rows from the lots (`wallets.balances`). `check_ledger` compares the current
    snapshots with a rebuild."""

    household_lookup = "account__member__household"

    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=LotKind)
    earned_on = models.DateField()
    available_on = models.DateField(null=True)
    expires_on = models.DateField(null=True)
    points = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.available_on}→{self.expires_on}: {self.points}"


class OpenPromise(HouseholdOwned):
    """Promised points not yet received, per account, rule (`source`, as on the posting) and due day: the
    dashboard's promise totals. A snapshot like `Holding`, current under the same account versions and
    rebuilt with it; `check_ledger` compares it with the lots."""

    household_lookup = "account__member__household"

    account = models.ForeignKey(LinkedAccount, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=80)
    due = models.DateField(null=True)
    points = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.account_id} {self.source} {self.due}: {self.points}"
