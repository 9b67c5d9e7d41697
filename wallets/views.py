"""The family's wallet: balances per member, the accounts, cards, entries and bonuses behind them, and
one account's lots and history with the ledger's actions (reconcile, spend, reverse).

Views read household rows only through `request.household`, compute every figure here (the ledger
and `balances_on` do the arithmetic) and hand plain rows to the templates, which run no queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, ProtectedError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from households.access import household_view
from households.models import Member, Role
from programs.models import LotKind, PointUseRule
from transactions.models import Posting

from . import ledger
from .balances import Figures, balances_on
from .forms import CampaignEntryForm, CycleBonusForm, HeldCardForm, LinkedAccountForm, ReconcileForm, SpendForm
from .models import CampaignEntry, CycleBonus, HeldCard, LinkedAccount, Lot, Movement

HISTORY_PAGE_SIZE = 50
LOT_STATES = {
    "pending": gettext_lazy("pending"),
    "available": gettext_lazy("available"),
    "spent": gettext_lazy("spent"),
    "expired": gettext_lazy("expired"),
    "void": gettext_lazy("void"),
}


@dataclass(frozen=True)
class PendingRow:
    points: int
    yen: int
    available_on: dt.date | None  # None: when the order ships


@dataclass(frozen=True)
class ExpiringRow:
    points: int
    yen: int
    expires_on: dt.date
    period_limited: bool


@dataclass(frozen=True)
class FiguresRow:
    """One account's figures as the templates show them, each point count with its yen value."""

    available: int
    available_yen: int
    pending: list[PendingRow]
    windows: list[tuple[int, int, int]]  # (days, points, yen)
    expiring: list[ExpiringRow]


@dataclass(frozen=True)
class AccountRow:
    account: LinkedAccount
    figures: FiguresRow


@dataclass(frozen=True)
class CardRow:
    card: HeldCard
    addons: list[str]


@dataclass
class MemberWallet:
    member: Member
    accounts: list[AccountRow] = field(default_factory=list)
    cards: list[CardRow] = field(default_factory=list)
    entries: list[CampaignEntry] = field(default_factory=list)
    bonuses: list[CycleBonus] = field(default_factory=list)


def figures_row(figures: Figures) -> FiguresRow:
    program = figures.program
    return FiguresRow(
        available=figures.available,
        available_yen=figures.available_yen,
        pending=[PendingRow(p.points, program.yen_value(p.points), p.available_on) for p in figures.pending],
        windows=figures.windows,
        expiring=[
            ExpiringRow(e.points, program.yen_value(e.points), e.expires_on, e.period_limited) for e in figures.expiring
        ],
    )


def _can_write(request: HttpRequest) -> bool:
    return request.membership.can(Role.MEMBER)


@household_view()
def index(request: HttpRequest) -> HttpResponse:
    household = request.household
    wallets = {member.pk: MemberWallet(member) for member in household.scoped(Member)}
    for row in balances_on(household, timezone.localdate()).accounts:
        wallets[row.account.member_id].accounts.append(AccountRow(row.account, figures_row(row.figures)))
    for card in household.scoped(HeldCard).select_related("method").prefetch_related("addons"):
        wallets[card.member_id].cards.append(CardRow(card, [addon.name for addon in card.addons.all()]))
    for entry in household.scoped(CampaignEntry).select_related("rule").order_by("-entered_on", "pk"):
        wallets[entry.member_id].entries.append(entry)
    for bonus in household.scoped(CycleBonus).select_related("rule"):
        wallets[bonus.member_id].bonuses.append(bonus)
    return render(request, "wallets/index.html", {"wallets": wallets.values(), "can_write": _can_write(request)})


def _form_page(request: HttpRequest, form: Form, title: str, **extra: Any) -> HttpResponse:
    return render(request, "wallets/form.html", {"form": form, "title": title, **extra})


def _member_initial(request: HttpRequest) -> dict[str, str]:
    # Pre-selects the member whose "add" link was followed; the form's queryset still decides.
    return {"member": request.GET["member"]} if request.GET.get("member", "").isdigit() else {}


@household_view(role=Role.MEMBER)
def account_add(request: HttpRequest) -> HttpResponse:
    form = LinkedAccountForm(request.POST or None, household=request.household, initial=_member_initial(request))
    if request.method == "POST" and form.is_valid():
        account = form.save()
        messages.success(request, _("%(account)s added.") % {"account": account})
        return redirect("wallets:account", account_id=account.pk)
    return _form_page(request, form, _("Add a linked account"))


