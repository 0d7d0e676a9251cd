"""The /programmes page: filters kept in the URL with counts, sort orders, pages, the map and the calendar."""

import datetime as dt
import re
from html import unescape

import pytest
from django.utils import timezone

from learningcity.catalogue.models import Format, OfferingStatus, Session, TeachingLanguage
from learningcity.factories import LearningDomainFactory

from .test_search_support import EVERYWHERE, district, jalali, listed, make_offering, make_programme, markers, today

pytestmark = pytest.mark.django_db


def facet_count(response, facet: str) -> int:
    """The count shown next to a radio or checkbox option (`data-facet="format:online"`)."""
    html = response.content.decode()
    found = re.search(rf'data-facet="{re.escape(facet)}".*?data-count="(\d+)"', html, re.S)
    return int(found.group(1))


def option_count(response, select: str, value) -> int:
    html = response.content.decode()
    block = re.search(rf'<select[^>]*name="{select}".*?</select>', html, re.S).group(0)
    return int(re.search(rf'<option value="{re.escape(str(value))}" data-count="(\d+)"', block).group(1))


# --- filters and their counts ---------------------------------------------------------------------------

# With a query PostgreSQL counts from the matching ids it read once; without one, in SQL: both must agree.
WITH_AND_WITHOUT_QUERY = pytest.mark.parametrize("q", ["", EVERYWHERE])

def test_each_option_counts_the_matches_with_every_other_filter_applied(client, city):
    make_programme(city, "کارگاه عکاسی", format=Format.ONLINE, fee_rials=0)
    make_programme(city, "کارگاه نقاشی", format=Format.ONLINE, fee_rials=500_000)
    make_programme(city, "کارگاه خوشنویسی", format=Format.IN_PERSON, fee_rials=0,
                   language=TeachingLanguage.KURDISH)
    make_programme(city, "کلاس شنا", format=Format.ONLINE, fee_rials=0)

    response = client.get("/en/programmes/", {"q": "کارگاه", "format": Format.ONLINE, "free": "1"})
    assert len(listed(response)) == 1
    assert facet_count(response, "format:online") == 1  # free workshops online
    assert facet_count(response, "format:in_person") == 1  # free workshops in person, were it chosen
    assert facet_count(response, "free") == 1  # online workshops that are free
    assert option_count(response, "language", TeachingLanguage.KURDISH) == 0  # none online and free
    assert option_count(response, "language", TeachingLanguage.PERSIAN) == 1
    everything = client.get("/en/programmes/", {"q": "کارگاه"})
    assert facet_count(everything, "free") == 2 and facet_count(everything, "format:online") == 2


@WITH_AND_WITHOUT_QUERY
def test_a_domain_includes_its_sub_domains(client, city, q):
    arts = LearningDomainFactory(city=city, slug="arts", name_en="Arts", position=1)
    music = LearningDomainFactory(city=city, slug="music", parent=arts, name_en="Music")
    folk = LearningDomainFactory(city=city, slug="folk-music", parent=music, name_en="Folk music")
    health = LearningDomainFactory(city=city, slug="health", name_en="Health", position=2)
    painting = make_programme(city, "نقاشی آبرنگ", domains=[arts])
    tanbur = make_programme(city, "آموزش تنبور", domains=[folk])
    both = make_programme(city, "موسیقی درمانی", domains=[music, health])
    make_programme(city, "تغذیه سالم", domains=[health])

    response = client.get("/en/programmes/", {"q": q, "domain": "arts"})
    assert set(listed(response)) == {painting.pk, tanbur.pk, both.pk}
    assert option_count(response, "domain", "arts") == 3
    assert option_count(response, "domain", "music") == 2
    assert option_count(response, "domain", "folk-music") == 1
    assert option_count(response, "domain", "health") == 2  # counts ignore the domain filter itself
    assert set(listed(client.get("/en/programmes/", {"q": q, "domain": "music"}))) == {tanbur.pk, both.pk}


@WITH_AND_WITHOUT_QUERY
def test_life_stage_filter_with_counts(client, city, q):
    kids = make_programme(city, "قصه\u200cگویی", life_stages=["children"])
    make_programme(city, "ورزش صبحگاهی", life_stages=["seniors", "adults"])
    make_programme(city, "یوگا", life_stages=["adults"])
    response = client.get("/en/programmes/", {"q": q, "life_stage": "children"})
    assert listed(response) == [kids.pk]
    assert facet_count(response, "life_stage:adults") == 2
    assert facet_count(response, "life_stage:teenagers") == 0
    unknown = client.get("/en/programmes/", {"q": q, "life_stage": "aliens"})
    assert "There is no such life stage" in unknown.content.decode()


