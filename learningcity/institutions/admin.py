"""The admin site for partner institutions: for operators to look things up.

Profiles, contacts, accreditation and staff change only through the services (which check the
rules, keep the search key and the contacts' order, and write the audit log), so those models are
read-only here and their changes happen on the partner pages or through admin actions that call the
services.
"""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.core.errors import DomainError

from . import services
from .models import Accreditation, AccreditationDecision, Institution, InstitutionContact, StaffMembership


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable and searchable; written only through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccreditationDecisionInline(admin.TabularInline):
    model = AccreditationDecision
    fields = ("decided_at", "status", "note", "decided_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("name_fa", "name_en", "type", "district", "accreditation", "is_active", "city")
    list_filter = ("city", "type", "accreditation", "is_active")
    search_fields = ("name_fa", "name_en", "slug", "search_key")
    list_select_related = ("city", "district")
    ordering = ("city", "name_fa")
    inlines = (StaffMembershipInline, AccreditationDecisionInline)
    actions = ("accredit",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.action(description=_("Accredit the selected partners"))
    def accredit(self, request, queryset):
        done = 0
        for institution in queryset.select_related("city"):
            if institution.accreditation == Accreditation.ACCREDITED:
                continue
            try:
                services.accreditation_set(
                    institution=institution, status=Accreditation.ACCREDITED, actor=request.user
                )
            except DomainError as exc:
                self.message_user(request, f"{institution}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(n)d partner was accredited.", "%(n)d partners were accredited.", done)
            self.message_user(request, message % {"n": done}, messages.SUCCESS)


@admin.register(AccreditationDecision)
class AccreditationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("institution", "status", "decided_at", "decided_by", "note")
    list_filter = ("status", "institution__city")
    search_fields = ("institution__name_fa", "institution__name_en", "note")
    list_select_related = ("institution", "decided_by")
    date_hierarchy = "decided_at"


@admin.register(StaffMembership)
class StaffMembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "institution", "role", "created_at")
    list_filter = ("role", "institution__city")
    search_fields = ("user__name", "user__mobile", "institution__name_fa", "institution__name_en")
    list_select_related = ("user", "institution")


@admin.register(InstitutionContact)
class InstitutionContactAdmin(ReadOnlyAdmin):
    list_display = ("name", "title", "institution", "is_public", "position")
    list_filter = ("is_public", "institution__city")
    search_fields = ("name", "title", "institution__name_fa", "institution__name_en")
    list_select_related = ("institution",)
    ordering = ("institution", "position", "pk")
