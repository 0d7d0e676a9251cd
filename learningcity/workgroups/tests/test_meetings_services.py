"""Meeting services: scheduling, agenda, invitations, attendance, minutes, approval by the chair, numbered
decisions; every bad input and out-of-order change is refused with a clear message and changes nothing."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone, translation

from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.factories import (
    CitizenFactory,
    GroupMemberFactory,
    InstitutionFactory,
    MeetingFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import (
    AgendaItem,
    AttendanceStatus,
    Decision,
    GroupRole,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    MinutesStatus,
    Visibility,
)
from learningcity.workgroups.services import meetings as services

pytestmark = pytest.mark.django_db

LOCKED = "approved minutes cannot be changed"


def build_board(city, *, visibility=Visibility.MEMBERS):
    """A working group with a chair, a secretary, a member and an observer, each for a partner institution."""
    group = WorkingGroupFactory(city=city, visibility=visibility, name_fa="کارگروه سواد رسانه‌ای",
                                name_en="Media literacy group")
    people = {}
    for role, name, institution in (
        (GroupRole.CHAIR, "مهدی کرمی", "دانشگاه رازی"),
        (GroupRole.SECRETARY, "نسرین احمدی", "شهرداری کرمانشاه"),
        (GroupRole.MEMBER, "علی رستمی", "آموزش و پرورش"),
        (GroupRole.OBSERVER, "سمیرا نادری", "کانون پرورش فکری"),
    ):
        person = CitizenFactory(city=city, name=name)
        partner = InstitutionFactory(city=city, name_fa=institution)
        GroupMemberFactory(group=group, user=person, role=role, institution=partner)
        people[role] = person
    return SimpleNamespace(group=group, chair=people[GroupRole.CHAIR], secretary=people[GroupRole.SECRETARY],
                           member=people[GroupRole.MEMBER], observer=people[GroupRole.OBSERVER],
                           outsider=CitizenFactory(city=city, name="رهگذر"))


def soon(days: int = 7, hour: int = 10) -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate() + dt.timedelta(days=days)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    return start, start + dt.timedelta(hours=2)


def held_meeting(board, **kwargs) -> Meeting:
    """A meeting that took place yesterday, marked held, with everyone invited."""
    start = timezone.now() - dt.timedelta(days=1)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                             status=MeetingStatus.HELD, **kwargs)
    for person in (board.chair, board.secretary, board.member, board.observer):
        MeetingAttendance.objects.create(meeting=meeting, user=person)
    return meeting


def begin(meeting: Meeting) -> None:
    """Time passes: the scheduled meeting is under way (decisions can be recorded from its start)."""
    start = timezone.now() - dt.timedelta(minutes=30)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    meeting.refresh_from_db()


def ready_to_approve(board) -> Meeting:
    meeting = held_meeting(board, minutes="همه حاضر بودند و درباره برنامه سال گفتگو شد.")
    MeetingAttendance.objects.filter(meeting=meeting).update(status=AttendanceStatus.PRESENT)
    return meeting


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English, so the tests hold whatever the Persian translation says."""
    with translation.override("en"):
        yield


@pytest.fixture
def board(city):
    return build_board(city)


def schedule(board, actor=None, **overrides):
    start, end = soon()
    values = {"group": board.group, "actor": actor or board.secretary, "title_fa": "نشست اول کارگروه",
              "starts_at": start, "ends_at": end, "place_fa": "تالار شهرداری"}
    values.update(overrides)
    return services.meeting_schedule(**values)


# --- Scheduling ------------------------------------------------------------------------------------

