"""The admin site for the catalogue: for looking things up.

Learning domains, programmes, offerings and venues change only through `services` (rules, search key,
the offering's dates, the audit log): on the secretariat's domain pages and in the provider console
(`/provider/`). Here they are read-only.
"""

from django.contrib import admin
from django.db import models

from .models import LearningDomain, Offering, Programme, Session, Venue

URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable and searchable; written only through the services."""

    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LearningDomain)
class LearningDomainAdmin(ReadOnlyAdmin):
    list_display = ("name_fa", "name_en", "parent", "position", "is_active", "city")
    list_filter = ("city", "is_active")
    search_fields = ("name_fa", "name_en", "slug")
    list_select_related = ("city", "parent")
    ordering = ("city", "position", "name_en")


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("title_fa", "title_en", "institution", "status", "format", "fee_rials", "hours", "published_at",
                    "city")
    list_filter = ("city", "status", "format", "level", "language")
    search_fields = ("title_fa", "title_en", "institution__name_fa", "institution__name_en")
    list_select_related = ("city", "institution")
    raw_id_fields = ("institution",)
    date_hierarchy = "created_at"


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("starts_at", "ends_at", "venue", "online_url")
    readonly_fields = fields
    extra = 0
    can_delete = False
    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdmin):
    list_display = ("programme", "starts_on", "ends_on", "status", "capacity", "confirmed_count", "offered_count",
                    "waitlist_count", "venue")
    list_filter = ("city", "status", "waitlist_policy", "completion_rule")
    search_fields = ("programme__title_fa", "programme__title_en")
    list_select_related = ("programme", "venue")
    raw_id_fields = ("programme", "venue")
    inlines = [SessionInline]
    date_hierarchy = "starts_on"


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ("name_fa", "name_en", "institution", "district", "city")
    list_filter = ("city",)
    search_fields = ("name_fa", "name_en", "address_fa", "address_en")
    list_select_related = ("city", "institution", "district")
    raw_id_fields = ("institution",)
