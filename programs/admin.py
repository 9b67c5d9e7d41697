"""The catalog admin, for the people who keep the merchant lists and rules current.

Rules are dated rows: the admin shows and filters their dates, and a change of treatment is a new
row (the CSV import closes the old one for you). Django's own LogEntry is the history of who changed
what: admin edits write it, so does the CSV import, and "Catalog changes" lists it for the catalog.
"""

from __future__ import annotations

import base64

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import merchant_csv
from .models import (
    Addon,
    BaseRate,
    CampaignTier,
    EarningRule,
    Issuer,
    Merchant,
    MerchantAlias,
    MerchantTreatment,
    PaymentMethod,
    PointUseRule,
    Program,
    SpendCap,
)


class ValidTodayFilter(admin.SimpleListFilter):
    title = _("valid today")
    parameter_name = "valid_today"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        valid = queryset.model.objects.valid_on(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(pk__in=valid.values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=valid.values("pk"))
        return queryset


class CurrentTreatmentFilter(admin.SimpleListFilter):
    """The merchant's own list entries valid today (a category-wide row does not count here)."""

    title = _("treatment today")
    parameter_name = "treatment"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [*MerchantTreatment.Treatment.choices, (self.NONE, _("no special treatment"))]

    def queryset(self, request, queryset):
        current = MerchantTreatment.objects.valid_on(timezone.localdate()).filter(merchant__isnull=False)
        if self.value() == self.NONE:
            return queryset.exclude(pk__in=current.values("merchant"))
        if self.value() in MerchantTreatment.Treatment.values:
            return queryset.filter(pk__in=current.filter(treatment=self.value()).values("merchant"))
        return queryset


DATE_FILTERS = [ValidTodayFilter, "valid_from", "valid_to"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "name_en", "point_value_yen", "normal_expiry", "normal_expiry_months"]
    list_filter = ["normal_expiry"]
    search_fields = ["slug", "name", "name_en"]


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "name_en"]
    search_fields = ["slug", "name", "name_en"]


class BaseRateInline(admin.TabularInline):
    model = BaseRate
    extra = 0
    fields = ["channel", "points", "per_yen", "rounding", "available_after_days", "valid_from", "valid_to", "source"]
    ordering = ["channel", "-valid_from"]


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "issuer", "program", "kind"]
    list_filter = ["issuer", "program", "kind"]
    list_select_related = ["issuer", "program"]
    search_fields = ["slug", "name", "name_en"]
    autocomplete_fields = ["charged_as"]
    inlines = [BaseRateInline]


class MerchantAliasInline(admin.TabularInline):
    model = MerchantAlias
    extra = 1


