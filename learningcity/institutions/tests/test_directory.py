"""The public partner directory and profiles: search in every spelling, filters, facets, pages, maps."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.factories import DistrictFactory, InstitutionFactory
from learningcity.institutions.models import Accreditation, InstitutionContact, InstitutionType
from learningcity.institutions.services import institution_create

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    """The slugs of the partners on the page, in order."""
    return re.findall(r'data-partner="([^"]+)"', response.content.decode())


def markers(response) -> list[dict]:
    found = re.search(r'data-markers="([^"]*)"', response.content.decode())
    return json.loads(unescape(found.group(1))) if found else []


# --- search: every spelling a reader might type -------------------------------------------------

def test_persian_and_arabic_letters_find_the_same_library(client, city, secretariat):
    persian = institution_create(city=city, actor=secretariat, type=InstitutionType.LIBRARY_CULTURAL_CENTRE,
                                 name_fa="کتابخانه مرکزی", name_en="Central library", slug="central-library")
    arabic = institution_create(city=city, actor=secretariat, type=InstitutionType.LIBRARY_CULTURAL_CENTRE,
                                name_fa="كتابخانه عمومي", name_en="Public library", slug="public-library")
    InstitutionFactory(city=city, name_fa="دانشگاه رازی", slug="razi")
    for query in ("کتابخانه", "كتابخانه", "کتابخانه"):  # Persian kaf, Arabic kaf, Arabic kaf and yeh
        assert set(listed(client.get("/fa/partners/", {"q": query}))) == {persian.slug, arabic.slug}
    assert listed(client.get("/fa/partners/", {"q": "عمومی"})) == [arabic.slug]  # Persian yeh finds Arabic yeh


@pytest.mark.parametrize("query", ["کتاب‌خانه", "کتاب خانه", "کتابخانه", "کتاب\u200cخانه ملی"])
@pytest.mark.parametrize("name", ["کتاب‌خانه ملی", "کتاب خانه ملی", "کتابخانه ملی"])
def test_zwnj_space_and_glued_forms_all_match_each_other(client, city, query, name):
    library = InstitutionFactory(city=city, name_fa=name, slug="national-library")
    InstitutionFactory(city=city, name_fa="خانه فرهنگ", slug="culture-house")  # has خانه, not کتاب
    assert listed(client.get("/fa/partners/", {"q": query})) == [library.slug]


@pytest.mark.parametrize("query", ["12", "۱۲", "١٢"])
def test_persian_and_arabic_indic_digits_match_latin_digits(client, city, query):
    school = InstitutionFactory(city=city, name_fa="هنرستان شماره ۱۲", name_en="Technical school 12", slug="school-12")
    InstitutionFactory(city=city, name_fa="هنرستان شماره ۳", name_en="Technical school 3", slug="school-3")
    assert listed(client.get("/fa/partners/", {"q": f"هنرستان {query}"})) == [school.slug]


def test_every_word_must_match_and_english_is_case_insensitive(client, city):
    InstitutionFactory(city=city, name_fa="دانشگاه رازی", name_en="Razi University", slug="razi")
    InstitutionFactory(city=city, name_fa="دانشگاه علوم پزشکی", name_en="University of Medical Sciences",
                       slug="medical")
    assert listed(client.get("/en/partners/", {"q": "UNIVERSITY razi"})) == ["razi"]
    assert set(listed(client.get("/en/partners/", {"q": "university"}))) == {"razi", "medical"}


# --- filters, facets, pages -------------------------------------------------------------------------

def test_type_counts_ignore_the_type_filter_but_follow_the_search(client, city):
    InstitutionFactory(city=city, type=InstitutionType.UNIVERSITY, name_en="Art University", slug="art-uni")
    InstitutionFactory(city=city, type=InstitutionType.NGO, name_en="Art for all", slug="art-ngo")
    InstitutionFactory(city=city, type=InstitutionType.NGO, name_en="Art circle", slug="art-circle")
    InstitutionFactory(city=city, type=InstitutionType.UNIVERSITY, name_en="Tech University", slug="tech-uni")
    InstitutionFactory(city=city, type=InstitutionType.SCHOOL, name_en="Music school", slug="music")

    response = client.get("/en/partners/", {"q": "art", "type": InstitutionType.UNIVERSITY})
    assert listed(response) == ["art-uni"]
    counts = {row["value"]: row["count"] for row in response.context["facets"]}
    assert counts[InstitutionType.UNIVERSITY] == 1
    assert counts[InstitutionType.NGO] == 2
    assert counts[InstitutionType.SCHOOL] == 0
    assert response.context["matching_count"] == 3
    html = response.content.decode()
    assert 'data-count="2"' in html and 'for="type-ngo"' in html
    assert 'for="type-school"' not in html  # types without a match are not offered
    assert "1 partner found" in html


def test_counts_are_in_persian_digits_on_persian_pages(client, city):
    for n in range(3):
        InstitutionFactory(city=city, type=InstitutionType.NGO, slug=f"ngo-{n}")
    html = client.get("/fa/partners/").content.decode()
    assert 'data-count="3"' in html and "(۳)" in html


def test_district_filter_uses_the_citys_districts(client, city, other_city):
    third = DistrictFactory(city=city, number=3, name_fa="منطقه سه", name_en="District three")
    DistrictFactory(city=other_city, number=9, name_en="Hamedan district")
    InstitutionFactory(city=city, district=third, slug="in-three")
    InstitutionFactory(city=city, slug="nowhere")
    response = client.get("/en/partners/", {"district": 3})
    assert listed(response) == ["in-three"]
    html = response.content.decode()
    assert "District three" in html and "Hamedan district" not in html


def test_pages_of_24_keep_the_search_and_filters_in_the_links(client, city):
    third = DistrictFactory(city=city, number=3)
    for n in range(30):
        InstitutionFactory(city=city, type=InstitutionType.NGO, district=third, name_fa=f"انجمن {n:02d}",
                           slug=f"ngo-{n:02d}")
    InstitutionFactory(city=city, type=InstitutionType.SCHOOL, district=third, name_fa="انجمن مدرسه", slug="school")
    InstitutionFactory(city=city, type=InstitutionType.NGO, name_fa="انجمن بیرون", slug="elsewhere")

    first = client.get("/en/partners/", {"q": "انجمن", "type": "ngo", "district": 3})
    assert len(listed(first)) == 24
    assert "30 partners found" in first.content.decode()
    next_link = unescape(re.search(r'href="\?([^"]*page=2[^"]*)"', first.content.decode()).group(1))
    assert "type=ngo" in next_link and "district=3" in next_link and "q=" in next_link

    second = client.get(f"/en/partners/?{next_link}")
    assert len(listed(second)) == 6
    assert not set(listed(first)) & set(listed(second))
    assert "school" not in listed(second) and "elsewhere" not in listed(second)


def test_bad_filters_are_reported_and_ignored_never_a_500(client, city, institution):
    response = client.get("/en/partners/", {"type": "castle", "district": "x", "page": "999", "q": "a" * 500})
    assert response.status_code == 200
    assert listed(response) == [institution.slug]
    assert "was not understood" in response.content.decode()


def test_empty_search_says_so_and_offers_all_partners(client, city, institution):
    html = client.get("/en/partners/", {"q": "nothing like this"}).content.decode()
    assert "No partner matches your search." in html
    assert "0 partners found" in html
    assert 'href="/en/partners/"' in html


def test_results_count_is_announced_to_screen_readers(client, city, institution):
    html = client.get("/en/partners/").content.decode()
    assert re.search(r'id="results-count"[^>]*aria-live="polite"', html)
    assert html.count("<h1") == 1


def test_cards_show_type_district_and_a_badge_for_pending_accreditation(client, city):
    district = DistrictFactory(city=city, number=2, name_en="Second district")
    InstitutionFactory(city=city, slug="pending-one", accreditation=Accreditation.PENDING, district=district,
                       type=InstitutionType.SCHOOL)
    InstitutionFactory(city=city, slug="accredited-one", accreditation=Accreditation.ACCREDITED)
    html = client.get("/en/partners/").content.decode()
    pending_card = html[html.index('data-partner="pending-one"'):][:1200]
    accredited_card = html[html.index('data-partner="accredited-one"'):][:1200]
    assert "Accreditation pending" in pending_card and "School" in pending_card and "Second district" in pending_card
    assert "Accreditation pending" not in accredited_card


def test_suspended_withdrawn_and_inactive_partners_are_not_listed(client, city):
    InstitutionFactory(city=city, slug="shown")
    InstitutionFactory(city=city, slug="suspended", accreditation=Accreditation.SUSPENDED)
    InstitutionFactory(city=city, slug="withdrawn", accreditation=Accreditation.WITHDRAWN)
    InstitutionFactory(city=city, slug="inactive", is_active=False)
    assert listed(client.get("/fa/partners/")) == ["shown"]
    for slug in ("suspended", "withdrawn", "inactive"):
        assert client.get(f"/fa/partners/{slug}/").status_code == 404


# --- the map ------------------------------------------------------------------------------------------

def test_map_shows_the_partners_found_with_escaped_names(client, city):
    InstitutionFactory(city=city, slug="evil", name_fa='<img src=x onerror="alert(1)">')
    InstitutionFactory(city=city, slug="nomap", latitude=None, longitude=None)
    InstitutionFactory(city=city, slug="other", name_fa="دیگری")
    response = client.get("/fa/partners/", {"q": "img"})
    html = response.content.decode()
    assert "<img src=x" not in html
    assert 'data-geojson="/fa/city/districts.geojson"' in html
    points = markers(response)
    assert len(points) == 1
    # the JSON keeps the name as typed (the page shows it as text); only the attribute is escaped
    assert points[0]["label"] == '<img src=x onerror="alert(1)">'
    assert points[0]["lat"] == pytest.approx(34.3142)


def test_htmx_requests_get_the_results_with_a_fresh_map(client, city, institution):
    response = client.get("/fa/partners/", {"q": "یادگیری"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    results = html[html.index('id="directory-results"'):]
    assert "core/maps.js" in results[:3000]
    assert 'hx-get="/fa/partners/"' in html and 'hx-push-url="true"' in html


# --- the profile --------------------------------------------------------------------------------------

def test_profile_shows_the_active_language_and_only_public_contacts(client, city):
    district = DistrictFactory(city=city, number=4, name_fa="منطقه چهار", name_en="District four")
    partner = InstitutionFactory(city=city, slug="razi", name_fa="دانشگاه رازی", name_en="Razi University",
                                 description_fa="دانشگاه جامع", description_en="A comprehensive university",
                                 district=district, address_fa="بلوار طاق‌بستان", address_en="Taq-e Bostan Blvd",
                                 website="https://razi.ac.ir", phone="08334274535")
    InstitutionContact.objects.create(institution=partner, name="Public Person", is_public=True,
                                      email="open@razi.ac.ir")
    InstitutionContact.objects.create(institution=partner, name="Private Person", is_public=False,
                                      phone="09120000000")
    fa = client.get("/fa/partners/razi/").content.decode()
    assert "دانشگاه جامع" in fa and "منطقه چهار" in fa and "بلوار طاق‌بستان" in fa
    assert "۰۸۳۳۴۲۷۴۵۳۵" in fa
    en = client.get("/en/partners/razi/").content.decode()
    assert "A comprehensive university" in en and "District four" in en and "Taq-e Bostan Blvd" in en
    for html in (fa, en):
        assert re.search(r'<a href="https://razi.ac.ir" rel="noopener[^"]*"', html)
        assert "Public Person" in html and "open@razi.ac.ir" in html
        assert "Private Person" not in html and "09120000000" not in html
        assert 'data-markers="' in html


def test_profile_offers_an_edit_link_only_to_those_who_may_edit(client, institution, institution_editor, citizen):
    assert "/edit/" not in client.get(f"/fa/partners/{institution.slug}/").content.decode()
    client.force_login(citizen)
    assert "/edit/" not in client.get(f"/fa/partners/{institution.slug}/").content.decode()
    client.force_login(institution_editor)
    assert f"/fa/partners/{institution.slug}/edit/" in client.get(f"/fa/partners/{institution.slug}/").content.decode()


# --- tenancy ------------------------------------------------------------------------------------------

def test_another_citys_partner_is_never_listed_and_is_404_here(client, city, other_city, secretariat):
    InstitutionFactory(city=city, slug="kermanshah-library", name_fa="کتابخانه کرمانشاه")
    InstitutionFactory(city=other_city, slug="hamedan-library", name_fa="کتابخانه همدان")
    assert listed(client.get("/fa/partners/", {"q": "کتابخانه"})) == ["kermanshah-library"]
    assert client.get("/fa/partners/hamedan-library/").status_code == 404

    # served as Hamedan, the same pages show Hamedan's partner and not Kermanshah's
    assert listed(client.get("/fa/partners/", HTTP_HOST="hamedan.example.org")) == ["hamedan-library"]
    assert client.get("/fa/partners/hamedan-library/", HTTP_HOST="hamedan.example.org").status_code == 200
    assert client.get("/fa/partners/kermanshah-library/", HTTP_HOST="hamedan.example.org").status_code == 404

    # Kermanshah's secretariat has no say in Hamedan
    client.force_login(secretariat)
    for url in ("/fa/partners/manage/", "/fa/partners/manage/new/", "/fa/partners/hamedan-library/edit/",
                "/fa/partners/hamedan-library/accreditation/", "/fa/partners/hamedan-library/staff/"):
        assert client.get(url, HTTP_HOST="hamedan.example.org").status_code == 404
    manage = client.get("/fa/partners/manage/").content.decode()
    assert "kermanshah-library" in manage and "hamedan-library" not in manage


# --- queries ------------------------------------------------------------------------------------------

def _add_partners(city, district, start: int, stop: int) -> None:
    for n in range(start, stop):
        InstitutionFactory(city=city, district=district if n % 2 else None, name_fa=f"مرکز {n}", slug=f"centre-{n}")


def _count_queries(client, district) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/fa/partners/", {"q": "مرکز", "district": district.number})
        assert response.status_code == 200
    return len(queries)


def test_directory_makes_the_same_few_queries_for_5_or_40_partners(client, city, django_assert_max_num_queries):
    bound = 8
    district = DistrictFactory(city=city)
    _add_partners(city, district, 0, 5)
    client.get("/fa/partners/")  # the first request of a process looks up the host's city
    with django_assert_max_num_queries(bound):
        few = _count_queries(client, district)
    _add_partners(city, district, 5, 40)
    with django_assert_max_num_queries(bound):
        many = _count_queries(client, district)
    assert few == many
    with django_assert_max_num_queries(bound):
        response = client.get("/fa/partners/", {"q": "مرکز"})
        assert len(listed(response)) == 24
