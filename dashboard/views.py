from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from households.access import household_view
from programs.models import Channel

from . import summary
from .which_card import answer


@household_view()
def home(request: HttpRequest) -> HttpResponse:
    board = summary.build(request.household, timezone.localdate())
    context = {"board": board, "bars": summary.stacked_bars(board.chart), "labels": summary.month_labels(board.chart)}
    return render(request, "dashboard/home.html", context)


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
