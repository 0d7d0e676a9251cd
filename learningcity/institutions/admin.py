"""The admin site for partner institutions: for operators to look things up.

Profiles, accreditation and staff change only through the services (which keep the search key and
write the audit log), so those models are read-only here and their changes happen on the partner
pages or through admin actions that call the services. Contacts, which have no service of their own,
are edited here and every change is audited.
"""

from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
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
class InstitutionContactAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "institution", "is_public", "position")
    list_filter = ("is_public", "institution__city")
    search_fields = ("name", "title", "institution__name_fa", "institution__name_en")
    list_select_related = ("institution",)
    autocomplete_fields = ("institution",)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                before = snapshot(InstitutionContact.objects.select_for_update().get(pk=obj.pk))
                obj.save()
                audit_updated(actor=request.user, obj=obj, before=before, city=obj.institution.city)
            else:
                obj.save()
                audit_created(actor=request.user, obj=obj, city=obj.institution.city)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="institutioncontact.delete", obj=obj,
                         city=obj.institution.city, changes={"name": [obj.name, None]})
            obj.delete()

    def delete_queryset(self, request, queryset):
        for contact in queryset.select_related("institution__city"):
            self.delete_model(request, contact)