def test_secretary_schedules_a_meeting_with_its_agenda_and_every_member_hears_with_the_jalali_date(
        board, django_capture_on_commit_callbacks):
    board.member.email = "ali@example.org"
    board.member.save()
    with translation.override("fa"), django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(board, agenda=["گزارش دبیر", "  ", "برنامهٔ سال ۱۴۰۵"], invite=True)
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.created_by == board.secretary
    assert [item.title for item in meeting.agenda_items.order_by("position")] == ["گزارش دبیر", "برنامهٔ سال ۱۴۰۵"]
    assert set(meeting.attendance.values_list("user_id", flat=True)) == {
        board.chair.pk, board.secretary.pk, board.member.pk, board.observer.pk}
    assert sorted(m.to for m in MemorySmsBackend.outbox) == sorted(
        p.mobile for p in (board.chair, board.secretary, board.member, board.observer))
    text = MemorySmsBackend.outbox[0].body
    from learningcity.core.jalali import format_date
    assert format_date(meeting.starts_at, "long", "fa") in text  # e.g. "۱۵ مهر ۱۴۰۵", Persian digits
    assert f"/fa/groups/{board.group.slug}/meetings/{meeting.pk}/invite.ics" in text
    assert "تالار شهرداری" in text
    assert [m.to for m in mail.outbox] == [["ali@example.org"]]
    assert AuditEntry.objects.filter(action="meeting.schedule", object_id=str(meeting.pk)).exists()
    assert AuditEntry.objects.filter(action="meeting.invite", object_id=str(meeting.pk)).exists()


def test_an_english_speaking_member_is_invited_in_english_with_the_gregorian_date(
        board, django_capture_on_commit_callbacks):
    board.member.preferred_language = "en"
    board.member.save()
    meeting = schedule(board)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite(meeting=meeting, actor=board.secretary, users=[board.member])
    [message] = MemorySmsBackend.outbox
    local = timezone.localtime(meeting.starts_at)
    assert "You are invited" in message.body
    assert local.strftime("%B") in message.body and str(local.year) in message.body
    assert "/en/groups/" in message.body


def test_an_online_meeting_needs_no_place(board):
    meeting = schedule(board, place_fa="", online_url="https://meet.example.org/kermanshah")
    assert meeting.online_url == "https://meet.example.org/kermanshah"


@pytest.mark.parametrize(("change", "field", "words"), [
    ("end_before_start", "ends_at", "must end after it starts"),
    ("end_equals_start", "ends_at", "must end after it starts"),
    ("past", "starts_at", "cannot be scheduled in the past"),
    ("too_long", "ends_at", "at most 12 hours"),
    ("no_place", "place_fa", "place or an online meeting link"),
    ("no_title", "title_fa", "Give the meeting a title"),
    ("bad_link", "online_url", "valid URL"),
    ("naive_time", "starts_at", "valid date and time"),
    ("long_title", "title_fa", "at most 200 characters"),
])
def test_bad_meetings_are_refused_with_a_clear_message_and_nothing_is_saved(board, change, field, words):
    start, end = soon()
    overrides = {
        "end_before_start": {"ends_at": start - dt.timedelta(minutes=30)},
        "end_equals_start": {"ends_at": start},
        "past": {"starts_at": timezone.now() - dt.timedelta(hours=3),
                 "ends_at": timezone.now() - dt.timedelta(hours=1)},
        "too_long": {"ends_at": start + dt.timedelta(hours=13)},
        "no_place": {"place_fa": "  "},
        "no_title": {"title_fa": " "},
        "bad_link": {"online_url": "not a link"},
        "naive_time": {"starts_at": dt.datetime(2030, 1, 1, 10, 0)},  # noqa: DTZ001  (the bad input itself)
        "long_title": {"title_fa": "ن" * 201},
    }[change]
    with translation.override("en"), pytest.raises(DomainError) as refused:
        schedule(board, agenda=["یک"], invite=True, **overrides)
    assert refused.value.field == field
    assert words in str(refused.value.message)
    assert not Meeting.objects.exists() and not AgendaItem.objects.exists()
    assert not MemorySmsBackend.outbox


def test_the_refusal_is_in_persian_on_persian_pages(board):
    start, _end = soon()
    with translation.override("fa"), pytest.raises(DomainError) as refused:
        schedule(board, ends_at=start - dt.timedelta(hours=1))
    with translation.override("fa"):
        assert str(refused.value.message) == translation.gettext("The meeting must end after it starts.")


@pytest.mark.parametrize("who", ["member", "observer", "outsider"])
def test_only_who_may_schedule_schedules(board, who):
    with pytest.raises(NotAllowed):
        schedule(board, actor=getattr(board, who))
    assert not Meeting.objects.exists()


def test_the_secretariat_and_the_chair_may_schedule(board, secretariat):
    assert schedule(board, actor=secretariat).pk
    assert schedule(board, actor=board.chair).pk


