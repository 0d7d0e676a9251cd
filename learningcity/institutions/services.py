"""Writes about partner institutions: profiles, staff and accreditation. One transaction, audited."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.permissions import Capability
from learningcity.core.text import normalise_for_search

from . import permissions
from .models import Accreditation, AccreditationDecision, Institution, StaffMembership, StaffRole

PROFILE_FIELDS = (
    "type", "name_fa", "name_en", "description_fa", "description_en", "district", "address_fa", "address_en",
    "latitude", "longitude", "website", "phone", "email",
)


def _search_key(institution: Institution) -> str:
    return normalise_for_search(
        " ".join([
            institution.name_fa, institution.name_en, institution.description_fa, institution.description_en,
            institution.get_type_display() if institution.type else "",
        ])
    )


COORDINATE_LIMITS = {"latitude": Decimal(90), "longitude": Decimal(180)}


def _full_clean(institution: Institution) -> None:
    try:
        institution.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    # Django does not enforce max_length on TextField; the model's limit is the city's rule.
    for field in institution._meta.concrete_fields:
        if not isinstance(field, models.TextField) or not field.max_length:
            continue
        if len(getattr(institution, field.attname) or "") > field.max_length:
            raise DomainError(
                _("Write at most %(max)d characters.") % {"max": field.max_length}, field=field.name
            )
    for name, limit in COORDINATE_LIMITS.items():
        value = getattr(institution, name)
        if value is not None and not -limit <= Decimal(value) <= limit:
            raise DomainError(
                _("Enter a value between %(low)s and %(high)s.") % {"low": -limit, "high": limit}, field=name
            )
    if institution.district_id and institution.district.city_id != institution.city_id:
        raise DomainError(_("Choose a district of this city."), field="district")


def _free_slug(city, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first short name not yet taken in the city."""
    taken = set(Institution.objects.filter(city=city, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:90]}-{n}"
    return slug


def institution_create(*, city, actor, slug: str = "", accreditation: str = Accreditation.PENDING,
                       **fields) -> Institution:
    """Add a partner institution to the city (the secretariat's job, or the demo loader's)."""
    if actor is not None and not has_city_capability(actor, Capability.MANAGE_INSTITUTIONS, city):
        raise NotAllowed(_("Only the city secretariat can add partner institutions."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    institution = Institution(city=city, accreditation=accreditation, **fields)
    # A chosen short name that is taken is a conflict to report; a derived one is made unique.
    institution.slug = slug or _free_slug(city, slugify(fields.get("name_en") or "")[:90] or "partner")
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
        locked.save(update_fields=[*fields, "search_key", "updated_at"])
        audit_updated(actor=actor, obj=locked, before=before, action="institution.update")
    return locked


def accreditation_set(
    *, institution: Institution, status: str, actor, note: str = ""
) -> AccreditationDecision:
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
            institution=locked, status=status, note=note,
            decided_by=actor if actor and actor.is_authenticated else None,
        )
        audit_record(actor=actor, action="institution.accreditation", obj=locked,
                     changes={"accreditation": [previous, status], "note": [None, note]})
    institution.accreditation = status
    return decision


def _may_manage_staff(actor, institution: Institution) -> bool:
    return permissions.can(actor, Capability.MANAGE_INSTITUTION_STAFF, institution)


def _may_leave_without_admin(actor, institution: Institution) -> bool:
    """Only the secretariat (or the system) may leave a partner without an admin, e.g. as it changes hands."""
    return actor is None or has_city_capability(actor, Capability.MANAGE_INSTITUTIONS, institution.city)


def _admin_ids(institution: Institution) -> list[int]:
    """The admins' membership ids, their rows locked so two admins cannot both step down at once."""
    return list(
        StaffMembership.objects.select_for_update()
        .filter(institution=institution, role=StaffRole.ADMIN)
        .values_list("pk", flat=True)
    )


def staff_add(*, institution: Institution, user, role: str, actor) -> StaffMembership:
    """Put a person on an institution's staff as admin or editor (or change their role)."""
    if actor is not None and not _may_manage_staff(actor, institution):
        raise NotAllowed(_("You cannot manage this institution's staff."))
    if role not in StaffRole.values:
        raise DomainError(_("Choose a valid staff role."), field="role")
    if not user.is_active:
        raise DomainError(_("This account is closed."), field="mobile")
    with transaction.atomic():
        membership, created = StaffMembership.objects.select_for_update().get_or_create(
            institution=institution, user=user, defaults={"role": role}
        )
        if created:
            audit_created(actor=actor, obj=membership, action="institution.staff_add", city=institution.city)
        elif membership.role != role:
            if membership.role == StaffRole.ADMIN and not _may_leave_without_admin(actor, institution) and \
                    _admin_ids(institution) == [membership.pk]:
                raise DomainError(_("An institution needs at least one admin."), field="role")
            before = snapshot(membership)
            membership.role = role
            membership.save(update_fields=["role"])
            audit_updated(actor=actor, obj=membership, before=before, action="institution.staff_role",
                          city=institution.city)
    return membership


def staff_remove(*, membership: StaffMembership, actor) -> None:
    """Take a person off an institution's staff; the last admin stays unless the secretariat removes them."""
    institution = membership.institution
    if not _may_manage_staff(actor, institution):
        raise NotAllowed(_("You cannot manage this institution's staff."))
    with transaction.atomic():
        if membership.role == StaffRole.ADMIN and not _may_leave_without_admin(actor, institution) and \
                _admin_ids(institution) == [membership.pk]:
            raise DomainError(_("An institution needs at least one admin."))
        audit_record(actor=actor, action="institution.staff_remove", obj=membership, city=institution.city,
                     changes={"user": [membership.user_id, None], "role": [membership.role, None]})
        membership.delete()
