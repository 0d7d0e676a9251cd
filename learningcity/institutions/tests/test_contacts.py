"""A partner's contacts, run by its staff and the secretariat: who may, bad input, public view, audit, order."""

import json
import re
import threading

import pytest
from django.db import close_old_connections, connection

from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.factories import CitizenFactory, InstitutionFactory, StaffMembershipFactory
from learningcity.institutions import services
from learningcity.institutions.models import InstitutionContact

from .conftest import ROLES

pytestmark = pytest.mark.django_db

HAMEDAN = "hamedan.example.org"
MAY_EDIT = {"institution_editor", "institution_admin", "secretariat", "superuser"}
MATRIX_ROLES = [*ROLES, "other_admin"]


@pytest.fixture
def other_admin(other_institution):
    """The admin of another partner of the same city."""
    user = CitizenFactory(city=other_institution.city)
    StaffMembershipFactory(institution=other_institution, user=user, role=Role.INSTITUTION_ADMIN)
    return user


def add(institution, actor=None, **fields) -> InstitutionContact:
    """A contact added through the service (the system when no actor is given)."""
    return services.contact_add(institution=institution, actor=actor, **{"name": "Sara Ahmadi", **fields})


def contacts_url(institution, lang="en") -> str:
    return f"/{lang}/partners/{institution.slug}/contacts/"


def edit_url(contact, lang="en") -> str:
    return f"/{lang}/partners/{contact.institution.slug}/contacts/{contact.pk}/edit/"


def names_in_order(institution) -> list[str]:
    return list(institution.contacts.order_by("position", "pk").values_list("name", flat=True))


def listed_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="contact-(\d+)"', response.content.decode())]


# --- who may do what: role x action through real requests; denied is always a 404 -------------------

def _host(role: str) -> dict:
    """Hamedan's secretariat comes through Hamedan's host name."""
    return {"HTTP_HOST": HAMEDAN} if role == "other_secretariat" else {}


@pytest.mark.parametrize("page", ["list", "edit"])
@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_each_role_opens_the_contact_pages_only_if_it_may_edit_the_partner(
    request, client_as, role, page, institution, institution_editor, institution_admin, other_admin
):
    contact = add(institution, is_public=True)
    client = client_as(request.getfixturevalue(role))
    url = contacts_url(institution, "fa") if page == "list" else edit_url(contact, "fa")
    response = client.get(url, **_host(role))
    assert response.status_code == (200 if role in MAY_EDIT else 404)


def _post_add(client, institution, contact, host):
    return client.post(contacts_url(institution), {"action": "add", "add-name": "New Person"}, **host)


def _added(institution, contact):
    return institution.contacts.filter(name="New Person").exists()


def _post_edit(client, institution, contact, host):
    return client.post(edit_url(contact), {"name": "Renamed", "title": "", "phone": "", "email": ""}, **host)


def _edited(institution, contact):
    return InstitutionContact.objects.get(pk=contact.pk).name == "Renamed"


def _post_remove(client, institution, contact, host):
    return client.post(contacts_url(institution), {"action": "remove", "contact": contact.pk, "confirmed": "yes"},
                       **host)


def _removed(institution, contact):
    return not InstitutionContact.objects.filter(pk=contact.pk).exists()


def _post_move(client, institution, contact, host):
    return client.post(contacts_url(institution), {"action": "down", "contact": contact.pk}, **host)


def _moved(institution, contact):
    return names_in_order(institution)[-1] == contact.name


WRITES = {"add": (_post_add, _added), "edit": (_post_edit, _edited), "remove": (_post_remove, _removed),
          "move": (_post_move, _moved)}


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_each_role_changes_contacts_only_if_it_may_edit_the_partner(
    request, client_as, role, action, institution, institution_editor, institution_admin, other_admin
):
    contact = add(institution, name="First")
    add(institution, name="Second")
    post, changed = WRITES[action]
    client = client_as(request.getfixturevalue(role))
    entries_before = AuditEntry.objects.count()
    response = post(client, institution, contact, _host(role))
    if role in MAY_EDIT:
        assert response.status_code == 302
        assert changed(institution, contact)
        assert AuditEntry.objects.count() == entries_before + 1
    else:
        assert response.status_code == 404
        assert not changed(institution, contact)
        assert AuditEntry.objects.count() == entries_before