def test_an_inactive_group_cannot_meet(board):
    board.group.is_active = False
    board.group.save()
    with pytest.raises(DomainError, match="no longer active"):
        schedule(board)
    assert not Meeting.objects.exists()


# --- Changing and cancelling ------------------------------------------------------------------------

def test_moving_a_meeting_tells_the_invitees_and_is_audited(board, django_capture_on_commit_callbacks):
    meeting = schedule(board, invite=True)
    MemorySmsBackend.outbox.clear()
    start, end = soon(days=9, hour=16)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=board.secretary, starts_at=start, ends_at=end)
    meeting.refresh_from_db()
    assert meeting.starts_at == start
    assert len(MemorySmsBackend.outbox) == 4
    assert AuditEntry.objects.filter(action="meeting.update", object_id=str(meeting.pk)).exists()


def test_a_new_title_alone_sends_no_message(board, django_capture_on_commit_callbacks):
    meeting = schedule(board, invite=True)
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=board.secretary, title_fa="نشست اول (بازبینی)")
    assert Meeting.objects.get().title_fa == "نشست اول (بازبینی)"
    assert not MemorySmsBackend.outbox


def test_a_meeting_cannot_be_moved_into_the_past_or_to_end_before_it_starts(board):
    meeting = schedule(board)
    before = Meeting.objects.values().get()
    past = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(DomainError, match="in the past"):
        services.meeting_update(meeting=meeting, actor=board.secretary, starts_at=past,
                                ends_at=past + dt.timedelta(hours=1))
    with pytest.raises(DomainError, match="end after it starts"):
        services.meeting_update(meeting=meeting, actor=board.secretary, ends_at=meeting.starts_at)
    assert Meeting.objects.values().get() == before


def test_a_held_or_cancelled_meeting_cannot_be_changed(board):
    held = held_meeting(board)
    with pytest.raises(DomainError, match="was held"):
        services.meeting_update(meeting=held, actor=board.secretary, title_fa="دیگر")
    cancelled = schedule(board)
    services.meeting_cancel(meeting=cancelled, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.meeting_update(meeting=cancelled, actor=board.secretary, title_fa="دیگر")
    assert not Meeting.objects.filter(title_fa="دیگر").exists()


def test_an_unknown_field_is_refused(board):
    meeting = schedule(board)
    with pytest.raises(DomainError, match="Unknown field"):
        services.meeting_update(meeting=meeting, actor=board.secretary, status="held")


def test_cancelling_tells_every_invitee_with_the_reason(board, django_capture_on_commit_callbacks):
    meeting = schedule(board, invite=True)
    MemorySmsBackend.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=board.chair, reason="سفر رئیس کارگروه")
    assert Meeting.objects.get().status == MeetingStatus.CANCELLED
    assert len(MemorySmsBackend.outbox) == 4
    assert all("سفر رئیس کارگروه" in message.body for message in MemorySmsBackend.outbox)
    entry = AuditEntry.objects.get(action="meeting.cancel")
    assert entry.changes["reason"] == [None, "سفر رئیس کارگروه"]


def test_cancelling_out_of_order_is_refused(board):
    meeting = schedule(board)
    with pytest.raises(DomainError, match="at most 500"):
        services.meeting_cancel(meeting=meeting, actor=board.secretary, reason="ی" * 501)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    services.meeting_cancel(meeting=meeting, actor=board.secretary)
    with pytest.raises(DomainError, match="already cancelled"):
        services.meeting_cancel(meeting=meeting, actor=board.secretary)
    with pytest.raises(DomainError, match="held meeting cannot be cancelled"):
        services.meeting_cancel(meeting=held_meeting(board), actor=board.secretary)
    with_decision = schedule(board)
    begin(with_decision)
    services.decision_record(meeting=with_decision, actor=board.secretary, text="تصویب برنامه")
    with pytest.raises(DomainError, match="Decisions were recorded"):
        services.meeting_cancel(meeting=with_decision, actor=board.secretary)
    assert Meeting.objects.get(pk=with_decision.pk).status == MeetingStatus.SCHEDULED


def test_a_member_cannot_cancel(board):
    meeting = schedule(board)
    with pytest.raises(NotAllowed):
        services.meeting_cancel(meeting=meeting, actor=board.member)
    assert Meeting.objects.get().status == MeetingStatus.SCHEDULED