class MerchantTreatmentInline(admin.TabularInline):
    model = MerchantTreatment
    extra = 0
    # points/per_yen and the add-on are here too: a bonus row cannot be saved without its rate.
    fields = [
        "issuer",
        "cards",
        "treatment",
        "points",
        "per_yen",
        "requires_addon",
        "valid_from",
        "valid_to",
        "list_date",
    ]
    autocomplete_fields = ["cards"]
    ordering = ["-valid_from", "issuer__slug"]
    show_change_link = True


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "category", "alias_list"]
    list_filter = ["category", CurrentTreatmentFilter]
    search_fields = ["name", "name_en", "aliases__alias"]
    inlines = [MerchantAliasInline, MerchantTreatmentInline]
    actions = ["export_selected"]
    change_list_template = "admin/programs/merchant/change_list.html"
    # What importing needs: it creates merchants and adds, closes and re-dates their treatments.
    import_permissions = [
        "programs.add_merchant",
        "programs.change_merchant",
        "programs.add_merchanttreatment",
        "programs.change_merchanttreatment",
    ]
    session_key = "programs.merchant_csv"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description=_("aliases"))
    def alias_list(self, merchant: Merchant) -> str:
        return ", ".join(alias.alias for alias in merchant.aliases.all())

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perms(self.import_permissions)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="programs_merchant_import"),
            path("import/preview/", wrap(self.import_preview_view), name="programs_merchant_import_preview"),
            path("export/", wrap(self.export_view), name="programs_merchant_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Export selected merchants as CSV"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> HttpResponse:
        return self._csv_response(request, queryset)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Every merchant the changelist shows with the same search and filters, on all its pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv_response(request, self.get_changelist_instance(request).queryset)

    def _csv_response(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> HttpResponse:
        several = merchant_csv.with_several_treatments(queryset)
        if several:
            self.message_user(
                request,
                gettext("These merchants have more than one treatment today; the file has only the first: %(names)s")
                % {"names": ", ".join(several)},
                messages.WARNING,
            )
        filename = f"merchants-{timezone.localdate().isoformat()}.csv"
        # The BOM lets Excel on Japanese Windows open UTF-8 without garbling it.
        return HttpResponse(
            "\ufeff" + merchant_csv.export(queryset),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = MerchantCSVForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            request.session[self.session_key] = {
                "name": upload.name,
                "content": base64.b64encode(form.cleaned_data["content"]).decode(),
            }
            return HttpResponseRedirect(reverse("admin:programs_merchant_import_preview"))
        return TemplateResponse(
            request,
            "admin/programs/merchant/import_form.html",
            {**self._page_context(request, _("Import merchants from CSV")), "form": form},
        )

    def import_preview_view(self, request: HttpRequest) -> HttpResponse:
        """The preview of the uploaded file, and (POST) applying it.

        The file stays in the session, never in the page; applying reads and checks it again against
        the catalog as it is now, and applies only if that gives what the user saw in the preview.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload = request.session.get(self.session_key)
        if upload is None:
            self.message_user(request, gettext("Upload a CSV file first."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:programs_merchant_import"))
        content = base64.b64decode(upload["content"])
        # Checked again and applied in one transaction: the catalog cannot change in between.
        with transaction.atomic():
            preview = merchant_csv.parse(content)
            applicable = request.method == "POST" and preview.has_changes and not preview.errors
            if applicable and request.POST.get("fingerprint") == preview.fingerprint():
                result = merchant_csv.apply(preview, request.user)
                del request.session[self.session_key]
                self.message_user(request, _result_message(result), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:programs_merchant_changelist"))
        if applicable:
            self.message_user(
                request,
                gettext("The catalog changed since the preview. Check the changes again before applying."),
                messages.WARNING,
            )
        return TemplateResponse(
            request,
            "admin/programs/merchant/import_preview.html",
            {
                **self._page_context(request, _("Preview of the CSV import")),
                "preview": preview,
                "file_name": upload["name"],
            },
        )

    def _page_context(self, request: HttpRequest, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title}


def _result_message(result: merchant_csv.ApplyResult) -> str:
    return gettext(
        "CSV import applied. Merchants created: %(created)s, changed: %(changed)s. "
        "Treatments added: %(added)s, closed: %(closed)s, dates changed: %(redated)s."
    ) % {
        "created": result.merchants_created,
        "changed": result.merchants_changed,
        "added": result.treatments_added,
        "closed": result.treatments_closed,
        "redated": result.treatments_changed,
    }


class MerchantCSVForm(forms.Form):
    MAX_BYTES = 1_000_000

    file = forms.FileField(label=_("CSV file"))

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError(
                    _("The file is larger than %(size)s KB."), params={"size": self.MAX_BYTES // 1000}
                )
            cleaned["content"] = upload.read()
        return cleaned


@admin.register(Addon)
class AddonAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "annual_fee_yen"]
    search_fields = ["slug", "name", "name_en"]
    filter_horizontal = ["eligible_cards", "free_for"]


@admin.register(BaseRate)
class BaseRateAdmin(admin.ModelAdmin):
    list_display = ["method", "channel", "points", "per_yen", "rounding", "valid_from", "valid_to"]
    list_filter = [*DATE_FILTERS, "method__issuer", "channel"]
    list_select_related = ["method"]
    search_fields = ["method__slug", "method__name"]
    autocomplete_fields = ["method"]
    date_hierarchy = "valid_from"


@admin.register(MerchantTreatment)
class MerchantTreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "target",
        "issuer",
        "treatment",
        "card_list",
        "points",
        "per_yen",
        "valid_from",
        "valid_to",
        "list_date",
    ]
    list_filter = [*DATE_FILTERS, "issuer", "treatment", "category", "list_date"]
    list_select_related = ["merchant", "issuer"]
    search_fields = ["merchant__name", "merchant__aliases__alias", "category"]
    autocomplete_fields = ["merchant", "cards"]
    date_hierarchy = "valid_from"

    def get_queryset(self, request: HttpRequest) -> QuerySet[MerchantTreatment]:
        return super().get_queryset(request).prefetch_related("cards")

    @admin.display(description=_("merchant or category"), ordering="merchant__name")
    def target(self, treatment: MerchantTreatment) -> str:
        return treatment.merchant.name if treatment.merchant_id else treatment.get_category_display()

    @admin.display(description=_("cards"))
    def card_list(self, treatment: MerchantTreatment) -> str:
        return ", ".join(card.slug for card in treatment.cards.all()) or gettext("every card")


@admin.register(SpendCap)
class SpendCapAdmin(admin.ModelAdmin):
    list_display = ["name", "cap_yen", "period", "merchant", "category", "valid_from", "valid_to"]
    list_filter = [*DATE_FILTERS, "period"]
    list_select_related = ["merchant"]
    search_fields = ["name", "merchant__name"]
    autocomplete_fields = ["merchant"]
    filter_horizontal = ["cards"]


class CampaignTierInline(admin.TabularInline):
    model = CampaignTier
    extra = 0


@admin.register(EarningRule)
class EarningRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "program", "rate_source", "points", "per_yen", "valid_from", "valid_to"]
    list_filter = [*DATE_FILTERS, "kind", "program", "requires_entry"]
    list_select_related = ["program"]
    search_fields = ["slug", "name", "merchants__name"]
    autocomplete_fields = ["merchants"]
    filter_horizontal = ["methods"]
    inlines = [CampaignTierInline]


@admin.register(LogEntry)
class CatalogChangeAdmin(admin.ModelAdmin):
    """The catalog's history, read-only: who changed what and when, in the admin or by CSV import."""

    list_display = ["action_time", "user", "object_link", "action_flag", "change_text"]
    list_display_links = None
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        "action_flag",
        ("content_type", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    def get_queryset(self, request: HttpRequest) -> QuerySet[LogEntry]:
        return super().get_queryset(request).filter(content_type__app_label="programs")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("Catalog changes")})

    @admin.display(description=_("object"), ordering="object_repr")
    def object_link(self, entry: LogEntry) -> str:
        url = entry.get_admin_url()
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr

    @admin.display(description=_("change message"))
    def change_text(self, entry: LogEntry) -> str:
        return entry.get_change_message()

    # The people who keep the catalog current read its history without needing the admin app's
    # own permissions; nobody edits it.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        merchants = self.admin_site.get_model_admin(Merchant)
        return merchants.has_view_or_change_permission(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PointUseRule)
class PointUseRuleAdmin(admin.ModelAdmin):
    list_display = ["program", "note", "valid_from", "valid_to"]
    list_filter = ["program"]
    filter_horizontal = ["merchants"]
