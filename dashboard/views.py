from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.access import household_view
from programs.models import Channel
from transactions.insights import missed_points, promises
from wallets import ledger
from wallets.models import Lot

from . import summary
from .which_card import answer


@household_view()
def home(request: HttpRequest) -> HttpResponse:
    page = summary.BOARDS.page(request.household, timezone.localdate())
    return render(request, "dashboard/home.html", {"board": page.board, "bars": page.bars, "labels": page.labels})


@household_view()
def which_card(request: HttpRequest) -> HttpResponse:
    """Live search while typing (htmx swaps the results partial); a plain GET form without JavaScript."""
    merchant = request.GET.get("merchant", "").strip()
    amount_text = request.GET.get("amount", "").replace(",", "").strip()
    channel = Channel.ONLINE if request.GET.get("channel") == Channel.ONLINE else Channel.STORE
    amount = int(amount_text) if amount_text.isdigit() and 0 < int(amount_text) <= 100_000_000 else None
    result = answer(request.household, merchant, amount, timezone.localdate(), channel) if merchant and amount else None
    context = {
        "result": result,
        "merchant": merchant,
        "amount": amount_text,
        "channel": channel,
        "bad_amount": bool(amount_text) and amount is None,
    }
    template = "dashboard/which_card.html" + ("#results" if request.htmx else "")
    return render(request, template, context)


@household_view()
def insights(request: HttpRequest) -> HttpResponse:
    """Points missed by paying with the wrong card (this month and the last three), and promises not kept."""
    today = timezone.localdate()
    start = summary.month_start(today, back=3)
    context = {
        "missed": missed_points(request.household, start, today),
        "promises": [(p, p.overdue(today)) for p in promises(request.household, today)],
        "start": start,
        "today": today,
    }
    return render(request, "dashboard/insights.html", context)


@household_view()
@require_POST
def lot_received(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = request.household.get_or_404(Lot, pk=lot_id)
    try:
        ledger.mark_received(lot, timezone.localdate())
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("Marked as received."))
    return redirect("insights")