@household_view(role=Role.MEMBER)
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account = request.household.get_or_404(LinkedAccount, pk=account_id)
    has_movements = request.household.scoped(Movement).filter(account=account).exists()
    form = LinkedAccountForm(
        request.POST or None, instance=account, household=request.household, has_movements=has_movements
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("wallets:account", account_id=account.pk)
    return _form_page(request, form, _("Edit %(account)s") % {"account": account}, account=account)


@household_view()
@require_POST
def account_delete(request: HttpRequest, account_id: int) -> HttpResponse:
    account = request.household.get_or_404(LinkedAccount, pk=account_id)
    try:
        account.delete()
    except ProtectedError:
        # The ledger is append-only: an account with movements (or purchases paid with its points)
        # keeps them, and so stays.
        messages.error(
            request,
            _("%(account)s has points or purchases recorded, so it cannot be removed; its history stays.")
            % {"account": account},
        )
        return redirect("wallets:account", account_id=account.pk)
    messages.success(request, _("%(account)s removed.") % {"account": account})
    return redirect("wallets:index")


@household_view(role=Role.MEMBER)
def card_add(request: HttpRequest) -> HttpResponse:
    form = HeldCardForm(request.POST or None, household=request.household, initial=_member_initial(request))
    if request.method == "POST" and form.is_valid():
        card = form.save()
        messages.success(request, _("%(card)s added.") % {"card": card})
        return redirect("wallets:index")
    return _form_page(request, form, _("Add a card held"))


@household_view()
@require_POST
def card_remove(request: HttpRequest, card_id: int) -> HttpResponse:
    card = request.household.get_or_404(HeldCard, pk=card_id)
    card.delete()
    messages.success(request, _("%(card)s removed.") % {"card": card})
    return redirect("wallets:index")


@household_view(role=Role.MEMBER)
def entry_add(request: HttpRequest) -> HttpResponse:
    form = CampaignEntryForm(request.POST or None, household=request.household, initial=_member_initial(request))
    if request.method == "POST" and form.is_valid():
        entry = form.save()
        messages.success(request, _("Entry in %(campaign)s added.") % {"campaign": entry.rule})
        return redirect("wallets:index")
    return _form_page(request, form, _("Add a campaign entry"))


@household_view(role=Role.MEMBER)
def bonus_add(request: HttpRequest) -> HttpResponse:
    form = CycleBonusForm(request.POST or None, household=request.household, initial=_member_initial(request))
    if request.method == "POST" and form.is_valid():
        bonus = form.save()
        messages.success(request, _("Bonus of %(percent)s%% added.") % {"percent": bonus.percent})
        return redirect("wallets:index")
    return _form_page(request, form, _("Add a cycle bonus"))


@dataclass(frozen=True)
class LotRow:
    kind: str
    left: int
    available_on: dt.date | None
    expires_on: dt.date | None
    state: str


def _panel(request: HttpRequest, account: LinkedAccount, **forms: Form | str) -> dict[str, Any]:
    """What the figures partial shows: the account's figures and live lots, and the forms."""
    today = timezone.localdate()
    figures = next(row.figures for row in balances_on(request.household, today).accounts if row.account == account)
    lots = request.household.scoped(Lot).filter(account=account).live_on(today).order_by("available_on", "pk")
    can_write = _can_write(request)
    return {
        "account": account,
        "today": today,
        "figures": figures_row(figures),
        "lots": [
            LotRow(lot.get_kind_display(), lot.left, lot.available_on, lot.expires_on, LOT_STATES[lot.state_on(today)])
            for lot in lots
        ],
        "can_write": can_write,
        "reconcile_form": forms.get("reconcile_form") or (ReconcileForm() if can_write else None),
        "spend_form": forms.get("spend_form") or (SpendForm() if can_write else None),
        "notice": forms.get("notice", ""),
    }


@dataclass(frozen=True)
class MovementRow:
    movement: Movement
    recorded_by: str
    can_reverse: bool


def _history(request: HttpRequest, account: LinkedAccount) -> tuple[Any, list[MovementRow]]:
    movements = (
        request.household.scoped(Movement)
        .filter(account=account)
        .select_related("created_by")
        .annotate(
            reversed=Exists(Movement.objects.filter(reverses=OuterRef("pk"))),
            from_purchase=Exists(Posting.objects.filter(movement=OuterRef("pk"))),
        )
        .order_by("-on", "-pk")
    )
    page = Paginator(movements, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(request.household.scoped(Member).filter(user__isnull=False).values_list("user_id", "name"))
    rows = [
        MovementRow(
            movement=m,
            recorded_by=names.get(m.created_by_id) or (m.created_by.get_username() if m.created_by else ""),
            can_reverse=_reversible(m) and not m.reversed and not m.from_purchase,
        )
        for m in page.object_list
    ]
    return page, rows


def _reversible(movement: Movement) -> bool:
    return movement.kind not in (Movement.Kind.REVERSE, Movement.Kind.EXPIRE)


def _account_page(request: HttpRequest, account: LinkedAccount, **forms: Form) -> HttpResponse:
    context = _panel(request, account, **forms)
    context["page"], context["history"] = _history(request, account)
    return render(request, "wallets/account.html", context)


def _account(request: HttpRequest, account_id: int) -> LinkedAccount:
    return get_object_or_404(request.household.scoped(LinkedAccount).select_related("member", "program"), pk=account_id)


@household_view()
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    return _account_page(request, _account(request, account_id))


def _ledger_action(request: HttpRequest, account: LinkedAccount, form: Form, name: str, action) -> HttpResponse:
    """Run a ledger action from a valid form: an htmx POST gets the updated figures partial, a plain
    POST is redirected back to the account page (or sees the page again with the form's errors)."""
    if form.is_valid():
        try:
            notice = action(form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if request.htmx:
                return render(request, "wallets/account.html#figures", _panel(request, account, notice=notice))
            messages.success(request, notice)
            return redirect("wallets:account", account_id=account.pk)
    if request.htmx:
        return render(request, "wallets/account.html#figures", _panel(request, account, **{name: form}))
    return _account_page(request, account, **{name: form})


@household_view()
@require_POST
def reconcile(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)

    def record(data: dict[str, Any]) -> str:
        movement = ledger.reconcile(account, data["shown"], timezone.localdate(), by=request.user)
        if movement is None:
            return _("The balance already matches; nothing was recorded.")
        return _("Adjusted by %(points)s points.") % {"points": f"{movement.points:+,}"}

    return _ledger_action(request, account, ReconcileForm(request.POST), "reconcile_form", record)


@household_view()
@require_POST
def spend(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)

    def record(data: dict[str, Any]) -> str:
        only = [LotKind.PERIOD_LIMITED] if data["only_period_limited"] else None
        ledger.spend(account, data["points"], data["on"], by=request.user, only_kinds=only, note=data["note"])
        return _("%(points)s points spent.") % {"points": f"{data['points']:,}"}

    return _ledger_action(request, account, SpendForm(request.POST), "spend_form", record)


@household_view()
@require_POST
def movement_reverse(request: HttpRequest, movement_id: int) -> HttpResponse:
    movement = request.household.get_or_404(Movement, pk=movement_id)
    if Posting.objects.filter(movement=movement).exists():
        # The purchase owns its postings and reverses them itself when it is edited or cancelled.
        messages.error(request, _("These points were posted by a purchase: edit or cancel the purchase instead."))
    else:
        try:
            undo = ledger.reverse(movement, timezone.localdate(), by=request.user)
        except ValidationError as e:
            messages.error(request, e.messages[0])
        else:
            messages.success(request, _("Reversed: %(points)s points.") % {"points": f"{undo.points:+,}"})
    return redirect("wallets:account", account_id=movement.account_id)


@household_view()
def what_if(request: HttpRequest, account_id: int) -> HttpResponse:
    """「今X使ったら?」: the lots a spend would take, what stays and what still expires, before spending."""
    account = _account(request, account_id)
    text = request.GET.get("points", "").replace(",", "").strip()
    only_limited = request.GET.get("only_limited") == "on"
    simulation = None
    if text.isdigit() and int(text) > 0:
        kinds = [LotKind.PERIOD_LIMITED] if only_limited else None
        simulation = ledger.simulate_spend(account, int(text), timezone.localdate(), kinds)
    use_rules = PointUseRule.objects.valid_on(timezone.localdate()).filter(program=account.program)
    context = {
        "account": account,
        "simulation": simulation,
        "points": text,
        "only_limited": only_limited,
        "use_rules": list(use_rules.prefetch_related("merchants")),
    }
    template = "wallets/what_if.html" + ("#simulation" if request.htmx else "")
    return render(request, template, context)
