from django.contrib import admin

from .models import CampaignEntry, CycleBonus, HeldCard, LinkedAccount, Lot, Movement


@admin.register(LinkedAccount)
class LinkedAccountAdmin(admin.ModelAdmin):
    list_display = ["member", "program", "label", "amazon_link", "amazon_auto_use"]
    list_filter = ["program", "amazon_auto_use"]
    list_select_related = ["member", "program"]
    search_fields = ["member__name", "member__household__name", "label"]


@admin.register(HeldCard)
class HeldCardAdmin(admin.ModelAdmin):
    list_display = ["member", "method"]
    list_filter = ["method__issuer"]
    list_select_related = ["member", "method"]


admin.site.register(CampaignEntry)
admin.site.register(CycleBonus)


class ReadOnlyLedgerAdmin(admin.ModelAdmin):
    """The ledger is append-only: staff may look, never edit or delete (corrections are reversals)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["on", "account", "kind", "points", "note", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["account__member", "account__program", "created_by"]
    date_hierarchy = "on"


@admin.register(Lot)
class LotAdmin(ReadOnlyLedgerAdmin):
    list_display = ["account", "kind", "points", "remaining", "earned_on", "available_on", "expires_on"]
    list_filter = ["kind", "account__program"]
    list_select_related = ["account__member", "account__program"]
