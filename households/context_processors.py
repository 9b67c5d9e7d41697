from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .middleware import memberships


def household(request: HttpRequest) -> dict:
    """The current household for the header, and the user's other households for the switcher
    (the same query as `request.membership`, made once)."""
    if not request.user.is_authenticated:
        return {}
    return {
        "current_membership": request.membership,
        "my_memberships": SimpleLazyObject(lambda: memberships(request)),
    }
