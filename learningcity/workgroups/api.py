"""API of working groups and the action plan, mounted at the root of /api/v1.

Reads: anyone sees public groups (with the partners their members represent and their published
decisions) and published plans; members (and the city secretariat) also see meetings, all decisions
and tasks. A members-only group, and everything in it, is a 404 to anyone else. Reads identify the
person by a bearer token or the web session; a token that is sent but not valid is a 401.

Writes need a bearer token (or the web session with its CSRF token) and the capability in the group;
they call the same services as the pages. What the person cannot see is a 404; what they can see but
may not change is a 403; a broken rule is a 400/409 with the field it is about; input of the wrong
shape is a 422. Every error is `{"code", "message"}`.

Dates are ISO 8601 (`2026-11-24`, `2026-11-24T14:30:00+03:30`); each also comes as `..._jalali`
(`1405/09/03`, `1405/09/03 14:30`, Latin digits). Inputs take either form.
"""

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import jdatetime
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from learningcity.api.auth import BearerToken
from learningcity.core.errors import DomainError, NotAllowed, NotFound
from learningcity.core.jalali import parse_jalali_date
from learningcity.core.permissions import Capability
from learningcity.core.text import fold_digits
from learningcity.institutions.models import Institution

from . import permissions
from .models import (
    AgendaItem,
    Decision,
    Meeting,
    MinutesStatus,
    PlanResult,
    Task,
    TaskStatus,
    TaskUpdate,
    WorkingGroup,
)
from .selectors import documents as document_selectors
from .selectors import groups as group_selectors
from .selectors import meetings as meeting_selectors
from .selectors import plan as plan_selectors
from .selectors import tasks as task_selectors
from .services import meetings as meeting_services
from .services import plan as plan_services
from .services import tasks as task_services

router = Router(tags=["working groups"])

C = Capability
MAX_ID = 2**31 - 1
TEXT = 10_000  # generous: the services hold each field's real limit and say which one was passed
WRITE_AUTH = [BearerToken(), django_auth]
GROUP_DECISIONS_SHOWN = 50


