"""The public programme page and its iCalendar files."""

import datetime as dt
import re
from decimal import Decimal

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learningcity.catalogue.models import (
    Audience,
    Format,
    KeyFeatureArea,
    Level,
    OfferingStatus,
    Programme,
    ProgrammeStatus,
    Sdg4Target,
    Session,
)
from learningcity.factories import LearningDomainFactory, VenueFactory

from .test_search_support import district, make_offering, make_programme, markers

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(city):
    programme = make_programme(
        city, "سواد رسانه\u200cای برای والدین", title_en="Media literacy for parents",
        description_fa="خبر، شایعه و راستی\u200cآزمایی", description_en="News, rumours and fact-checking",
        outcomes_fa="تشخیص خبر جعلی\nجست\u200cوجوی منبع\n\n", outcomes_en="Spot fake news\nFind the source",
        prerequisites_en="Basic phone use", accessibility_en="Step-free access and a hearing loop",
        level=Level.INTRODUCTORY, format=Format.HYBRID, fee_rials=2_500_000, hours=Decimal("12.5"),
        key_features=[KeyFeatureArea.CULTURE_OF_LEARNING], sdg_targets=[Sdg4Target.T4_6],
        domains=[LearningDomainFactory(city=city, slug="media", name_fa="رسانه", name_en="Media")],
    )
    programme.life_stages.set(Audience.objects.filter(code="adults"))
    programme.target_groups.set(Audience.objects.filter(code="families"))
    return programme


def page(client, programme, lang="en", **extra):
    return client.get(f"/{lang}/programmes/{programme.pk}/", **extra)


def test_the_page_tells_what_who_where_and_how_much(client, programme):
    html = page(client, programme).content.decode()
    assert "Media literacy for parents" in html
    assert f'href="/en/partners/{programme.institution.slug}/"' in html and programme.institution.name_en in html
    assert "Media" in html and "Adults" in html and "Families" in html
    assert "Introductory" in html and "Persian" in html and "Hybrid" in html
    assert "2,500,000 rials" in html and "12.5" in html
    assert "<li>Spot fake news</li>" in html and "<li>Find the source</li>" in html
    assert "Basic phone use" in html and "hearing loop" in html
    assert str(KeyFeatureArea.CULTURE_OF_LEARNING.label) in html and str(Sdg4Target.T4_6.label) in html


def test_the_persian_page_shows_persian_text_digits_and_outcomes(client, programme):
    html = page(client, programme, "fa").content.decode()
    assert "سواد رسانه\u200cای برای والدین" in html
    assert "۲٬۵۰۰٬۰۰۰" in html
    assert "<li>تشخیص خبر جعلی</li>" in html and "<li>جست\u200cوجوی منبع</li>" in html
    assert html.count("<li>") >= 2 and "<li></li>" not in html


def test_free_programmes_say_free(client, city):
    free = make_programme(city, "کلاس رایگان", fee_rials=0)
    assert "Free" in page(client, free).content.decode()


def test_each_upcoming_offering_lists_its_sessions_in_jalali_with_place_seats_and_waitlist(client, programme):
    place = district(programme.city, 3, name_fa="منطقه سه", name_en="District three")
    venue = VenueFactory(city=programme.city, district=place, name_fa="فرهنگسرای امید", name_en="Omid centre")
    offering = make_offering(programme, venue=venue, capacity=20, confirmed=12, offered=2, waiting=5)
    sessions = list(offering.sessions.order_by("starts_at"))
    html = page(client, programme, "fa").content.decode()
    block = re.search(rf'id="offering-{offering.pk}".*?</section>', html, re.S).group(0)
    assert "فرهنگسرای امید" in block and "منطقه سه" in block
    assert 'data-seats-left="6"' in block and "۶" in block and "۲۰" in block
    assert 'data-waitlist="5"' in block
    first = timezone.localtime(sessions[0].starts_at)
    from learningcity.core.jalali import format_date

    assert format_date(first, "full", "fa") in block  # weekday, day, Persian month name, year
    assert "۱۷:۰۰" in block  # the time in Persian digits
    assert block.count("data-session=") == 3
    assert f'href="/fa/programmes/{programme.pk}/offerings/{offering.pk}/sessions.ics"' in block
    english = page(client, programme).content.decode()
    assert first.strftime("%B") in english and "6 of 20" in english and "5 people waiting" in english
    assert [(m["lat"], m["lon"]) for m in markers(page(client, programme))] == [(34.32, 47.07)]


def test_each_open_offering_embeds_its_enrolment_panel_with_a_link_for_browsers_without_javascript(
        client, programme):
    from django.urls import NoReverseMatch, reverse

    offering = make_offering(programme)
    html = page(client, programme).content.decode()
    try:
        panel = reverse("enrolment:panel", args=[offering.pk])
    except NoReverseMatch:
        pytest.skip("the enrolment app has no panel yet")
    assert f'hx-get="{panel}" hx-trigger="load" hx-swap="outerHTML"' in html
    assert f'<a class="btn btn-primary" href="{panel}">' in html


def test_cancelled_offerings_are_shown_as_cancelled_and_take_no_enrolments(client, programme):
    offering = make_offering(programme, status=OfferingStatus.CANCELLED, cancel_reason="The teacher is ill.")
    html = page(client, programme).content.decode()
    block = re.search(rf'id="offering-{offering.pk}".*?</section>', html, re.S).group(0)
    assert "data-cancelled" in block and "The teacher is ill." in block
    assert "data-enrolment-panel" not in block and "data-seats-left" not in block


