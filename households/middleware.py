from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .models import Member

SESSION_KEY = "household_id"


def current_membership(request: HttpRequest) -> Member | None:
    """The signed-in user's membership in the household they chose (the session remembers it), or
    their first one. None for anonymous users and for users who belong to no household yet."""
    if not request.user.is_authenticated:
        return None
    memberships = Member.objects.select_related("household").filter(user=request.user)
    chosen = request.session.get(SESSION_KEY)
    membership = (chosen and memberships.filter(household_id=chosen).first()) or memberships.order_by("id").first()
    return membership


class CurrentHouseholdMiddleware:
    """Resolves `request.membership` and `request.household` once per request (lazily, so pages
    that never touch them cost no query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: current_membership(request))
        request.household = SimpleLazyObject(lambda: request.membership.household if request.membership else None)
        return self.get_response(request)
