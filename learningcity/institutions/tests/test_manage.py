"""Running partners: adding, editing, accrediting and staffing them; bad input is a form error, never a 500."""

from decimal import Decimal

import pytest

from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.factories import DistrictFactory, InstitutionFactory, StaffMembershipFactory, UserFactory
from learningcity.institutions.models import (
    Accreditation,
    AccreditationDecision,
    Institution,
    InstitutionType,
    StaffMembership,
    StaffRole,
)

pytestmark = pytest.mark.django_db

VALID = {
    "type": InstitutionType.NGO, "name_fa": "انجمن کتاب‌خوانی", "name_en": "Reading society",
    "description_fa": "حلقه‌های کتاب‌خوانی محله", "description_en": "Neighbourhood reading circles",
    "address_fa": "خیابان مدرس", "address_en": "Modarres St", "latitude": "34.3142", "longitude": "47.0650",
    "website": "https://reading.example.org", "phone": "", "email": "hello@reading.example.org",
}


def profile(institution: Institution, **changes) -> dict:
    data = {
        "type": institution.type, "name_fa": institution.name_fa, "name_en": institution.name_en,
        "description_fa": institution.description_fa, "description_en": institution.description_en,
        "district": institution.district_id or "", "address_fa": institution.address_fa,
        "address_en": institution.address_en, "latitude": institution.latitude or "",
        "longitude": institution.longitude or "", "website": institution.website, "phone": institution.phone,
        "email": institution.email,
    }
    data.update(changes)
    return data


def field_errors(response, form="form") -> dict:
    return response.context[form].errors


# --- manage list --------------------------------------------------------------------------------------

def test_staff_see_only_their_own_partners_and_the_secretariat_sees_all_with_status(
    client, city, institution, institution_editor, secretariat, other_institution
):
    InstitutionFactory(city=city, slug="suspended-one", accreditation=Accreditation.SUSPENDED)
    client.force_login(institution_editor)
    html = client.get("/en/partners/manage/").content.decode()
    assert institution.slug in html and other_institution.slug not in html
    assert "Add a partner" not in html and "/accreditation/" not in html

    client.force_login(secretariat)
    html = client.get("/en/partners/manage/").content.decode()
    assert all(slug in html for slug in (institution.slug, other_institution.slug, "suspended-one"))
    assert "Suspended" in html and "Add a partner" in html and "/accreditation/" in html
    filtered = client.get("/en/partners/manage/", {"accreditation": Accreditation.SUSPENDED}).content.decode()
    assert 'data-partner="suspended-one"' in filtered and f'data-partner="{institution.slug}"' not in filtered


# --- create -------------------------------------------------------------------------------------------

def test_secretariat_adds_a_partner_which_starts_pending_and_is_audited(client, city, secretariat):
    district = DistrictFactory(city=city, number=5)
    client.force_login(secretariat)
    response = client.post("/fa/partners/manage/new/", {**VALID, "district": district.pk})
    created = Institution.objects.get(name_en="Reading society")
    assert response.status_code == 302 and response["Location"] == f"/fa/partners/{created.slug}/staff/"
    assert created.slug == "reading-society" and created.city == city
    assert created.accreditation == Accreditation.PENDING
    assert created.latitude == Decimal("34.314200") and created.district == district
    assert "کتاب خوانی" in created.search_key  # the ZWNJ became a space in the search key
    entry = AuditEntry.objects.get(action="institution.create")
    assert entry.actor == secretariat and entry.object_id == str(created.pk) and entry.city == city
    assert entry.changes["name_en"] == [None, "Reading society"]


def test_persian_only_partners_get_distinct_web_addresses(client, city, secretariat):
    client.force_login(secretariat)
    for name in ("انجمن اول", "انجمن دوم"):
        assert client.post("/fa/partners/manage/new/", {**VALID, "name_fa": name, "name_en": ""}).status_code == 302
    assert sorted(Institution.objects.values_list("slug", flat=True)) == ["partner", "partner-2"]


def test_a_chosen_web_address_that_is_taken_is_a_form_error(client, city, secretariat, institution):
    client.force_login(secretariat)
    response = client.post("/fa/partners/manage/new/", {**VALID, "slug": institution.slug})
    assert response.status_code == 200
    assert "slug" in field_errors(response)
    assert Institution.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [
    ("name_fa", "ن" * 201),
    ("name_en", ""),  # allowed: not an error (checked below)
    ("description_fa", "ت" * 3001),
    ("website", "not a web address"),
    ("website", "javascript:alert(1)"),
    ("latitude", "95"),
    ("latitude", "-90.5"),
    ("longitude", "181"),
    ("latitude", "north"),
    ("email", "someone-at-example"),
    ("type", "castle"),
])
def test_bad_input_when_adding_is_a_clear_form_error_and_saves_nothing(client, city, secretariat, field, value):
    client.force_login(secretariat)
    response = client.post("/fa/partners/manage/new/", {**VALID, field: value})
    if field == "name_en":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert field in field_errors(response)
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert Institution.objects.count() == 0
    assert not AuditEntry.objects.exists()


