"""Learning domains: the public tree, one domain's page, and the secretariat's edits with their rules."""

import pytest

from learningcity.catalogue import services
from learningcity.catalogue.models import LearningDomain
from learningcity.core.errors import DomainError
from learningcity.core.models import AuditEntry
from learningcity.factories import LearningDomainFactory

pytestmark = pytest.mark.django_db


def form_data(domain: LearningDomain, **changes) -> dict:
    data = {"name_fa": domain.name_fa, "name_en": domain.name_en, "description_fa": domain.description_fa,
            "description_en": domain.description_en, "parent": domain.parent_id or "", "position": domain.position,
            "is_active": "on" if domain.is_active else ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""} | {"parent": data["parent"]}


# --- public pages -------------------------------------------------------------------------------------

def test_the_tree_shows_domains_with_descriptions_in_the_active_language(client, literacy):
    LearningDomainFactory(city=literacy.city, slug="retired", name_en="Typewriting", is_active=False)
    en = client.get("/en/domains/").content.decode()
    assert "Literacy" in en and "Reading and writing" in en
    assert "Media literacy" in en and "Reading the news critically" in en
    assert en.index('data-domain="literacy"') < en.index('data-domain="media-literacy"')
    assert "Typewriting" not in en
    fa = client.get("/fa/domains/").content.decode()
    assert "سواد رسانه‌ای" in fa and "خواندن و نوشتن" in fa
    assert fa.count("<h1") == 1


def test_a_domain_page_lists_its_sub_domains_and_where_it_sits(client, literacy):
    html = client.get("/en/domains/literacy/").content.decode()
    assert "Media literacy" in html and "Digital literacy" in html
    child = client.get("/en/domains/media-literacy/").content.decode()
    assert 'href="/en/domains/literacy/"' in child  # breadcrumb to the broader domain
    assert "This domain has no sub-domains." in child


def test_retired_and_unknown_domains_are_404_publicly(client, literacy):
    LearningDomainFactory(city=literacy.city, slug="retired", is_active=False)
    assert client.get("/fa/domains/retired/").status_code == 404
    assert client.get("/fa/domains/no-such-domain/").status_code == 404


def test_another_citys_domains_are_never_shown_here(client, literacy, other_city, secretariat):
    LearningDomainFactory(city=other_city, slug="hamedan-crafts", name_en="Hamedan crafts")
    assert "Hamedan crafts" not in client.get("/en/domains/").content.decode()
    assert client.get("/en/domains/hamedan-crafts/").status_code == 404
    assert "Hamedan crafts" in client.get("/en/domains/", HTTP_HOST="hamedan.example.org").content.decode()
    assert client.get("/en/domains/literacy/", HTTP_HOST="hamedan.example.org").status_code == 404
    client.force_login(secretariat)
    assert client.get("/en/domains/manage/", HTTP_HOST="hamedan.example.org").status_code == 404
    assert client.get("/en/domains/manage/hamedan-crafts/edit/").status_code == 404
    assert "Hamedan crafts" not in client.get("/en/domains/manage/").content.decode()


# --- the secretariat's edits --------------------------------------------------------------------------

def test_secretariat_adds_a_sub_domain_and_the_audit_records_it(client, literacy, secretariat):
    client.force_login(secretariat)
    response = client.post("/fa/domains/manage/new/", {
        "name_fa": "سواد مالی", "name_en": "Financial literacy", "description_fa": "بودجه خانوار",
        "parent": literacy.pk, "position": "۲",
    })
    assert response.status_code == 302
    created = LearningDomain.objects.get(name_en="Financial literacy")
    assert created.parent == literacy and created.slug == "financial-literacy" and created.position == 2
    entry = AuditEntry.objects.get(action="domain.create")
    assert entry.actor == secretariat and entry.changes["name_en"] == [None, "Financial literacy"]
    assert "Financial literacy" in client.get("/en/domains/literacy/").content.decode()


def test_the_broader_domain_list_holds_only_this_citys_domains(client, literacy, secretariat, other_city):
    foreign = LearningDomainFactory(city=other_city, name_en="Foreign")
    client.force_login(secretariat)
    page = client.get("/en/domains/manage/new/").content.decode()
    assert "Foreign" not in page and "Media literacy" in page
    response = client.post("/en/domains/manage/new/", {"name_fa": "الف", "name_en": "Sneaky", "parent": foreign.pk,
                                                       "position": 0})
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not LearningDomain.objects.filter(name_en="Sneaky").exists()


