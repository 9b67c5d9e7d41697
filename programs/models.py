"""The catalog: point programmes, payment methods, merchants and the dated rules that decide earnings.

Every rule row carries `valid_from` / `valid_to` (inclusive, empty = still valid), so a payment is
judged by the rules valid on its date and a change (B/43 moving from full rate to excluded) is a new
row, not an edit of the past. The initial contents are RULES.md, installed by migrations; people keep
them current in the admin. No figure lives in Python: the engine (`programs/engine.py`) only reads rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pointbook.tokens import Token


class DatedQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> DatedQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class DatedRule(models.Model):
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day it applies; empty = still valid.")
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where the rule comes from (article, list date).")
    )
    note = models.TextField(_("note"), blank=True, help_text=_("A reading we chose, or anything a user should know."))

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The last day cannot be before the first day.")})

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Rounding(models.TextChoices):
    # Issuers earn per whole unit ("1 point per 100 yen": 10,150 yen → 101 units → 101 points);
    # percentage campaigns take a share of the amount. Both round down (RULES.md: floor per payment).
    PER_UNIT = "per_unit", _("per whole unit: floor(amount ÷ per yen) × points")
    PROPORTIONAL = "proportional", _("proportional: floor(amount × points ÷ per yen)")


class AmountBasis(models.TextChoices):
    INCL_TAX = "incl_tax", _("amount incl. tax")
    EXCL_TAX_AFTER_COUPONS = (
        "excl_tax_after_coupons",
        _("tax-excluded amount after coupons (points spent do not reduce it)"),
    )
    INCL_TAX_MINUS_POINTS = "incl_tax_minus_points", _("amount incl. tax minus points spent")
    ELIGIBLE_ITEMS = "eligible_items", _("order total of eligible items incl. tax")


class Channel(models.TextChoices):
    ANY = "any", _("store or online")
    STORE = "store", _("in store")
    ONLINE = "online", _("online")


class LotKind(models.TextChoices):
    NORMAL = "normal", _("normal (通常)")
    PERIOD_LIMITED = "period_limited", _("period-limited (期間限定)")
    EXCHANGED_IN = "exchanged_in", _("exchanged in (交換)")


class GrantTiming(models.TextChoices):
    AT_PAYMENT = "at_payment", _("on the payment date (+ days until available)")
    AT_SHIPMENT = "at_shipment", _("when every item of the order has shipped")
    DAY_OF_NEXT_MONTH = "day_of_next_month", _("on a given day of the following month")
    END_OF_MONTH_AFTER_NEXT_OF_CYCLE = (
        "end_of_month_after_next_of_cycle",
        _("last day of the month after next from the cycle's start month"),
    )
    BY_PAYOUT_DATE = "by_payout_date", _("by the payout date")


class Program(models.Model):
    class Expiry(models.TextChoices):
        NEVER = "never", _("never expires")
        ROLLING = "rolling", _("all normal points expire together, N months counting the month of the latest grant")
        PER_LOT_MONTHS = "per_lot_months", _("each grant expires N months after its month")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    point_value_yen = models.DecimalField(
        _("yen per point"), max_digits=6, decimal_places=2, default=Decimal(1), help_text=_("What one point is worth.")
    )
    normal_expiry = models.CharField(_("normal-point expiry"), max_length=20, choices=Expiry, default=Expiry.NEVER)
    normal_expiry_months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    spending_order = models.CharField(
        _("spending order"),
        max_length=100,
        default="period_limited,exchanged_in,normal",
        help_text=_("Lot kinds in the order they are spent; within a kind the soonest expiry goes first."),
    )
    where_to_spend = models.TextField(_("where the points can be spent"), blank=True)
    restrictions = models.TextField(_("restrictions on spending"), blank=True)

    class Meta:
        verbose_name = _("point programme")
        verbose_name_plural = _("point programmes")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def yen_value(self, points: int) -> int:
        """Whole yen a number of points is worth (floor: never promise more than the points give)."""
        return int(points * self.point_value_yen)


class Issuer(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class MerchantCategory(models.TextChoices):
    ELECTRICITY = "electricity", _("electricity")
    GAS = "gas", _("gas")
    WATER = "water", _("water")
    NATIONAL_TAX = "national_tax", _("national tax")
    LOCAL_TAX = "local_tax", _("local tax")
    PUBLIC_FUNDS = "public_funds", _("public funds")
    E_MONEY = "e_money", _("e-money")
    DONATION = "donation", _("donation")
    PAYMENT_SERVICE = "payment_service", _("payment service")
    MEDICAL = "medical", _("medical")
    HOTEL = "hotel", _("hotel")
    AIRLINE = "airline", _("airline")
    CARD_FEE = "card_fee", _("card fees and charges")
    BROADCASTING = "broadcasting", _("broadcasting fee")
    ONLINE_SHOPPING = "online_shopping", _("online shopping")
    TRAVEL = "travel", _("travel")
    FOOD_DELIVERY = "food_delivery", _("food delivery")
    ELECTRONICS = "electronics", _("electronics")
    POSTAL = "postal", _("postal service")
    LOTTERY = "lottery", _("lottery")
    CHILDCARE = "childcare", _("childcare")
    OTHER = "other", _("other")


class PaymentMethod(models.Model):
    class Kind(models.TextChoices):
        CREDIT_CARD = "credit_card", _("credit card")
        PREPAID_CARD = "prepaid_card", _("prepaid card")
        CODE_PAYMENT = "code_payment", _("code payment (QR/barcode)")
        CONTACTLESS = "contactless", _("contactless (iD, QUICPay)")
        ONLINE_WALLET = "online_wallet", _("online payment service")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="payment_methods")
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="payment_methods", verbose_name=_("earns into")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CREDIT_CARD)
    charged_as = models.ForeignKey(
        "Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("a funding card sees it as"),
        help_text=_("For payment services: the merchant a card that funds it is charged by (d払い, Amazon Pay…)."),
    )

    class Meta:
        verbose_name = _("card or payment method")
        verbose_name_plural = _("cards and payment methods")
        ordering = ["issuer__slug", "slug"]

    def __str__(self) -> str:
        return self.name


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English / romaji name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=MerchantCategory, default=MerchantCategory.OTHER)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MerchantAlias(models.Model):
    """Another name the merchant goes by: statement text (ﾄｳｷｮｳｶﾞｽ), romaji (Tokyo Gas), old names."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ["alias"]

    def __str__(self) -> str:
        return self.alias


