"""Found in review: meetings far from today (one the database could not even store), and decisions recorded
before the meeting had started, which then also blocked cancelling it."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from learningcity.core.errors import DomainError
from learningcity.factories import MeetingFactory
from learningcity.workgroups.models import Decision, Meeting, MeetingStatus
from learningcity.workgroups.services import meetings as services

from .test_meetings_services import begin, build_board, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(city):
    return build_board(city)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _aware(*args, offset_hours: float = 3.5) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=offset_hours)))


# --- Within ten years of today --------------------------------------------------------------------------

@pytest.mark.parametrize(("starts_at", "ends_at"), [
    (_aware(9999, 12, 30, 10), _aware(9999, 12, 30, 11)),
    # 20:00 in New York on the last day of 9999 is already year 10000 in UTC: it overflowed on saving.
    (_aware(9999, 12, 31, 20, offset_hours=-5), _aware(9999, 12, 31, 21, offset_hours=-5)),
    (_aware(2200, 1, 1, 10), _aware(2200, 1, 1, 11)),
])
def test_a_meeting_far_in_the_future_is_refused_and_nothing_is_saved(board, starts_at, ends_at):
    with pytest.raises(DomainError) as refused:
        services.meeting_schedule(group=board.group, actor=board.secretary, title_fa="نشست", starts_at=starts_at,
                                  ends_at=ends_at, place_fa="کتابخانه")
    assert refused.value.field == "starts_at"
    assert "within ten years of today" in str(refused.value.message)
    assert not Meeting.objects.exists()


def test_a_meeting_cannot_be_moved_far_into_the_future(board):
    meeting = schedule(board)
    before = meeting.starts_at
    with pytest.raises(DomainError) as refused:
        services.meeting_update(meeting=meeting, actor=board.secretary, starts_at=_aware(9999, 12, 30, 10),
                                ends_at=_aware(9999, 12, 30, 11))
    assert refused.value.code == "meeting_out_of_range"
    assert Meeting.objects.get(pk=meeting.pk).starts_at == before


def test_a_meeting_nine_years_ahead_is_fine(board):
    day = timezone.localdate() + dt.timedelta(days=9 * 365)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    meeting = services.meeting_schedule(group=board.group, actor=board.secretary, title_fa="نشست", starts_at=starts,
                                        ends_at=starts + dt.timedelta(hours=1), place_fa="کتابخانه")
    assert meeting.pk


@pytest.mark.parametrize("day", ["9999-12-30", "0001-01-01"])
def test_the_meeting_form_shows_a_far_date_on_the_date_field(client, board, day):
    client.force_login(board.secretary)
    response = client.post(f"/en/groups/{board.group.slug}/meetings/new/", {
        "title_fa": "نشست", "day": day, "starts": "10:00", "ends": "11:00", "place_fa": "کتابخانه"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.get("day"), form.errors
    assert not Meeting.objects.exists()
    for url in (f"/fa/groups/{board.group.slug}/meetings/", f"/fa/groups/{board.group.slug}/"):
        assert client.get(url).status_code == 200


# --- Decisions once the meeting has started ---------------------------------------------------------------

def test_a_decision_before_the_meeting_starts_is_refused_and_the_meeting_can_still_be_cancelled(board):
    meeting = schedule(board)
    with pytest.raises(DomainError) as refused:
        services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب پیش از نشست")
    assert refused.value.code == "meeting_not_started"
    assert "has not started yet" in str(refused.value.message)
    assert not Decision.objects.exists()
    services.meeting_cancel(meeting=meeting, actor=board.secretary)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED


def test_a_decision_is_recorded_once_the_meeting_has_started(board):
    meeting = schedule(board)
    begin(meeting)
    decision = services.decision_record(meeting=meeting, actor=board.secretary, text="تصویب در نشست")
    assert decision.number == 1


def test_before_the_start_the_pages_offer_no_decision_form(client, board):
    meeting = schedule(board)
    client.force_login(board.secretary)
    page = client.get(meeting.get_absolute_url().replace("/fa/", "/en/")).content.decode()
    assert "/decisions/new/" not in page
    url = f"/en/groups/{board.group.slug}/meetings/{meeting.pk}/decisions/new/"
    form_page = client.get(url).content.decode()
    assert "data-not-started" in form_page and "data-decision-form" not in form_page
    response = client.post(url, {"text": "تصویب"})
    assert response.status_code == 200 and "has not started yet" in response.content.decode()
    assert not Decision.objects.exists()
    started = MeetingFactory(group=board.group, starts_at=timezone.now() - dt.timedelta(minutes=10))
    assert "/decisions/new/" in client.get(started.get_absolute_url()).content.decode()
