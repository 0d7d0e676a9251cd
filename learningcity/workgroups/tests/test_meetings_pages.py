"""Meeting pages: who sees them (404 for anyone without a seat), scheduling with a Jalali date, the detail
page (agenda, attendance with institutions, minutes, decisions with Persian codes), attendance and minutes
forms, approval by the chair, decisions, and bounded queries."""

import datetime as dt
import re

import jdatetime
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.html import escape

from conftest import PASSWORD
from learningcity.core.text import persian_digits
from learningcity.factories import CitizenFactory, DecisionFactory, GroupMemberFactory, MeetingFactory
from learningcity.workgroups.models import (
    AgendaItem,
    AttendanceStatus,
    Decision,
    Document,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    MinutesStatus,
    Visibility,
)
from learningcity.workgroups.services import meetings as services

from .test_meetings_services import build_board, held_meeting, ready_to_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(city):
    return build_board(city)


@pytest.fixture
def meeting(board):
    return held_meeting(board, minutes="گزارش دبیر خوانده شد.")


def login(client, user):
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    return client


def url(meeting, name="meeting", lang="fa"):
    if name == "meeting_list":
        return f"/{lang}/groups/{meeting.group.slug}/meetings/"
    suffix = {"meeting": "", "meeting_edit": "edit/", "meeting_cancel": "cancel/", "meeting_ics": "invite.ics",
              "attendance": "attendance/", "minutes": "minutes/", "minutes_pdf": "minutes.pdf",
              "decision_create": "decisions/new/", "agenda": "agenda/"}[name]
    return f"/{lang}/groups/{meeting.group.slug}/meetings/{meeting.pk}/{suffix}"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Who may see ----------------------------------------------------------------------------------

PAGES = ("meeting_list", "meeting", "meeting_ics", "minutes_pdf", "attendance", "minutes", "decision_create",
         "agenda", "meeting_edit", "meeting_cancel")