def test_an_edit_records_only_the_changed_fields(client, literacy, secretariat):
    client.force_login(secretariat)
    response = client.post("/en/domains/manage/literacy/edit/", form_data(literacy, description_en="Read, write"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="domain.update")
    assert entry.changes == {"description_en": ["Reading and writing", "Read, write"]}


def test_a_domain_cannot_move_under_its_own_sub_domain(client, literacy, secretariat):
    child = LearningDomain.objects.get(slug="media-literacy")
    client.force_login(secretariat)
    response = client.post("/en/domains/manage/literacy/edit/", form_data(literacy, parent=child.pk))
    assert response.status_code == 200
    assert "cannot sit under itself or under one of its own sub-domains" in response.content.decode()
    literacy.refresh_from_db()
    assert literacy.parent is None
    assert not AuditEntry.objects.exists()


def test_a_fourth_level_is_refused(client, literacy, secretariat):
    child = LearningDomain.objects.get(slug="media-literacy")
    grandchild = LearningDomainFactory(city=literacy.city, parent=child, slug="news")
    client.force_login(secretariat)
    response = client.post("/en/domains/manage/new/", {"name_fa": "عمیق", "name_en": "Too deep",
                                                       "parent": grandchild.pk, "position": 0})
    assert response.status_code == 200
    assert "nested at most 3 levels" in response.content.decode()
    assert LearningDomain.objects.count() == 4


def test_moving_a_branch_is_refused_when_its_sub_domains_would_end_up_too_deep(client, literacy, secretariat):
    arts = LearningDomainFactory(city=literacy.city, slug="arts", name_en="Arts")
    client.force_login(secretariat)
    response = client.post("/en/domains/manage/literacy/edit/", form_data(literacy, parent=arts.pk))
    # literacy -> media literacy would sit at levels 2 and 3: allowed
    assert response.status_code == 302
    LearningDomainFactory(city=literacy.city, parent=LearningDomain.objects.get(slug="media-literacy"))
    crafts = LearningDomainFactory(city=literacy.city, slug="crafts")
    literacy.refresh_from_db()
    response = client.post("/en/domains/manage/literacy/edit/", form_data(literacy, parent=crafts.pk))
    assert response.status_code == 200 and "nested at most 3 levels" in response.content.decode()
    literacy.refresh_from_db()
    assert literacy.parent == arts


def test_retiring_needs_the_sub_domains_retired_first(client, literacy, secretariat):
    client.force_login(secretariat)
    response = client.post("/en/domains/manage/literacy/edit/", form_data(literacy, is_active=""))
    assert response.status_code == 200
    assert "Retire or move its sub-domains first." in response.content.decode()
    assert LearningDomain.objects.get(pk=literacy.pk).is_active

    for slug in ("media-literacy", "digital-literacy"):
        child = LearningDomain.objects.get(slug=slug)
        assert client.post(f"/en/domains/manage/{slug}/edit/", form_data(child, is_active="")).status_code == 302
    assert client.post("/en/domains/manage/literacy/edit/", form_data(literacy, is_active="")).status_code == 302
    assert client.get("/en/domains/literacy/").status_code == 404
    manage = client.get("/en/domains/manage/").content.decode()
    assert "Retired" in manage and "Literacy" in manage


def test_a_new_domain_cannot_go_under_a_retired_one(literacy, secretariat):
    retired = LearningDomainFactory(city=literacy.city, is_active=False)
    with pytest.raises(DomainError) as refused:
        services.domain_create(city=literacy.city, actor=secretariat, name_fa="الف", name_en="A", parent=retired)
    assert refused.value.field == "parent"


@pytest.mark.parametrize(("field", "value"), [("name_fa", "ن" * 121), ("description_en", "x" * 2001),
                                              ("position", "-1"), ("position", "many")])
def test_bad_domain_input_is_a_form_error_and_saves_nothing(client, city, secretariat, field, value):
    client.force_login(secretariat)
    data = {"name_fa": "هنر", "name_en": "Arts", "position": 0, "parent": ""} | {field: value}
    response = client.post("/en/domains/manage/new/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not LearningDomain.objects.exists()


def test_the_service_refuses_an_over_long_description_whoever_calls_it(city, secretariat):
    with pytest.raises(DomainError) as refused:
        services.domain_create(city=city, actor=secretariat, name_fa="الف", name_en="A", description_fa="ت" * 2001)
    assert refused.value.field == "description_fa"


def test_two_domains_with_the_same_english_name_get_distinct_addresses(city, secretariat):
    first = services.domain_create(city=city, actor=secretariat, name_fa="الف", name_en="Arts")
    second = services.domain_create(city=city, actor=secretariat, name_fa="ب", name_en="Arts")
    assert (first.slug, second.slug) == ("arts", "arts-2")
