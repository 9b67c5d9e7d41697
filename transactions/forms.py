import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household, Member
from programs.engine import Coupon, Item
from programs.models import Channel, PaymentMethod
from wallets.models import LinkedAccount

from .models import ITEM_FLAGS, Purchase
from .posting import Facts

FUNDING = [
    ("", _("—")),
    ("dcard", _("dカード")),
    ("dcard-gold", _("dカード GOLD")),
    ("docomo-bill", _("docomo phone bill")),
    ("d-barai-balance", _("d払い balance")),
]


class PurchaseForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    merchant_name = forms.CharField(
        label=_("Merchant"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "merchant-options", "autocomplete": "off"}),
    )
    amount = forms.IntegerField(label=_("Amount incl. tax (yen)"), min_value=1, max_value=100_000_000)
    amount_excl_tax = forms.IntegerField(
        label=_("Amount excl. tax (yen)"),
        min_value=0,
        required=False,
        help_text=_("Where a programme earns on the tax-excluded amount (楽天市場). Empty: from the tax rate."),
    )
    tax_rate_percent = forms.ChoiceField(label=_("Tax rate"), choices=[(10, "10%"), (8, "8%")], initial=10)
    method = forms.ModelChoiceField(
        label=_("Card or payment method"), queryset=PaymentMethod.objects.order_by("issuer__name", "name")
    )
    funding = forms.ChoiceField(label=_("Funded by (d払い)"), choices=FUNDING, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(Channel.STORE, _("in store")), (Channel.ONLINE, _("online"))]
    )
    coupon_yen = forms.IntegerField(label=_("Yen coupon"), min_value=0, required=False)
    coupon_percent = forms.IntegerField(label=_("Percent coupon"), min_value=0, max_value=100, required=False)
    points_spent = forms.IntegerField(label=_("Points spent"), min_value=0, required=False)
    points_account = forms.ModelChoiceField(
        label=_("Points from"), queryset=LinkedAccount.objects.none(), required=False
    )
    items = forms.CharField(
        label=_("Order items (Amazon)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name | price | flags (%(flags)s). Points then move when the order ships.")
        % {"flags": ", ".join(ITEM_FLAGS)},
    )
    expected_ship_on = forms.DateField(
        label=_("Expected shipment"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, household: Household, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.scoped(Member)
        self.fields["points_account"].queryset = household.scoped(LinkedAccount).select_related("member", "program")
        self.fields["day"].initial = timezone.localdate()

    def clean_items(self) -> tuple[Item, ...]:
        items = []
        for number, line in enumerate(self.cleaned_data["items"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")] + ["", ""]
            name, price, flags = parts[:3]
            flag_set = frozenset(f.strip() for f in flags.replace("+", ",").split(",") if f.strip())
            unknown = flag_set - set(ITEM_FLAGS)
            if not price.isdigit():
                raise ValidationError(_("Line %(n)s: the price must be whole yen.") % {"n": number})
            if unknown:
                raise ValidationError(
                    _("Line %(n)s: unknown flag(s) %(flags)s.") % {"n": number, "flags": ", ".join(sorted(unknown))}
                )
            items.append(Item(int(price), flag_set, name))
        return tuple(items)

    def clean(self):
        data = super().clean()
        spent, account, member = data.get("points_spent") or 0, data.get("points_account"), data.get("member")
        if spent and account is None:
            self.add_error("points_account", _("Choose the account the points come from."))
        if spent and account and member and account.member_id != member.pk:
            self.add_error("points_account", _("Points can only be spent from the member's own account."))
        if spent and data.get("amount") and spent > data["amount"]:
            self.add_error("points_spent", _("More points than the amount cannot be spent on a purchase."))
        return data

    def facts(self) -> Facts:
        data = self.cleaned_data
        coupons = []
        if data.get("coupon_percent"):
            coupons.append(Coupon("percent", data["coupon_percent"]))
        if data.get("coupon_yen"):
            coupons.append(Coupon("yen", data["coupon_yen"]))
        items = data.get("items") or ()
        return Facts(
            member=data["member"],
            day=data["day"],
            merchant_name=data["merchant_name"].strip(),
            amount=data["amount"],
            method=data["method"].slug,
            channel=data["channel"],
            amount_excl_tax=data.get("amount_excl_tax"),
            tax_rate_percent=int(data.get("tax_rate_percent") or 10),
            funding=data.get("funding") or "",
            coupons=tuple(coupons),
            points_spent=data.get("points_spent") or 0,
            points_account=data.get("points_account") if data.get("points_spent") else None,
            items=items,
            shipped_on=(None,) * len(items),
            expected_ship_on=data.get("expected_ship_on"),
            note=data.get("note") or "",
        )

    @classmethod
    def initial_from(cls, purchase: Purchase) -> dict:
        coupons = {c["kind"]: c["value"] for c in purchase.coupons}
        return {
            "member": purchase.member_id,
            "day": purchase.day,
            "merchant_name": purchase.merchant_name,
            "amount": purchase.amount,
            "amount_excl_tax": purchase.amount_excl_tax,
            "tax_rate_percent": purchase.tax_rate_percent,
            "method": purchase.method_id,
            "funding": purchase.funding,
            "channel": purchase.channel,
            "coupon_yen": coupons.get("yen"),
            "coupon_percent": coupons.get("percent"),
            "points_spent": purchase.points_spent or None,
            "points_account": purchase.points_account_id,
            "items": "\n".join(f"{i.name} | {i.price} | {', '.join(i.flags)}" for i in purchase.items.all()),
            "expected_ship_on": purchase.expected_ship_on,
            "note": purchase.note,
        }


class ShipForm(forms.Form):
    day = forms.DateField(label=_("Shipped on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = dt.date.today()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or Shift_JIS, in the format of the export."))
