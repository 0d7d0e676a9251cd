"""Roles and capabilities: the one matrix every app's policy module reads (architecture 4.6).

Roles are data: a user holds a role through a membership (in a city, an institution, a working
group, a national commission or a jury). Each role grants named capabilities. Policies in each app
answer "may this user do this to this object", always through this table, and deny by default.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    SECRETARIAT = "secretariat", _("City secretariat")
    INSTITUTION_ADMIN = "institution_admin", _("Institution admin")
    INSTITUTION_EDITOR = "institution_editor", _("Institution editor")
    WORKING_GROUP_MEMBER = "working_group_member", _("Working-group member")
    NATIONAL_COMMISSION_OFFICER = "national_commission_officer", _("National commission officer")
    JURY_REVIEWER = "jury_reviewer", _("Jury reviewer")
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")
    # Seats in a working group (workgroups.GroupMember.role "chair" is Role.GROUP_CHAIR, and so on).
    GROUP_CHAIR = "group_chair", _("Working-group chair")
    GROUP_SECRETARY = "group_secretary", _("Working-group secretary")
    GROUP_MEMBER = "group_member", _("Working-group member (seat)")
    GROUP_OBSERVER = "group_observer", _("Working-group observer")


class Scope(models.TextChoices):
    """What a role's membership is held in."""

    CITY = "city", _("City")
    INSTITUTION = "institution", _("Institution")
    COUNTRY = "country", _("Country")
    NETWORK = "network", _("Network")
    WORKING_GROUP = "working_group", _("Working group")


ROLE_SCOPE: dict[str, str] = {
    Role.CITIZEN: Scope.CITY,
    Role.SECRETARIAT: Scope.CITY,
    Role.WORKING_GROUP_MEMBER: Scope.CITY,
    Role.INSTITUTION_ADMIN: Scope.INSTITUTION,
    Role.INSTITUTION_EDITOR: Scope.INSTITUTION,
    Role.NATIONAL_COMMISSION_OFFICER: Scope.COUNTRY,
    Role.JURY_REVIEWER: Scope.NETWORK,
    Role.NETWORK_COORDINATOR: Scope.NETWORK,
    Role.GROUP_CHAIR: Scope.WORKING_GROUP,
    Role.GROUP_SECRETARY: Scope.WORKING_GROUP,
    Role.GROUP_MEMBER: Scope.WORKING_GROUP,
    Role.GROUP_OBSERVER: Scope.WORKING_GROUP,
}


