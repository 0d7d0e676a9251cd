"""A meeting's calendar file (.ics) and its minutes as a Persian PDF (shaped, RTL, Jalali dates, Persian digits,
marked as a draft until the chair approves)."""

import builtins
import datetime as dt
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import icalendar
import jdatetime
import pytest
from django.utils import timezone, translation

from conftest import PASSWORD
from learningcity.core.text import persian_digits
from learningcity.factories import MeetingFactory
from learningcity.workgroups.models import AgendaItem, MeetingAttendance, MeetingStatus
from learningcity.workgroups.services import meetings as services

from .test_meetings_services import build_board, ready_to_approve

pytestmark = pytest.mark.django_db

BIDI_CONTROLS = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def board(city):
    return build_board(city)


def login(client, user):
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    return client


def plain(text: str) -> str:
    # pdftotext may put the hamza above (U+0654) before the letter that carries it: compare without it.
    return " ".join(BIDI_CONTROLS.sub("", text).replace("\u0654", "").split())


def pdf_text(data: bytes) -> str:
    """The PDF's text in logical order, without direction marks or ZWNJs, spaces collapsed."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return plain(text)


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is missing")


# --- .ics -----------------------------------------------------------------------------------------

def _calendar(response) -> icalendar.Event:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    return event


def test_the_ics_has_the_meeting_in_utc_with_its_place_and_a_stable_uid(client, board):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                             title_fa="نشست برنامه‌ریزی", place_fa="تالار شهرداری")
    AgendaItem.objects.create(meeting=meeting, position=1, title="گزارش دبیر")
    login(client, board.member)
    path = f"/fa/groups/{board.group.slug}/meetings/{meeting.pk}/invite.ics"
    first = _calendar(client.get(path))
    assert first["DTSTART"].dt == start and first["DTSTART"].dt.utcoffset() == dt.timedelta(0)
    assert first["DTEND"].dt == start + dt.timedelta(hours=2)
    assert "نشست برنامه‌ریزی" in str(first["SUMMARY"]) and board.group.name_fa in str(first["SUMMARY"])
    assert str(first["LOCATION"]) == "تالار شهرداری"
    assert "گزارش دبیر" in str(first["DESCRIPTION"])
    assert str(first["URL"]).endswith(f"/groups/{board.group.slug}/meetings/{meeting.pk}/")
    assert str(first["STATUS"]) == "CONFIRMED"
    services.meeting_update(meeting=meeting, actor=board.secretary, place_fa="کتابخانهٔ مرکزی")
    second = _calendar(client.get(path))
    assert str(second["UID"]) == str(first["UID"]) == f"workgroup-meeting-{meeting.pk}@testserver"
    assert str(second["LOCATION"]) == "کتابخانهٔ مرکزی"


def test_an_online_meeting_gives_its_link_as_location_and_url(client, board):
    meeting = MeetingFactory(group=board.group, place_fa="", online_url="https://meet.example.org/room")
    login(client, board.member)
    event = _calendar(client.get(f"/fa/groups/{board.group.slug}/meetings/{meeting.pk}/invite.ics"))
    assert str(event["LOCATION"]) == "https://meet.example.org/room"
    assert str(event["URL"]) == "https://meet.example.org/room"


def test_a_cancelled_meeting_is_cancelled_in_the_calendar_too(client, board):
    meeting = MeetingFactory(group=board.group, status=MeetingStatus.CANCELLED)
    login(client, board.member)
    event = _calendar(client.get(f"/fa/groups/{board.group.slug}/meetings/{meeting.pk}/invite.ics"))
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_invitation_links_to_the_ics_a_member_can_download(client, board, django_capture_on_commit_callbacks):
    from learningcity.core.sms import MemorySmsBackend

    start = timezone.now() + dt.timedelta(days=3)
    meeting = MeetingFactory(group=board.group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite(meeting=meeting, actor=board.secretary, users=[board.member])
    link = re.search(r"https?://\S+\.ics", MemorySmsBackend.outbox[0].body).group(0)
    login(client, board.member)
    assert _calendar(client.get(urlsplit(link).path))["UID"]


# --- PDF -------------------------------------------------------------------------------------------

@pytest.fixture
def minutes_meeting(board):
    meeting = ready_to_approve(board)
    meeting.title_fa = "نشست سوم کارگروه سواد رسانه‌ای"
    meeting.place_fa = "سالن شهرداری کرمانشاه"
    meeting.minutes = "دبیر کارگروه گزارش شش‌ماهه را ارائه کرد.\nاعضا درباره بودجهٔ سال گفتگو کردند."
    meeting.save()
    MeetingAttendance.objects.filter(meeting=meeting, user=board.observer).update(status="excused")
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="گزارش دبیر کارگروه")
    services.decision_record(meeting=meeting, actor=board.secretary, agenda_item=item,
                             text="برگزاری دوازده کارگاه سواد رسانه‌ای در مناطق شهر")
    services.decision_record(meeting=meeting, actor=board.secretary, text="درخواست معرفی دو مدرس از دانشگاه رازی")
    return meeting


def _pdf(client, meeting, lang="fa"):
    response = client.get(f"/{lang}/groups/{meeting.group.slug}/meetings/{meeting.pk}/minutes.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    return response.content


@needs_pdftotext
def test_the_minutes_pdf_is_persian_with_jalali_dates_attendance_agenda_and_numbered_decisions(
        client, board, minutes_meeting):
    login(client, board.member)
    text = pdf_text(_pdf(client, minutes_meeting))
    for words in ("کرمانشاه", board.group.name_fa, "نشست سوم کارگروه سواد رسانه‌ای", "سالن شهرداری کرمانشاه",
                  "مهدی کرمی", "دانشگاه رازی", "سمیرا نادری", "گزارش دبیر کارگروه",
                  "دبیر کارگروه گزارش شش‌ماهه را ارائه کرد.", "برگزاری دوازده کارگاه سواد رسانه‌ای در مناطق شهر",
                  "درخواست معرفی دو مدرس از دانشگاه رازی"):
        assert plain(words) in text, words
    day = jdatetime.date.fromgregorian(date=timezone.localtime(minutes_meeting.starts_at).date(), locale="fa_IR")
    assert persian_digits(day.year) in text and day.strftime("%B") in text
    year = persian_digits(minutes_meeting.decisions.first().year)
    assert f"{year}/۱" in text and f"{year}/۲" in text
    with translation.override("fa"):
        assert plain(translation.gettext("Draft – not approved yet")) in text
        assert plain(translation.gettext("Present")) in text and plain(translation.gettext("Excused")) in text


@needs_pdftotext
def test_approved_minutes_are_no_longer_marked_draft_and_name_the_approver(client, board, minutes_meeting):
    services.minutes_approve(meeting=minutes_meeting, actor=board.chair)
    login(client, board.secretary)
    text = pdf_text(_pdf(client, minutes_meeting))
    with translation.override("fa"):
        assert plain(translation.gettext("Draft – not approved yet")) not in text
        assert plain(translation.gettext("DRAFT")) not in text
        assert plain(translation.gettext("Approved minutes")) in text
    assert "مهدی کرمی" in text


@needs_pdftotext
def test_the_english_site_gives_english_minutes_with_gregorian_dates(client, board, minutes_meeting):
    login(client, board.member)
    text = pdf_text(_pdf(client, minutes_meeting, lang="en"))
    local = timezone.localtime(minutes_meeting.starts_at)
    assert "Minutes" in text and local.strftime("%B") in text and str(local.year) in text
    assert f"Decision {minutes_meeting.decisions.first().year}/1" in text


def test_where_pdfs_cannot_be_made_a_clear_page_says_what_to_install(client, board, minutes_meeting, monkeypatch):
    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    login(client, board.member)
    response = client.get(f"/fa/groups/{board.group.slug}/meetings/{minutes_meeting.pk}/minutes.pdf")
    assert response.status_code == 503
    assert "libpango-1.0-0" in response.content.decode()
