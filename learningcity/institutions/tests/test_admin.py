"""The admin site: operators look things up; writes go through the services or are audited."""

import pytest

from learningcity.catalogue.models import LearningDomain
from learningcity.core.models import AuditEntry
from learningcity.factories import InstitutionFactory, LearningDomainFactory, StaffMembershipFactory
from learningcity.institutions.models import (
    Accreditation,
    AccreditationDecision,
    Institution,
    InstitutionContact,
    StaffMembership,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Institution, AccreditationDecision, StaffMembership, InstitutionContact,
                                   LearningDomain])
def test_every_changelist_and_search_renders(client, superuser, institution, model):
    StaffMembershipFactory(institution=institution)
    LearningDomainFactory(city=institution.city)
    client.force_login(superuser)
    meta = model._meta
    url = f"/en/admin/{meta.app_label}/{meta.model_name}/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "یادگیری"}).status_code == 200


def test_profiles_decisions_and_domains_are_read_only_in_the_admin(client, superuser, institution):
    client.force_login(superuser)
    assert client.get("/en/admin/institutions/institution/add/").status_code == 403
    page = client.get(f"/en/admin/institutions/institution/{institution.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get("/en/admin/institutions/accreditationdecision/add/").status_code == 403
    assert client.get("/en/admin/catalogue/learningdomain/add/").status_code == 403


def test_the_accredit_action_goes_through_the_service(client, superuser, city):
    pending = InstitutionFactory(city=city, accreditation=Accreditation.PENDING)
    client.force_login(superuser)
    response = client.post("/en/admin/institutions/institution/", {
        "action": "accredit", "_selected_action": [pending.pk],
    })
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.accreditation == Accreditation.ACCREDITED
    assert AccreditationDecision.objects.get(institution=pending).decided_by == superuser
    assert AuditEntry.objects.filter(action="institution.accreditation").count() == 1