class Addon(models.Model):
    """A paid option that changes a card's rates (メンバーシップ・リワード・プラス)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    annual_fee_yen = models.PositiveIntegerField(_("annual fee (yen)"), default=0)
    eligible_cards = models.ManyToManyField(PaymentMethod, related_name="addons", verbose_name=_("cards that can join"))
    free_for = models.ManyToManyField(
        PaymentMethod, related_name="free_addons", blank=True, verbose_name=_("free (but must be joined) for")
    )

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")

    def __str__(self) -> str:
        return self.name


class BaseRate(DatedRule):
    """A payment method's ordinary earning, "N points per M yen", optionally for one channel only."""

    method = models.ForeignKey(PaymentMethod, on_delete=models.CASCADE, related_name="base_rates")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.ANY)
    points = models.PositiveIntegerField(_("points"))
    per_yen = models.PositiveIntegerField(_("per yen"))
    rounding = models.CharField(_("rounding"), max_length=20, choices=Rounding, default=Rounding.PER_UNIT)
    available_after_days = models.PositiveSmallIntegerField(_("days until available"), default=0)

    class Meta:
        verbose_name = _("base rate")
        verbose_name_plural = _("base rates")
        ordering = ["method__slug", "channel", "valid_from"]
        indexes = [models.Index(fields=["method", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.method.slug}: {self.points}/{self.per_yen}"


class MerchantTreatment(DatedRule):
    """How an issuer (or some of its cards) treats a merchant or a whole category: the Amex lists.

    A row for specific cards beats an issuer-wide row; a merchant row beats a category row.
    """

    class Treatment(models.TextChoices):
        FULL = "full", _("full rate")
        HALF = "half", _("half rate")
        EXCLUDED = "excluded", _("excluded (0 points)")
        BONUS = "bonus", _("bonus rate")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="treatments")
    category = models.CharField(_("category"), max_length=30, choices=MerchantCategory, blank=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="treatments")
    cards = models.ManyToManyField(
        PaymentMethod, blank=True, related_name="treatments", help_text=_("Empty = every card of the issuer.")
    )
    treatment = models.CharField(_("treatment"), max_length=10, choices=Treatment)
    points = models.PositiveIntegerField(
        _("bonus points"), null=True, blank=True, help_text=_("Bonus only: total rate.")
    )
    per_yen = models.PositiveIntegerField(_("per yen"), null=True, blank=True)
    rounding = models.CharField(_("rounding"), max_length=20, choices=Rounding, default=Rounding.PER_UNIT)
    requires_addon = models.ForeignKey(
        Addon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="treatments",
        verbose_name=_("needs add-on"),
    )
    list_date = models.DateField(_("as listed on"), help_text=_("The date of the issuer's list (…時点)."))

    class Meta:
        verbose_name = _("merchant treatment")
        verbose_name_plural = _("merchant treatments")
        ordering = ["issuer__slug", "treatment", "merchant__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(merchant__isnull=False) & Q(category="")) | (Q(merchant__isnull=True) & ~Q(category="")),
                name="treatment_targets_merchant_or_category",
            ),
            models.CheckConstraint(
                condition=~Q(treatment="bonus") | (Q(points__isnull=False) & Q(per_yen__gt=0)),
                name="bonus_treatment_has_rate",
            ),
        ]

    def __str__(self) -> str:
        target = self.merchant.name if self.merchant_id else self.get_category_display()
        return f"{self.issuer.slug} · {target} · {self.treatment}"


