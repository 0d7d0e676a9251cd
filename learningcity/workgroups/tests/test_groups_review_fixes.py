"""Found in review (the same "²" trap as in tasks and documents): ids typed as text pass only when they are
digits `int()` can read, in Latin, Persian or Arabic-Indic digits."""

import pytest
from django.utils import translation

from learningcity.core.errors import DomainError
from learningcity.core.text import persian_digits
from learningcity.factories import CitizenFactory, InstitutionFactory, LearningDomainFactory
from learningcity.workgroups.models import GroupMember, WorkingGroup
from learningcity.workgroups.services import group_create, member_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _create(city, secretariat, domains):
    return group_create(city=city, actor=secretariat, name_fa="کارگروه سواد", mandate_fa="سواد برای همه",
                        domains=domains)


@pytest.mark.parametrize("domain", ["²", "1²", "x"])
def test_a_domain_id_that_only_looks_like_a_number_is_refused(city, secretariat, domain):
    with pytest.raises(DomainError) as refused:
        _create(city, secretariat, [domain])
    assert refused.value.field == "domains"
    assert not WorkingGroup.objects.exists()


def test_domain_ids_in_persian_digits_still_work(city, secretariat):
    domain = LearningDomainFactory(city=city)
    group = _create(city, secretariat, [persian_digits(domain.pk)])
    assert list(group.domains.all()) == [domain]


def test_an_institution_id_that_only_looks_like_a_number_is_refused(city, secretariat):
    group = _create(city, secretariat, [])
    person = CitizenFactory(city=city)
    with pytest.raises(DomainError) as refused:
        member_add(group=group, actor=secretariat, user=person, institution="²", notify=False)
    assert refused.value.field == "institution"
    assert not GroupMember.objects.exists()
    partner = InstitutionFactory(city=city)
    seat = member_add(group=group, actor=secretariat, user=person, institution=persian_digits(partner.pk),
                      notify=False)
    assert seat.institution == partner
