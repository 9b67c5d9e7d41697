from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from households.access import household_view
from households.models import Role

from .calendar import feed
from .forms import PreferenceForm
from .models import Preference, new_secret


@household_view(write_role=Role.VIEWER)
def preferences(request: HttpRequest) -> HttpResponse:
    """Every member with a login sets their own reminders (a viewer child too: it changes nobody's data)."""
    preference = Preference.of(request.membership)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Reminder settings saved."))
        return redirect("reminders_preferences")
    calendar_url = request.build_absolute_uri(f"/reminders/calendar/{preference.calendar_token}.ics")
    return render(request, "reminders/preferences.html", {"form": form, "calendar_url": calendar_url})


@household_view(write_role=Role.VIEWER)
@require_POST
def rotate_calendar(request: HttpRequest) -> HttpResponse:
    preference = Preference.of(request.membership)
    preference.calendar_token = new_secret()
    preference.save(update_fields=["calendar_token"])
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect("reminders_preferences")


def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar apps fetch it. The secret in the URL is the only key; a wrong one is 404."""
    preference = (
        Preference.objects.filter(calendar_token=token, calendar=True).select_related("member__household").first()
    )
    if preference is None:
        raise Http404
    response = HttpResponse(feed(preference.member, timezone.localdate()), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@csrf_exempt  # mail clients' one-click unsubscribe (RFC 8058) POSTs without a session
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    preference = Preference.objects.filter(unsubscribe_token=token).select_related("member").first()
    if preference is None:
        raise Http404
    Preference.objects.filter(pk=preference.pk).update(email=False)
    return render(request, "reminders/unsubscribed.html", {"member": preference.member})