def test_marking_held_only_once_it_has_started_and_not_when_cancelled(board):
    future = schedule(board)
    with pytest.raises(DomainError, match="not started yet"):
        services.meeting_mark_held(meeting=future, actor=board.secretary)
    assert Meeting.objects.get(pk=future.pk).status == MeetingStatus.SCHEDULED
    services.meeting_cancel(meeting=future, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.meeting_mark_held(meeting=future, actor=board.secretary)
    started = MeetingFactory(group=board.group, starts_at=timezone.now() - dt.timedelta(minutes=20))
    services.meeting_mark_held(meeting=started, actor=board.secretary)
    assert Meeting.objects.get(pk=started.pk).status == MeetingStatus.HELD
    with pytest.raises(DomainError, match="already marked as held"):
        services.meeting_mark_held(meeting=started, actor=board.secretary)
    assert AuditEntry.objects.filter(action="meeting.held").count() == 1


# --- Agenda --------------------------------------------------------------------------------------------

def test_the_agenda_is_kept_in_order_through_adds_moves_reorders_and_removals(board):
    meeting = schedule(board)
    first = services.agenda_item_add(meeting=meeting, actor=board.secretary, title="گزارش")
    second = services.agenda_item_add(meeting=meeting, actor=board.secretary, title="بودجه", notes="جدول پیوست")
    third = services.agenda_item_add(meeting=meeting, actor=board.secretary, title="متفرقه")
    services.agenda_item_move(item=third, actor=board.secretary, direction="up")
    assert [i.title for i in meeting.agenda_items.order_by("position")] == ["گزارش", "متفرقه", "بودجه"]
    services.agenda_reorder(meeting=meeting, actor=board.secretary, order=[second.pk, first.pk, third.pk])
    assert [i.title for i in meeting.agenda_items.order_by("position")] == ["بودجه", "گزارش", "متفرقه"]
    services.agenda_item_update(item=first, actor=board.secretary, title="گزارش دبیر")
    services.agenda_item_remove(item=second, actor=board.secretary)
    assert list(meeting.agenda_items.order_by("position").values_list("position", "title")) == [
        (1, "گزارش دبیر"), (2, "متفرقه")]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"meeting.agenda_add", "meeting.agenda_move", "meeting.agenda_reorder", "meeting.agenda_update",
            "meeting.agenda_remove"} <= actions


def test_bad_agenda_changes_are_refused(board):
    meeting = schedule(board)
    item = services.agenda_item_add(meeting=meeting, actor=board.secretary, title="گزارش")
    with pytest.raises(DomainError, match="Write the agenda item"):
        services.agenda_item_add(meeting=meeting, actor=board.secretary, title="  ")
    with pytest.raises(DomainError, match="at most 5000"):
        services.agenda_item_add(meeting=meeting, actor=board.secretary, title="بند", notes="ی" * 5001)
    with pytest.raises(DomainError, match="at most 300"):
        services.agenda_item_update(item=item, actor=board.secretary, title="ی" * 301)
    with pytest.raises(DomainError, match="already first"):
        services.agenda_item_move(item=item, actor=board.secretary, direction="up")
    with pytest.raises(DomainError, match="exactly once"):
        services.agenda_reorder(meeting=meeting, actor=board.secretary, order=[item.pk, item.pk])
    with pytest.raises(DomainError, match="exactly once"):
        services.agenda_reorder(meeting=meeting, actor=board.secretary, order=["x"])
    with pytest.raises(NotAllowed):
        services.agenda_item_add(meeting=meeting, actor=board.member, title="پیشنهاد من")
    begin(meeting)
    services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب", agenda_item=item)
    with pytest.raises(DomainError, match="cannot be removed"):
        services.agenda_item_remove(item=item, actor=board.secretary)
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["گزارش"]


# --- Invitations and attendance ---------------------------------------------------------------------