class Pages(LimitOffsetPagination):
    """`limit` (1–100, 50 unless given) and `offset`; answers `{"items": [...], "count": n}`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=100)
        offset: int = Field(0, ge=0, le=1_000_000)


# --- Who is asking --------------------------------------------------------------------------------------------

def _viewer(request):
    """The person behind a read: a valid bearer token, else the web session, else anonymous."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, key = header.partition(" ")
        user = BearerToken().authenticate(request, key.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError
        return user
    return request.user


def _city(request):
    if request.city is None:
        raise NotFound(_("This site has no city yet."))
    return request.city


# --- Dates ---------------------------------------------------------------------------------------------------

def _jalali_date(value: dt.date | None) -> str | None:
    if value is None:
        return None
    try:
        return jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
    except (ValueError, OverflowError):
        # Beyond the Jalali calendar's reach (a row saved before dates were bounded): the ISO date, not a 500.
        return value.isoformat()


def _jalali_datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    try:
        local = timezone.localtime(value)
        return f"{jdatetime.date.fromgregorian(date=local.date()).strftime('%Y/%m/%d')} {local:%H:%M}"
    except (ValueError, OverflowError):
        return value.isoformat(timespec="minutes")


def _parse_date(text: str | None, field: str) -> dt.date:
    """A day typed as Jalali (`1405/09/03`, any digits) or ISO (`2026-11-24`)."""
    value = fold_digits(str(text or "")).strip()
    try:
        return parse_jalali_date(value)
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(_("Enter a date as 1405/09/03 (Jalali) or 2026-11-24."), field=field) from None


def _parse_datetime(text: str | None, field: str) -> dt.datetime:
    """A moment typed as ISO 8601 (with or without offset; without is the city's time) or `1405/09/03 14:30`."""
    value = fold_digits(str(text or "")).strip()
    moment = None
    day, _sep, clock = value.partition(" ")
    if clock:
        try:
            hour, minute = (int(part) for part in clock.strip().split(":"))
            moment = dt.datetime.combine(parse_jalali_date(day), dt.time(hour, minute))
        except ValueError:
            moment = None
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise DomainError(_("Enter a date and time as 1405/09/03 14:30 (Jalali) or 2026-11-24T14:30."),
                              field=field) from None
    # How far from today a moment may be (and whether it has a UTC equivalent at all) is the service's rule:
    # it refuses 9999-12-31T20:00-05:00 and 0001-01-01 with the allowed window, before anything is saved.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _natural(code: str) -> tuple:
    """R2 before R10."""
    return tuple((0, int(part), "") if part.isdecimal() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", code) if part)


def _absolute(context, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- Schemas: out ---------------------------------------------------------------------------------------------

class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class InstitutionRefOut(Schema):
    slug: str
    name_fa: str
    name_en: str


class GroupOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    mandate_fa: str
    mandate_en: str
    visibility: str
    is_active: bool
    key_features: list[str]
    domains: list[str] = Field(description="Slugs of the group's learning domains")
    member_count: int
    institution_count: int
    url: str

    @staticmethod
    def resolve_domains(obj) -> list[str]:
        return [domain.slug for domain in obj.domains.all()]

    @staticmethod
    def resolve_key_features(obj) -> list[str]:
        return list(obj.key_features or [])

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class DecisionOut(Schema):
    id: int
    code: str = Field(description="Jalali year / number, as people cite it: 1405/3")
    year: int
    number: int
    text: str
    meeting: int
    meeting_title_fa: str
    meeting_title_en: str
    meeting_starts_at: dt.datetime
    meeting_date_jalali: str
    published: bool = Field(description="The meeting's minutes are approved, so the decision is public")
    recorded_at: dt.datetime

    @staticmethod
    def resolve_meeting(obj) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_meeting_title_fa(obj) -> str:
        return obj.meeting.title_fa

    @staticmethod
    def resolve_meeting_title_en(obj) -> str:
        return obj.meeting.title_en

    @staticmethod
    def resolve_meeting_starts_at(obj) -> dt.datetime:
        return obj.meeting.starts_at

    @staticmethod
    def resolve_meeting_date_jalali(obj) -> str:
        return _jalali_date(timezone.localtime(obj.meeting.starts_at).date())

    @staticmethod
    def resolve_published(obj) -> bool:
        return obj.meeting.minutes_status == MinutesStatus.APPROVED


class MemberOut(Schema):
    name: str
    role: str
    institution: InstitutionRefOut | None


def _extra(name: str):
    """A resolver for what the endpoint worked out and put on the object (`obj.api`), beside its own fields."""
    return staticmethod(lambda obj: obj.api[name])


class GroupDetailOut(GroupOut):
    institutions: list[InstitutionRefOut] = Field(description="Partners the current members represent")
    decisions: list[DecisionOut] = Field(description="The newest published decisions (all: /decisions)")
    my_role: str | None = Field(None, description="The asking person's seat: chair, secretary, member, observer")
    capabilities: list[str] = Field(description="What the asking person may do in this group")
    members: list[MemberOut] | None = Field(None, description="The current members; only for members")

    resolve_institutions = _extra("institutions")
    resolve_decisions = _extra("decisions")
    resolve_my_role = _extra("my_role")
    resolve_capabilities = _extra("capabilities")
    resolve_members = _extra("members")


class DocumentOut(Schema):
    id: int
    name: str
    title: str
    content_type: str
    extension: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="Download page (the web session decides who may download)")

    @staticmethod
    def resolve_url(obj, context) -> str:
        from django.urls import reverse

        return _absolute(context, reverse("workgroups:document", kwargs={"pk": obj.pk}))


class MeetingOut(Schema):
    id: int
    title_fa: str
    title_en: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    starts_at_jalali: str
    ends_at_jalali: str
    place_fa: str
    place_en: str
    online_url: str
    status: str
    minutes_status: str
    url: str

    @staticmethod
    def resolve_starts_at_jalali(obj) -> str:
        return _jalali_datetime(obj.starts_at)

    @staticmethod
    def resolve_ends_at_jalali(obj) -> str:
        return _jalali_datetime(obj.ends_at)

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    notes: str


class AttendeeOut(Schema):
    name: str
    status: str
    institution: InstitutionRefOut | None


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaItemOut]
    attendance: list[AttendeeOut]
    minutes: str
    minutes_approved_at: dt.datetime | None
    decisions: list[DecisionOut]
    documents: list[DocumentOut]

    resolve_agenda = _extra("agenda")
    resolve_attendance = _extra("attendance")
    resolve_decisions = _extra("decisions")
    resolve_documents = _extra("documents")


class TaskOut(Schema):
    id: int
    group: str = Field(description="Slug of the working group")
    title: str
    description: str
    owner_kind: str = Field(description="person or institution")
    owner_name: str
    owner_institution: str | None = Field(None, description="Slug of the owning institution")
    deadline: dt.date
    deadline_jalali: str
    status: str
    progress: int
    overdue: bool
    decision: str | None = Field(None, description="Code of the decision the task comes from")
    done_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.group.slug

    @staticmethod
    def resolve_owner_kind(obj) -> str:
        return "person" if obj.owner_user_id else "institution"

    @staticmethod
    def resolve_owner_name(obj) -> str:
        if obj.owner_user_id:
            return obj.owner_user.name
        return obj.owner_institution.name if obj.owner_institution_id else ""

    @staticmethod
    def resolve_owner_institution(obj) -> str | None:
        return obj.owner_institution.slug if obj.owner_institution_id else None

    @staticmethod
    def resolve_deadline_jalali(obj) -> str:
        return _jalali_date(obj.deadline)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        overdue = getattr(obj, "overdue", None)
        return obj.is_overdue(timezone.localdate()) if overdue is None else bool(overdue)

    @staticmethod
    def resolve_decision(obj) -> str | None:
        return obj.decision.code if obj.decision_id else None

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class TaskUpdateOut(Schema):
    id: int
    at: dt.datetime
    author: str | None
    comment: str
    status_before: str
    status_after: str
    progress_before: int | None
    progress_after: int | None

    @staticmethod
    def resolve_author(obj) -> str | None:
        return obj.author.name if obj.author_id else None


class PlanOut(Schema):
    year: int
    title_fa: str
    title_en: str
    status: str
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class ResultOut(Schema):
    code: str
    title_fa: str
    title_en: str
    unit_fa: str
    unit_en: str
    baseline: Decimal | None
    target_value: Decimal
    current_value: Decimal | None
    due_on: dt.date | None
    due_on_jalali: str | None
    status: str
    progress: int
    updated_at: dt.datetime | None

    @staticmethod
    def resolve_due_on_jalali(obj) -> str | None:
        return _jalali_date(obj.due_on)


class ProgrammeRefOut(Schema):
    id: int
    title_fa: str
    title_en: str


class ObjectiveOut(Schema):
    code: str
    area: str
    area_label: str
    title_fa: str
    title_en: str
    description_fa: str
    description_en: str
    working_group: str | None = Field(None, description="Slug of the responsible group, when the asker may see it")
    programmes: list[ProgrammeRefOut]
    planned_rials: int
    spent_rials: int
    results: list[ResultOut]


class PlanDetailOut(PlanOut):
    summary_fa: str
    summary_en: str
    total_results: int
    overall_progress: int
    results_by_status: dict[str, int]
    planned_rials: int
    spent_rials: int
    objectives: list[ObjectiveOut]

    resolve_total_results = _extra("total_results")
    resolve_overall_progress = _extra("overall_progress")
    resolve_results_by_status = _extra("results_by_status")
    resolve_planned_rials = _extra("planned_rials")
    resolve_spent_rials = _extra("spent_rials")
    resolve_objectives = _extra("objectives")


class ResultUpdateOut(Schema):
    id: int
    reported_on: dt.date
    reported_on_jalali: str
    status: str
    progress: int
    value: Decimal | None
    note: str
    evidence_url: str
    recorded_at: dt.datetime
    recorded_by: str | None = None

    @staticmethod
    def resolve_reported_on_jalali(obj) -> str:
        return _jalali_date(obj.reported_on)

    @staticmethod
    def resolve_recorded_by(obj) -> str | None:
        recorded_by = getattr(obj, "recorded_by", None) if obj.recorded_by_id else None
        return recorded_by.name if recorded_by else None


class ResultDetailOut(ResultOut):
    plan: int = Field(description="Jalali year of the plan")
    objective: str = Field(description="Code of the objective")
    timeline: list[ResultUpdateOut] = Field(description="Every update, newest first")
    documents: list[DocumentOut]

    resolve_plan = _extra("plan")
    resolve_objective = _extra("objective")
    resolve_timeline = _extra("timeline")
    resolve_documents = _extra("documents")


# --- Schemas: in ----------------------------------------------------------------------------------------------

class MeetingIn(Schema):
    title_fa: str = Field(max_length=TEXT)
    title_en: str = Field("", max_length=TEXT)
    starts_at: str = Field(max_length=64, description="2026-11-24T14:30+03:30, or 1405/09/03 14:30 (Tehran time)")
    ends_at: str = Field(max_length=64)
    place_fa: str = Field("", max_length=TEXT)
    place_en: str = Field("", max_length=TEXT)
    online_url: str = Field("", max_length=TEXT)
    agenda: list[str] = Field(default_factory=list, max_length=100, description="Agenda items, in order")
    invite: bool = Field(False, description="Invite the current members now (text message, email with .ics)")


class DecisionIn(Schema):
    text: str = Field(max_length=TEXT)
    agenda_item: int | None = Field(None, ge=1, le=MAX_ID, description="Id of an item on this meeting's agenda")


class TaskIn(Schema):
    title: str = Field(max_length=TEXT)
    description: str = Field("", max_length=TEXT)
    deadline: str = Field(max_length=64, description="1405/09/03 (Jalali) or 2026-11-24")
    owner_user: int | None = Field(None, ge=1, le=MAX_ID, description="Id of a member who owns the task")
    owner_institution: str | None = Field(None, max_length=100, description="Slug of the owning partner")
    decision: int | None = Field(None, ge=1, le=MAX_ID, description="Id of the decision the task comes from")


class ProgressIn(Schema):
    status: str | None = Field(None, max_length=32, description="not_started, in_progress, blocked, done")
    progress: int | None = Field(None, ge=-1_000_000, le=1_000_000, description="0–100")
    comment: str = Field("", max_length=TEXT)


class CommentIn(Schema):
    comment: str = Field(max_length=TEXT)


class ResultUpdateIn(Schema):
    reported_on: str | None = Field(None, max_length=64, description="1405/02/11 or 2026-05-01; today if left out")
    status: str = Field(max_length=32, description="not_started, on_track, at_risk, off_track, achieved")
    progress: int = Field(ge=-1_000_000, le=1_000_000, description="0–100")
    value: Decimal | None = Field(None, description="Value reached so far, in the result's unit")
    note: str = Field("", max_length=TEXT)
    evidence_url: str = Field("", max_length=TEXT)


# --- Finding things through the policy ---------------------------------------------------------------------------

def _group(request, viewer, slug: str) -> WorkingGroup:
    group = group_selectors.group_visible_to(user=viewer, city=_city(request), slug=slug[:80])
    if group is None:
        raise NotFound(_("There is no such working group."))
    return group


def _inside(viewer, group: WorkingGroup) -> bool:
    return permissions.can(viewer, C.VIEW_GROUP, group)


def _group_inside(request, viewer, slug: str) -> WorkingGroup:
    """A group whose meetings and tasks the person may see (a member or the secretariat); else 404."""
    group = _group(request, viewer, slug)
    if not _inside(viewer, group):
        raise NotFound(_("Only the members of this working group can see this."))
    return group


def _meeting(viewer, group: WorkingGroup, meeting_id: int) -> Meeting:
    meeting = meeting_selectors.meeting_in_group(viewer, group, meeting_id)
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    return meeting


def _task(request, viewer, task_id: int) -> Task:
    task = (
        Task.objects.select_related("group__city", "decision__meeting", "owner_user", "owner_institution")
        .filter(pk=task_id, group__city=_city(request))
        .first()
    )
    if task is None or not permissions.can_see_task(viewer, task):
        raise NotFound(_("There is no such task."))
    return task


def _plan(request, viewer, year: int):
    plan = plan_selectors.plan_for_year(user=viewer, city=_city(request), year=year)
    if plan is None:
        raise NotFound(_("There is no such action plan."))
    return plan


def _result(plan, code: str) -> PlanResult:
    code = "".join(fold_digits(code).split())[:24]
    result = (
        PlanResult.objects.select_related("objective__plan__city", "objective__working_group__city")
        .filter(objective__plan=plan, code__iexact=code)
        .first()
    )
    if result is None:
        raise NotFound(_("There is no result with this code in the plan."))
    return result


def _decisions(queryset: QuerySet[Decision]) -> QuerySet[Decision]:
    return queryset.select_related("meeting").order_by("-year", "-number", "-pk")


# --- Reads: groups and meetings -------------------------------------------------------------------------------

@router.get("/groups", response={200: list[GroupOut], **READ_ERRORS}, summary="Working groups")
@paginate(Pages)
def list_groups(request):
    """The city's working groups the asking person may see: public ones, and members-only ones they sit in."""
    return group_selectors.groups_listed_for(user=_viewer(request), city=_city(request))


@router.get("/groups/{slug}", response={200: GroupDetailOut, **READ_ERRORS}, summary="A working group")
def group_detail(request, slug: str):
    """A group with the partners its members represent and its newest published decisions; members also get
    the member list. A members-only group is a 404 to anyone without a seat."""
    viewer = _viewer(request)
    group = _group(request, viewer, slug)
    inside = _inside(viewer, group)
    members = None
    if inside:
        members = [
            {"name": seat.user.name, "role": seat.role,
             "institution": seat.institution if seat.institution_id else None}
            for seat in group_selectors.seats_of_group(group)
        ]
    group.api = {
        "institutions": group_selectors.member_institutions_of(group),
        "decisions": list(group_selectors.published_decisions_of(group)[:GROUP_DECISIONS_SHOWN]),
        "my_role": permissions.seat_in(viewer, group),
        "capabilities": sorted(str(c) for c in permissions.group_capabilities(viewer, group)),
        "members": members,
    }
    return group


@router.get("/groups/{slug}/meetings", response={200: list[MeetingOut], **READ_ERRORS},
            summary="A group's meetings (members)")
@paginate(Pages)
def list_meetings(request, slug: str):
    """Every meeting of the group, newest first: for its members and the secretariat only."""
    group = _group_inside(request, _viewer(request), slug)
    return Meeting.objects.filter(group=group).select_related("group").order_by("-starts_at", "-pk")


@router.get("/groups/{slug}/meetings/{meeting_id}", response={200: MeetingDetailOut, **READ_ERRORS},
            summary="A meeting (members)")
def meeting_detail(request, slug: str, meeting_id: int = Path(..., ge=1, le=MAX_ID)):
    """A meeting with its agenda, attendance, minutes (draft or approved), decisions and documents."""
    viewer = _viewer(request)
    group = _group_inside(request, viewer, slug)
    meeting = _meeting(viewer, group, meeting_id)
    decisions = meeting_selectors.decisions_of(meeting)
    for decision in decisions:
        decision.meeting = meeting
    meeting.api = {
        "agenda": meeting_selectors.agenda_of(meeting),
        "attendance": [{"name": person.name, "status": person.status, "institution": person.institution}
                       for person in meeting_selectors.attendance_of(meeting)],
        "decisions": decisions,
        "documents": list(document_selectors.documents_of(meeting=meeting)),
    }
    return meeting


@router.get("/groups/{slug}/decisions", response={200: list[DecisionOut], **READ_ERRORS},
            summary="A group's decisions")
@paginate(Pages)
def list_decisions(request, slug: str):
    """Newest first: the published decisions (approved minutes) for anyone who may see the group; all of
    them, drafts included, for its members and the secretariat."""
    viewer = _viewer(request)
    group = _group(request, viewer, slug)
    if _inside(viewer, group):
        return _decisions(Decision.objects.filter(group=group))
    return _decisions(group_selectors.published_decisions_of(group))


# --- Reads: tasks ---------------------------------------------------------------------------------------------

class TaskFilters(Schema):
    status: str = Field("", max_length=32, description="not_started, in_progress, blocked or done")
    overdue: bool = Field(False, description="Only tasks past their deadline and not done")


@router.get("/groups/{slug}/tasks", response={200: list[TaskOut], **READ_ERRORS}, summary="A group's tasks (members)")
@paginate(Pages)
def list_group_tasks(request, slug: str, filters: Query[TaskFilters]):
    """The group's tasks, late ones first, then by deadline; done tasks last."""
    group = _group_inside(request, _viewer(request), slug)
    _check_status_filter(filters.status)
    return task_selectors.tasks_of_group(group, status=filters.status, overdue=filters.overdue)


def _check_status_filter(status: str) -> None:
    if status and status not in TaskStatus.values:
        raise DomainError(_("Choose a status from the list."), field="status")


@router.get("/me/tasks", response={200: list[TaskOut], **READ_ERRORS}, summary="My tasks")
@paginate(Pages)
def my_tasks(request, filters: Query[TaskFilters]):
    """Tasks the asking person owns, or that institutions they represent or work for own, across every group
    of the city; late ones first."""
    viewer = _viewer(request)
    if not getattr(viewer, "is_authenticated", False):
        raise AuthenticationError
    _check_status_filter(filters.status)
    # The same selection, order and "overdue" as the web page's "my tasks" (its queryset, not its page).
    mine = task_selectors.my_tasks(viewer, city=_city(request), status=filters.status, overdue=filters.overdue,
                                   per_page=1)
    return mine.page.paginator.object_list


@router.get("/tasks/{task_id}/updates", response={200: list[TaskUpdateOut], **READ_ERRORS},
            summary="A task's timeline")
@paginate(Pages)
def task_updates(request, task_id: int = Path(..., ge=1, le=MAX_ID)):
    """Status and progress changes and comments on a task, newest first."""
    task = _task(request, _viewer(request), task_id)
    return TaskUpdate.objects.filter(task=task).select_related("author").order_by("-at", "-id")


# --- Reads: the action plan -----------------------------------------------------------------------------------

@router.get("/plans", response={200: list[PlanOut], **READ_ERRORS}, summary="Action plans")
@paginate(Pages)
def list_plans(request):
    """The city's published action plans, newest year first (drafts too for the secretariat)."""
    return plan_selectors.plans_list(user=_viewer(request), city=_city(request))


@router.get("/plans/{year}", response={200: PlanDetailOut, **READ_ERRORS}, summary="An action plan and its progress")
def plan_detail(request, year: int = Path(..., ge=1300, le=1600, description="Jalali year")):
    """Objectives under the building blocks and fundamental conditions, each with its results (status,
    progress, target), linked programmes and budget (planned and spent, in rials); totals for the plan."""
    viewer = _viewer(request)
    plan = _plan(request, viewer, year)
    progress = plan_selectors.plan_progress(plan=plan, user=viewer)
    # The page's rows are formatted strings; the API reads the results themselves (one query).
    results: dict[int, list[PlanResult]] = defaultdict(list)
    for result in PlanResult.objects.filter(objective__plan=plan).order_by("code", "pk"):
        results[result.objective_id].append(result)
    objectives = []
    for area in progress.areas:
        for block in area.objectives:
            objective = block.objective
            group = objective.working_group
            objectives.append({
                "code": objective.code, "area": objective.area, "area_label": str(area.label),
                "title_fa": objective.title_fa, "title_en": objective.title_en,
                "description_fa": objective.description_fa, "description_en": objective.description_en,
                "working_group": group.slug if group is not None and block.group_visible else None,
                "programmes": [{"id": p.pk, "title_fa": p.title_fa, "title_en": p.title_en} for p in block.programmes],
                "planned_rials": block.planned, "spent_rials": block.spent,
                "results": sorted(results[objective.pk], key=lambda r: _natural(r.code)),
            })
    plan.api = {
        "total_results": progress.total_results, "overall_progress": progress.overall_progress,
        "results_by_status": dict(progress.counts), "planned_rials": progress.planned,
        "spent_rials": progress.spent, "objectives": objectives,
    }
    return plan


@router.get("/plans/{year}/results/{code}", response={200: ResultDetailOut, **READ_ERRORS},
            summary="A result of the plan and its timeline")
def result_detail(request, code: str, year: int = Path(..., ge=1300, le=1600)):
    """A measurable result with every dated update (newest first) and its evidence documents."""
    viewer = _viewer(request)
    plan = _plan(request, viewer, year)
    result = _result(plan, code)
    result.api = {
        "plan": plan.year, "objective": result.objective.code,
        "timeline": plan_selectors.result_timeline(result),
        "documents": list(document_selectors.documents_of(result=result)),
    }
    return result


# --- Writes ---------------------------------------------------------------------------------------------------

@router.post("/groups/{slug}/meetings", auth=WRITE_AUTH, response={201: MeetingOut, **ERRORS},
             summary="Schedule a meeting")
def schedule_meeting(request, slug: str, payload: MeetingIn):
    """Schedule a meeting with a place or an online link, optionally with its agenda and invitations
    (chair, secretary, secretariat). A meeting in the past, ending before it starts or longer than 12 hours
    is refused."""
    group = _group(request, request.auth, slug)
    meeting = meeting_services.meeting_schedule(
        group=group, actor=request.auth, title_fa=payload.title_fa, title_en=payload.title_en,
        starts_at=_parse_datetime(payload.starts_at, "starts_at"), ends_at=_parse_datetime(payload.ends_at, "ends_at"),
        place_fa=payload.place_fa, place_en=payload.place_en, online_url=payload.online_url, agenda=payload.agenda,
        invite=payload.invite,
    )
    return Status(201, meeting)


@router.post("/groups/{slug}/meetings/{meeting_id}/decisions", auth=WRITE_AUTH, response={201: DecisionOut, **ERRORS},
             summary="Record a decision")
def record_decision(request, slug: str, payload: DecisionIn, meeting_id: int = Path(..., ge=1, le=MAX_ID)):
    """Record a numbered resolution of the meeting (numbered per group and Jalali year: 1405/3). Refused with
    409 once the minutes are approved or the meeting was cancelled."""
    group = _group_inside(request, request.auth, slug)
    meeting = _meeting(request.auth, group, meeting_id)
    agenda_item = None
    if payload.agenda_item is not None:
        agenda_item = AgendaItem.objects.filter(meeting=meeting, pk=payload.agenda_item).first()
        if agenda_item is None:
            raise DomainError(_("Choose an item on this meeting's agenda."), field="agenda_item")
    decision = meeting_services.decision_record(meeting=meeting, actor=request.auth, text=payload.text,
                                                agenda_item=agenda_item)
    decision.meeting = meeting
    return Status(201, decision)


def _task_owner(request, payload: TaskIn):
    if (payload.owner_user is None) == (payload.owner_institution is None):
        raise DomainError(_("Give the owner: either owner_user (a member) or owner_institution (a partner)."),
                          field="owner")
    if payload.owner_user is not None:
        owner = get_user_model().objects.filter(pk=payload.owner_user).first()
        if owner is None:
            raise DomainError(_("There is no such person."), field="owner_user")
        return owner
    owner = Institution.objects.filter(city=_city(request), slug=payload.owner_institution).first()
    if owner is None:
        raise DomainError(_("There is no partner institution with this short name."), field="owner_institution")
    return owner


@router.post("/groups/{slug}/tasks", auth=WRITE_AUTH, response={201: TaskOut, **ERRORS}, summary="Create a task")
def create_task(request, slug: str, payload: TaskIn):
    """Give the group a task owned by a member or a partner institution, with a deadline (not before the
    meeting of the decision it comes from); chair, secretary, secretariat."""
    group = _group(request, request.auth, slug)
    # Before looking anything up: whoever may not create tasks learns nothing about which ids exist.
    if not permissions.can(request.auth, C.MANAGE_TASKS, group):
        raise NotAllowed(_("You cannot create tasks in this working group."))
    decision = None
    if payload.decision is not None:
        decision = Decision.objects.select_related("meeting").filter(group=group, pk=payload.decision).first()
        if decision is None:
            raise DomainError(_("Choose a decision of this working group."), field="decision")
    task = task_services.task_create(
        group=group, actor=request.auth, title=payload.title, owner=_task_owner(request, payload),
        deadline=_parse_date(payload.deadline, "deadline"), description=payload.description, decision=decision,
    )
    return Status(201, _task(request, request.auth, task.pk))


@router.post("/tasks/{task_id}/progress", auth=WRITE_AUTH, response={201: TaskUpdateOut, **ERRORS},
             summary="Update a task's status or progress")
def update_task(request, payload: ProgressIn, task_id: int = Path(..., ge=1, le=MAX_ID)):
    """Move the status (allowed moves only; others are 400 `out_of_order`) and/or the progress (0–100), with
    an optional comment: the owner, or who manages the group's tasks."""
    task = _task(request, request.auth, task_id)
    update = task_services.task_progress(task=task, actor=request.auth, status=payload.status or None,
                                         progress=payload.progress, comment=payload.comment)
    return Status(201, update)


@router.post("/tasks/{task_id}/comments", auth=WRITE_AUTH, response={201: TaskUpdateOut, **ERRORS},
             summary="Comment on a task")
def comment_on_task(request, payload: CommentIn, task_id: int = Path(..., ge=1, le=MAX_ID)):
    task = _task(request, request.auth, task_id)
    update = task_services.task_comment(task=task, actor=request.auth, comment=payload.comment)
    return Status(201, update)


@router.post("/plans/{year}/results/{code}/updates", auth=WRITE_AUTH, response={201: ResultUpdateOut, **ERRORS},
             summary="Report progress on a result")
def report_result(request, code: str, payload: ResultUpdateIn, year: int = Path(..., ge=1300, le=1600)):
    """Append a dated update (status, progress, value, note, evidence link) to a result's timeline: the
    secretariat, or the chair or secretary of the responsible group. The newest by date shows on the plan."""
    plan = _plan(request, request.auth, year)
    result = _result(plan, code)
    reported_on = timezone.localdate() if payload.reported_on in (None, "") else _parse_date(
        payload.reported_on, "reported_on")
    update = plan_services.result_report(
        result=result, actor=request.auth, reported_on=reported_on, status=payload.status,
        progress=payload.progress, value=payload.value, note=payload.note, evidence_url=payload.evidence_url,
    )
    return Status(201, update)

