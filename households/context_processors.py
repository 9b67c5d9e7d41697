from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Member


def household(request: HttpRequest) -> dict:
    """The current household for the header, and the user's other households for the switcher
    (one query, only on pages that show the header to a signed-in user)."""
    if not request.user.is_authenticated:
        return {}
    return {
        "current_membership": request.membership,
        "my_memberships": SimpleLazyObject(
            lambda: list(
                Member.objects.filter(user=request.user).select_related("household").order_by("household__name")
            )
        ),
    }
