"""The audit log: every write leaves who, what, which record and which fields; the secretariat reads it."""

import pytest

from learningcity.core.models import AuditEntry
from learningcity.institutions.services import institution_update


@pytest.mark.django_db
def test_an_update_records_actor_action_object_and_changed_fields(institution, institution_admin):
    institution_update(institution=institution, actor=institution_admin, name_en="Razi Learning Centre")
    entry = AuditEntry.objects.get(action="institution.update")
    assert entry.actor == institution_admin
    assert entry.actor_label == str(institution_admin)
    assert entry.object_id == str(institution.pk)
    assert entry.city == institution.city
    assert entry.changes["name_en"][1] == "Razi Learning Centre"
    assert "name_fa" not in entry.changes


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_no_entry(institution, institution_admin):
    institution_update(institution=institution, actor=institution_admin, name_en=institution.name_en)
    assert not AuditEntry.objects.filter(action="institution.update").exists()


@pytest.mark.django_db
def test_secretariat_reads_the_city_audit_log_and_others_get_404(client, city, secretariat, citizen,
                                                                 institution, institution_admin):
    institution_update(institution=institution, actor=institution_admin, name_en="Audit me")
    client.force_login(citizen)
    assert client.get("/fa/manage/audit/").status_code == 404
    client.force_login(secretariat)
    page = client.get("/en/manage/audit/?action=institution")
    assert page.status_code == 200
    assert "institution.update" in page.content.decode()
    assert "Audit me" in page.content.decode()


@pytest.mark.django_db
def test_audit_log_of_one_city_is_not_shown_to_another_citys_secretariat(client, city, other_city, institution,
                                                                          institution_admin):
    from learningcity.core.permissions import Role
    from learningcity.factories import CitizenFactory, RoleAssignmentFactory

    institution_update(institution=institution, actor=institution_admin, name_en="Kermanshah only")
    other_secretariat = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=other_secretariat, role=Role.SECRETARIAT, city=other_city)
    client.force_login(other_secretariat)
    page = client.get("/en/manage/audit/", HTTP_HOST="hamedan.example.org")
    assert page.status_code == 200
    assert "Kermanshah only" not in page.content.decode()
    # and on Kermanshah's host the other city's secretariat has no access at all
    assert client.get("/en/manage/audit/").status_code == 404
