"""Staff writes through the API: POST/PATCH /programmes, POST /programmes/{id}/submit, POST /offerings."""

import pytest

from conftest import PASSWORD
from learningcity.accounts.services import token_issue
from learningcity.catalogue.models import Offering, Programme, ProgrammeStatus
from learningcity.core.models import AuditEntry
from learningcity.factories import InstitutionFactory, ProgrammeFactory, VenueFactory
from learningcity.institutions.models import Accreditation

from .test_console_support import *  # noqa: F403
from .test_console_support import at, make_draft, weekly_sessions

pytestmark = pytest.mark.django_db
HAMEDAN = "hamedan.example.org"


@pytest.fixture
def api(client):
    """Call the API as a person (bearer token) or anonymously."""

    def call(method, path, user=None, body=None, host="testserver"):
        headers = {"HTTP_HOST": host}
        if user is not None:
            _, key = token_issue(mobile=user.mobile, password=PASSWORD)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return getattr(client, method)(f"/api/v1{path}", body if body is not None else {},
                                       content_type="application/json", **headers)

    return call


def programme_body(institution, **extra) -> dict:
    body = {"institution": institution.slug, "title_fa": "آشپزی سالم", "title_en": "Healthy cooking",
            "hours": 12.5, "domains": ["media-literacy"], "life_stages": ["adults", "seniors"],
            "target_groups": ["families"], "fee_rials": 250_000, "key_features": ["2.2"], "sdg_targets": ["4.4"]}
    body.update(extra)
    return body


def offering_body(programme, venue, **extra) -> dict:
    body = {"programme": programme.pk, "capacity": 12, "venue": venue.pk if venue else None,
            "enrolment_opens_at": at(-1, 8).isoformat(), "enrolment_closes_at": at(9, 23).isoformat(),
            "sessions": [{"starts_at": s.isoformat(), "ends_at": e.isoformat()} for s, e in weekly_sessions(2)]}
    body.update(extra)
    return body


def _error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["message"]
    if code:
        assert body["code"] == code
    return body


# --- POST /programmes --------------------------------------------------------------------------------------


def test_staff_draft_a_programme_and_get_its_public_url(api, institution, institution_editor, domain):
    response = api("post", "/programmes", institution_editor, programme_body(institution))
    assert response.status_code == 201, response.content
    body = response.json()
    programme = Programme.objects.get()
    assert body["id"] == programme.pk and body["status"] == "draft"
    assert body["url"].endswith(f"/programmes/{programme.pk}/") and body["url"].startswith("http")
    assert body["domains"] == ["media-literacy"] and body["life_stages"] == ["adults", "seniors"]
    assert body["hours"] == 12.5 and body["fee_rials"] == 250_000 and body["offerings"] == []
    assert body["institution"]["slug"] == institution.slug and body["review_note"] == ""
    assert body["target_groups"] == ["families"] and body["key_features"] == ["2.2"]
    assert programme.institution == institution and "healthy cooking" in programme.search_key
    assert AuditEntry.objects.get(action="programme.create").actor == institution_editor


def test_the_secretariat_may_draft_for_any_partner(api, institution, secretariat, domain):
    assert api("post", "/programmes", secretariat, programme_body(institution)).status_code == 201


def test_writing_needs_a_token(api, institution, domain):
    _error(api("post", "/programmes", None, programme_body(institution)), 401, "unauthorised")
    assert not Programme.objects.exists()


@pytest.mark.parametrize("who", ["citizen", "other_admin"])
def test_a_visible_partner_that_is_not_yours_is_forbidden(request, api, institution, domain, who):
    body = _error(api("post", "/programmes", request.getfixturevalue(who), programme_body(institution)), 403,
                  "forbidden")
    assert body["code"] == "forbidden"
    assert not Programme.objects.exists()


def test_a_partner_you_cannot_see_is_not_found(api, city, other_admin, domain, other_city, institution_admin):
    assert other_city.domain == HAMEDAN
    withdrawn = InstitutionFactory(city=city, accreditation=Accreditation.WITHDRAWN, name_en="Gone")
    _error(api("post", "/programmes", other_admin, programme_body(withdrawn)), 404, "not_found")
    _error(api("post", "/programmes", other_admin, {**programme_body(withdrawn), "institution": "nobody"}), 404)
    # The partner of Kermanshah asked for through Hamedan's host name does not exist there.
    institution = InstitutionFactory(city=city, name_en="Here")
    _error(api("post", "/programmes", institution_admin, programme_body(institution), host=HAMEDAN), 404)


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"hours": 0}, 400, "hours"),
    ({"hours": 2001}, 400, "hours"),
    ({"fee_rials": -1}, 400, "fee_rials"),
    ({"domains": ["no-such-domain"]}, 400, "domains"),
    ({"life_stages": ["women"]}, 400, "life_stages"),
    ({"key_features": ["9.9"]}, 400, "key_features"),
    ({"format": "radio"}, 400, "format"),
    ({"title_fa": "ا" * 201}, 400, "title_fa"),
    ({"title_fa": None}, 422, None),
    ({"hours": "many"}, 422, None),
    ({"domains": "media-literacy"}, 422, None),
])
def test_bad_programmes_are_4xx_json_and_nothing_is_saved(api, institution, institution_admin, domain, change,
                                                          status, field):
    body = _error(api("post", "/programmes", institution_admin, programme_body(institution, **change)), status)
    if field:
        assert body["field"] == field
    assert not Programme.objects.exists()


