"""Finding a household by what an operator types on the command line."""

from django.core.management.base import CommandError

from .models import Household


def household_named(name: str) -> Household:
    """The household with this name (or id); a clear error when there is none or several."""
    matches = list(Household.objects.filter(name=name)[:2])
    if not matches and name.isdigit():
        matches = list(Household.objects.filter(pk=int(name)))
    if not matches:
        raise CommandError(f"No household is named {name!r}.", returncode=2)
    if len(matches) > 1:
        ids = ", ".join(str(pk) for pk in Household.objects.filter(name=name).values_list("pk", flat=True))
        raise CommandError(f"Several households are named {name!r}; give its id instead ({ids}).", returncode=2)
    return matches[0]
