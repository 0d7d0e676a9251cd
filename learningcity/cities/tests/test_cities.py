"""Cities: which city a request is for, the networks registry, districts and their population."""

import datetime as dt

import pytest

from learningcity.cities.models import MembershipState, Network, NetworkMembership
from learningcity.cities.selectors import cities_in_networks, city_for_host, city_population, district_geojson
from learningcity.factories import CityFactory, DistrictFactory, PopulationFigureFactory

SQUARE = {"type": "Polygon", "coordinates": [[[47.0, 34.3], [47.1, 34.3], [47.1, 34.4], [47.0, 34.4], [47.0, 34.3]]]}


def member(city, network, since, **kwargs):
    return NetworkMembership.objects.create(city=city, network=network, since=since, **kwargs)


@pytest.mark.django_db
def test_request_city_comes_from_its_host_name_else_the_default(city, other_city):
    assert city_for_host("hamedan.example.org") == other_city
    assert city_for_host("127.0.0.1") == city
    assert city_for_host("unknown.example.org") == city


@pytest.mark.django_db
def test_pages_are_served_as_the_city_of_the_host(client, city, other_city):
    assert "Hamedan" in client.get("/en/city/", HTTP_HOST="hamedan.example.org").content.decode()
    assert "Kermanshah" in client.get("/en/city/").content.decode()


@pytest.mark.django_db
def test_cities_in_all_listed_networks_only_counts_memberships_in_force_today():
    today = dt.date.today()
    both = CityFactory(slug="both")
    member(both, Network.GNLC, dt.date(2025, 12, 1))
    member(both, Network.UCCN, dt.date(2021, 11, 8), field="gastronomy")
    only_gnlc = CityFactory(slug="only-gnlc")
    member(only_gnlc, Network.GNLC, dt.date(2019, 1, 1))
    lapsed = CityFactory(slug="lapsed")
    member(lapsed, Network.GNLC, dt.date(2016, 1, 1), until=today - dt.timedelta(days=1))
    member(lapsed, Network.UCCN, dt.date(2015, 1, 1))
    suspended = CityFactory(slug="suspended")
    member(suspended, Network.GNLC, dt.date(2016, 1, 1), state=MembershipState.SUSPENDED)
    member(suspended, Network.UCCN, dt.date(2015, 1, 1))
    future = CityFactory(slug="future")
    member(future, Network.GNLC, today + dt.timedelta(days=30))
    member(future, Network.UCCN, dt.date(2015, 1, 1))
    abroad = CityFactory(slug="abroad", country="KR")
    member(abroad, Network.GNLC, dt.date(2016, 1, 1))
    member(abroad, Network.UCCN, dt.date(2015, 1, 1))

    found = {c.slug for c in cities_in_networks(country="IR", networks=["gnlc", "uccn"])}
    assert found == {"both"}
    assert {c.slug for c in cities_in_networks(country="ir", networks=["gnlc"])} == {"both", "only-gnlc"}
    assert "abroad" in {c.slug for c in cities_in_networks(networks=["gnlc", "uccn"])}


@pytest.mark.django_db
def test_api_lists_cities_holding_both_titles_and_rejects_unknown_networks(client):
    both = CityFactory(slug="isfahan", name_en="Isfahan")
    member(both, Network.GNLC, dt.date(2020, 1, 1))
    member(both, Network.UCCN, dt.date(2015, 1, 1), field="crafts_folk_art")
    CityFactory(slug="rasht")
    ok = client.get("/api/v1/cities?country=IR&networks=gnlc,uccn")
    assert ok.status_code == 200
    assert [c["slug"] for c in ok.json()] == ["isfahan"]
    assert {m["network"] for m in ok.json()[0]["memberships"]} == {"gnlc", "uccn"}
    bad = client.get("/api/v1/cities?networks=gnlc,olympics")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert "olympics" in bad.json()["message"]
    assert client.get("/api/v1/cities?country=IRAN").status_code == 400


@pytest.mark.django_db
def test_registry_page_shows_the_same_cities_as_the_api(client):
    both = CityFactory(slug="kashan", name_en="Kashan", name_fa="کاشان")
    member(both, Network.GNLC, dt.date(2019, 1, 1))
    member(both, Network.UCCN, dt.date(2025, 10, 31), field="architecture")
    only = CityFactory(slug="shiraz", name_en="Shiraz")
    member(only, Network.GNLC, dt.date(2016, 1, 1))
    page = client.get("/en/learning-cities/?country=IR&networks=gnlc&networks=uccn").content.decode()
    assert 'data-city="kashan"' in page
    assert 'data-city="shiraz"' not in page
    fa = client.get("/fa/learning-cities/?country=IR&networks=gnlc&networks=uccn").content.decode()
    assert "کاشان" in fa
    assert "۲۰۲۵" not in fa and "۱۴۰۴" in fa  # Jalali year of 2025-10-31 on the Persian page