def test_each_city_runs_only_its_own_partners_contacts(client, institution, secretariat, other_secretariat,
                                                        other_city):
    hamedan_partner = InstitutionFactory(city=other_city, slug="hamedan-library")
    ours = add(institution)
    theirs = add(hamedan_partner, name="Hamedan contact")

    client.force_login(other_secretariat)
    assert client.get(f"/en/partners/{hamedan_partner.slug}/contacts/", HTTP_HOST=HAMEDAN).status_code == 200
    for url in (contacts_url(institution), edit_url(ours)):
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_HOST=HAMEDAN).status_code == 404

    client.force_login(secretariat)
    for url in (f"/en/partners/{hamedan_partner.slug}/contacts/", edit_url(theirs)):
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_HOST=HAMEDAN).status_code == 404
    with pytest.raises(NotAllowed):
        services.contact_update(contact=theirs, actor=secretariat, name="Taken over")
    assert InstitutionContact.objects.get(pk=theirs.pk).name == "Hamedan contact"


def test_another_partners_contact_cannot_be_reached_through_this_partners_pages(
    client, institution, institution_admin, other_institution
):
    stranger = add(other_institution, name="Stranger")
    entries = AuditEntry.objects.count()
    client.force_login(institution_admin)
    assert client.get(f"/en/partners/{institution.slug}/contacts/{stranger.pk}/edit/").status_code == 404
    for action in ("remove", "up", "down"):
        response = client.post(contacts_url(institution), {"action": action, "contact": stranger.pk,
                                                           "confirmed": "yes"})
        assert response.status_code == 200
        assert "That contact is not on this list any more." in response.content.decode()
    assert names_in_order(other_institution) == ["Stranger"]
    assert AuditEntry.objects.count() == entries


def test_services_refuse_people_who_may_not_edit_the_partner(institution, citizen, other_admin):
    contact = add(institution)
    for actor in (citizen, other_admin):
        with pytest.raises(NotAllowed):
            services.contact_add(institution=institution, actor=actor, name="Intruder")
        with pytest.raises(NotAllowed):
            services.contact_update(contact=contact, actor=actor, name="Intruder")
        with pytest.raises(NotAllowed):
            services.contact_move(contact=contact, actor=actor, direction="down")
        with pytest.raises(NotAllowed):
            services.contact_remove(contact=contact, actor=actor)
    assert names_in_order(institution) == ["Sara Ahmadi"]


# --- bad input: a form error, nothing saved, nothing audited ---------------------------------------------

