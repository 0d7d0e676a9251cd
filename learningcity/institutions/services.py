"""Writes about partner institutions: profiles, staff and accreditation. One transaction, audited."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.permissions import Capability
from learningcity.core.text import normalise_for_search

from learningcity.accounts.permissions import has_city_capability

from . import permissions
from .models import Accreditation, AccreditationDecision, Institution, StaffMembership, StaffRole

PROFILE_FIELDS = (
    "type", "name_fa", "name_en", "description_fa", "description_en", "district", "address_fa", "address_en",
    "latitude", "longitude", "website", "phone", "email",
)


def _search_key(institution: Institution) -> str:
    return normalise_for_search(
        " ".join([institution.name_fa, institution.name_en, institution.description_fa, institution.description_en,
                  institution.get_type_display() if institution.type else ""])
    )


def _full_clean(institution: Institution) -> None:
    try:
        institution.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    if institution.district_id and institution.district.city_id != institution.city_id:
        raise DomainError(_("Choose a district of this city."), field="district")


def institution_create(*, city, actor, slug: str = "", accreditation: str = Accreditation.PENDING,
                       **fields) -> Institution:
    """Add a partner institution to the city (the secretariat's job, or the demo loader's)."""
    if actor is not None and not has_city_capability(actor, Capability.MANAGE_INSTITUTIONS, city):
        raise NotAllowed(_("Only the city secretariat can add partner institutions."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    institution = Institution(city=city, accreditation=accreditation, **fields)
    institution.slug = slug or slugify(fields.get("name_en") or "") or "partner"
    _full_clean(institution)
    institution.search_key = _search_key(institution)
    try:
        with transaction.atomic():
            institution.save()
            audit_created(actor=actor, obj=institution, action="institution.create")
    except IntegrityError as exc:
        raise Conflict(_("A partner with this short name already exists."), field="slug") from exc
    return institution


def institution_update(*, institution: Institution, actor, **fields) -> Institution:
    """Edit a profile; staff with the capability or the secretariat."""
    if not permissions.can(actor, Capability.EDIT_INSTITUTION_PROFILE, institution):
        raise NotAllowed(_("You cannot edit this institution."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        before = snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _full_clean(locked)
        locked.search_key = _search_key(locked)
        locked.save()
        audit_updated(actor=actor, obj=locked, before=before, action="institution.update")
    return locked


def accreditation_set(*, institution: Institution, status: str, actor, note: str = "") -> AccreditationDecision:
    """The secretariat decides an institution's accreditation; each decision is kept."""
    if not has_city_capability(actor, Capability.SET_ACCREDITATION, institution.city):
        raise NotAllowed(_("Only the city secretariat can set accreditation."))
    if status not in Accreditation.values:
        raise DomainError(_("Choose a valid accreditation status."), field="status")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(_("The reason can have at most %(max)d characters.") % {"max": 500}, field="note")
    if status in (Accreditation.SUSPENDED, Accreditation.WITHDRAWN) and not note:
        raise DomainError(_("Give a reason when suspending or withdrawing accreditation."), field="note")
    with transaction.atomic():
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.accreditation == status:
            raise DomainError(_("The institution already has this status."), field="status")
        previous = locked.accreditation
        locked.accreditation = status
        locked.save(update_fields=["accreditation", "updated_at"])
        decision = AccreditationDecision.objects.create(
            institution=locked, status=status, note=note, decided_by=actor if actor and actor.is_authenticated else None
        )
        audit_record(actor=actor, action="institution.accreditation", obj=locked,
                     changes={"accreditation": [previous, status], "note": [None, note]})
    institution.accreditation = status
    return decision


def staff_add(*, institution: Institution, user, role: str, actor) -> StaffMembership:
    """Put a person on an institution's staff as admin or editor (or change their role)."""
    if actor is not None and not permissions.can(actor, Capability.MANAGE_INSTITUTION_STAFF, institution) and not \
            has_city_capability(actor, Capability.MANAGE_PEOPLE, institution.city):
        raise NotAllowed(_("You cannot manage this institution's staff."))
    if role not in StaffRole.values:
        raise DomainError(_("Choose a valid staff role."), field="role")
    with transaction.atomic():
        membership, created = StaffMembership.objects.select_for_update().get_or_create(
            institution=institution, user=user, defaults={"role": role}
        )
        if created:
            audit_created(actor=actor, obj=membership, action="institution.staff_add", city=institution.city)
        elif membership.role != role:
            before = snapshot(membership)
            membership.role = role
            membership.save(update_fields=["role"])
            audit_updated(actor=actor, obj=membership, before=before, action="institution.staff_role",
                          city=institution.city)
    return membership


def staff_remove(*, membership: StaffMembership, actor) -> None:
    institution = membership.institution
    if not permissions.can(actor, Capability.MANAGE_INSTITUTION_STAFF, institution):
        raise NotAllowed(_("You cannot manage this institution's staff."))
    with transaction.atomic():
        admins = StaffMembership.objects.select_for_update().filter(institution=institution, role=StaffRole.ADMIN)
        if membership.role == StaffRole.ADMIN and admins.count() == 1 and not \
                has_city_capability(actor, Capability.MANAGE_INSTITUTIONS, institution.city):
            raise DomainError(_("An institution needs at least one admin."))
        audit_record(actor=actor, action="institution.staff_remove", obj=membership, city=institution.city)
        membership.delete()
