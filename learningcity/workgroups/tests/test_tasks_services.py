"""Task services: creating tasks from decisions, editing them, moving status and progress, comments.

Every bad input gets a clear message in the person's language and changes nothing.
"""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.jalali import format_date
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.factories import CitizenFactory, DecisionFactory, InstitutionFactory, MeetingFactory
from learningcity.workgroups.models import TASK_TRANSITIONS, GroupMember, Task, TaskStatus, TaskUpdate
from learningcity.workgroups.services.tasks import task_comment, task_create, task_progress, task_update

from .test_tasks_world import build_world, meeting_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are compared in English; the tests that need Persian say so."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(city, django_capture_on_commit_callbacks):
    world = build_world(city)
    world.commit = django_capture_on_commit_callbacks  # messages go out once the transaction commits
    return world


def create(world, **overrides):
    values = {"group": world.group, "actor": world.secretary, "title": "کارگاه سواد رسانه‌ای برای والدین",
              "owner": world.member, "deadline": meeting_day() + dt.timedelta(days=30), "decision": world.decision}
    values.update(overrides)
    with world.commit(execute=True):
        return task_create(**values)


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value


# --- Creating -------------------------------------------------------------------------------------

def test_the_secretary_turns_a_decision_into_a_task_and_the_owner_is_told_in_their_language(world):
    world.member.preferred_language = "en"
    world.member.save(update_fields=["preferred_language"])

    task = create(world, description="در هر منطقه یک کارگاه")

    assert task.decision == world.decision and task.owner_user == world.member
    assert task.status == TaskStatus.NOT_STARTED and task.progress == 0 and task.created_by == world.secretary
    assert AuditEntry.objects.filter(action="task.create", object_id=str(task.pk), actor=world.secretary).exists()
    [sms] = MemorySmsBackend.outbox
    assert sms.to == world.member.mobile
    assert "given you the task" in sms.body and "کارگاه سواد رسانه‌ای برای والدین" in sms.body
    assert f"/en/groups/media-literacy/tasks/{task.pk}/" in sms.body
    [email] = mail.outbox
    assert email.to == ["sara@example.org"] and email.subject.startswith("New task for you")


def test_a_task_given_to_an_institution_reaches_the_people_who_represent_it_with_jalali_dates(world):
    task = create(world, owner=world.other_institution)

    assert task.owner_institution == world.other_institution and task.owner_user is None
    [sms] = MemorySmsBackend.outbox
    assert sms.to == world.representative.mobile
    assert "آموزش و پرورش" in sms.body and "/fa/groups/media-literacy/tasks/" in sms.body
    assert format_date(task.deadline, language="fa") in sms.body


def test_an_institution_without_a_representative_in_the_group_is_told_through_its_admins(world, city):
    from learningcity.core.permissions import Role
    from learningcity.factories import StaffMembershipFactory

    partner = InstitutionFactory(city=city)
    admin = CitizenFactory(city=city)
    StaffMembershipFactory(institution=partner, user=admin, role=Role.INSTITUTION_ADMIN)

    create(world, owner=partner)

    assert [sms.to for sms in MemorySmsBackend.outbox] == [admin.mobile]


def test_the_deadline_may_be_typed_in_jalali_with_persian_digits(world):
    task = create(world, deadline="۱۴۰۵/۱۲/۲۹", decision=None)
    assert task.deadline == dt.date(2027, 3, 20)


def test_a_deadline_on_the_day_of_the_meeting_is_accepted(world):
    assert create(world, deadline=meeting_day()).deadline == meeting_day()


def test_the_chair_and_the_secretariat_may_create_tasks_too(world):
    assert create(world, actor=world.chair).pk
    assert create(world, actor=world.secretariat).pk


def test_a_deadline_before_the_meeting_of_the_decision_is_refused_and_nothing_is_saved(world):
    with translation.override("fa"):
        error = refused(create, world=world, deadline=meeting_day() - dt.timedelta(days=1))

    assert error.field == "deadline" and error.code == "deadline_before_meeting"
    assert "۱۴۰۵/۳" in str(error.message) and format_date(meeting_day(), language="fa") in str(error.message)
    assert not Task.objects.exists() and not AuditEntry.objects.filter(action="task.create").exists()
    assert MemorySmsBackend.outbox == [] and mail.outbox == []


@pytest.mark.parametrize("deadline", ["", None, "فردا", "1405/13/01", "1404/12/30", "2026-02-30"])
def test_a_deadline_that_is_not_a_real_date_is_refused(world, deadline):
    with translation.override("en"):
        error = refused(create, world=world, deadline=deadline)
    assert error.field == "deadline" and ("deadline" in str(error.message))
    assert not Task.objects.exists()


def test_a_person_without_a_seat_cannot_own_a_task(world):
    with translation.override("en"):
        error = refused(create, world=world, owner=world.outsider)
    assert error.field == "owner" and error.code == "owner_without_seat"
    assert "no seat in this working group" in str(error.message) and "شهروند بیرونی" in str(error.message)
    assert not Task.objects.exists() and MemorySmsBackend.outbox == []


