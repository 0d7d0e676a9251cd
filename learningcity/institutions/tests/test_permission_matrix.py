"""Who may open and use which partner page: role x action, through real requests. Denied is always 404."""

import pytest

from learningcity.core.models import AuditEntry
from learningcity.institutions.models import Accreditation, AccreditationDecision, Institution, StaffMembership

from .conftest import ROLES

EVERYONE = set(ROLES)
SECRETARIAT = {"secretariat", "superuser"}

# action -> (how to build the URL from the fixtures, who gets the page)
PAGES = {
    "view_directory": (lambda own, other: "/fa/partners/", EVERYONE),
    "view_detail": (lambda own, other: f"/fa/partners/{own.slug}/", EVERYONE),
    "open_manage": (lambda own, other: "/fa/partners/manage/",
                    {"institution_editor", "institution_admin", *SECRETARIAT}),
    "create": (lambda own, other: "/fa/partners/manage/new/", SECRETARIAT),
    "edit_own_institution": (lambda own, other: f"/fa/partners/{own.slug}/edit/",
                             {"institution_editor", "institution_admin", *SECRETARIAT}),
    "edit_other_institution": (lambda own, other: f"/fa/partners/{other.slug}/edit/", SECRETARIAT),
    "set_accreditation": (lambda own, other: f"/fa/partners/{own.slug}/accreditation/", SECRETARIAT),
    "manage_staff": (lambda own, other: f"/fa/partners/{own.slug}/staff/", {"institution_admin", *SECRETARIAT}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_it_may_and_gets_404_elsewhere(
    request, client_as, role, action, institution, institution_editor, institution_admin, other_institution
):
    url_of, allowed = PAGES[action]
    client = client_as(request.getfixturevalue(role))
    response = client.get(url_of(institution, other_institution))
    assert response.status_code == (200 if role in allowed else 404)


def _post_create(client, own, other):
    return client.post("/fa/partners/manage/new/", {"type": "ngo", "name_fa": "انجمن تازه", "name_en": "New society"})


def _created(own, other):
    return Institution.objects.filter(name_en="New society").exists()


def _post_edit_own(client, own, other):
    return client.post(f"/fa/partners/{own.slug}/edit/",
                       {"type": own.type, "name_fa": "نام تازه", "name_en": own.name_en})


def _edited_own(own, other):
    return Institution.objects.get(pk=own.pk).name_fa == "نام تازه"


def _post_edit_other(client, own, other):
    return client.post(f"/fa/partners/{other.slug}/edit/",
                       {"type": other.type, "name_fa": "نام دیگر", "name_en": other.name_en})


def _edited_other(own, other):
    return Institution.objects.get(pk=other.pk).name_fa == "نام دیگر"


def _post_accreditation(client, own, other):
    return client.post(f"/fa/partners/{own.slug}/accreditation/",
                       {"status": Accreditation.SUSPENDED, "note": "گزارش نداده است"})


def _accreditation_set(own, other):
    return AccreditationDecision.objects.filter(institution=own).exists()


def _post_staff(client, own, other):
    from learningcity.factories import UserFactory

    UserFactory(mobile="09187776655", name="همکار تازه")
    return client.post(f"/fa/partners/{own.slug}/staff/",
                       {"action": "add", "add-mobile": "09187776655", "add-role": "institution_editor"})


def _staff_added(own, other):
    return StaffMembership.objects.filter(institution=own, user__mobile="09187776655").exists()


WRITES = {
    "create": (_post_create, _created, SECRETARIAT),
    "edit_own_institution": (_post_edit_own, _edited_own, {"institution_editor", "institution_admin", *SECRETARIAT}),
    "edit_other_institution": (_post_edit_other, _edited_other, SECRETARIAT),
    "set_accreditation": (_post_accreditation, _accreditation_set, SECRETARIAT),
    "manage_staff": (_post_staff, _staff_added, {"institution_admin", *SECRETARIAT}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_changes_exactly_what_it_may_and_nothing_else(
    request, client_as, role, action, institution, institution_editor, institution_admin, other_institution
):
    post, changed, allowed = WRITES[action]
    client = client_as(request.getfixturevalue(role))
    entries_before = AuditEntry.objects.count()
    response = post(client, institution, other_institution)
    if role in allowed:
        assert response.status_code == 302
        assert changed(institution, other_institution)
        assert AuditEntry.objects.count() > entries_before
    else:
        assert response.status_code == 404
        assert not changed(institution, other_institution)
        assert AuditEntry.objects.count() == entries_before