@WITH_AND_WITHOUT_QUERY
def test_the_district_filter_looks_at_upcoming_offerings_venues(client, city, q):
    one, five = district(city, 1), district(city, 5)
    near = make_programme(city, "کارگاه سفال")
    make_offering(near, place=five)
    moved = make_programme(city, "کارگاه چرم")
    make_offering(moved, place=five, days=-30)  # over: it ran in district 5
    make_offering(moved, place=one)
    cancelled = make_programme(city, "کارگاه چوب")
    make_offering(cancelled, place=five, status=OfferingStatus.CANCELLED)

    response = client.get("/en/programmes/", {"q": q, "district": 5})
    assert listed(response) == [near.pk]
    assert option_count(response, "district", 1) == 1
    assert option_count(response, "district", 5) == 1
    assert "no district with this number" in client.get("/en/programmes/", {"q": q, "district": 42}).content.decode()


@pytest.mark.parametrize("digits", ["latin", "persian", "arabic"])
@WITH_AND_WITHOUT_QUERY
def test_start_dates_are_chosen_in_jalali_in_any_digits(client, city, digits, q):
    soon = make_programme(city, "دوره زودهنگام")
    make_offering(soon, days=10)
    later = make_programme(city, "دوره دیرتر")
    make_offering(later, days=40)
    middle = jalali(today() + dt.timedelta(days=20), digits)

    assert listed(client.get("/fa/programmes/", {"q": q, "starts_after": middle})) == [later.pk]
    assert listed(client.get("/fa/programmes/", {"q": q, "starts_before": middle})) == [soon.pk]
    exact = jalali(today() + dt.timedelta(days=10), digits)
    assert listed(client.get("/fa/programmes/", {"q": q, "starts_after": exact, "starts_before": exact})) == [soon.pk]


def test_english_pages_accept_gregorian_dates_and_bad_dates_are_reported_not_applied(client, city):
    soon = make_programme(city, "دوره زودهنگام")
    make_offering(soon, days=10)
    later = make_programme(city, "دوره دیرتر")
    make_offering(later, days=40)
    iso = (today() + dt.timedelta(days=20)).isoformat()
    assert listed(client.get("/en/programmes/", {"starts_after": iso})) == [later.pk]
    response = client.get("/fa/programmes/", {"starts_after": "1404/12/30"})  # not a leap year
    assert response.status_code == 200
    assert set(listed(response)) == {soon.pk, later.pk}
    assert "1405/09/01" in response.content.decode()  # the message shows how to write a date
    reversed_range = client.get("/en/programmes/", {"starts_after": iso, "starts_before": today().isoformat()})
    assert "before the first one" in reversed_range.content.decode()


@WITH_AND_WITHOUT_QUERY
def test_seats_left_means_an_upcoming_scheduled_offering_with_a_free_seat(client, city, q):
    open_seat = make_programme(city, "دوره با جای خالی")
    make_offering(open_seat, capacity=10, confirmed=9)
    full = make_programme(city, "دوره پر")
    make_offering(full, capacity=10, confirmed=8, offered=2, waiting=4)
    cancelled = make_programme(city, "دوره لغو شده")
    make_offering(cancelled, capacity=10, status=OfferingStatus.CANCELLED)
    started = make_programme(city, "دوره شروع شده")
    make_offering(started, capacity=10, days=-1)

    response = client.get("/en/programmes/", {"q": q, "has_seats": "1"})
    assert listed(response) == [open_seat.pk]
    assert facet_count(client.get("/en/programmes/", {"q": q}), "has_seats") == 1


# --- sort orders ----------------------------------------------------------------------------------------

def test_soonest_puts_the_next_start_first_and_programmes_without_dates_last(client, city):
    later = make_programme(city, "دوره یک")
    make_offering(later, days=30)
    undated = make_programme(city, "دوره دو")
    soon = make_programme(city, "دوره سه")
    make_offering(soon, days=3)
    make_offering(soon, days=60)
    assert listed(client.get("/en/programmes/", {"sort": "soonest"})) == [soon.pk, later.pk, undated.pk]
    assert listed(client.get("/en/programmes/")) == [soon.pk, later.pk, undated.pk]  # the default without a query


