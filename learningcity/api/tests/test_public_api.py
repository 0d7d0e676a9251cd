"""The public API: the cities registry by networks held now, the partner directory, the domain tree, the spec."""

import datetime as dt

import pytest
from django.utils import timezone

from learningcity.cities.models import Network, NetworkMembership
from learningcity.factories import CityFactory, InstitutionFactory, LearningDomainFactory
from learningcity.institutions.models import Accreditation, InstitutionType

pytestmark = pytest.mark.django_db


def _member(city, network, since, until=None, **extra):
    return NetworkMembership.objects.create(city=city, network=network, since=since, until=until, **extra)


@pytest.fixture
def registry(city):
    """Cities in every situation the filter must tell apart."""
    today = timezone.localdate()
    year = dt.timedelta(days=365)
    both = CityFactory(slug="both", name_en="Both")
    _member(both, Network.GNLC, today - 3 * year)
    _member(both, Network.UCCN, today - 2 * year, field="crafts_folk_art")

    lapsed = CityFactory(slug="lapsed", name_en="Lapsed")  # left UCCN last year
    _member(lapsed, Network.GNLC, today - 3 * year)
    _member(lapsed, Network.UCCN, today - 5 * year, until=today - year, field="music")

    future = CityFactory(slug="future", name_en="Future")  # joins UCCN next month
    _member(future, Network.GNLC, today - 3 * year)
    _member(future, Network.UCCN, today + dt.timedelta(days=30), field="film")

    suspended = CityFactory(slug="suspended", name_en="Suspended")
    _member(suspended, Network.GNLC, today - 3 * year)
    _member(suspended, Network.UCCN, today - 3 * year, state="suspended", field="design")

    learning_only = CityFactory(slug="learning-only", name_en="Learning only")
    _member(learning_only, Network.GNLC, today - year)

    abroad = CityFactory(slug="abroad", name_en="Abroad", country="TR")
    _member(abroad, Network.GNLC, today - 3 * year)
    _member(abroad, Network.UCCN, today - 3 * year, field="gastronomy")

    rejoined = CityFactory(slug="rejoined", name_en="Rejoined")  # lapsed once, member again now
    _member(rejoined, Network.GNLC, today - 6 * year)
    _member(rejoined, Network.UCCN, today - 6 * year, until=today - 4 * year, field="literature")
    _member(rejoined, Network.UCCN, today - 2 * year, field="literature")


def test_cities_in_both_networks_now_are_exactly_those_holding_both_today(client, registry):
    response = client.get("/api/v1/cities", {"country": "IR", "networks": "gnlc,uccn"})
    assert response.status_code == 200
    assert sorted(city["slug"] for city in response.json()) == ["both", "rejoined"]
    both = next(city for city in response.json() if city["slug"] == "both")
    assert {m["network"] for m in both["memberships"]} == {"gnlc", "uccn"}


def test_one_network_and_no_country(client, registry):
    slugs = {city["slug"] for city in client.get("/api/v1/cities", {"networks": "gnlc"}).json()}
    assert slugs == {"both", "lapsed", "future", "suspended", "learning-only", "abroad", "rejoined"}
    uccn_anywhere = {city["slug"] for city in client.get("/api/v1/cities", {"networks": "UCCN"}).json()}
    assert uccn_anywhere == {"both", "abroad", "rejoined"}


@pytest.mark.parametrize(("params", "field"), [
    ({"networks": "gnlc,unicorns"}, "networks"),
    ({"country": "IRN"}, "country"),
])
def test_bad_filters_are_400_json_with_code_and_message(client, registry, params, field):
    response = client.get("/api/v1/cities", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid" and body["message"] and body["field"] == field


def test_institution_search_matches_every_spelling_and_pages(client, city, other_city):
    for n in range(7):
        InstitutionFactory(city=city, type=InstitutionType.LIBRARY_CULTURAL_CENTRE, name_fa=f"کتابخانه {n}",
                           slug=f"library-{n}")
    InstitutionFactory(city=city, name_fa="دانشگاه", slug="university")
    InstitutionFactory(city=city, name_fa="کتابخانه تعلیق", slug="suspended-library",
                       accreditation=Accreditation.SUSPENDED)
    InstitutionFactory(city=other_city, name_fa="کتابخانه همدان", slug="hamedan-library")

    first = client.get("/api/v1/institutions", {"q": "كتابخانه", "limit": 5})  # Arabic kaf
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 7
    assert [item["slug"] for item in body["items"]] == [f"library-{n}" for n in range(5)]
    rest = client.get("/api/v1/institutions", {"q": "کتابخانه", "limit": 5, "offset": 5}).json()
    assert [item["slug"] for item in rest["items"]] == ["library-5", "library-6"]

    by_type = client.get("/api/v1/institutions", {"type": "library_cultural_centre"}).json()
    assert by_type["count"] == 7
    hamedan = client.get("/api/v1/institutions", HTTP_HOST="hamedan.example.org").json()
    assert [item["slug"] for item in hamedan["items"]] == ["hamedan-library"]


def test_institution_detail_is_404_for_partners_the_public_may_not_see(client, city, other_city):
    InstitutionFactory(city=city, slug="open", accreditation=Accreditation.PENDING)
    InstitutionFactory(city=city, slug="withdrawn", accreditation=Accreditation.WITHDRAWN)
    InstitutionFactory(city=other_city, slug="elsewhere")
    assert client.get("/api/v1/institutions/open").json()["accreditation"] == "pending"
    assert client.get("/api/v1/institutions/withdrawn").status_code == 404
    assert client.get("/api/v1/institutions/elsewhere").status_code == 404


def test_domains_come_as_a_tree_of_this_city_in_use(client, city, other_city):
    root = LearningDomainFactory(city=city, slug="literacy", name_en="Literacy", position=1)
    LearningDomainFactory(city=city, slug="media", parent=root, name_en="Media literacy")
    LearningDomainFactory(city=city, slug="old", parent=root, is_active=False)
    LearningDomainFactory(city=city, slug="arts", name_en="Arts", position=2)
    LearningDomainFactory(city=other_city, slug="hamedan-only")
    tree = client.get("/api/v1/domains").json()
    assert [node["slug"] for node in tree] == ["literacy", "arts"]
    assert [child["slug"] for child in tree[0]["children"]] == ["media"]
    assert tree[0]["children"][0]["children"] == []


def test_the_openapi_spec_is_json_and_lists_the_public_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/cities", "/api/v1/institutions", "/api/v1/institutions/{slug}", "/api/v1/domains"):
        assert path in spec["paths"], path
        assert "get" in spec["paths"][path]
