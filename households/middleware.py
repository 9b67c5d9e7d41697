from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .models import Member

SESSION_KEY = "household_id"


def memberships(request: HttpRequest) -> list[Member]:
    """The signed-in user's memberships, by household name (read once per request: the header's
    switcher and `current_membership` share them)."""
    if not request.user.is_authenticated:
        return []
    if not hasattr(request, "_memberships"):
        request._memberships = list(
            Member.objects.filter(user=request.user).select_related("household").order_by("household__name", "id")
        )
    return request._memberships


def current_membership(request: HttpRequest) -> Member | None:
    """The signed-in user's membership in the household they chose (the session remembers it), or
    their first one. None for anonymous users and for users who belong to no household yet."""
    mine = memberships(request)
    if not mine:
        return None
    chosen = request.session.get(SESSION_KEY)
    return next((m for m in mine if chosen and m.household_id == chosen), None) or min(mine, key=lambda m: m.pk)


class CurrentHouseholdMiddleware:
    """Resolves `request.membership` and `request.household` once per request (lazily, so pages
    that never touch them cost no query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: current_membership(request))
        request.household = SimpleLazyObject(lambda: request.membership.household if request.membership else None)
        return self.get_response(request)