@pytest.mark.parametrize("visibility", [Visibility.MEMBERS, Visibility.PUBLIC])
@pytest.mark.parametrize("name", PAGES)
def test_someone_without_a_seat_gets_a_404_on_every_meeting_page(client, board, meeting, name, visibility):
    board.group.visibility = visibility
    board.group.save()
    login(client, board.outsider)
    assert client.get(url(meeting, name)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_visitor_who_is_not_logged_in_is_asked_to_log_in(client, meeting, name):
    response = client.get(url(meeting, name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_former_member_no_longer_sees_the_meetings(client, board, meeting):
    board.member.group_seats.update(left_on=timezone.localdate())
    login(client, board.member)
    assert client.get(url(meeting)).status_code == 404


def test_a_meeting_of_another_group_is_a_404_under_this_group(client, board, city, meeting):
    other = build_board(city)
    login(client, board.secretary)
    assert client.get(f"/fa/groups/{other.group.slug}/meetings/{meeting.pk}/").status_code == 404


@pytest.mark.parametrize(("who", "page", "status"), [
    ("member", "meeting", 200), ("observer", "meeting", 200), ("secretariat", "meeting", 200),
    ("member", "minutes", 404), ("observer", "attendance", 404), ("member", "decision_create", 404),
    ("member", "meeting_edit", 404), ("observer", "agenda", 404),
    ("secretary", "minutes", 200), ("secretary", "attendance", 200), ("secretary", "decision_create", 200),
    ("chair", "agenda", 200), ("secretariat", "minutes", 200), ("secretary", "meeting_cancel", 200),
    ("member", "meeting_cancel", 404), ("secretary", "meeting_edit", 302), ("member", "meeting_list", 200),
])
def test_pages_that_need_a_capability_are_a_404_without_it(client, board, secretariat, meeting, who, page, status):
    login(client, secretariat if who == "secretariat" else getattr(board, who))
    assert client.get(url(meeting, page)).status_code == status


# --- The list and scheduling ------------------------------------------------------------------------

def test_the_list_shows_upcoming_and_past_meetings_in_bounded_queries(client, board, django_assert_max_num_queries):
    for days in range(1, 6):
        MeetingFactory(group=board.group, starts_at=timezone.now() + dt.timedelta(days=days))
        past = held_meeting(board)
        DecisionFactory(meeting=past, group=board.group)
    MeetingFactory(group=board.group, status=MeetingStatus.CANCELLED, title_fa="نشست لغو شده")
    login(client, board.member)
    with django_assert_max_num_queries(15):
        response = client.get(url(past, "meeting_list"))
    assert response.status_code == 200
    html = text_of(response)
    assert html.count('data-meeting="') == 11 and "نشست لغو شده" in html
    assert "Schedule a meeting" not in html and "/meetings/new/" not in html


def test_the_secretary_schedules_a_meeting_with_a_jalali_date_in_persian_digits(client, board):
    login(client, board.secretary)
    day = jdatetime.date.fromgregorian(date=timezone.localdate() + dt.timedelta(days=10))
    typed = persian_digits(f"{day.year}/{day.month:02d}/{day.day:02d}")
    response = client.post(url(held_meeting(board), "meeting_list") + "new/", {
        "title_fa": "نشست دوم کارگروه", "day": typed, "starts": "۱۶:۳۰", "ends": "18:00",
        "place_fa": "سالن کنفرانس دانشگاه رازی", "agenda": "گزارش دبیر\nبرنامهٔ سال", "invite": "on",
    })
    meeting = Meeting.objects.get(title_fa="نشست دوم کارگروه")
    assert response.status_code == 302 and response["Location"].endswith(f"/meetings/{meeting.pk}/")
    start = timezone.localtime(meeting.starts_at)
    assert (start.date(), start.hour, start.minute) == (day.togregorian(), 16, 30)
    assert timezone.localtime(meeting.ends_at).hour == 18
    assert meeting.agenda_items.count() == 2 and meeting.attendance.count() == 4


@pytest.mark.parametrize(("fields", "words"), [
    ({"starts": "18:00", "ends": "16:00"}, "The meeting must end after it starts."),
    ({"day": "2020-01-01"}, "A meeting cannot be scheduled in the past."),
    ({"place_fa": ""}, "Give a place or an online meeting link."),
    ({"online_url": "javascript:alert(1)", "place_fa": ""}, "Enter a valid URL."),
    ({"title_fa": ""}, "This field is required."),
])
def test_bad_meeting_forms_show_the_message_and_save_nothing(client, board, fields, words):
    login(client, board.secretary)
    data = {"title_fa": "نشست", "day": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "starts": "10:00", "ends": "12:00", "place_fa": "تالار", "invite": "on"}
    data.update(fields)
    with translation.override("en"):
        response = client.post(f"/en/groups/{board.group.slug}/meetings/new/", data)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Meeting.objects.exists() and not MeetingAttendance.objects.exists()


def test_an_impossible_jalali_date_is_refused_in_persian(client, board):
    login(client, board.secretary)
    response = client.post(f"/fa/groups/{board.group.slug}/meetings/new/", {
        "title_fa": "نشست", "day": "۱۴۰۵/۱۳/۴۰", "starts": "10:00", "ends": "12:00", "place_fa": "تالار"})
    with translation.override("fa"):
        assert translation.gettext("Enter a real Jalali date like 1405/09/03.") in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_edit_form_shows_the_jalali_date_and_saves_a_new_place(client, board):
    start = timezone.now() + dt.timedelta(days=3)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    login(client, board.secretary)
    page = client.get(url(meeting, "meeting_edit"))
    local = jdatetime.date.fromgregorian(date=timezone.localtime(start).date())
    shown = persian_digits(f"{local.year}/{local.month:02d}/{local.day:02d}")
    assert shown in page.content.decode()
    form = page.context["form"].initial
    response = client.post(url(meeting, "meeting_edit"), {**{k: v for k, v in form.items() if v is not None},
                                                         "day": shown, "starts": form["starts"].strftime("%H:%M"),
                                                         "ends": form["ends"].strftime("%H:%M"),
                                                         "place_fa": "کتابخانهٔ مرکزی"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place_fa == "کتابخانهٔ مرکزی"
    assert abs(meeting.starts_at - start) < dt.timedelta(minutes=1)


def test_a_held_meeting_cannot_be_edited_and_says_why(client, board, meeting):
    login(client, board.secretary)
    response = client.get(url(meeting, "meeting_edit"), follow=True)
    with translation.override("fa"):
        message = escape(translation.gettext("Only a scheduled meeting can be changed."))
    assert response.redirect_chain and message in response.content.decode()


# --- The meeting page --------------------------------------------------------------------------------

def test_the_meeting_page_shows_agenda_attendance_with_institutions_and_decisions_in_persian(
        client, board, meeting, django_assert_max_num_queries):
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="برنامهٔ سواد رسانه‌ای")
    MeetingAttendance.objects.filter(meeting=meeting, user=board.member).update(status=AttendanceStatus.PRESENT)
    decision = services.decision_record(meeting=meeting, actor=board.secretary, text="برگزاری کارگاه‌ها",
                                        agenda_item=item)
    services.decision_record(meeting=meeting, actor=board.secretary, text="مصوبهٔ دوم")
    Document.objects.create(city=board.group.city, meeting=meeting, file=ContentFile(b"%PDF-1.4", name="a.pdf"),
                            name="گزارش شش‌ماهه.pdf", content_type="application/pdf", extension="pdf", size=8,
                            sha256="a" * 64, uploaded_by=board.secretary)
    for _ in range(10):
        person = CitizenFactory(city=board.group.city)
        GroupMemberFactory(group=board.group, user=person)
        MeetingAttendance.objects.create(meeting=meeting, user=person)
    login(client, board.secretary)
    with django_assert_max_num_queries(15):
        response = client.get(url(meeting))
    html = text_of(response)
    assert "برنامهٔ سواد رسانه‌ای" in html and "برگزاری کارگاه‌ها" in html
    assert "دانشگاه رازی" in html and "علی رستمی" in html  # who, for which institution
    year = persian_digits(decision.year)
    assert f"{year}/۱" in html and f"{year}/۲" in html
    assert f'/groups/{board.group.slug}/tasks/new/?decision={decision.pk}"' in html
    assert "/minutes/" in html and "/decisions/new/" in html
    assert "گزارش شش‌ماهه.pdf" in html


def test_a_member_sees_the_meeting_but_no_buttons_to_change_it(client, board, meeting):
    DecisionFactory(meeting=meeting, group=board.group)
    login(client, board.member)
    html = text_of(client.get(url(meeting)))
    assert "/minutes/" not in html.replace("/minutes.pdf", "") and "/decisions/new/" not in html
    assert "/tasks/new/" not in html and "/minutes/approve/" not in html


def test_approved_minutes_are_read_only_and_say_who_approved_and_when_in_jalali(client, board):
    meeting = ready_to_approve(board)
    services.minutes_approve(meeting=meeting, actor=board.chair)
    meeting.refresh_from_db()
    login(client, board.secretary)
    html = text_of(client.get(url(meeting)))
    approved = jdatetime.date.fromgregorian(date=timezone.localtime(meeting.minutes_approved_at).date(),
                                            locale="fa_IR")
    assert board.chair.name in html and persian_digits(approved.year) in html and approved.strftime("%B") in html
    assert 'data-minutes-approved' in html
    for forbidden in ("/minutes/\"", "/attendance/\"", "/decisions/new/\"", "/agenda/\"", "/minutes/approve/"):
        assert forbidden not in html
    response = client.get(url(meeting, "minutes"), follow=True)
    assert response.redirect_chain  # the form is gone; back to the read-only page


# --- Attendance, minutes, approval, decisions through the pages ---------------------------------------

def test_the_attendance_form_marks_invitees_and_a_walk_in_member(client, board, meeting):
    walk_in = CitizenFactory(city=board.group.city, name="مهمان عضو")
    GroupMemberFactory(group=board.group, user=walk_in)
    login(client, board.secretary)
    page = client.get(url(meeting, "attendance"))
    assert "مهمان عضو" in page.content.decode()
    response = client.post(url(meeting, "attendance"), {
        f"person_{board.chair.pk}": "present", f"person_{board.member.pk}": "excused",
        f"person_{walk_in.pk}": "present"})
    assert response.status_code == 302
    assert dict(meeting.attendance.values_list("user_id", "status")) == {
        board.chair.pk: "present", board.secretary.pk: "invited", board.member.pk: "excused",
        board.observer.pk: "invited", walk_in.pk: "present"}


def test_a_bad_attendance_value_is_refused_and_nothing_changes(client, board, meeting):
    login(client, board.secretary)
    response = client.post(url(meeting, "attendance"), {f"person_{board.chair.pk}": "asleep"})
    assert response.status_code == 200
    assert set(meeting.attendance.values_list("status", flat=True)) == {"invited"}


def test_the_minutes_page_works_as_a_draft_and_lists_the_agenda_beside_it(client, board, meeting):
    AgendaItem.objects.create(meeting=meeting, position=1, title="بودجهٔ سال")
    login(client, board.secretary)
    page = text_of(client.get(url(meeting, "minutes")))
    assert "بودجهٔ سال" in page and 'name="minutes"' in page and 'name="viewport"' in page
    response = client.post(url(meeting, "minutes"), {"minutes": "بند ۱: گزارش\nبند ۲: بودجه"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "بند ۱: گزارش\nبند ۲: بودجه" and meeting.minutes_status == MinutesStatus.DRAFT


def test_the_chair_approves_from_the_meeting_page(client, board):
    meeting = ready_to_approve(board)
    login(client, board.chair)
    assert "/minutes/approve/" in client.get(url(meeting)).content.decode()
    response = client.post(url(meeting) + "minutes/approve/", follow=True)
    assert response.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == MinutesStatus.APPROVED


@pytest.mark.parametrize("who", ["secretary", "secretariat", "member"])
def test_approval_by_anyone_else_is_refused_with_a_message(client, board, secretariat, who):
    meeting = ready_to_approve(board)
    login(client, secretariat if who == "secretariat" else getattr(board, who))
    with translation.override("en"):
        response = client.post(f"/en/groups/{board.group.slug}/meetings/{meeting.pk}/minutes/approve/", follow=True)
    assert "Only the chair of the working group can approve its minutes." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == MinutesStatus.DRAFT


def test_approval_by_an_outsider_is_a_404(client, board):
    meeting = ready_to_approve(board)
    login(client, board.outsider)
    assert client.post(url(meeting) + "minutes/approve/").status_code == 404


def test_recording_a_decision_gives_it_the_next_number(client, board, meeting):
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="بودجه")
    login(client, board.secretary)
    page = client.get(url(meeting, "decision_create") + f"?item={item.pk}")
    assert f'value="{item.pk}" selected' in page.content.decode()
    response = client.post(url(meeting, "decision_create"), {"text": "تصویب بودجه", "agenda_item": item.pk})
    decision = Decision.objects.get()
    assert response["Location"].endswith(f"#decision-{decision.pk}")
    assert decision.number == 1 and decision.agenda_item == item


def test_a_decision_on_approved_minutes_is_refused_on_the_page(client, board):
    meeting = ready_to_approve(board)
    services.minutes_approve(meeting=meeting, actor=board.chair)
    login(client, board.secretary)
    with translation.override("en"):
        response = client.post(f"/en/groups/{board.group.slug}/meetings/{meeting.pk}/decisions/new/",
                               {"text": "دیرهنگام"})
    assert response.status_code == 200
    assert "approved minutes cannot be changed" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_agenda_page_adds_moves_and_removes_items(client, board):
    start = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    login(client, board.secretary)
    for title in ("گزارش", "بودجه"):
        client.post(url(meeting, "agenda"), {"action": "add", "add-title": title})
    second = AgendaItem.objects.get(title="بودجه")
    client.post(url(meeting, "agenda"), {"action": "up", "item": second.pk})
    assert list(meeting.agenda_items.order_by("position").values_list("title", flat=True)) == ["بودجه", "گزارش"]
    client.post(url(meeting, "agenda"), {"action": "remove", "item": second.pk})
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["گزارش"]
    response = client.post(url(meeting, "agenda"), {"action": "up", "item": "999999"})
    assert response.status_code == 200 and 'data-refusal' in response.content.decode()


def test_an_agenda_item_is_reworded_on_its_own_page(client, board):
    start = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="گزارش")
    login(client, board.secretary)
    path = url(meeting, "agenda") + f"{item.pk}/"
    assert client.get(path).status_code == 200
    assert client.post(path, {"title": "گزارش دبیر", "notes": "شش ماه نخست"}).status_code == 302
    item.refresh_from_db()
    assert (item.title, item.notes) == ("گزارش دبیر", "شش ماه نخست")
    assert client.get(url(meeting, "agenda") + "999999/").status_code == 404
    login(client, board.member)
    assert client.get(path).status_code == 404


def test_cancelling_from_the_page_asks_for_a_reason_and_tells_the_invitees(
        client, board, django_capture_on_commit_callbacks):
    from learningcity.core.sms import MemorySmsBackend

    start = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    MeetingAttendance.objects.create(meeting=meeting, user=board.member)
    login(client, board.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(meeting, "meeting_cancel"), {"reason": "تعطیلی رسمی"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    assert [m.to for m in MemorySmsBackend.outbox] == [board.member.mobile]
    assert "تعطیلی رسمی" in MemorySmsBackend.outbox[0].body


def test_marking_held_and_inviting_from_the_page(client, board):
    start = timezone.now() - dt.timedelta(minutes=10)
    started = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    login(client, board.secretary)
    client.post(url(started) + "invite/")
    assert started.attendance.count() == 4
    client.post(url(started) + "held/")
    assert Meeting.objects.get(pk=started.pk).status == MeetingStatus.HELD
    with translation.override("en"):
        response = client.post(f"/en/groups/{board.group.slug}/meetings/{started.pk}/held/", follow=True)
    assert "already marked as held" in response.content.decode()
