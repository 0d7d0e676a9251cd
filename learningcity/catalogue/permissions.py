"""The catalogue policy: who may edit the learning domains, draft and run programmes, offerings and venues,
and approve programmes for publication (architecture 4.6: roles are data, default deny).

- The learning-domain taxonomy: the secretariat (`manage_domains`).
- Programmes, their offerings and the venues of an institution: its staff with `manage_programmes`, or
  the city secretariat (`approve_programmes` or `manage_institutions`).
- Publication (approve, return for changes): the city secretariat only (`approve_programmes`).
"""

from django.db.models import Q, QuerySet

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.permissions import Capability
from learningcity.institutions.models import Institution
from learningcity.institutions.permissions import can, institutions_for

from .models import Programme, ProgrammeStatus, Venue


def can_manage_domains(user, city) -> bool:
    return has_city_capability(user, Capability.MANAGE_DOMAINS, city)


def is_programme_secretariat(user, city) -> bool:
    """The city secretariat, who may write every programme of the city (and approve them)."""
    if city is None:
        return False
    return has_city_capability(user, Capability.APPROVE_PROGRAMMES, city) or has_city_capability(
        user, Capability.MANAGE_INSTITUTIONS, city
    )


def can_approve_programmes(user, city) -> bool:
    """May this person publish, or return for changes, the programmes of `city`?"""
    return city is not None and has_city_capability(user, Capability.APPROVE_PROGRAMMES, city)


def can_manage_programmes(user, institution: Institution) -> bool:
    """May this person draft and edit the programmes, offerings and venues of `institution`?"""
    if institution is None or not getattr(user, "is_authenticated", False):
        return False
    return is_programme_secretariat(user, institution.city) or can(user, Capability.MANAGE_PROGRAMMES, institution)


def can_edit_programme(user, programme: Programme) -> bool:
    return can_manage_programmes(user, programme.institution)


def can_approve(user, programme: Programme) -> bool:
    return can_approve_programmes(user, programme.city)


def can_manage_venue(user, venue: Venue) -> bool:
    """A venue of an institution: its staff or the secretariat; a venue of the whole city: the secretariat."""
    if venue.institution_id is None:
        return is_programme_secretariat(user, venue.city)
    return can_manage_programmes(user, venue.institution)


def institutions_managed_by(user, city) -> QuerySet[Institution]:
    """The institutions of `city` whose programmes this person may draft and run."""
    if city is None or not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    if is_programme_secretariat(user, city):
        return Institution.objects.filter(city=city)
    return institutions_for(user, Capability.MANAGE_PROGRAMMES, city)


def programmes_managed_by(user, city) -> QuerySet[Programme]:
    """The programmes of `city` this person may see in the provider console and edit."""
    if city is None or not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    if is_programme_secretariat(user, city):
        return Programme.objects.filter(city=city)
    return Programme.objects.filter(city=city, institution__in=institutions_managed_by(user, city))


def programmes_visible_to_api(user, city) -> QuerySet[Programme]:
    """What a person can see of the programmes of `city`: the published ones, and the ones they manage.

    The API tells apart "not there for you" (404) and "there, but not yours to change" (403).
    """
    if city is None:
        return Programme.objects.none()
    published = Q(status=ProgrammeStatus.PUBLISHED)
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.filter(published, city=city)
    if is_programme_secretariat(user, city):
        return Programme.objects.filter(city=city)
    managed = institutions_managed_by(user, city)
    return Programme.objects.filter(Q(institution__in=managed) | published, city=city)


def venues_managed_by(user, city) -> QuerySet[Venue]:
    """The venues of `city` this person may edit: their institutions' venues, or all for the secretariat."""
    if city is None or not getattr(user, "is_authenticated", False):
        return Venue.objects.none()
    if is_programme_secretariat(user, city):
        return Venue.objects.filter(city=city)
    return Venue.objects.filter(city=city, institution__in=institutions_managed_by(user, city))


def may_open_console(user, city) -> bool:
    """The provider console is for institution staff who run programmes, and for the secretariat."""
    if city is None or not getattr(user, "is_authenticated", False):
        return False
    return is_programme_secretariat(user, city) or institutions_managed_by(user, city).exists()