def test_html_is_returned_as_typed(api, institution, institution_admin, domain):
    body = api("post", "/programmes", institution_admin,
               programme_body(institution, title_fa="<script>x</script>")).json()
    assert body["title_fa"] == "<script>x</script>"


# --- PATCH /programmes/{id} and submit ---------------------------------------------------------------------


def test_patch_changes_only_what_is_sent_and_is_audited_on_published(api, published, institution_editor,
                                                                     second_domain):
    response = api("patch", f"/programmes/{published.pk}", institution_editor,
                   {"title_en": "Media literacy at home", "domains": ["media-literacy", "digital-skills"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title_en"] == "Media literacy at home" and body["status"] == "published"
    assert sorted(body["domains"]) == ["digital-skills", "media-literacy"]
    assert body["title_fa"] == published.title_fa
    entry = AuditEntry.objects.get(action="programme.update")
    assert set(entry.changes) == {"title_en", "domains"}


def test_patch_with_bad_values_changes_nothing(api, published, institution_editor):
    _error(api("patch", f"/programmes/{published.pk}", institution_editor,
               {"title_en": "Fine", "hours": 0}), 400)
    published.refresh_from_db()
    assert published.title_en == "Media literacy for parents"


def test_another_partners_draft_is_not_found_and_its_published_programme_forbidden(api, institution, domain,
                                                                                   other_admin, other_city):
    draft = make_draft(institution, [domain])
    _error(api("patch", f"/programmes/{draft.pk}", other_admin, {"title_en": "Mine"}), 404, "not_found")
    _error(api("post", f"/programmes/{draft.pk}/submit", other_admin), 404)
    public = ProgrammeFactory(institution=institution, status=ProgrammeStatus.PUBLISHED)
    _error(api("patch", f"/programmes/{public.pk}", other_admin, {"title_en": "Mine"}), 403, "forbidden")
    _error(api("patch", f"/programmes/{public.pk}", other_admin, {"title_en": "Mine"}, host=HAMEDAN), 404)
    public.refresh_from_db()
    assert public.title_en != "Mine"


def test_submit_then_submit_again_is_a_conflict(api, draft, institution_admin):
    response = api("post", f"/programmes/{draft.pk}/submit", institution_admin)
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    _error(api("post", f"/programmes/{draft.pk}/submit", institution_admin), 409, "invalid_transition")


def test_submitting_without_a_domain_says_so(api, institution, institution_admin):
    draft = make_draft(institution, [])
    body = _error(api("post", f"/programmes/{draft.pk}/submit", institution_admin), 400)
    assert body["field"] == "domains"


# --- POST /offerings ---------------------------------------------------------------------------------------


def test_staff_schedule_an_offering_with_sessions(api, published, venue, institution_editor):
    response = api("post", "/offerings", institution_editor, offering_body(published, venue))
    assert response.status_code == 201, response.content
    body = response.json()
    offering = Offering.objects.get()
    assert body["id"] == offering.pk and body["capacity"] == 12 and body["seats_left"] == 12
    assert body["waitlist_length"] == 0 and len(body["sessions"]) == 2 and body["venue"]["id"] == venue.pk
    assert body["starts_on"] == str(offering.starts_on) and body["ends_on"] == str(offering.ends_on)
    assert body["url"].endswith(f"/programmes/{published.pk}/#offering-{offering.pk}")
    assert body["programme_id"] == published.pk and body["online_url"] == "" and body["offer_hours"] == 24
    programme = api("patch", f"/programmes/{published.pk}", institution_editor, {}).json()
    [listed] = programme["offerings"]
    assert (listed["id"], listed["capacity"], listed["seats_left"], listed["waitlist_length"]) == (offering.pk, 12,
                                                                                                  12, 0)
    assert len(listed["sessions"]) == 2


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"enrolment_closes_at": at(11, 23).isoformat()}, 400, "enrolment_closes_at"),
    ({"capacity": 0}, 400, "capacity"),
    ({"sessions": []}, 400, "sessions"),
    ({"venue": None}, 400, "venue"),
    ({"venue": 999_999}, 400, "venue"),
    ({"capacity": "lots"}, 422, None),
    ({"sessions": [{"starts_at": "tomorrow"}]}, 422, None),
])
def test_bad_offerings_are_4xx_json_and_nothing_is_saved(api, published, venue, institution_admin, change, status,
                                                         field):
    body = _error(api("post", "/offerings", institution_admin, {**offering_body(published, venue), **change}), status)
    if field:
        assert body["field"] == field
    assert not Offering.objects.exists()


def test_a_venue_of_another_partner_is_refused(api, published, other_institution, institution_admin):
    theirs = VenueFactory(city=published.city, institution=other_institution)
    body = _error(api("post", "/offerings", institution_admin, offering_body(published, theirs)), 400)
    assert body["field"] == "venue"


def test_offerings_of_programmes_you_cannot_change(api, institution, domain, venue, other_admin, citizen):
    draft = make_draft(institution, [domain])
    _error(api("post", "/offerings", other_admin, offering_body(draft, venue)), 404)
    public = ProgrammeFactory(institution=institution, status=ProgrammeStatus.PUBLISHED)
    _error(api("post", "/offerings", citizen, offering_body(public, venue)), 403, "forbidden")
    assert not Offering.objects.exists()


def test_the_writes_are_in_the_openapi_spec(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/programmes"]
    assert "patch" in paths["/api/v1/programmes/{programme_id}"]
    assert "post" in paths["/api/v1/programmes/{programme_id}/submit"]
    assert "post" in paths["/api/v1/offerings"]