def test_finished_and_past_offerings_are_not_listed(client, programme):
    past = make_offering(programme, days=-40, sessions=2)
    finished = make_offering(programme, days=3, status=OfferingStatus.FINISHED)
    upcoming = make_offering(programme, days=9)
    html = page(client, programme).content.decode()
    assert f'data-offering="{upcoming.pk}"' in html
    assert f'data-offering="{past.pk}"' not in html and f'data-offering="{finished.pk}"' not in html


def test_html_typed_into_a_title_is_shown_as_text(client, city):
    programme = make_programme(city, "<script>alert('x')</script> کارگاه", title_en="<b>Bold</b> workshop")
    html = page(client, programme).content.decode()
    assert "<script>alert(" not in html and "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; workshop" in html
    fa = page(client, programme, "fa").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; کارگاه" in fa


@pytest.mark.parametrize("count, shown", [(0, False), (4, False), (5, True), (12, True)])
def test_the_rating_shows_only_from_five_ratings(client, programme, count, shown):
    Programme.objects.filter(pk=programme.pk).update(rating_count=count, rating_sum=round(count * 4.4))
    html = page(client, programme).content.decode()
    rating = re.search(r"data-rating>(.*?)</dd>", html, re.S).group(1)
    if shown:
        assert f"out of 5 ({count} ratings)" in rating and "4.4" in rating
    else:
        assert "Not enough ratings yet" in rating and "out of 5" not in rating


def test_the_share_box_has_the_plain_address_and_a_copy_button(client, programme):
    html = page(client, programme).content.decode()
    assert f'value="http://testserver/en/programmes/{programme.pk}/"' in html
    assert "data-copy=" in html and "Copy link" in html
    assert "facebook" not in html.lower() and "twitter" not in html.lower()


@pytest.mark.parametrize("status", [ProgrammeStatus.DRAFT, ProgrammeStatus.SUBMITTED, ProgrammeStatus.RETURNED,
                                    ProgrammeStatus.ARCHIVED])
def test_unpublished_programmes_are_not_found(client, city, status):
    programme = make_programme(city, "پیش\u200cنویس", status=status)
    offering = make_offering(programme)
    assert page(client, programme).status_code == 404
    assert client.get(f"/en/programmes/{programme.pk}/offerings/{offering.pk}/sessions.ics").status_code == 404


def test_another_citys_programme_is_not_found_here_but_is_on_its_own_host(client, city, other_city):
    theirs = make_programme(other_city, "برنامه همدان")
    ours = make_programme(city, "برنامه کرمانشاه")
    assert page(client, theirs).status_code == 404
    assert page(client, theirs, HTTP_HOST="hamedan.example.org").status_code == 200
    assert page(client, ours, HTTP_HOST="hamedan.example.org").status_code == 404
    assert client.get("/en/programmes/999999/").status_code == 404


# --- iCalendar ------------------------------------------------------------------------------------------

def test_the_ics_file_has_one_event_per_session_in_utc_with_place_and_link(client, programme):
    place = district(programme.city, 2, name_en="District two")
    offering = make_offering(programme, sessions=4, venue=VenueFactory(
        city=programme.city, district=place, name_en="Omid centre", address_en="12 Azadi St"))
    response = client.get(f"/en/programmes/{programme.pk}/offerings/{offering.pk}/sessions.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [component for component in calendar.walk() if component.name == "VEVENT"]
    sessions = list(offering.sessions.order_by("starts_at"))
    assert len(events) == len(sessions) == 4
    for event, session in zip(events, sessions, strict=True):
        start = event.decoded("dtstart")
        assert start == session.starts_at and start.utcoffset() == dt.timedelta(0)
        assert event.decoded("dtend") == session.ends_at
        assert str(event["summary"]) == "Media literacy for parents"
        assert "Omid centre" in str(event["location"]) and "District two" in str(event["location"])
        assert str(event["url"]) == f"http://testserver/en/programmes/{programme.pk}/"
    assert len({str(event["uid"]) for event in events}) == 4


def test_a_cancelled_offerings_events_are_marked_cancelled(client, programme):
    offering = make_offering(programme, status=OfferingStatus.CANCELLED, sessions=2)
    response = client.get(f"/en/programmes/{programme.pk}/offerings/{offering.pk}/sessions.ics")
    events = [c for c in icalendar.Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]
    assert [str(event["status"]) for event in events] == ["CANCELLED", "CANCELLED"]


def test_an_offering_of_another_programme_has_no_ics_here(client, city, programme):
    other = make_programme(city, "برنامه دیگر")
    offering = make_offering(other)
    assert client.get(f"/en/programmes/{programme.pk}/offerings/{offering.pk}/sessions.ics").status_code == 404


# --- query counts ---------------------------------------------------------------------------------------

def _queries(client, programme) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert page(client, programme, "fa").status_code == 200
    return len(queries)


def test_the_page_makes_the_same_few_queries_for_one_or_six_offerings(client, programme, citizen,
                                                                     django_assert_max_num_queries):
    place = district(programme.city, 1)
    make_offering(programme, place=place)
    client.get("/fa/programmes/")
    with django_assert_max_num_queries(15):
        one = _queries(client, programme)
    for n in range(5):
        offering = make_offering(programme, place=place, days=10 + n, sessions=6)
        Session.objects.filter(offering=offering).update(venue=VenueFactory(city=programme.city, district=place))
    with django_assert_max_num_queries(15):
        six = _queries(client, programme)
    assert one == six
    client.force_login(citizen)
    with django_assert_max_num_queries(15):
        _queries(client, programme)
