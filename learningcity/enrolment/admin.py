"""Enrolments and attendance in the admin: read-only, since every change goes through the services
(which lock the offering, keep its counters and tell the learner)."""

from django.contrib import admin

from .models import Attendance, Enrolment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("citizen", "offering", "status", "priority", "requested_at", "confirmed_at", "offer_expires_at")
    list_filter = ("status",)
    search_fields = ("citizen__name", "citizen__mobile", "offering__programme__title_fa",
                     "offering__programme__title_en")
    list_select_related = ("citizen", "offering", "offering__programme")
    raw_id_fields = ("citizen", "offering")
    date_hierarchy = "requested_at"


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "session", "present", "recorded_by", "recorded_at")
    list_filter = ("present",)
    list_select_related = ("enrolment__citizen", "enrolment__offering__programme", "session__offering__programme",
                           "recorded_by")
    raw_id_fields = ("enrolment", "session", "recorded_by")
