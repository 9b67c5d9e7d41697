from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Preference


class PreferenceForm(forms.ModelForm):
    leads = forms.CharField(
        label=_("Remind me this many days before points expire"),
        help_text=_("Comma-separated, e.g. 30, 7."),
        initial="30, 7",
    )

    class Meta:
        model = Preference
        fields = ["email", "calendar", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leads"].initial = ", ".join(str(d) for d in self.instance.leads)

    def clean_leads(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["leads"].replace("、", ",").split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 0 < int(p) <= 365 for p in parts):
            raise ValidationError(_("Give one or more numbers of days between 1 and 365."))
        return sorted({int(p) for p in parts}, reverse=True)

    def save(self, commit: bool = True) -> Preference:
        self.instance.lead_days = self.cleaned_data["leads"]
        return super().save(commit)