class SpendCap(DatedRule):
    """Spending above `cap_yen` in a period earns nothing (国税: 3,000,000 yen a calendar year)."""

    class Period(models.TextChoices):
        CALENDAR_YEAR = "calendar_year", _("calendar year")

    name = models.CharField(_("name"), max_length=200)
    cards = models.ManyToManyField(PaymentMethod, related_name="spend_caps")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="spend_caps")
    category = models.CharField(_("category"), max_length=30, choices=MerchantCategory, blank=True)
    period = models.CharField(_("period"), max_length=20, choices=Period, default=Period.CALENDAR_YEAR)
    cap_yen = models.PositiveBigIntegerField(_("cap (yen)"))

    class Meta:
        verbose_name = _("spending cap")
        verbose_name_plural = _("spending caps")
        ordering = ["valid_from", "name"]

    def __str__(self) -> str:
        return self.name


class EarningRule(DatedRule):
    """Earnings on top of the card's own: a merchant's programme (Amazon → dポイント, 楽天市場 → 楽天ポイント),
    a payment programme (dポイントスーパー還元) or a campaign (au PAY × Amazon). The row's dates are the
    rule's validity and, for a campaign, its period."""

    class RateSource(models.TextChoices):
        FIXED = "fixed", _("fixed rate (points per yen)")
        TIERS = "tiers", _("tiers by the member's status")
        # xgettext:no-python-format
        MEMBER_PERCENT = "member_percent", _("the member's own bonus % for the cycle")

    class Kind(models.TextChoices):
        MERCHANT_PROGRAMME = "merchant_programme", _("merchant programme")
        PAYMENT_PROGRAMME = "payment_programme", _("payment programme")
        CAMPAIGN = "campaign", _("campaign")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="earning_rules", verbose_name=_("pays in")
    )
    merchants = models.ManyToManyField(
        Merchant, blank=True, related_name="earning_rules", help_text=_("Empty = anywhere.")
    )
    methods = models.ManyToManyField(
        PaymentMethod, blank=True, related_name="earning_rules", help_text=_("Empty = any payment method.")
    )
    allowed_funding = models.JSONField(
        _("allowed funding"),
        default=list,
        blank=True,
        help_text=_(
            "For a code payment: it counts only when funded by one of these (card slugs, or docomo-bill, "
            "d-barai-balance); empty = any funding."
        ),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.ANY)
    requires_linked_account = models.BooleanField(_("needs a linked account"), default=False)
    requires_entry = models.BooleanField(_("needs entry"), default=False)
    rate_source = models.CharField(_("rate"), max_length=20, choices=RateSource, default=RateSource.FIXED)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    per_yen = models.PositiveIntegerField(_("per yen"), null=True, blank=True)
    rounding = models.CharField(_("rounding"), max_length=20, choices=Rounding, default=Rounding.PROPORTIONAL)
    amount_basis = models.CharField(_("amount basis"), max_length=30, choices=AmountBasis, default=AmountBasis.INCL_TAX)
    excluded_item_flags = models.JSONField(
        _("excluded items"), default=list, blank=True, help_text=_("Item flags that neither count nor earn.")
    )
    min_amount_yen = models.PositiveIntegerField(_("minimum per payment (yen)"), default=0)
    cap_points_per_payment = models.PositiveIntegerField(_("cap per payment/order (points)"), null=True, blank=True)
    cap_points_per_period = models.PositiveIntegerField(_("cap for the whole period (points)"), null=True, blank=True)
    cycle_start_day = models.PositiveSmallIntegerField(
        _("cycle start day"), null=True, blank=True, help_text=_("Monthly cycle from this day (10 → 10th–9th).")
    )
    cap_yen_per_cycle = models.PositiveIntegerField(_("eligible spend cap per cycle (yen)"), null=True, blank=True)
    grant_timing = models.CharField(_("granted"), max_length=40, choices=GrantTiming, default=GrantTiming.AT_PAYMENT)
    grant_day = models.PositiveSmallIntegerField(_("grant day of month"), null=True, blank=True)
    available_after_days = models.PositiveSmallIntegerField(_("days until available"), default=0)
    payout_date = models.DateField(_("payout date"), null=True, blank=True)
    lot_kind = models.CharField(_("points kind"), max_length=20, choices=LotKind, default=LotKind.NORMAL)
    valid_days = models.PositiveSmallIntegerField(
        _("valid days"), null=True, blank=True, help_text=_("Period-limited points: days valid counting the grant day.")
    )

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["kind", "slug"]

    def __str__(self) -> str:
        return self.name


