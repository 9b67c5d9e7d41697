import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from households.access import household_view
from households.models import Role
from programs.catalog import get_catalog

from . import posting
from .csv_io import FileSource, ImportRefused, apply_steps, check, export
from .forms import ImportForm, PurchaseForm, ShipForm
from .models import Purchase
from .risks import orders_at_risk

IMPORT_SESSION_KEY = "purchase_import"


def _import_dir() -> Path:
    path = Path(getattr(settings, "IMPORT_DIR", "") or Path(tempfile.gettempdir()) / "pointbook-imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


@household_view()
def purchase_list(request: HttpRequest) -> HttpResponse:
    purchases = request.household.scoped(Purchase).select_related("member", "method").order_by("-day", "-id")
    page = Paginator(purchases, 50).get_page(request.GET.get("page"))
    return render(request, "transactions/purchase_list.html", {"page": page})


def _form_page(request: HttpRequest, form: PurchaseForm, purchase: Purchase | None = None) -> HttpResponse:
    return render(request, "transactions/purchase_form.html", {"form": form, "purchase": purchase, "result": None})


@household_view()
def purchase_new(request: HttpRequest) -> HttpResponse:
    form = PurchaseForm(request.POST or None, household=request.household)
    if request.method == "POST" and form.is_valid():
        try:
            purchase = posting.log_purchase(form.facts(), by=request.user)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, _("Purchase saved."))
            return redirect("purchase_detail", purchase_id=purchase.pk)
    return _form_page(request, form)


@household_view()
def purchase_edit(request: HttpRequest, purchase_id: int) -> HttpResponse:
    purchase = request.household.get_or_404(Purchase, pk=purchase_id)
    initial = PurchaseForm.initial_from(purchase)
    form = PurchaseForm(request.POST or None, household=request.household, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            posting.revise(purchase, form.facts(), by=request.user)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, _("Purchase updated: its points were reversed and posted again."))
            return redirect("purchase_detail", purchase_id=purchase.pk)
    return _form_page(request, form, purchase)


@household_view(write_role=Role.VIEWER)
@require_POST
def purchase_preview(request: HttpRequest) -> HttpResponse:
    """The live preview: what the purchase being typed would earn, and why. Posts nothing (viewers may look)."""
    form = PurchaseForm(request.POST, household=request.household)
    result = None
    if form.is_valid():
        exclude = request.household.scoped(Purchase).filter(pk=request.POST.get("purchase")).first()
        result = posting.preview(form.facts(), exclude=exclude)
    context = {"form": form, "result": result, "purchase": None}
    # Without JavaScript the Preview button posts here too: answer with the whole page.
    template = "transactions/purchase_form.html" + ("#preview" if request.htmx else "")
    return render(request, template, context)


@household_view()
@require_GET
def merchant_options(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("merchant_name") or request.GET.get("merchant", "")
    merchants = get_catalog().search_merchants(typed, limit=10)
    return render(request, "transactions/purchase_form.html#merchant-options", {"merchants": merchants})


@household_view()
def purchase_detail(request: HttpRequest, purchase_id: int) -> HttpResponse:
    purchase = get_object_or_404(
        request.household.scoped(Purchase)
        .select_related("member", "method", "points_account__program")
        .prefetch_related("items"),
        pk=purchase_id,
    )
    revisions = list(purchase.revisions.select_related("created_by"))
    current = next((r for r in reversed(revisions) if r.explanation), None)
    context = {
        "purchase": purchase,
        "revisions": revisions,
        "explanation": current.explanation if current else [],
        "postings": purchase.postings.select_related("movement__account__program").order_by("id"),
        "ship_form": ShipForm(initial={"day": timezone.localdate()}),
        "refund": posting.refund_yen(purchase),
        "at_risk": next(
            (r for r in orders_at_risk(request.household, timezone.localdate()) if r.purchase.pk == purchase.pk), None
        ),
    }
    return render(request, "transactions/purchase_detail.html", context)


@household_view()
@require_POST
def purchase_cancel(request: HttpRequest, purchase_id: int) -> HttpResponse:
    purchase = request.household.get_or_404(Purchase, pk=purchase_id)
    try:
        refund = posting.cancel(purchase, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _("Purchase cancelled; its points were reversed. Refund: ¥%(yen)s (the amount after coupons).")
            % {"yen": f"{refund:,}"},
        )
    return redirect("purchase_detail", purchase_id=purchase.pk)


@household_view()
@require_POST
def purchase_ship(request: HttpRequest, purchase_id: int) -> HttpResponse:
    purchase = request.household.get_or_404(Purchase, pk=purchase_id)
    form = ShipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the day the order shipped."))
    else:
        try:
            posting.ship(purchase, form.cleaned_data["day"], by=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, _("Order shipped: its points moved."))
    return redirect("purchase_detail", purchase_id=purchase.pk)


@household_view()
def purchase_export(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export(request.household), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="pointbook-purchases-{day}.csv"'
    return response


@household_view()
def purchase_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name = f"{uuid.uuid4().hex}.csv"
        with open(_import_dir() / name, "wb") as target:
            for chunk in form.cleaned_data["file"].chunks():
                target.write(chunk)
        request.session[IMPORT_SESSION_KEY] = {"file": name, "household": request.household.pk}
        return redirect("purchase_import_preview")
    return render(request, "transactions/import.html", {"form": form})


def _uploaded(request: HttpRequest) -> Path | None:
    saved = request.session.get(IMPORT_SESSION_KEY)
    if not saved or saved.get("household") != request.household.pk:
        return None
    path = _import_dir() / Path(saved["file"]).name
    return path if path.exists() else None


@household_view()
def purchase_import_preview(request: HttpRequest) -> HttpResponse:
    path = _uploaded(request)
    if path is None:
        messages.error(request, _("Upload a CSV file first."))
        return redirect("purchase_import")
    checked = check(request.household, FileSource(str(path)))
    return render(request, "transactions/import_preview.html", {"checked": checked})


@household_view()
@require_POST
def purchase_import_apply(request: HttpRequest) -> HttpResponse:
    """Posts the previewed file, streaming a line of progress every 500 rows; all or nothing."""
    path = _uploaded(request)
    if path is None:
        messages.error(request, _("Upload a CSV file first."))
        return redirect("purchase_import")
    household, user = request.household, request.user
    del request.session[IMPORT_SESSION_KEY]
    head = render_to_string("transactions/import_progress.html", {"household": household}, request=request)
    top, bottom = head.split("<!-- progress -->")

    def lines():
        yield top
        steps = apply_steps(household, FileSource(str(path)), by=user)
        try:
            while True:
                try:
                    done = next(steps)
                except StopIteration as finished:
                    checked = finished.value
                    break
                yield "<p>" + escape(_("%(n)s rows imported…") % {"n": f"{done:,}"}) + "</p>\n"
        except ImportRefused as refused:
            yield "<p class='error'>" + escape(_("The file has errors; nothing was imported.")) + "</p><ul>"
            for line, message in refused.errors:
                yield f"<li>{escape(_('Line'))} {line}: {escape(message)}</li>"
            yield "</ul>"
        else:
            yield (
                "<p class='success'>"
                + escape(
                    _("Imported %(new)s purchase(s); %(old)s were already imported.")
                    % {"new": f"{checked.new:,}", "old": f"{checked.duplicates:,}"}
                )
                + "</p>"
            )
        finally:
            path.unlink(missing_ok=True)
        yield bottom

    return StreamingHttpResponse(lines(), content_type="text/html; charset=utf-8")
