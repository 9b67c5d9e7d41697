"""Forms of the wallet pages. Every member choice is built from the current household's scope, so a
form cannot attach an account, card or entry to another household's member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household, Member
from programs.engine import cycle_start
from programs.models import Addon, EarningRule

from .models import CampaignEntry, CycleBonus, HeldCard, LinkedAccount


class HouseholdMemberForm(forms.ModelForm):
    """A model form whose `member` is one of the household's members."""

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.scoped(Member)


class LinkedAccountForm(HouseholdMemberForm):
    class Meta:
        model = LinkedAccount
        fields = ["member", "program", "label", "amazon_link", "amazon_auto_use"]

    def __init__(self, *args: Any, household: Household, has_movements: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, household=household, **kwargs)
        if has_movements:
            # Its points belong to this member and follow this programme's rules (expiry, spending
            # order): moving the history to another member or programme would rewrite the past.
            for name in ("member", "program"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once points are recorded in this account.")


class HeldCardForm(HouseholdMemberForm):
    class Meta:
        model = HeldCard
        fields = ["member", "method", "addons"]
        widgets = {"addons": forms.CheckboxSelectMultiple}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        method, addons = cleaned.get("method"), cleaned.get("addons")
        if method and addons:
            eligible = set(Addon.objects.filter(pk__in=[a.pk for a in addons], eligible_cards=method))
            refused = [addon.name for addon in addons if addon not in eligible]
            if refused:
                self.add_error(
                    "addons",
                    _("%(card)s cannot join %(addons)s.") % {"card": method.name, "addons": "、".join(refused)},
                )
        return cleaned


class CampaignEntryForm(HouseholdMemberForm):
    class Meta:
        model = CampaignEntry
        fields = ["member", "rule", "status", "entered_on"]
        widgets = {"entered_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"status": _("For a campaign with tiers: the tier, such as first-use or returning.")}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, household=household, **kwargs)
        self.fields["rule"].queryset = EarningRule.objects.filter(requires_entry=True).order_by("name")
        self.fields["entered_on"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        rule, status = cleaned.get("rule"), cleaned.get("status", "")
        if rule:
            tiers = list(rule.tiers.values_list("status", flat=True))
            # The engine picks the tier by this status; one that matches no tier would earn nothing.
            if tiers and status not in tiers:
                self.add_error(
                    "status",
                    _("%(campaign)s has the tiers %(tiers)s; enter one of them.")
                    % {"campaign": rule.name, "tiers": ", ".join(tiers)},
                )
        return cleaned


class CycleBonusForm(HouseholdMemberForm):
    percent = forms.DecimalField(label=_("bonus %"), min_value=0, max_value=100, max_digits=4, decimal_places=1)

    class Meta:
        model = CycleBonus
        fields = ["member", "rule", "cycle_start", "percent"]
        labels = {"rule": _("programme")}
        widgets = {"cycle_start": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"cycle_start": _("Any day of the cycle; it is stored as the day the cycle starts.")}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, household=household, **kwargs)
        self.fields["rule"].queryset = EarningRule.objects.filter(
            rate_source=EarningRule.RateSource.MEMBER_PERCENT
        ).order_by("name")
        self.fields["cycle_start"].initial = timezone.localdate

    def clean_cycle_start(self):
        day, rule = self.cleaned_data["cycle_start"], self.cleaned_data.get("rule")
        # Purchases look the bonus up by the start of their cycle (transactions.posting.context_for).
        return cycle_start(day, rule.cycle_start_day or 1) if rule else day


class ReconcileForm(forms.Form):
    shown = forms.IntegerField(
        label=_("Balance shown on the programme's site"),
        min_value=0,
        help_text=_("The difference is recorded as an adjustment dated today."),
    )


class SpendForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), min_value=1)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    only_period_limited = forms.BooleanField(label=_("Only period-limited points (期間限定)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate
