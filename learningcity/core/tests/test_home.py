"""The home page: what the learning city is, its slogan, domains, partners and key numbers."""

import re

import pytest

from learningcity.core.figures import home_figures
from learningcity.factories import (
    CitizenFactory,
    DistrictFactory,
    InstitutionFactory,
    LearningDomainFactory,
    PopulationFigureFactory,
)
from learningcity.institutions.models import Accreditation


@pytest.fixture
def lively_city(city):
    city.intro_fa = "کرمانشاه شهر یادگیرنده است."
    city.intro_en = "Kermanshah is a learning city."
    city.save()
    district = DistrictFactory(city=city, number=1)
    PopulationFigureFactory(district=district, count=5000)
    PopulationFigureFactory(district=DistrictFactory(city=city, number=2), count=7000)
    InstitutionFactory.create_batch(3, city=city)
    InstitutionFactory(city=city, accreditation=Accreditation.PENDING)
    InstitutionFactory(city=city, accreditation=Accreditation.SUSPENDED)
    InstitutionFactory(city=city, is_active=False)
    parent = LearningDomainFactory(city=city, name_fa="سواد رسانه‌ای", name_en="Media literacy")
    LearningDomainFactory(city=city, parent=parent)
    LearningDomainFactory(city=city, is_active=False)
    CitizenFactory.create_batch(4, city=city)
    return city


def figure(city, code):
    return next(f.value for f in home_figures(city) if f.code == code)


@pytest.mark.django_db
def test_each_key_number_is_its_one_defined_count(lively_city):
    assert figure(lively_city, "partners") == 3  # accredited and active only
    assert figure(lively_city, "domains") == 1  # top-level, in use
    assert figure(lively_city, "districts") == 2
    assert figure(lively_city, "inhabitants") == 12000
    assert figure(lively_city, "learners") == 4


@pytest.mark.django_db
def test_persian_home_page_shows_slogan_intro_domains_and_numbers_in_persian_digits(client, lively_city):
    page = client.get("/fa/").content.decode()
    assert 'lang="fa" dir="rtl"' in page
    assert "یادگیری برای همه و برای همیشه" in page
    assert "کرمانشاه شهر یادگیرنده است." in page
    assert "سواد رسانه‌ای" in page
    assert re.search(r'data-figure="inhabitants">\s*<div class="value table-num">۱۲٬۰۰۰</div>', page)
    assert re.search(r"[۰-۹]{4}", page)  # today's Jalali date in the footer
    for stage in ("children", "teenagers", "youth", "adults", "seniors"):  # "by life stage" entry points
        assert f"/fa/programmes/?life_stage={stage}" in page


@pytest.mark.django_db
def test_english_home_page_is_left_to_right_with_latin_digits(client, lively_city):
    page = client.get("/en/").content.decode()
    assert 'lang="en" dir="ltr"' in page
    assert "Kermanshah is a learning city." in page
    assert "Media literacy" in page
    assert re.search(r'data-figure="inhabitants">\s*<div class="value table-num">12,000</div>', page)


@pytest.mark.django_db
def test_home_page_queries_do_not_grow_with_the_city(client, lively_city, django_assert_max_num_queries):
    client.get("/fa/")
    InstitutionFactory.create_batch(30, city=lively_city)
    LearningDomainFactory.create_batch(20, city=lively_city)
    with django_assert_max_num_queries(12):
        client.get("/fa/")


@pytest.mark.django_db
def test_site_without_any_city_explains_how_to_load_one(client):
    response = client.get("/en/")
    assert response.status_code == 503
    assert "learningcity demo" in response.content.decode()


@pytest.mark.django_db
def test_root_redirects_to_the_persian_site_by_default(client, city):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/fa/")


@pytest.mark.django_db
def test_key_numbers_are_cached_briefly_so_a_busy_home_page_does_not_recount(client, lively_city,
                                                                              django_assert_max_num_queries):
    client.get("/fa/")
    with django_assert_max_num_queries(6):
        client.get("/fa/")


@pytest.mark.django_db
def test_pagination_links_keep_the_search_as_their_first_parameter(client, city):
    InstitutionFactory.create_batch(30, city=city, description_fa="کتابخانه")
    page = client.get("/en/partners/?q=%DA%A9%D8%AA%D8%A7%D8%A8").content.decode()
    assert 'href="??' not in page
    assert re.search(r'href="\?q=[^"]*page=2', page)