class Capability(models.TextChoices):
    # citizens
    ENROL = "enrol", _("Enrol in learning opportunities")
    VIEW_OWN_RECORD = "view_own_record", _("See one's own learning record")
    # city secretariat
    VIEW_AUDIT_LOG = "view_audit_log", _("See the audit log")
    MANAGE_DOMAINS = "manage_domains", _("Edit learning domains")
    SET_ACCREDITATION = "set_accreditation", _("Set institutions' accreditation")
    MANAGE_INSTITUTIONS = "manage_institutions", _("Add and edit any partner institution")
    APPROVE_PROGRAMMES = "approve_programmes", _("Approve programmes for publication")
    MANAGE_WORKING_GROUPS = "manage_working_groups", _("Create and run working groups")
    APPROVE_INDICATOR_VALUES = "approve_indicator_values", _("Approve reported indicator values")
    MANAGE_PEOPLE = "manage_people", _("Give people roles in the city")
    # partner institutions
    EDIT_INSTITUTION_PROFILE = "edit_institution_profile", _("Edit the institution's profile")
    MANAGE_INSTITUTION_STAFF = "manage_institution_staff", _("Manage the institution's staff")
    MANAGE_PROGRAMMES = "manage_programmes", _("Draft and run programmes")
    RECORD_ATTENDANCE = "record_attendance", _("Record attendance and completion")
    SUBMIT_INDICATOR_VALUES = "submit_indicator_values", _("Report indicator values")
    # working groups
    TAKE_PART_IN_WORKING_GROUPS = "take_part_in_working_groups", _("Take part in working groups")
    VIEW_GROUP = "view_group", _("See a working group's meetings, minutes and tasks")
    SCHEDULE_MEETINGS = "schedule_meetings", _("Schedule meetings and invite members")
    WRITE_MINUTES = "write_minutes", _("Write minutes and record attendance")
    RECORD_DECISIONS = "record_decisions", _("Record decisions")
    APPROVE_MINUTES = "approve_minutes", _("Approve minutes")
    MANAGE_TASKS = "manage_tasks", _("Create and assign tasks")
    UPDATE_OWN_TASKS = "update_own_tasks", _("Update the tasks one owns")
    COMMENT_ON_TASKS = "comment_on_tasks", _("Comment on tasks")
    UPLOAD_DOCUMENTS = "upload_documents", _("Attach documents")
    MANAGE_GROUP_MEMBERS = "manage_group_members", _("Manage a working group's members")
    REPORT_PLAN_RESULTS = "report_plan_results", _("Report progress on the action plan")
    # network side
    ENDORSE_APPLICATIONS = "endorse_applications", _("Endorse membership applications")
    REVIEW_APPLICATIONS = "review_applications", _("Review membership applications")
    COORDINATE_NETWORK = "coordinate_network", _("Run calls, juries and the member registry")


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITIZEN: frozenset({C.ENROL, C.VIEW_OWN_RECORD}),
    Role.SECRETARIAT: frozenset(
        {
            C.VIEW_AUDIT_LOG,
            C.MANAGE_DOMAINS,
            C.SET_ACCREDITATION,
            C.MANAGE_INSTITUTIONS,
            C.APPROVE_PROGRAMMES,
            C.MANAGE_WORKING_GROUPS,
            C.APPROVE_INDICATOR_VALUES,
            C.MANAGE_PEOPLE,
        }
    ),
    Role.INSTITUTION_ADMIN: frozenset(
        {
            C.EDIT_INSTITUTION_PROFILE,
            C.MANAGE_INSTITUTION_STAFF,
            C.MANAGE_PROGRAMMES,
            C.RECORD_ATTENDANCE,
            C.SUBMIT_INDICATOR_VALUES,
        }
    ),
    Role.INSTITUTION_EDITOR: frozenset({C.EDIT_INSTITUTION_PROFILE, C.MANAGE_PROGRAMMES, C.RECORD_ATTENDANCE}),
    Role.WORKING_GROUP_MEMBER: frozenset({C.TAKE_PART_IN_WORKING_GROUPS}),
    Role.NATIONAL_COMMISSION_OFFICER: frozenset({C.ENDORSE_APPLICATIONS}),
    Role.JURY_REVIEWER: frozenset({C.REVIEW_APPLICATIONS}),
    Role.NETWORK_COORDINATOR: frozenset({C.COORDINATE_NETWORK}),
    Role.GROUP_CHAIR: frozenset(
        {
            C.VIEW_GROUP, C.SCHEDULE_MEETINGS, C.WRITE_MINUTES, C.RECORD_DECISIONS, C.APPROVE_MINUTES,
            C.MANAGE_TASKS, C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS, C.MANAGE_GROUP_MEMBERS,
            C.REPORT_PLAN_RESULTS,
        }
    ),
    Role.GROUP_SECRETARY: frozenset(
        {
            C.VIEW_GROUP, C.SCHEDULE_MEETINGS, C.WRITE_MINUTES, C.RECORD_DECISIONS, C.MANAGE_TASKS,
            C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS, C.REPORT_PLAN_RESULTS,
        }
    ),
    Role.GROUP_MEMBER: frozenset({C.VIEW_GROUP, C.UPDATE_OWN_TASKS, C.COMMENT_ON_TASKS, C.UPLOAD_DOCUMENTS}),
    Role.GROUP_OBSERVER: frozenset({C.VIEW_GROUP}),
}


def capabilities_of(roles) -> frozenset[str]:
    """The union of the capabilities the given roles grant."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(granted)
