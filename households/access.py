"""Who may do what in a household view: one decorator, used by every household page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import Role

View = Callable[..., HttpResponse]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def household_view(role: Role = Role.VIEWER, write_role: Role = Role.MEMBER) -> Callable[[View], View]:
    """Log-in required; a user without a household is sent to create one.

    Reading needs `role`; any other method (a POST that changes data) needs at least `write_role`,
    so a viewer's POST is refused everywhere without each view remembering to check.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = request.membership
            if not membership:
                return redirect("household_create")
            needed = role if request.method in SAFE_METHODS else max(role, write_role, key=list(Role).index)
            if not membership.can(needed):
                raise PermissionDenied(_("Your role in this household does not allow this."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