def test_a_member_who_has_left_cannot_own_a_task(world):
    GroupMember.objects.filter(group=world.group, user=world.member).update(left_on=timezone.localdate())
    assert refused(create, world=world).code == "owner_without_seat"


def test_a_seat_in_another_group_does_not_count(world):
    from learningcity.factories import GroupMemberFactory

    GroupMemberFactory(group=world.other_group, user=world.outsider)
    assert refused(create, world=world, owner=world.outsider).code == "owner_without_seat"


def test_an_observer_cannot_own_a_task(world):
    with translation.override("en"):
        error = refused(create, world=world, owner=world.observer)
    assert "observer" in str(error.message) and not Task.objects.exists()


def test_an_institution_of_another_city_cannot_own_a_task(world, other_city):
    stranger = InstitutionFactory(city=other_city)
    with translation.override("en"):
        error = refused(create, world=world, owner=stranger)
    assert error.field == "owner" and str(error.message) == "Choose a partner institution of this city."
    assert not Task.objects.exists()


def test_an_institution_that_is_no_longer_active_cannot_own_a_task(world):
    world.other_institution.is_active = False
    world.other_institution.save(update_fields=["is_active"])
    assert refused(create, world=world, owner=world.other_institution).field == "owner"


@pytest.mark.parametrize("owner", [None, "سارا", 42])
def test_the_owner_must_be_a_person_or_an_institution(world, owner):
    assert refused(create, world=world, owner=owner).field == "owner"


def test_a_decision_of_another_group_is_refused(world):
    elsewhere = DecisionFactory(meeting=MeetingFactory(group=world.other_group), group=world.other_group)
    assert refused(create, world=world, decision=elsewhere).field == "decision"
    assert not Task.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "x" * 301])
def test_a_task_needs_a_title_of_reasonable_length(world, title):
    assert refused(create, world=world, title=title).field == "title"


@pytest.mark.parametrize("who", ["member", "representative", "observer", "outsider", "staff"])
def test_only_who_manages_tasks_may_create_them(world, who):
    with pytest.raises(NotAllowed):
        create(world, actor=getattr(world, who))
    assert not Task.objects.exists()


# --- Editing --------------------------------------------------------------------------------------

def test_changing_the_owner_tells_the_new_owner_and_is_audited(world):
    task = create(world)
    MemorySmsBackend.outbox.clear()

    with world.commit(execute=True):
        task_update(task=task, actor=world.chair, owner=world.representative, title="کارگاه‌های منطقه‌ای")

    task.refresh_from_db()
    assert task.owner_user == world.representative and task.title == "کارگاه‌های منطقه‌ای"
    assert [sms.to for sms in MemorySmsBackend.outbox] == [world.representative.mobile]
    entry = AuditEntry.objects.get(action="task.update")
    assert entry.changes["owner_user"] == [world.member.pk, world.representative.pk]


def test_an_edit_cannot_move_the_deadline_before_the_meeting(world):
    task = create(world)
    error = refused(task_update, task=task, actor=world.secretary, deadline=meeting_day() - dt.timedelta(days=3),
                    title="عنوان تازه")
    task.refresh_from_db()
    assert error.code == "deadline_before_meeting"
    assert task.title == "کارگاه سواد رسانه‌ای برای والدین" and task.deadline == meeting_day() + dt.timedelta(days=30)


def test_an_edit_to_an_owner_without_a_seat_changes_nothing(world):
    task = create(world)
    refused(task_update, task=task, actor=world.secretary, owner=world.outsider, title="عنوان تازه")
    task.refresh_from_db()
    assert task.owner_user == world.member and task.title == "کارگاه سواد رسانه‌ای برای والدین"


def test_a_member_cannot_edit_a_task_even_their_own(world):
    task = create(world)
    with pytest.raises(NotAllowed):
        task_update(task=task, actor=world.member, title="من تصمیم می‌گیرم")


# --- Status and progress ----------------------------------------------------------------------------

def test_the_owner_reports_progress_and_the_timeline_keeps_before_and_after(world):
    task = create(world)

    update = task_progress(task=task, actor=world.member, progress="۴۰", comment="دو کارگاه برگزار شد")

    task.refresh_from_db()
    assert task.progress == 40 and task.status == TaskStatus.IN_PROGRESS  # progress starts the work
    assert (update.progress_before, update.progress_after) == (0, 40)
    assert (update.status_before, update.status_after) == (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)
    assert update.comment == "دو کارگاه برگزار شد" and update.author == world.member
    entry = AuditEntry.objects.get(action="task.progress")
    assert entry.changes["progress"] == [0, 40] and entry.changes["comment"] == [None, "دو کارگاه برگزار شد"]


def test_updates_do_not_send_messages_they_wait_for_the_digest(world):
    task = create(world)
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    with world.commit(execute=True):
        task_progress(task=task, actor=world.member, status=TaskStatus.IN_PROGRESS, progress=10)
        task_comment(task=task, actor=world.secretary, comment="عالی")
    assert MemorySmsBackend.outbox == [] and mail.outbox == []