def test_inviting_reaches_current_members_once_and_skips_those_who_left(board, django_capture_on_commit_callbacks):
    gone = CitizenFactory(city=board.group.city)
    GroupMemberFactory(group=board.group, user=gone, left_on=timezone.localdate())
    meeting = schedule(board)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_invite(meeting=meeting, actor=board.secretary)
    assert len(first) == 4 and gone.pk not in {row.user_id for row in first}
    newcomer = CitizenFactory(city=board.group.city)
    GroupMemberFactory(group=board.group, user=newcomer)
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.meeting_invite(meeting=meeting, actor=board.secretary)
    assert [row.user_id for row in again] == [newcomer.pk]
    assert [m.to for m in MemorySmsBackend.outbox] == [newcomer.mobile]


def test_invitations_out_of_order_or_to_strangers_are_refused(board):
    meeting = schedule(board)
    with pytest.raises(DomainError, match="has no seat"):
        services.meeting_invite(meeting=meeting, actor=board.secretary, users=[board.outsider])
    services.meeting_cancel(meeting=meeting, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.meeting_invite(meeting=meeting, actor=board.secretary)
    with pytest.raises(DomainError, match="over"):
        services.meeting_invite(meeting=held_meeting(board), actor=board.secretary)
    with pytest.raises(NotAllowed):
        services.meeting_invite(meeting=schedule(board), actor=board.member)
    assert not MeetingAttendance.objects.filter(meeting__status=MeetingStatus.SCHEDULED).exists()


def test_attendance_is_recorded_and_a_member_who_came_uninvited_is_added(board):
    meeting = held_meeting(board)
    walk_in = CitizenFactory(city=board.group.city)
    GroupMemberFactory(group=board.group, user=walk_in)
    changed = services.attendance_record(meeting=meeting, actor=board.secretary, marks={
        board.chair: "present", board.member.pk: "absent", board.observer.pk: "excused", walk_in.pk: "present"})
    assert len(changed) == 4
    statuses = dict(meeting.attendance.values_list("user_id", "status"))
    assert statuses == {board.chair.pk: "present", board.secretary.pk: "invited", board.member.pk: "absent",
                        board.observer.pk: "excused", walk_in.pk: "present"}
    assert AuditEntry.objects.get(action="meeting.attendance").changes[board.member.name] == ["invited", "absent"]


def test_before_the_meeting_only_apologies_can_be_recorded(board):
    meeting = schedule(board, invite=True)
    with pytest.raises(DomainError, match="only apologies"):
        services.attendance_record(meeting=meeting, actor=board.secretary, marks={board.member.pk: "present"})
    services.attendance_record(meeting=meeting, actor=board.secretary, marks={board.member.pk: "excused"})
    assert meeting.attendance.get(user=board.member).status == "excused"


@pytest.mark.parametrize(("marks", "words"), [
    ({"member": "late"}, "present, absent or excused"),
    ({"member": "invited"}, "present, absent or excused"),
    ({"outsider": "present"}, "Only invitees and members"),
])
def test_bad_attendance_marks_change_nothing(board, marks, words):
    meeting = held_meeting(board)
    with pytest.raises(DomainError, match=words):
        services.attendance_record(meeting=meeting, actor=board.secretary,
                                   marks={getattr(board, who).pk: status for who, status in marks.items()})
    assert set(meeting.attendance.values_list("status", flat=True)) == {"invited"}


def test_a_member_cannot_record_attendance(board):
    with pytest.raises(NotAllowed):
        services.attendance_record(meeting=held_meeting(board), actor=board.member, marks={board.member.pk: "present"})


# --- Minutes and approval -------------------------------------------------------------------------------

def test_draft_minutes_are_saved_as_often_as_needed(board):
    meeting = held_meeting(board)
    services.minutes_save(meeting=meeting, actor=board.secretary, text="بند ۱: گزارش دبیر")
    services.minutes_save(meeting=meeting, actor=board.secretary, text="بند ۱: گزارش دبیر\nبند ۲: بودجه")
    meeting.refresh_from_db()
    assert meeting.minutes.endswith("بند ۲: بودجه") and meeting.minutes_status == MinutesStatus.DRAFT
    assert AuditEntry.objects.filter(action="meeting.minutes_save").count() == 2


def test_minutes_that_are_too_long_are_refused(board):
    meeting = held_meeting(board)
    with pytest.raises(DomainError, match="at most"):
        services.minutes_save(meeting=meeting, actor=board.secretary, text="ب" * 50001)
    assert Meeting.objects.get().minutes == ""


def test_the_chair_approves_and_the_meeting_record_is_locked(board):
    meeting = ready_to_approve(board)
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="گزارش")
    services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب برنامه")
    approved = services.minutes_approve(meeting=meeting, actor=board.chair)
    assert approved.minutes_status == MinutesStatus.APPROVED
    assert approved.minutes_approved_by == board.chair and approved.minutes_approved_at is not None
    assert AuditEntry.objects.filter(action="meeting.minutes_approve").exists()
    snapshot = (Meeting.objects.values().get(), list(MeetingAttendance.objects.values()),
                list(AgendaItem.objects.values()), list(Decision.objects.values()))
    attempts = [
        lambda: services.minutes_save(meeting=meeting, actor=board.secretary, text="تغییر"),
        lambda: services.attendance_record(meeting=meeting, actor=board.secretary, marks={board.member.pk: "absent"}),
        lambda: services.decision_record(meeting=meeting, actor=board.secretary, text="مصوبهٔ دیرهنگام"),
        lambda: services.agenda_item_add(meeting=meeting, actor=board.secretary, title="بند تازه"),
        lambda: services.agenda_item_update(item=item, actor=board.secretary, title="دیگر"),
        lambda: services.agenda_item_remove(item=item, actor=board.secretary),
        lambda: services.agenda_item_move(item=item, actor=board.secretary, direction="down"),
        lambda: services.agenda_reorder(meeting=meeting, actor=board.secretary, order=[item.pk]),
    ]
    for attempt in attempts:
        with translation.override("en"), pytest.raises(DomainError) as refused:
            attempt()
        assert LOCKED in str(refused.value.message)
    assert (Meeting.objects.values().get(), list(MeetingAttendance.objects.values()),
            list(AgendaItem.objects.values()), list(Decision.objects.values())) == snapshot