class CampaignTier(models.Model):
    rule = models.ForeignKey(EarningRule, on_delete=models.CASCADE, related_name="tiers")
    status = models.SlugField(_("member status"), help_text=_("e.g. first-use, returning"))
    label = models.CharField(_("label"), max_length=200)
    points = models.PositiveIntegerField(_("points"))
    per_yen = models.PositiveIntegerField(_("per yen"))

    class Meta:
        verbose_name = _("campaign tier")
        verbose_name_plural = _("campaign tiers")
        ordering = ["rule", "-points"]
        constraints = [models.UniqueConstraint(fields=["rule", "status"], name="one_tier_per_status")]

    def __str__(self) -> str:
        return self.label


class PointUseRule(DatedRule):
    """Where a programme's points cannot pay, or which of its points can (RULES.md §3: on Amazon dポイント
    cannot pay pre-orders, digital content, 定期おトク便 or the Prime fee; only normal リクルートポイント)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="use_rules", verbose_name=_("programme")
    )
    merchants = models.ManyToManyField(
        Merchant,
        blank=True,
        related_name="point_use_rules",
        verbose_name=_("merchants"),
        help_text=_("Empty = anywhere."),
    )
    refused_item_flags = models.JSONField(
        _("items the points cannot pay"), default=list, blank=True, help_text=_("Item flags, e.g. pre_order, kindle.")
    )
    usable_kinds = models.JSONField(
        _("usable point kinds"), default=list, blank=True, help_text=_("Empty = every kind.")
    )

    class Meta:
        verbose_name = _("point use rule")
        verbose_name_plural = _("point use rules")

    def __str__(self) -> str:
        return f"{self.program} · {self.note[:40]}"


class CatalogVersion(Token):
    """Renewed with every catalog edit (`programs.signals`), so the in-memory snapshots
    (programs/catalog.py) in every worker know they are stale."""

    class Meta:
        verbose_name = _("catalog version")
