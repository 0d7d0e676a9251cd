"""Who may see and edit learning domains, role x action, through real requests. Denied is always 404."""

import pytest

from learningcity.catalogue.models import LearningDomain
from learningcity.core.models import AuditEntry

from .conftest import ROLES

EVERYONE = set(ROLES)
SECRETARIAT = {"secretariat", "superuser"}

PAGES = {
    "view": ("/fa/domains/", EVERYONE),
    "view_domain": ("/fa/domains/literacy/", EVERYONE),
    "manage": ("/fa/domains/manage/", SECRETARIAT),
    "create": ("/fa/domains/manage/new/", SECRETARIAT),
    "edit": ("/fa/domains/manage/literacy/edit/", SECRETARIAT),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_domain_pages_it_may(request, client_as, role, action, literacy,
                                                         institution_admin, institution_editor):
    url, allowed = PAGES[action]
    response = client_as(request.getfixturevalue(role)).get(url)
    assert response.status_code == (200 if role in allowed else 404)


WRITES = {
    "create": ("/fa/domains/manage/new/",
               {"name_fa": "هنر", "name_en": "Arts", "position": 0, "parent": ""},
               lambda: LearningDomain.objects.filter(name_en="Arts").exists()),
    "edit": ("/fa/domains/manage/literacy/edit/",
             {"name_fa": "سواد پایه", "name_en": "Literacy", "position": 1, "parent": "", "is_active": "on"},
             lambda: LearningDomain.objects.get(slug="literacy").name_fa == "سواد پایه"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_changes_domains_only_if_it_may(request, client_as, role, action, literacy, institution_admin,
                                                  institution_editor):
    url, data, changed = WRITES[action]
    response = client_as(request.getfixturevalue(role)).post(url, data)
    if role in SECRETARIAT:
        assert response.status_code == 302
        assert changed()
        assert AuditEntry.objects.filter(action__startswith="domain.").exists()
    else:
        assert response.status_code == 404
        assert not changed()
        assert not AuditEntry.objects.exists()