@pytest.mark.parametrize("who", ["secretary", "member", "observer", "outsider", "secretariat"])
def test_only_the_chair_approves_minutes_not_even_the_secretariat(board, secretariat, who):
    meeting = ready_to_approve(board)
    actor = secretariat if who == "secretariat" else getattr(board, who)
    with pytest.raises(NotAllowed, match="Only the chair"):
        services.minutes_approve(meeting=meeting, actor=actor)
    assert Meeting.objects.get().minutes_status == MinutesStatus.DRAFT


def test_approving_out_of_order_is_refused_with_a_clear_message(board):
    scheduled = schedule(board)
    services.minutes_save(meeting=scheduled, actor=board.secretary, text="پیش‌نویس")
    with pytest.raises(DomainError, match="Mark the meeting as held"):
        services.minutes_approve(meeting=scheduled, actor=board.chair)
    services.meeting_cancel(meeting=scheduled, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.minutes_approve(meeting=scheduled, actor=board.chair)
    empty = held_meeting(board)
    MeetingAttendance.objects.filter(meeting=empty).update(status=AttendanceStatus.PRESENT)
    with pytest.raises(DomainError, match="Write the minutes"):
        services.minutes_approve(meeting=empty, actor=board.chair)
    unmarked = held_meeting(board, minutes="متن")
    with pytest.raises(DomainError, match="4 not marked"):
        services.minutes_approve(meeting=unmarked, actor=board.chair)
    ready = ready_to_approve(board)
    services.minutes_approve(meeting=ready, actor=board.chair)
    with pytest.raises(DomainError, match="already approved"):
        services.minutes_approve(meeting=ready, actor=board.chair)
    assert Meeting.objects.filter(minutes_status=MinutesStatus.APPROVED).count() == 1


def test_minutes_of_a_cancelled_meeting_cannot_be_written(board):
    meeting = schedule(board)
    services.meeting_cancel(meeting=meeting, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.minutes_save(meeting=meeting, actor=board.secretary, text="متن")


# --- Decisions -------------------------------------------------------------------------------------

def _at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))  # noqa: DTZ001  (made aware here)