def test_nearest_orders_by_distance_from_the_chosen_districts_centre(client, city):
    west, middle, east = district(city, 1, lon=47.00), district(city, 2, lon=47.10), district(city, 3, lon=47.20)
    far = make_programme(city, "کارگاه دور")
    make_offering(far, place=east, latitude="34.310000", longitude="47.200000")
    close = make_programme(city, "کارگاه نزدیک")
    make_offering(close, place=west, latitude="34.310000", longitude="47.001000")
    # No coordinates: measured from its district's centre instead.
    centre = make_programme(city, "کارگاه میانه")
    make_offering(centre, place=middle, latitude=None, longitude=None)
    online = make_programme(city, "کارگاه برخط", format=Format.ONLINE)

    response = client.get("/en/programmes/", {"sort": "nearest", "near": 1})
    assert listed(response) == [close.pk, centre.pk, far.pk, online.pk]
    assert listed(client.get("/en/programmes/", {"sort": "nearest", "near": 3})) == [far.pk, centre.pk, close.pk,
                                                                                      online.pk]
    # Without a district to measure from, the page explains and keeps the soonest order.
    assert "choose a district" in client.get("/en/programmes/", {"sort": "nearest"}).content.decode()


def test_newest_puts_the_latest_published_first(client, city):
    old = make_programme(city, "قدیمی", published_at=timezone.now() - dt.timedelta(days=30))
    new = make_programme(city, "تازه", published_at=timezone.now())
    assert listed(client.get("/en/programmes/", {"sort": "newest"})) == [new.pk, old.pk]


# --- pages, htmx, map -----------------------------------------------------------------------------------

def test_pages_of_20_keep_the_search_and_filters_in_their_links(client, city):
    for n in range(25):
        make_programme(city, f"کارگاه آنلاین {n:02d}", format=Format.ONLINE)
    make_programme(city, "کارگاه حضوری", format=Format.IN_PERSON)
    first = client.get("/en/programmes/", {"q": "کارگاه", "format": "online"})
    assert len(listed(first)) == 20
    assert "25 learning opportunities found" in first.content.decode()
    link = unescape(re.search(r'href="(\?[^"]*page=2[^"]*)"', first.content.decode()).group(1))
    assert link.startswith("?q=") and "format=online" in link
    second = client.get(f"/en/programmes/{link}")
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))


def test_htmx_requests_get_the_page_with_results_to_swap(client, city):
    make_offering(make_programme(city, "کارگاه عکاسی"), place=district(city, 1))
    response = client.get("/fa/programmes/", {"q": "عکاسی"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="programme-results"' in html and 'id="programme-facets"' in html and 'id="results-count"' in html
    assert "core/maps.js" in html[html.index('id="programme-results"'):]  # the swapped map draws itself


def test_the_map_shows_where_the_offerings_found_meet_and_tiles_only_when_configured(client, city, settings):
    programme = make_programme(city, "کارگاه عکاسی", title_en="Photography")
    offering = make_offering(programme, place=district(city, 1), latitude="34.330000", longitude="47.080000")
    make_offering(programme, venue=offering.venue, days=30)  # the same place twice is one marker
    make_offering(make_programme(city, "باغبانی"), latitude="34.300000", longitude="47.000000")
    response = client.get("/en/programmes/", {"q": "عکاسی"})
    assert [(m["lat"], m["lon"]) for m in markers(response)] == [(34.33, 47.08)]
    assert markers(response)[0]["label"] == offering.venue.name_en
    assert "data-tiles" not in response.content.decode()
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in client.get(
        "/en/programmes/", {"q": "عکاسی"}).content.decode()


def test_cards_show_provider_fee_hours_next_date_district_and_seats(client, city):
    programme = make_programme(city, "کارگاه عکاسی", fee_rials=1_250_000)
    offering = make_offering(programme, place=district(city, 4, name_fa="منطقه چهار"), capacity=12, confirmed=5)
    html = client.get("/fa/programmes/").content.decode()
    assert programme.institution.name_fa in html
    assert "۱٬۲۵۰٬۰۰۰" in html
    assert "۱۲" in html  # hours
    assert jalali(offering.starts_on, "persian").split("/")[0] in html  # the Jalali year of the next start
    assert "منطقه چهار" in html and "۷" in html  # seats left


def test_life_stage_entry_points_link_to_filtered_searches(client, city):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("fa"):
        html = render_to_string("catalogue/_life_stages.html")
    for code in ("children", "teenagers", "youth", "adults", "seniors"):
        assert f'href="/fa/programmes/?life_stage={code}"' in html
    kids = make_programme(city, "قصه\u200cگویی", life_stages=["children"])
    assert listed(client.get("/fa/programmes/?life_stage=children")) == [kids.pk]


# --- the month calendar ---------------------------------------------------------------------------------

def _session_at(programme, local: dt.datetime):
    offering = make_offering(programme, sessions=0)
    start = timezone.make_aware(local)
    return Session.objects.create(offering=offering, starts_at=start, ends_at=start + dt.timedelta(hours=2))


def _day_cell(html: str, day: dt.date) -> str:
    return re.search(rf'data-day="{day.isoformat()}".*?</td>', html, re.S).group(0)


def test_the_calendar_puts_a_session_on_its_jalali_day_saturday_first(client, city):
    programme = make_programme(city, "کارگاه عکاسی")
    # 1 Azar 1405 is Sunday 22 November 2026; 00:30 on 23 November in Tehran is still 22 November in UTC.
    evening = _session_at(programme, dt.datetime(2026, 11, 22, 17, 0))
    after_midnight = _session_at(programme, dt.datetime(2026, 11, 23, 0, 30))
    html = client.get("/fa/programmes/calendar/", {"month": "۱۴۰۵-۰۹"}).content.decode()
    assert "آذر ۱۴۰۵" in html
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)
    assert headers[0] == "شنبه" and len(headers) == 7
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S).group(1)
    assert first_row.count('aria-hidden="true"></td>') == 1  # Saturday is empty: the month starts on Sunday
    assert f'data-session="{evening.pk}"' in _day_cell(html, dt.date(2026, 11, 22))
    assert f'data-session="{after_midnight.pk}"' in _day_cell(html, dt.date(2026, 11, 23))
    assert "۱۷:۰۰" in _day_cell(html, dt.date(2026, 11, 22))
    assert f'data-session="{evening.pk}"' in client.get("/fa/programmes/calendar/?month=1405-9").content.decode()


