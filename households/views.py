from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import household_view
from .forms import AcceptInviteForm, HouseholdForm, InviteForm, MemberForm, RoleForm, SignupForm
from .middleware import SESSION_KEY
from .models import Invite, Member, Role


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(request.GET.get("next") or "household_create")
    return render(request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(request.POST or None, initial={"your_name": request.user.get_username()})
    if request.method == "POST" and form.is_valid():
        member = services.create_household(
            name=form.cleaned_data["name"], owner=request.user, owner_name=form.cleaned_data["your_name"]
        )
        request.session[SESSION_KEY] = member.household_id
        messages.success(request, _("Household %(name)s created.") % {"name": member.household.name})
        return redirect("home")
    return render(request, "households/household_create.html", {"form": form})


@login_required
@require_POST
def household_switch(request: HttpRequest) -> HttpResponse:
    # Only a household the user belongs to can be chosen; any other id is simply not found.
    membership = get_object_or_404(Member, user=request.user, household_id=request.POST.get("household"))
    request.session[SESSION_KEY] = membership.household_id
    return redirect("home")


@household_view()
def member_list(request: HttpRequest) -> HttpResponse:
    household = request.household
    context = {
        "members": household.scoped(Member).select_related("user"),
        "invites": household.scoped(Invite).open().select_related("member"),
        "invite_form": InviteForm(household=household),
        "member_form": MemberForm(),
        "roles": Role.choices,
        "is_owner": request.membership.can(Role.OWNER),
    }
    return render(request, "households/member_list.html", context)


@household_view(role=Role.OWNER)
def member_add(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.household = request.household
        form.save()
        messages.success(request, _("%(name)s added.") % {"name": form.instance.name})
        return redirect("member_list")
    return render(request, "households/member_form.html", {"form": form})


@household_view(role=Role.OWNER)
@require_POST
def member_role(request: HttpRequest, member_id: int) -> HttpResponse:
    member = request.household.get_or_404(Member, pk=member_id, user__isnull=False)
    form = RoleForm(request.POST)
    if form.is_valid():
        _apply(request, services.change_role, member, form.cleaned_data["role"])
    return redirect("member_list")


@household_view(role=Role.OWNER)
@require_POST
def member_remove_login(request: HttpRequest, member_id: int) -> HttpResponse:
    member = request.household.get_or_404(Member, pk=member_id, user__isnull=False)
    _apply(request, services.remove_login, member)
    return redirect("member_list")


@household_view(role=Role.OWNER)
@require_POST
def member_delete(request: HttpRequest, member_id: int) -> HttpResponse:
    member = request.household.get_or_404(Member, pk=member_id)
    _apply(request, services.delete_member, member)
    return redirect("member_list")


@household_view(role=Role.OWNER)
@require_POST
def invite_create(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, household=request.household)
    if not form.is_valid():
        messages.error(request, _("The invite could not be created: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("member_list")
    invite, token = Invite.issue(
        household=request.household,
        role=form.cleaned_data["role"],
        member=form.cleaned_data["member"],
        created_by=request.user,
    )
    link = request.build_absolute_uri(reverse("invite_accept", args=[token]))
    return render(request, "households/invite_created.html", {"invite": invite, "link": link})


@household_view(role=Role.OWNER)
@require_POST
def invite_revoke(request: HttpRequest, invite_id: int) -> HttpResponse:
    request.household.get_or_404(Invite, pk=invite_id).delete()
    messages.success(request, _("Invite revoked."))
    return redirect("member_list")


def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invite = services.find_invite(token)
    try:
        services.check_invite(invite)
    except ValidationError as e:
        return render(request, "households/invite_invalid.html", {"error": e.messages[0]}, status=410)
    if not request.user.is_authenticated:
        return render(request, "households/invite_login.html", {"invite": invite, "next": request.path})
    initial_name = invite.member.name if invite.member else request.user.get_username()
    form = AcceptInviteForm(request.POST or None, initial={"name": initial_name})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.accept_invite(token, request.user, name=form.cleaned_data["name"])
        except ValidationError as e:
            return render(request, "households/invite_invalid.html", {"error": e.messages[0]}, status=410)
        request.session[SESSION_KEY] = member.household_id
        messages.success(request, _("Welcome to %(household)s.") % {"household": member.household.name})
        return redirect("home")
    return render(request, "households/invite_accept.html", {"invite": invite, "form": form})


def _apply(request: HttpRequest, action, *args) -> None:
    try:
        action(*args)
    except ValidationError as e:
        messages.error(request, e.messages[0])
    else:
        messages.success(request, _("Saved."))