def test_decisions_are_numbered_per_group_and_jalali_year_of_the_meeting(board, city):
    last_of_1404 = MeetingFactory(group=board.group, starts_at=_at(2026, 3, 15), ends_at=_at(2026, 3, 15)
                                  + dt.timedelta(hours=2), status=MeetingStatus.HELD)  # 24 Esfand 1404
    first_of_1405 = MeetingFactory(group=board.group, starts_at=_at(2026, 3, 25), ends_at=_at(2026, 3, 25)
                                   + dt.timedelta(hours=2), status=MeetingStatus.HELD)  # 5 Farvardin 1405
    codes = [
        services.decision_record(meeting=last_of_1404, actor=board.secretary, text="یک").code,
        services.decision_record(meeting=last_of_1404, actor=board.secretary, text="دو").code,
        services.decision_record(meeting=first_of_1405, actor=board.chair, text="سه").code,
        services.decision_record(meeting=first_of_1405, actor=board.secretary, text="چهار").code,
    ]
    assert codes == ["1404/1", "1404/2", "1405/1", "1405/2"]
    other = build_board(city)
    elsewhere = MeetingFactory(group=other.group, starts_at=_at(2026, 3, 25), ends_at=_at(2026, 3, 26))
    assert services.decision_record(meeting=elsewhere, actor=other.secretary, text="پنج").code == "1405/1"
    decision = Decision.objects.get(group=board.group, year=1405, number=2)
    assert decision.recorded_by == board.secretary and decision.meeting == first_of_1405
    assert AuditEntry.objects.filter(action="meeting.decision_record").count() == 5


def test_a_decision_may_sit_under_an_item_of_its_own_meeting_only(board):
    meeting = held_meeting(board)
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="بودجه")
    other_item = AgendaItem.objects.create(meeting=held_meeting(board), position=1, title="دیگر")
    assert services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب", agenda_item=item
                                    ).agenda_item == item
    with pytest.raises(DomainError, match="this meeting's agenda") as refused:
        services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب", agenda_item=other_item)
    assert refused.value.field == "agenda_item"
    assert Decision.objects.count() == 1


def test_bad_decisions_are_refused(board):
    meeting = held_meeting(board)
    with pytest.raises(DomainError, match="Write the decision"):
        services.decision_record(meeting=meeting, actor=board.secretary, text="   ")
    with pytest.raises(DomainError, match="at most 5000"):
        services.decision_record(meeting=meeting, actor=board.secretary, text="م" * 5001)
    with pytest.raises(NotAllowed):
        services.decision_record(meeting=meeting, actor=board.member, text="پیشنهاد")
    cancelled = schedule(board)
    services.meeting_cancel(meeting=cancelled, actor=board.secretary)
    with pytest.raises(DomainError, match="cancelled"):
        services.decision_record(meeting=cancelled, actor=board.secretary, text="تصویب")
    assert not Decision.objects.exists()


# --- Who may do what --------------------------------------------------------------------------------

ACTIONS = ("schedule", "invite", "agenda", "attendance", "minutes", "held", "decide", "approve", "cancel")
MATRIX = {
    "chair": set(ACTIONS),
    "secretary": set(ACTIONS) - {"approve"},
    "secretariat": set(ACTIONS) - {"approve"},
    "member": set(),
    "observer": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(board, secretariat, who, action):
    actor = secretariat if who == "secretariat" else getattr(board, who)
    future = schedule(board, actor=board.secretary)
    past = ready_to_approve(board)
    past.status = MeetingStatus.SCHEDULED
    past.save()
    run = {
        "schedule": lambda: schedule(board, actor=actor),
        "invite": lambda: services.meeting_invite(meeting=future, actor=actor),
        "agenda": lambda: services.agenda_item_add(meeting=future, actor=actor, title="بند"),
        "attendance": lambda: services.attendance_record(meeting=past, actor=actor, marks={board.member.pk: "absent"}),
        "minutes": lambda: services.minutes_save(meeting=past, actor=actor, text="متن تازه"),
        "held": lambda: services.meeting_mark_held(meeting=past, actor=actor),
        "decide": lambda: services.decision_record(meeting=past, actor=actor, text="تصویب"),
        "approve": lambda: (Meeting.objects.filter(pk=past.pk).update(status=MeetingStatus.HELD),
                            services.minutes_approve(meeting=past, actor=actor)),
        "cancel": lambda: services.meeting_cancel(meeting=future, actor=actor),
    }[action]
    if action in MATRIX[who]:
        run()
    else:
        with pytest.raises(NotAllowed):
            run()
