"""The admin site for learning records: for operators to look things up.

Records are append-only and change only through the services (a correction or a void is a new
row that supersedes the old one, with an audit entry), so everything here is read-only.
"""

from django.contrib import admin

from .models import Certificate, Feedback, LearningRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable and searchable; written only through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LearningRecord)
class LearningRecordAdmin(ReadOnlyAdmin):
    list_display = ("citizen", "title_fa", "provider_fa", "hours", "completed_on", "outcome", "supersedes",
                    "voided_reason")
    list_filter = ("city", "outcome")
    search_fields = ("title_fa", "title_en", "citizen__name", "citizen__mobile", "certificate__code")
    list_select_related = ("citizen", "supersedes")
    date_hierarchy = "completed_on"


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("code", "record", "issued_at", "revoked_at")
    search_fields = ("code",)
    list_select_related = ("record__citizen",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("programme", "rating", "learnt_what_expected", "will_use", "given_at")
    list_filter = ("rating",)
    list_select_related = ("programme",)