@pytest.mark.django_db
def test_registry_page_with_bad_filters_says_so_instead_of_failing(client, city):
    response = client.get("/fa/learning-cities/?country=ZZ&networks=nonsense")
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


@pytest.mark.django_db
def test_city_population_is_the_sum_of_its_district_figures(city):
    d1 = DistrictFactory(city=city, number=1)
    d2 = DistrictFactory(city=city, number=2)
    PopulationFigureFactory(district=d1, sex="female", age_band="0-4", count=1200)
    PopulationFigureFactory(district=d1, sex="male", age_band="0-4", count=1300)
    PopulationFigureFactory(district=d2, sex="female", age_band="65+", count=500)
    assert city_population(city) == 3000


@pytest.mark.django_db
def test_district_map_data_is_geojson_with_names_and_population(client, city):
    district = DistrictFactory(city=city, number=3, boundary=SQUARE)
    PopulationFigureFactory(district=district, count=4242)
    data = client.get("/fa/city/districts.geojson").json()
    assert data["type"] == "FeatureCollection"
    feature = data["features"][0]
    assert feature["geometry"] == SQUARE
    assert feature["properties"]["population"] == 4242
    assert feature["properties"]["approximate"] is True
    assert district_geojson(city) == data


@pytest.mark.django_db
def test_city_page_marks_population_as_estimates_in_persian_digits(client, city):
    district = DistrictFactory(city=city, number=1, name_fa="منطقه ۱")
    PopulationFigureFactory(district=district, count=123456)
    page = client.get("/fa/city/").content.decode()
    assert "۱۲۳٬۴۵۶" in page
    en = client.get("/en/city/").content.decode()
    assert "123,456" in en
    assert "estimate" in en.lower()


@pytest.mark.django_db
def test_a_membership_known_only_by_year_shows_the_year_not_an_invented_day(client):
    shiraz = CityFactory(slug="shiraz", name_en="Shiraz")
    member(shiraz, Network.GNLC, dt.date(2016, 1, 1), since_precision="year")
    kermanshah = CityFactory(slug="kermanshah-x", name_en="Kermanshah X")
    member(kermanshah, Network.GNLC, dt.date(2025, 12, 1))
    en = client.get("/en/learning-cities/?country=IR&networks=gnlc").content.decode()
    assert "2016" in en and "1 January 2016" not in en
    assert "1 December 2025" in en
    fa = client.get("/fa/learning-cities/?country=IR&networks=gnlc").content.decode()
    assert "۲۰۱۶" in fa and "۱۱ دی ۱۳۹۴" not in fa  # 1 January 2016 is 11 Dey 1394: never shown
    assert "۱۰ آذر ۱۴۰۴" in fa


@pytest.mark.django_db
def test_city_page_breaks_population_down_by_age_band_and_sex_for_the_city_or_a_district(client, city):
    d1 = DistrictFactory(city=city, number=1, name_en="District 1")
    d2 = DistrictFactory(city=city, number=2, name_en="District 2")
    PopulationFigureFactory(district=d1, sex="female", age_band="65+", count=300)
    PopulationFigureFactory(district=d1, sex="male", age_band="65+", count=200)
    PopulationFigureFactory(district=d2, sex="female", age_band="65+", count=1000)
    PopulationFigureFactory(district=d2, sex="male", age_band="0-4", count=40)
    page = client.get("/en/city/")
    seniors = next(r for r in page.context["breakdown"] if r["age_band"] == "65+")
    assert (seniors["female"], seniors["male"], seniors["total"]) == (1300, 200, 1500)
    assert page.context["breakdown_totals"]["total"] == 1540
    one = client.get("/en/city/?district=1")
    assert "People by age and sex in District 1" in one.content.decode()
    assert one.context["breakdown_totals"] == {"female": 300, "male": 200, "total": 500}
    # a district number that does not exist shows the whole city rather than failing
    assert client.get("/en/city/?district=99").context["breakdown_totals"]["total"] == 1540
    api = client.get(f"/api/v1/cities/{city.slug}/districts").json()
    assert api[0]["by_age_and_sex"][-1] == {"age_band": "65+", "female": 300, "male": 200, "total": 500}