def test_a_district_of_another_city_cannot_be_chosen(client, city, other_city, secretariat):
    foreign = DistrictFactory(city=other_city, number=1)
    client.force_login(secretariat)
    response = client.post("/fa/partners/manage/new/", {**VALID, "district": foreign.pk})
    assert "district" in field_errors(response)
    assert Institution.objects.count() == 0


def test_coordinates_in_persian_digits_with_the_persian_decimal_separator_are_understood(client, city, secretariat):
    client.force_login(secretariat)
    response = client.post("/fa/partners/manage/new/", {**VALID, "latitude": "۳۴٫۳۱۴۲۰۰۴۹", "longitude": "٤٧.٠٦٥"})
    assert response.status_code == 302
    created = Institution.objects.get()
    assert (created.latitude, created.longitude) == (Decimal("34.314200"), Decimal("47.065000"))


def test_coordinate_inputs_read_left_to_right(client, city, secretariat):
    client.force_login(secretariat)
    html = client.get("/fa/partners/manage/new/").content.decode()
    for name in ("latitude", "longitude", "website", "phone"):
        tag = html[html.index(f'name="{name}"') - 200:html.index(f'name="{name}"') + 200]
        assert 'dir="ltr"' in tag


# --- edit ---------------------------------------------------------------------------------------------

