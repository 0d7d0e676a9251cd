"""The working-groups policy: who may see and do what in a group, on a task, and in the action plan.

Seats in a group (chair, secretary, member, observer) are roles in core.permissions' single table.
The city secretariat (who hold `manage_working_groups`) sees everything in its city and may do
everything except approve minutes, which is the chair's. A members-only group, and everything
in it, is a 404 to anyone without a seat. Default deny.
"""

from django.db.models import Q, QuerySet

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability, capabilities_of

from .models import (
    ActionPlan,
    Document,
    GroupMember,
    Meeting,
    MinutesStatus,
    PlanResult,
    PlanStatus,
    Task,
    Visibility,
    WorkingGroup,
)

C = Capability
SECRETARIAT_CAPABILITY = C.MANAGE_WORKING_GROUPS
# What the secretariat may not do in a group: approving minutes belongs to the group's chair.
CHAIR_ONLY = frozenset({C.APPROVE_MINUTES})


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_secretariat(user, city) -> bool:
    return city is not None and has_city_capability(user, SECRETARIAT_CAPABILITY, city)


def seats_of(user) -> dict[int, str]:
    """{group id: role} for the person's current seats, read once per request."""
    if not _active(user):
        return {}
    if "_group_seats" not in user.__dict__:
        user.__dict__["_group_seats"] = dict(
            GroupMember.objects.filter(user=user, left_on__isnull=True).order_by().values_list("group_id", "role")
        )
    return user.__dict__["_group_seats"]


def forget_cached_seats(user) -> None:
    """After a change to someone's seats within a request, read them afresh."""
    user.__dict__.pop("_group_seats", None)


def seat_in(user, group: WorkingGroup) -> str | None:
    """The person's role in `group` ("chair", ...), or None."""
    return seats_of(user).get(group.pk)


def group_capabilities(user, group: WorkingGroup) -> frozenset[str]:
    if not _active(user):
        return frozenset()
    granted: set[str] = set()
    role = seat_in(user, group)
    if role:
        granted |= capabilities_of([f"group_{role}"])
    if is_secretariat(user, group.city):
        granted |= capabilities_of([f"group_{r}" for r in ("chair", "secretary", "member")]) - CHAIR_ONLY
        granted.add(C.MANAGE_GROUP_MEMBERS)
    return frozenset(granted)


def can(user, capability: str | Capability, group: WorkingGroup) -> bool:
    """May `user` do `capability` in `group`? (A superuser is the secretariat everywhere.)"""
    return capability in group_capabilities(user, group)


def can_see_group(user, group: WorkingGroup) -> bool:
    """The group's public page: anyone for a public group; a members-only group only for seats and the secretariat."""
    if group.visibility == Visibility.PUBLIC:
        return True
    return can(user, C.VIEW_GROUP, group)


def groups_visible_to(user, city) -> QuerySet[WorkingGroup]:
    groups = WorkingGroup.objects.filter(city=city)
    if city is None:
        return groups.none()
    if is_secretariat(user, city):
        return groups
    return groups.filter(Q(visibility=Visibility.PUBLIC) | Q(pk__in=list(seats_of(user))))


def groups_where(user, capability: str | Capability, city) -> QuerySet[WorkingGroup]:
    """The groups of `city` in which `user` may do `capability`."""
    groups = WorkingGroup.objects.filter(city=city)
    if city is None or not _active(user):
        return groups.none()
    if is_secretariat(user, city) and capability not in CHAIR_ONLY:
        return groups
    roles = [role for role, seat in ((r, f"group_{r}") for r in ("chair", "secretary", "member", "observer"))
             if capability in capabilities_of([seat])]
    return groups.filter(pk__in=[pk for pk, role in seats_of(user).items() if role in roles])


def can_create_groups(user, city) -> bool:
    return is_secretariat(user, city)


# --- Meetings -------------------------------------------------------------------------------------

def can_see_meeting(user, meeting: Meeting) -> bool:
    """Meetings, agendas and draft minutes are for the group's members (and the secretariat)."""
    return can(user, C.VIEW_GROUP, meeting.group)


def can_edit_minutes(user, meeting: Meeting) -> bool:
    return meeting.minutes_status != MinutesStatus.APPROVED and can(user, C.WRITE_MINUTES, meeting.group)


# --- Tasks ----------------------------------------------------------------------------------------

def owns_task(user, task: Task) -> bool:
    """The task's owner: the person named, or someone seated for (or on the staff of) the owning institution."""
    if not _active(user):
        return False
    if task.owner_user_id is not None:
        return task.owner_user_id == user.pk
    if task.owner_institution_id is None:
        return False
    from learningcity.institutions.models import StaffMembership

    return (
        GroupMember.objects.filter(user=user, institution_id=task.owner_institution_id, left_on__isnull=True).exists()
        or StaffMembership.objects.filter(user=user, institution_id=task.owner_institution_id).exists()
    )


def can_see_task(user, task: Task) -> bool:
    return can(user, C.VIEW_GROUP, task.group) or owns_task(user, task)


def can_update_task(user, task: Task) -> bool:
    """Change status or progress: who manages the group's tasks, or the owner (with a seat that may update)."""
    if can(user, C.MANAGE_TASKS, task.group):
        return True
    return owns_task(user, task) and (can(user, C.UPDATE_OWN_TASKS, task.group) or seat_in(user, task.group) is None)


def can_comment_on_task(user, task: Task) -> bool:
    return can(user, C.COMMENT_ON_TASKS, task.group) or owns_task(user, task)


# --- The action plan ------------------------------------------------------------------------------

def can_manage_plan(user, city) -> bool:
    return is_secretariat(user, city)


def can_see_plan(user, plan: ActionPlan) -> bool:
    return plan.status == PlanStatus.PUBLISHED or can_manage_plan(user, plan.city)


def can_report_result(user, result: PlanResult) -> bool:
    """Add a progress update: the secretariat, or the chair or secretary of the responsible working group."""
    objective = result.objective
    if can_manage_plan(user, objective.plan.city):
        return True
    group = objective.working_group
    return group is not None and can(user, C.REPORT_PLAN_RESULTS, group)


def can_import_results(user, plan: ActionPlan) -> bool:
    """Import progress from a file: the secretariat, or a chair/secretary of a group responsible for an objective."""
    if can_manage_plan(user, plan.city):
        return True
    groups = groups_where(user, C.REPORT_PLAN_RESULTS, plan.city)
    return plan.objectives.filter(working_group__in=groups).exists()


def plans_visible_to(user, city) -> QuerySet[ActionPlan]:
    plans = ActionPlan.objects.filter(city=city)
    if city is None:
        return plans.none()
    if can_manage_plan(user, city):
        return plans
    return plans.filter(status=PlanStatus.PUBLISHED)


# --- Documents ------------------------------------------------------------------------------------

def can_see_document(user, document: Document) -> bool:
    if document.result_id is not None:
        return can_see_plan(user, document.result.objective.plan)
    group = document.group if document.group_id else document.meeting.group
    return can(user, C.VIEW_GROUP, group)


def can_attach_document(user, *, group: WorkingGroup | None = None, meeting: Meeting | None = None,
                        result: PlanResult | None = None) -> bool:
    if result is not None:
        return can_report_result(user, result)
    target = group or (meeting.group if meeting else None)
    return target is not None and can(user, C.UPLOAD_DOCUMENTS, target)
