from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Household, Member, Role


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), help_text=_("Used to reset your password and for reminders."))

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Household name"), max_length=100, help_text=_("For example 山田家."))
    your_name = forms.CharField(label=_("Your name in the household"), max_length=100)


class MemberForm(forms.ModelForm):
    """A family member without a login (a child whose points the parents track)."""

    class Meta:
        model = Member
        fields = ["name"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    member = forms.ModelChoiceField(
        label=_("For member"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("— a new member —"),
        help_text=_("Choose a member without a login to give them one; their points stay theirs."),
    )

    def __init__(self, *args, household: Household, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.scoped(Member).filter(user__isnull=True)


class AcceptInviteForm(forms.Form):
    name = forms.CharField(label=_("Your name in the household"), max_length=100)
