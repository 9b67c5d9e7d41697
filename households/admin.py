from django.contrib import admin

from .models import Household, Invite, Member


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ["name", "user", "role"]
    raw_id_fields = ["user"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "members__name", "members__user__username"]
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "user", "role"]
    list_filter = ["role"]
    search_fields = ["name", "household__name", "user__username"]
    raw_id_fields = ["household", "user"]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["household", "role", "created_by", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by"]
    raw_id_fields = ["household", "member", "created_by"]