def test_the_english_calendar_shows_gregorian_months(client, city):
    programme = make_programme(city, "کارگاه عکاسی", title_en="Photography")
    session = _session_at(programme, dt.datetime(2026, 11, 22, 17, 0))
    html = client.get("/en/programmes/calendar/", {"month": "2026-11"}).content.decode()
    assert "November 2026" in html
    assert f'data-session="{session.pk}"' in _day_cell(html, dt.date(2026, 11, 22))
    assert "Photography" in html
    # A Jalali month carried over from the Persian page lands on the Gregorian month around it.
    assert "November 2026" in client.get("/en/programmes/calendar/", {"month": "1405-09"}).content.decode()


def test_the_calendar_leaves_out_cancelled_unpublished_and_other_cities_sessions(client, city, other_city):
    shown = _session_at(make_programme(city, "کارگاه عکاسی"), dt.datetime(2026, 11, 24, 10, 0))
    cancelled_offering = make_offering(make_programme(city, "کارگاه لغو"), status=OfferingStatus.CANCELLED,
                                       sessions=0)
    cancelled = Session.objects.create(offering=cancelled_offering, starts_at=shown.starts_at,
                                       ends_at=shown.ends_at)
    draft = _session_at(make_programme(city, "پیش\u200cنویس", status="draft"), dt.datetime(2026, 11, 24, 10, 0))
    elsewhere = _session_at(make_programme(other_city, "همدان"), dt.datetime(2026, 11, 24, 10, 0))
    html = client.get("/fa/programmes/calendar/", {"month": "1405-09"}).content.decode()
    assert f'data-session="{shown.pk}"' in html
    for hidden in (cancelled, draft, elsewhere):
        assert f'data-session="{hidden.pk}"' not in html
    filtered = client.get("/fa/programmes/calendar/", {"month": "1405-09", "q": "لغو"}).content.decode()
    assert f'data-session="{shown.pk}"' not in filtered


def test_a_month_that_is_not_understood_shows_this_month_never_a_500(client, city):
    for month in ("1405-13", "abc", "99999-01", "۱۴۰۵/۱۲"):
        response = client.get("/fa/programmes/calendar/", {"month": month})
        assert response.status_code == 200
    assert "not understood" in client.get("/en/programmes/calendar/", {"month": "abc"}).content.decode()


def test_calendar_queries_stay_few(client, city, django_assert_max_num_queries):
    programme = make_programme(city, "کارگاه عکاسی")
    for day in range(1, 20):
        _session_at(programme, dt.datetime(2026, 11, day, 10, 0))
    client.get("/fa/programmes/")
    with django_assert_max_num_queries(6):
        client.get("/fa/programmes/calendar/", {"month": "2026-11", "q": "عکاسی"})
