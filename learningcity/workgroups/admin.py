"""The admin site for working groups and the action plan: for operators to look things up.

Groups, seats, meetings, minutes, decisions, tasks, the plan and its results change only through the
services (which check the policy, keep numbering and timelines append-only, and write the audit log),
so every model is read-only here; the city's people work on the product's own pages.
"""

from django.contrib import admin
from django.db import models

from .models import (
    ActionPlan,
    AgendaItem,
    BudgetLine,
    Decision,
    DigestReceipt,
    Document,
    GroupMember,
    Meeting,
    MeetingAttendance,
    Objective,
    PlanResult,
    ResultUpdate,
    Task,
    TaskUpdate,
    WorkingGroup,
)

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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True
    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- groups and seats -----------------------------------------------------------------------------


class GroupMemberInline(ReadOnlyInline):
    model = GroupMember
    fields = ("user", "institution", "role", "joined_on", "left_on")
    readonly_fields = fields


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ("name_fa", "name_en", "slug", "visibility", "is_active", "city")
    list_filter = ("city", "visibility", "is_active")
    search_fields = ("name_fa", "name_en", "slug", "mandate_fa", "mandate_en")
    list_select_related = ("city",)
    ordering = ("city", "name_fa")
    inlines = (GroupMemberInline,)


@admin.register(GroupMember)
class GroupMemberAdmin(ReadOnlyAdmin):
    list_display = ("user", "group", "role", "institution", "joined_on", "left_on")
    list_filter = ("role", "group__city", "group")
    search_fields = ("user__name", "user__mobile", "group__name_fa", "group__name_en", "institution__name_fa",
                     "institution__name_en")
    list_select_related = ("user", "group", "institution")
    date_hierarchy = "joined_on"


# --- meetings, minutes, decisions -----------------------------------------------------------------


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ("position", "title", "notes")
    readonly_fields = fields


class AttendanceInline(ReadOnlyInline):
    model = MeetingAttendance
    fields = ("user", "status", "invited_at")
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ("year", "number", "text", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title_fa", "group", "starts_at", "status", "minutes_status", "minutes_approved_by")
    list_filter = ("status", "minutes_status", "group__city", "group")
    search_fields = ("title_fa", "title_en", "place_fa", "place_en", "group__name_fa", "group__name_en")
    list_select_related = ("group", "minutes_approved_by")
    date_hierarchy = "starts_at"
    inlines = (AgendaItemInline, AttendanceInline, DecisionInline)


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "meeting", "position")
    search_fields = ("title", "notes", "meeting__title_fa", "meeting__title_en")
    list_select_related = ("meeting",)


@admin.register(MeetingAttendance)
class MeetingAttendanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "meeting", "status", "invited_at")
    list_filter = ("status",)
    search_fields = ("user__name", "user__mobile", "meeting__title_fa", "meeting__title_en")
    list_select_related = ("user", "meeting")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "group", "meeting", "recorded_at", "recorded_by")
    list_filter = ("year", "group__city", "group")
    search_fields = ("text", "group__name_fa", "group__name_en")
    list_select_related = ("group", "meeting", "recorded_by")
    date_hierarchy = "recorded_at"


# --- tasks ----------------------------------------------------------------------------------------


class TaskUpdateInline(ReadOnlyInline):
    model = TaskUpdate
    fields = ("at", "author", "status_before", "status_after", "progress_before", "progress_after", "comment")
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "group", "owner_user", "owner_institution", "deadline", "status", "progress")
    list_filter = ("status", "group__city", "group")
    search_fields = ("title", "description", "owner_user__name", "owner_user__mobile", "owner_institution__name_fa",
                     "owner_institution__name_en", "group__name_fa", "group__name_en")
    list_select_related = ("group", "owner_user", "owner_institution")
    raw_id_fields = ("decision",)
    date_hierarchy = "deadline"
    inlines = (TaskUpdateInline,)


@admin.register(TaskUpdate)
class TaskUpdateAdmin(ReadOnlyAdmin):
    list_display = ("task", "at", "author", "status_after", "progress_after")
    list_filter = ("status_after",)
    search_fields = ("comment", "task__title", "author__name")
    list_select_related = ("task", "author")
    date_hierarchy = "at"


@admin.register(DigestReceipt)
class DigestReceiptAdmin(ReadOnlyAdmin):
    list_display = ("user", "sent_at", "items")
    search_fields = ("user__name", "user__mobile")
    list_select_related = ("user",)
    date_hierarchy = "sent_at"


# --- the action plan ------------------------------------------------------------------------------


class ObjectiveInline(ReadOnlyInline):
    model = Objective
    fields = ("code", "area", "title_fa", "working_group", "position")
    readonly_fields = fields


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ("title_fa", "year", "status", "city")
    list_filter = ("city", "status")
    search_fields = ("title_fa", "title_en", "summary_fa", "summary_en")
    list_select_related = ("city",)
    inlines = (ObjectiveInline,)


class PlanResultInline(ReadOnlyInline):
    model = PlanResult
    fields = ("code", "title_fa", "target_value", "current_value", "status", "progress")
    readonly_fields = fields


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ("title_fa", "source_fa", "planned_rials", "spent_rials")
    readonly_fields = fields


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyAdmin):
    list_display = ("code", "title_fa", "area", "plan", "working_group")
    list_filter = ("area", "plan__city", "plan")
    search_fields = ("code", "title_fa", "title_en", "description_fa", "description_en")
    list_select_related = ("plan", "working_group")
    inlines = (PlanResultInline, BudgetLineInline)


class ResultUpdateInline(ReadOnlyInline):
    model = ResultUpdate
    fields = ("reported_on", "status", "progress", "value", "note", "evidence_url", "recorded_by", "import_batch")
    readonly_fields = fields


@admin.register(PlanResult)
class PlanResultAdmin(ReadOnlyAdmin):
    list_display = ("code", "title_fa", "objective", "target_value", "current_value", "status", "progress",
                    "updated_at")
    list_filter = ("status", "objective__plan__city", "objective__plan")
    search_fields = ("code", "title_fa", "title_en", "objective__code")
    list_select_related = ("objective",)
    inlines = (ResultUpdateInline,)


@admin.register(ResultUpdate)
class ResultUpdateAdmin(ReadOnlyAdmin):
    list_display = ("result", "reported_on", "status", "progress", "value", "recorded_by", "import_batch")
    list_filter = ("status",)
    search_fields = ("result__code", "result__title_fa", "note", "import_batch")
    list_select_related = ("result", "recorded_by")
    date_hierarchy = "reported_on"


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ("title_fa", "objective", "planned_rials", "spent_rials")
    search_fields = ("title_fa", "title_en", "source_fa", "source_en", "objective__code")
    list_select_related = ("objective",)


# --- documents ------------------------------------------------------------------------------------


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "content_type", "size", "group", "meeting", "result", "uploaded_by", "uploaded_at")
    list_filter = ("content_type", "city")
    search_fields = ("name", "title", "sha256")
    list_select_related = ("group", "meeting", "result", "uploaded_by")
    # The stored file stays behind the documents pages, which check who may see it.
    exclude = ("file",)
    date_hierarchy = "uploaded_at"