def test_done_sets_progress_to_100_and_the_time_and_reopening_clears_it(world):
    task = create(world)
    task_progress(task=task, actor=world.member, status=TaskStatus.IN_PROGRESS, progress=60)

    done = task_progress(task=task, actor=world.member, status=TaskStatus.DONE)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.progress == 100 and task.done_at is not None
    assert (done.progress_before, done.progress_after) == (60, 100)

    task_progress(task=task, actor=world.secretary, status=TaskStatus.IN_PROGRESS, progress=80,
                  comment="گزارش نهایی کامل نیست")
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.progress == 80 and task.done_at is None


@pytest.mark.parametrize("progress", [-1, 101, "-1", "101", "abc", "۱۰۱", "12.5", True])
def test_progress_outside_0_to_100_or_not_a_number_is_refused_and_nothing_changes(world, progress):
    task = create(world)
    with translation.override("en"):
        error = refused(task_progress, task=task, actor=world.member, progress=progress, comment="x")
    assert error.field == "progress"
    assert "0" in str(error.message) and "100" in str(error.message)
    task.refresh_from_db()
    assert task.progress == 0 and task.status == TaskStatus.NOT_STARTED
    assert not TaskUpdate.objects.exists() and not AuditEntry.objects.filter(action="task.progress").exists()


ILLEGAL_MOVES = [(current, wanted) for current in TaskStatus.values for wanted in TaskStatus.values
                 if wanted != current and wanted not in TASK_TRANSITIONS[current]]
LEGAL_MOVES = [(current, wanted) for current in TaskStatus.values for wanted in sorted(TASK_TRANSITIONS[current])]


def _task_in(world, status):
    task = create(world)
    Task.objects.filter(pk=task.pk).update(status=status, progress=100 if status == TaskStatus.DONE else 30)
    task.refresh_from_db()
    return task


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL_MOVES)
def test_an_out_of_order_status_move_is_refused_with_a_clear_message(world, current, wanted):
    task = _task_in(world, current)
    with translation.override("en"):
        error = refused(task_progress, task=task, actor=world.secretary, status=wanted)
        message, was, wants = str(error.message), str(TaskStatus(current).label), str(TaskStatus(wanted).label)
    assert error.code == "out_of_order" and error.field == "status"
    assert message.startswith("Out of order") and f"“{was}”" in message and f"“{wants}”" in message
    task.refresh_from_db()
    assert task.status == current and not TaskUpdate.objects.exists()


@pytest.mark.parametrize(("current", "wanted"), LEGAL_MOVES)
def test_each_allowed_status_move_is_recorded(world, current, wanted):
    task = _task_in(world, current)
    update = task_progress(task=task, actor=world.secretary, status=wanted)
    task.refresh_from_db()
    assert task.status == wanted and (update.status_before, update.status_after) == (current, wanted)


def test_an_unknown_status_is_refused(world):
    task = create(world)
    assert refused(task_progress, task=task, actor=world.member, status="finished").field == "status"


def test_a_done_task_stays_at_100_until_reopened(world):
    task = _task_in(world, TaskStatus.DONE)
    assert refused(task_progress, task=task, actor=world.member, progress=50).field == "progress"


def test_an_update_that_changes_nothing_is_refused(world):
    task = create(world)
    with translation.override("en"):
        error = refused(task_progress, task=task, actor=world.member, progress=0)
    assert error.code == "nothing_changed" and not TaskUpdate.objects.exists()


@pytest.mark.parametrize("who", ["representative", "observer", "outsider", "staff"])
def test_someone_who_does_not_own_or_manage_the_task_cannot_update_it(world, who):
    task = create(world)
    with pytest.raises(NotAllowed):
        task_progress(task=task, actor=getattr(world, who), progress=50)
    task.refresh_from_db()
    assert task.progress == 0 and not TaskUpdate.objects.exists()


@pytest.mark.parametrize("who", ["representative", "staff"])
def test_the_people_of_an_owning_institution_may_update_its_task(world, who):
    task = create(world, owner=world.other_institution)
    task_progress(task=task, actor=getattr(world, who), progress=25)
    task.refresh_from_db()
    assert task.progress == 25


# --- Comments ---------------------------------------------------------------------------------------

def test_a_member_comments_and_the_comment_joins_the_timeline_and_the_log(world):
    task = create(world)
    update = task_comment(task=task, actor=world.representative, comment="  ما هم کمک می‌کنیم  ")
    assert update.comment == "ما هم کمک می‌کنیم" and update.status_after == "" and update.progress_after is None
    assert AuditEntry.objects.filter(action="task.comment", object_id=str(task.pk)).exists()


@pytest.mark.parametrize("comment", ["", "   ", "x" * 5001])
def test_an_empty_or_overlong_comment_is_refused(world, comment):
    task = create(world)
    assert refused(task_comment, task=task, actor=world.member, comment=comment).field == "comment"
    assert not TaskUpdate.objects.exists()


@pytest.mark.parametrize("who", ["observer", "outsider"])
def test_observers_and_outsiders_cannot_comment(world, who):
    task = create(world)
    with pytest.raises(NotAllowed):
        task_comment(task=task, actor=getattr(world, who), comment="سلام")
    assert not TaskUpdate.objects.exists()