BAD_INPUT = [
    ("name", ""),
    ("name", "   "),
    ("name", "ن" * 151),
    ("title", "t" * 151),
    ("email", "someone-at-example"),
    ("email", "a@b"),
    ("phone", "0918abc4567"),
    ("phone", "۰۹۱۸ الف ۴۵۶۷"),
    ("phone", "123456"),  # 6 digits
    ("phone", "+98 918 123 4567 8901"),  # 16 digits
    ("phone", "0918+1234567"),
    ("phone", "0918-123-4567"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_bad_input_when_adding_is_a_form_error_and_saves_nothing(client, institution, institution_editor,
                                                                 field, value):
    client.force_login(institution_editor)
    data = {"action": "add", "add-name": "Sara", "add-phone": "08334274535", "add-email": "sara@example.org",
            f"add-{field}": value}
    response = client.post(contacts_url(institution), data)
    assert response.status_code == 200
    assert field in response.context["add_form"].errors
    html = response.content.decode()
    assert f'id="id_add-{field}_error"' in html and "Nothing was saved." in html
    assert not InstitutionContact.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_bad_input_when_editing_changes_nothing(client, institution, institution_admin, field, value):
    contact = add(institution, title="Coordinator", phone="08334274535", email="sara@example.org")
    before = InstitutionContact.objects.values().get(pk=contact.pk)
    entries = AuditEntry.objects.count()
    client.force_login(institution_admin)
    data = {"name": contact.name, "title": contact.title, "phone": contact.phone, "email": contact.email,
            field: value}
    response = client.post(edit_url(contact), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert InstitutionContact.objects.values().get(pk=contact.pk) == before
    assert AuditEntry.objects.count() == entries
    heading = response.content.decode().split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "Sara Ahmadi" in heading  # the saved name, not the refused one


@pytest.mark.parametrize(("field", "value"), [
    ("name", " "), ("name", "x" * 151), ("email", "nobody"), ("phone", "call me"), ("phone", "12"),
])
def test_the_services_hold_the_same_rules_whoever_calls_them(institution, institution_admin, field, value):
    with pytest.raises(DomainError) as refused:
        services.contact_add(institution=institution, actor=institution_admin, **{"name": "Sara", field: value})
    assert refused.value.field == field
    contact = add(institution)
    with pytest.raises(DomainError) as refused:
        services.contact_update(contact=contact, actor=institution_admin, **{field: value})
    assert refused.value.field == field
    with pytest.raises(DomainError) as refused:
        services.contact_update(contact=contact, actor=institution_admin, position=5)
    assert refused.value.field == "position"
    assert list(institution.contacts.values_list("name", "phone", "email")) == [("Sara Ahmadi", "", "")]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["institution.contact_add"]


@pytest.mark.parametrize(("typed", "stored"), [
    ("۰۸۳ ۳۴۲۷ ۴۵۳۵", "08334274535"),  # Persian digits with spaces
    ("+٩٨ ٩١٨ ١٢٣ ٤٥٦٧", "+989181234567"),  # Arabic-Indic digits
    ("\u200e+98 83 3427 4535\u200f", "+988334274535"),  # copied with direction marks
    ("०९१८१२३४५६७", "09181234567"),  # digits of any script
    ("09181234567", "09181234567"),
])
def test_phone_digits_of_any_script_are_stored_as_ascii(client, institution, institution_editor, typed, stored):
    client.force_login(institution_editor)
    response = client.post(contacts_url(institution, "fa"), {"action": "add", "add-name": "سارا", "add-phone": typed})
    assert response.status_code == 302
    assert InstitutionContact.objects.get().phone == stored


def test_editing_the_phone_in_persian_digits_folds_them_and_the_same_number_is_no_change(
    client, institution, institution_editor
):
    contact = add(institution, phone="08334274535")
    client.force_login(institution_editor)
    same = {"name": contact.name, "title": "", "phone": "۰۸۳۳ ۴۲۷ ۴۵۳۵", "email": ""}
    assert client.post(edit_url(contact, "fa"), same).status_code == 302
    assert not AuditEntry.objects.filter(action="institution.contact_update").exists()
    assert client.post(edit_url(contact, "fa"), {**same, "phone": "۰۹۱۸ ۱۲۳ ۴۵۶۷"}).status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "09181234567"
    entry = AuditEntry.objects.get(action="institution.contact_update")
    assert entry.changes == {"phone": ["08334274535", "09181234567"]}


def test_phone_and_email_inputs_read_left_to_right_and_labels_are_persian(client, institution, institution_editor):
    contact = add(institution)
    client.force_login(institution_editor)
    for url, prefix in ((contacts_url(institution, "fa"), "add-"), (edit_url(contact, "fa"), "")):
        response = client.get(url)
        html = response.content.decode()
        assert '<html lang="fa" dir="rtl">' in html
        for name in ("phone", "email"):
            at = html.index(f'name="{prefix}{name}"')
            tag = html[html.rindex("<input", 0, at):html.index(">", at)]
            assert 'dir="ltr"' in tag
        assert "تلفن" in html  # the model's Persian labels carry over


# --- the public page and the public API show public contacts only ---------------------------------------

def test_only_public_contacts_appear_on_the_public_page_with_tel_and_mailto_links(client, institution,
                                                                                  institution_editor):
    add(institution, name="Open Office", title="Front desk", phone="+98 83 3427 4535", email="open@example.org",
        is_public=True)
    secret = add(institution, name="Hidden Manager", phone="09120000000", email="hidden@example.org")
    for lang in ("fa", "en"):
        html = client.get(f"/{lang}/partners/{institution.slug}/").content.decode()
        assert "Open Office" in html and "Front desk" in html
        assert 'href="tel:+988334274535"' in html and 'href="mailto:open@example.org"' in html
        assert "Hidden Manager" not in html and "09120000000" not in html and "hidden@example.org" not in html
    assert "+۹۸۸۳۳۴۲۷۴۵۳۵" in client.get(f"/fa/partners/{institution.slug}/").content.decode()

    # made public by the staff, the contact appears; made internal again, it is gone
    client.force_login(institution_editor)
    publish = {"name": secret.name, "title": "", "phone": secret.phone, "email": secret.email, "is_public": "on"}
    assert client.post(edit_url(secret), publish).status_code == 302
    client.logout()
    assert "Hidden Manager" in client.get(f"/en/partners/{institution.slug}/").content.decode()
    client.force_login(institution_editor)
    assert client.post(edit_url(secret), {**publish, "is_public": ""}).status_code == 302
    client.logout()
    assert "Hidden Manager" not in client.get(f"/en/partners/{institution.slug}/").content.decode()


def test_private_contacts_never_appear_in_the_public_api(client, institution):
    add(institution, name="Open Office", is_public=True)
    add(institution, name="Hidden Manager", phone="09120000000", email="hidden@example.org")
    response = client.get(f"/api/v1/institutions/{institution.slug}")
    assert response.status_code == 200
    body = json.dumps(response.json(), ensure_ascii=False)
    assert "Hidden Manager" not in body and "09120000000" not in body and "hidden@example.org" not in body
    assert [c["name"] for c in response.json()["contacts"]] == ["Open Office"]


def test_the_staff_page_lists_public_and_internal_contacts_with_badges(client, institution, institution_editor):
    public = add(institution, name="Open Office", is_public=True)
    internal = add(institution, name="Hidden Manager")
    client.force_login(institution_editor)
    html = client.get(contacts_url(institution)).content.decode()
    public_row = html[html.index(f'id="contact-{public.pk}"'):].split("</tr>", 1)[0]
    internal_row = html[html.index(f'id="contact-{internal.pk}"'):].split("</tr>", 1)[0]
    assert 'data-visibility="public"' in public_row and ">Public<" in public_row
    assert 'data-visibility="internal"' in internal_row and ">Internal<" in internal_row


def test_the_partner_tabs_link_to_the_contacts(client, institution, institution_editor):
    client.force_login(institution_editor)
    for url in (f"/en/partners/{institution.slug}/edit/", contacts_url(institution)):
        html = client.get(url).content.decode()
        nav = html[html.index('aria-label="Partner pages"'):].split("</nav>", 1)[0]
        assert f'href="/en/partners/{institution.slug}/contacts/"' in nav


# --- the audit log ------------------------------------------------------------------------------------

def test_adding_editing_moving_and_removing_are_audited_with_the_changed_fields(client, institution,
                                                                                institution_admin):
    client.force_login(institution_admin)
    url = contacts_url(institution)
    assert client.post(url, {"action": "add", "add-name": "Sara", "add-title": "Coordinator",
                             "add-email": "sara@example.org"}).status_code == 302
    assert client.post(url, {"action": "add", "add-name": "Reza"}).status_code == 302
    sara = InstitutionContact.objects.get(name="Sara")
    added = AuditEntry.objects.filter(action="institution.contact_add").order_by("pk").first()
    assert added.actor == institution_admin and added.city == institution.city
    assert added.object_id == str(sara.pk)
    assert added.changes["name"] == [None, "Sara"] and added.changes["email"] == [None, "sara@example.org"]

    assert client.post(edit_url(sara), {"name": "Sara", "title": "Director", "phone": "", "email": "sara@example.org",
                                        "is_public": "on"}).status_code == 302
    updated = AuditEntry.objects.get(action="institution.contact_update")
    assert updated.changes == {"title": ["Coordinator", "Director"], "is_public": [False, True]}
    assert updated.city == institution.city and updated.actor == institution_admin

    assert client.post(url, {"action": "down", "contact": sara.pk}).status_code == 302
    moved = AuditEntry.objects.get(action="institution.contact_move")
    assert moved.changes == {"position": [1, 2]} and moved.object_id == str(sara.pk)

    assert client.post(url, {"action": "remove", "contact": sara.pk, "confirmed": "yes"}).status_code == 302
    removed = AuditEntry.objects.get(action="institution.contact_remove")
    assert removed.object_id == str(sara.pk) and removed.city == institution.city
    assert removed.changes["name"] == ["Sara", None] and removed.changes["title"] == ["Director", None]
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "institution.contact_add", "institution.contact_add", "institution.contact_update",
        "institution.contact_move", "institution.contact_remove",
    ]


def test_saving_an_unchanged_contact_writes_no_audit_entry(client, institution, institution_editor):
    contact = add(institution, title="Coordinator", email="sara@example.org")
    client.force_login(institution_editor)
    response = client.post(edit_url(contact), {"name": contact.name, "title": contact.title, "phone": "",
                                               "email": contact.email})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="institution.contact_update").exists()


# --- removing asks first ------------------------------------------------------------------------------

def test_removing_asks_for_confirmation_before_anything_is_removed(client, institution, institution_editor):
    contact = add(institution)
    client.force_login(institution_editor)
    asked = client.get(contacts_url(institution), {"remove": contact.pk})
    assert f'data-confirm-remove="{contact.pk}"' in asked.content.decode()
    assert "Remove Sara Ahmadi from the contacts?" in asked.content.decode()

    unconfirmed = client.post(contacts_url(institution), {"action": "remove", "contact": contact.pk})
    assert unconfirmed.status_code == 200
    assert f'data-confirm-remove="{contact.pk}"' in unconfirmed.content.decode()
    assert InstitutionContact.objects.filter(pk=contact.pk).exists()
    assert not AuditEntry.objects.filter(action="institution.contact_remove").exists()

    confirmed = client.post(contacts_url(institution), {"action": "remove", "contact": contact.pk, "confirmed": "yes"})
    assert confirmed.status_code == 302
    assert not InstitutionContact.objects.filter(pk=contact.pk).exists()
    assert "Sara Ahmadi was removed from the contacts." in client.get(contacts_url(institution)).content.decode()


@pytest.mark.parametrize("query", ["abc", "99999999999999999999", "-1", "۱۲"])
def test_an_odd_remove_query_shows_the_page_without_asking(client, institution, institution_editor, query):
    add(institution)
    client.force_login(institution_editor)
    response = client.get(contacts_url(institution), {"remove": query})
    assert response.status_code == 200 and "data-confirm-remove" not in response.content.decode()


@pytest.mark.parametrize("data", [{"action": "explode"}, {"action": "up", "contact": "x"}, {"action": "remove"}, {}])
def test_an_unknown_action_is_an_error_never_a_500(client, institution, institution_editor, data):
    add(institution)
    client.force_login(institution_editor)
    response = client.post(contacts_url(institution), data)
    assert response.status_code == 200
    assert InstitutionContact.objects.count() == 1


# --- order --------------------------------------------------------------------------------------------

def test_new_contacts_go_last_and_move_up_and_down(client, institution, institution_editor):
    client.force_login(institution_editor)
    url = contacts_url(institution)
    for name in ("First", "Second", "Third"):
        assert client.post(url, {"action": "add", "add-name": name}).status_code == 302
    assert names_in_order(institution) == ["First", "Second", "Third"]
    assert list(institution.contacts.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    first, second, third = (InstitutionContact.objects.get(name=n) for n in ("First", "Second", "Third"))

    response = client.post(url, {"action": "up", "contact": third.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#contact-{third.pk}")
    assert names_in_order(institution) == ["First", "Third", "Second"]
    assert client.post(url, {"action": "down", "contact": first.pk}).status_code == 302
    assert names_in_order(institution) == ["Third", "First", "Second"]
    page = client.get(url)
    assert listed_ids(page) == [third.pk, first.pk, second.pk]
    assert "First was moved down." in page.content.decode()

    # the ends stay put, with a message and no audit entry
    entries = AuditEntry.objects.count()
    for contact, direction, message in ((third, "up", "already first"), (second, "down", "already last")):
        response = client.post(url, {"action": direction, "contact": contact.pk})
        assert response.status_code == 200 and message in response.content.decode()
    assert names_in_order(institution) == ["Third", "First", "Second"]
    assert AuditEntry.objects.count() == entries

    # removing closes the gap; the next one added still goes last
    assert client.post(url, {"action": "remove", "contact": first.pk, "confirmed": "yes"}).status_code == 302
    assert client.post(url, {"action": "add", "add-name": "Fourth"}).status_code == 302
    assert list(institution.contacts.order_by("position").values_list("name", "position")) == [
        ("Third", 1), ("Second", 2), ("Fourth", 3)]


def test_the_first_contact_cannot_move_up_and_the_last_cannot_move_down_on_the_page(client, institution,
                                                                                    institution_editor):
    only = add(institution)
    client.force_login(institution_editor)
    html = client.get(contacts_url(institution)).content.decode()
    row = html[html.index(f'id="contact-{only.pk}"'):].split("</tr>", 1)[0]
    assert re.search(r'value="up"[^>]*disabled', row) and re.search(r'value="down"[^>]*disabled', row)


def test_a_contact_may_be_added_at_a_chosen_place(institution, institution_admin):
    for name in ("A", "B", "C"):
        add(institution, institution_admin, name=name)
    add(institution, institution_admin, name="First of all", position=1)
    add(institution, institution_admin, name="Beyond the end", position=99)
    add(institution, institution_admin, name="Third", position=3)
    assert names_in_order(institution) == ["First of all", "A", "Third", "B", "C", "Beyond the end"]
    assert list(institution.contacts.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(DomainError):
        add(institution, institution_admin, name="Nowhere", position="first")


def test_contacts_entered_before_the_service_with_equal_places_still_move_predictably(institution, institution_admin):
    # the admin and the demo loader used to save contacts with the default place 0
    for name in ("A", "B", "C"):
        InstitutionContact.objects.create(institution=institution, name=name)
    c = InstitutionContact.objects.get(name="C")
    services.contact_move(contact=c, actor=institution_admin, direction="up")
    assert names_in_order(institution) == ["A", "C", "B"]
    assert list(institution.contacts.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    with pytest.raises(DomainError):
        services.contact_move(contact=c, actor=institution_admin, direction="sideways")


def test_the_public_page_shows_public_contacts_in_the_chosen_order(client, institution, institution_admin):
    first = add(institution, institution_admin, name="Zahra Office", is_public=True)
    add(institution, institution_admin, name="Internal Desk")
    add(institution, institution_admin, name="Ali Office", is_public=True)
    services.contact_move(contact=first, actor=institution_admin, direction="down")
    services.contact_move(contact=first, actor=institution_admin, direction="down")
    html = client.get(f"/en/partners/{institution.slug}/").content.decode()
    assert html.index("Ali Office") < html.index("Zahra Office")


def _at_once(work, count: int) -> list[str]:
    """Run `work(n)` in `count` threads with their own connections, released together."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run(n: int) -> None:
        close_old_connections()
        try:
            barrier.wait()
            work(n)
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_simultaneous_adds_and_moves_keep_one_place_per_contact(institution, institution_admin):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on real PostgreSQL (the CI's second pass)")
    assert _at_once(lambda n: add(institution, institution_admin, name=f"Contact {n}"), 6) == ["done"] * 6
    assert sorted(institution.contacts.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]

    last = institution.contacts.get(position=6)
    first = institution.contacts.get(position=1)
    moves = [(last, "up"), (first, "down"), (last, "up"), (first, "down")]
    outcomes = _at_once(lambda n: services.contact_move(contact=moves[n][0], actor=institution_admin,
                                                        direction=moves[n][1]), 4)
    assert outcomes == ["done"] * 4
    assert sorted(institution.contacts.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert AuditEntry.objects.filter(action="institution.contact_move").count() == 4
    assert names_in_order(institution).index(last.name) == 3 and names_in_order(institution).index(first.name) == 2


# --- the admin ------------------------------------------------------------------------------------------

def test_contacts_are_read_only_in_the_admin(client, superuser, institution):
    contact = add(institution)
    client.force_login(superuser)
    assert client.get("/en/admin/institutions/institutioncontact/").status_code == 200
    assert client.get("/en/admin/institutions/institutioncontact/add/").status_code == 403
    page = client.get(f"/en/admin/institutions/institutioncontact/{contact.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(f"/en/admin/institutions/institutioncontact/{contact.pk}/change/", {
        "institution": institution.pk, "name": "Changed", "is_public": "on", "position": 0,
    })
    assert response.status_code == 403
    assert client.post(f"/en/admin/institutions/institutioncontact/{contact.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert InstitutionContact.objects.get(pk=contact.pk).name == "Sara Ahmadi"


def test_the_secretariat_of_this_city_may_run_any_partners_contacts(client, city, secretariat):
    partner = InstitutionFactory(city=city, slug="no-staff-yet")
    client.force_login(secretariat)
    assert client.post(f"/fa/partners/{partner.slug}/contacts/",
                       {"action": "add", "add-name": "دفتر", "add-is_public": "on"}).status_code == 302
    assert partner.contacts.get().is_public