def test_an_editor_edits_the_profile_and_the_audit_names_the_changed_fields(client, institution, institution_editor):
    old_name = institution.name_en
    client.force_login(institution_editor)
    response = client.post(f"/en/partners/{institution.slug}/edit/",
                           profile(institution, name_en="Reading House", website="https://house.example.org"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name_en == "Reading House" and "reading house" in institution.search_key
    entry = AuditEntry.objects.get(action="institution.update")
    assert entry.actor == institution_editor
    assert set(entry.changes) == {"name_en", "website"}
    assert entry.changes["name_en"] == [old_name, "Reading House"]
    assert entry.changes["website"] == ["", "https://house.example.org"]
    follow = client.get(f"/en/partners/{institution.slug}/edit/")
    assert "The profile was saved." in follow.content.decode()


@pytest.mark.parametrize(("field", "value"), [
    ("name_fa", "ن" * 201), ("website", "www dot example"), ("latitude", "91"), ("description_en", "x" * 3001),
])
def test_bad_input_when_editing_changes_nothing(client, institution, institution_admin, field, value):
    before = Institution.objects.values().get(pk=institution.pk)
    client.force_login(institution_admin)
    response = client.post(f"/fa/partners/{institution.slug}/edit/", profile(institution, **{field: value}))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert Institution.objects.values().get(pk=institution.pk) == before
    assert not AuditEntry.objects.exists()
    # the heading still shows the saved name, not the refused one
    heading = response.content.decode().split("<h1", 1)[1].split("</h1>", 1)[0]
    assert institution.name_fa in heading
    if field == "name_fa":
        assert value not in heading


# --- accreditation ------------------------------------------------------------------------------------

def test_secretariat_suspends_with_a_reason_and_the_history_shows_jalali_dates(client, institution, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/fa/partners/{institution.slug}/accreditation/",
                           {"status": Accreditation.SUSPENDED, "note": "گزارش سالانه نرسید"})
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.accreditation == Accreditation.SUSPENDED
    decision = AccreditationDecision.objects.get()
    assert decision.decided_by == secretariat and decision.note == "گزارش سالانه نرسید"
    entry = AuditEntry.objects.get(action="institution.accreditation")
    assert entry.changes["accreditation"] == [Accreditation.ACCREDITED, Accreditation.SUSPENDED]

    html = client.get(f"/fa/partners/{institution.slug}/accreditation/").content.decode()
    assert "گزارش سالانه نرسید" in html
    assert "۱۴۰" in html  # a Jalali year in Persian digits (14xx)
    assert client.get(f"/fa/partners/{institution.slug}/").status_code == 404  # gone from public view


@pytest.mark.parametrize("status", [Accreditation.SUSPENDED, Accreditation.WITHDRAWN])
def test_suspending_or_withdrawing_without_a_reason_is_refused(client, institution, secretariat, status):
    client.force_login(secretariat)
    response = client.post(f"/en/partners/{institution.slug}/accreditation/", {"status": status, "note": "  "})
    assert response.status_code == 200
    assert "note" in field_errors(response)
    assert "Give a reason" in response.content.decode()
    institution.refresh_from_db()
    assert institution.accreditation == Accreditation.ACCREDITED
    assert not AccreditationDecision.objects.exists() and not AuditEntry.objects.exists()


def test_setting_the_current_status_again_is_a_form_error(client, institution, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/en/partners/{institution.slug}/accreditation/", {"status": Accreditation.ACCREDITED})
    assert "status" in field_errors(response)
    assert not AccreditationDecision.objects.exists()


def test_an_unknown_status_is_a_form_error(client, institution, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/en/partners/{institution.slug}/accreditation/", {"status": "royal"})
    assert response.status_code == 200 and "status" in field_errors(response)


# --- staff --------------------------------------------------------------------------------------------

def test_an_admin_adds_a_person_by_mobile_in_persian_digits_changes_the_role_and_removes_them(
    client, institution, institution_admin
):
    person = UserFactory(mobile="09181234567", name="مریم احمدی")
    client.force_login(institution_admin)
    url = f"/fa/partners/{institution.slug}/staff/"

    response = client.post(url, {"action": "add", "add-mobile": "۰۹۱۸ ۱۲۳ ۴۵۶۷", "add-role": StaffRole.EDITOR})
    assert response.status_code == 302
    membership = StaffMembership.objects.get(institution=institution, user=person)
    assert membership.role == StaffRole.EDITOR
    assert "مریم احمدی" in client.get(url).content.decode()

    assert client.post(url, {"action": "role", "membership": membership.pk, "role": StaffRole.ADMIN}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == StaffRole.ADMIN

    assert client.post(url, {"action": "remove", "membership": membership.pk}).status_code == 302
    assert not StaffMembership.objects.filter(pk=membership.pk).exists()

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["institution.staff_add", "institution.staff_role", "institution.staff_remove"]
    role_change = AuditEntry.objects.get(action="institution.staff_role")
    assert role_change.changes == {"role": [StaffRole.EDITOR, StaffRole.ADMIN]}
    assert AuditEntry.objects.get(action="institution.staff_add").changes["role"] == [None, StaffRole.EDITOR]


@pytest.mark.parametrize(("mobile", "message"), [
    ("09350000000", "No one has an account with this mobile number"),
    ("12345", "Enter an Iranian mobile number"),
])
def test_an_unknown_or_malformed_mobile_is_a_form_error(client, institution, institution_admin, mobile, message):
    client.force_login(institution_admin)
    response = client.post(f"/en/partners/{institution.slug}/staff/",
                           {"action": "add", "add-mobile": mobile, "add-role": StaffRole.EDITOR})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StaffMembership.objects.filter(institution=institution).count() == 1


def test_the_last_admin_cannot_leave_or_step_down(client, institution, institution_admin):
    membership = StaffMembership.objects.get(user=institution_admin)
    client.force_login(institution_admin)
    url = f"/en/partners/{institution.slug}/staff/"
    for data in ({"action": "remove", "membership": membership.pk},
                 {"action": "role", "membership": membership.pk, "role": StaffRole.EDITOR}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "An institution needs at least one admin." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == StaffRole.ADMIN
    assert not AuditEntry.objects.exists()


def test_an_admin_who_leaves_while_another_stays_is_sent_away_from_the_staff_page(client, institution,
                                                                                  institution_admin):
    StaffMembershipFactory(institution=institution, role=Role.INSTITUTION_ADMIN)
    mine = StaffMembership.objects.get(user=institution_admin)
    client.force_login(institution_admin)
    response = client.post(f"/en/partners/{institution.slug}/staff/", {"action": "remove", "membership": mine.pk})
    assert response.status_code == 302 and response["Location"] == "/en/partners/"
    assert client.get(f"/en/partners/{institution.slug}/staff/").status_code == 404


def test_staff_of_another_institution_cannot_be_changed_from_this_page(client, institution, institution_admin,
                                                                       other_institution):
    stranger = StaffMembershipFactory(institution=other_institution, role=Role.INSTITUTION_EDITOR)
    client.force_login(institution_admin)
    response = client.post(f"/en/partners/{institution.slug}/staff/", {"action": "remove", "membership": stranger.pk})
    assert response.status_code == 200
    assert StaffMembership.objects.filter(pk=stranger.pk).exists()


def test_the_secretariat_gives_a_new_partner_its_first_admin_and_may_remove_the_last(client, institution,
                                                                                       secretariat):
    person = UserFactory(mobile="09123334455")
    client.force_login(secretariat)
    url = f"/en/partners/{institution.slug}/staff/"
    assert client.post(url, {"action": "add", "add-mobile": "09123334455",
                             "add-role": StaffRole.ADMIN}).status_code == 302
    membership = StaffMembership.objects.get(user=person)
    assert client.post(url, {"action": "remove", "membership": membership.pk}).status_code == 302
    assert not StaffMembership.objects.filter(institution=institution).exists()


def test_an_unknown_staff_action_is_an_error_not_a_crash(client, institution, institution_admin):
    client.force_login(institution_admin)
    response = client.post(f"/en/partners/{institution.slug}/staff/", {"action": "explode"})
    assert response.status_code == 200
    assert "Choose what to do." in response.content.decode()
