"""Writes about partner institutions: profiles, contacts, staff and accreditation. One transaction, audited."""

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.permissions import has_city_capability
from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.permissions import Capability
from learningcity.core.text import normalise_for_search

from . import permissions
from .models import Accreditation, AccreditationDecision, Institution, InstitutionContact, StaffMembership, StaffRole

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


# --- contacts -------------------------------------------------------------------------------------------

CONTACT_FIELDS = ("name", "title", "phone", "email", "is_public")
CONTACT_TEXT_FIELDS = ("name", "title", "phone", "email")
MOVES = {"up": -1, "down": 1}
_PHONE = re.compile(r"\+?[0-9]{7,15}")
# Invisible direction marks that come along when a number is copied out of Persian text.
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def normalise_contact_phone(value: str) -> str:
    """A contact's phone as stored: digits of any script as ASCII, spaces dropped, an optional leading `+`.

    Raises `DomainError` unless 7 to 15 digits remain; an empty value stays empty.
    """
    text = (value or "").translate(_DIRECTION_MARKS)
    compact = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in "".join(text.split()))
    if compact and not _PHONE.fullmatch(compact):
        raise DomainError(_("Enter a phone number of 7 to 15 digits; it may start with +."), field="phone")
    return compact


def _may_edit_contacts(actor, institution: Institution) -> bool:
    """Contacts are part of the profile: its staff with the capability, or the secretariat (None: the system)."""
    return actor is None or permissions.can(actor, Capability.EDIT_INSTITUTION_PROFILE, institution)


def _clean_contact(contact: InstitutionContact) -> None:
    for name in CONTACT_TEXT_FIELDS:
        setattr(contact, name, str(getattr(contact, name) or "").strip())
    contact.phone = normalise_contact_phone(contact.phone)
    contact.is_public = bool(contact.is_public)
    try:
        contact.full_clean(exclude=["institution"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


def _contacts_in_order(institution: Institution) -> list[InstitutionContact]:
    """The institution's contacts as listed, their rows locked; call after locking the institution."""
    return list(
        InstitutionContact.objects.select_for_update().filter(institution=institution).order_by("position", "pk")
    )


def _lock_contacts_of(institution: Institution) -> None:
    """One writer at a time changes an institution's list of contacts, so places never clash."""
    list(Institution.objects.select_for_update().filter(pk=institution.pk).values_list("pk", flat=True))


def _renumber(contacts: list[InstitutionContact]) -> None:
    """Places 1, 2, 3, ... in list order; only the rows whose place changed are written."""
    for place, contact in enumerate(contacts, start=1):
        if contact.position != place:
            contact.position = place
            contact.save(update_fields=["position"])


def contact_add(*, institution: Institution, actor, name: str, title: str = "", phone: str = "", email: str = "",
                is_public: bool = False, position: int | None = None) -> InstitutionContact:
    """Add a person to contact at an institution; last in the list unless a place (1 = first) is given."""
    if not _may_edit_contacts(actor, institution):
        raise NotAllowed(_("You cannot edit this institution."))
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        raise DomainError(_("Choose a valid place in the list."), field="position")
    contact = InstitutionContact(institution=institution, name=name, title=title, phone=phone, email=email,
                                 is_public=is_public)
    _clean_contact(contact)
    with transaction.atomic():
        _lock_contacts_of(institution)
        contacts = _contacts_in_order(institution)
        place = len(contacts) if position is None else min(max(position - 1, 0), len(contacts))
        contact.position = place + 1
        contact.save()
        contacts.insert(place, contact)
        _renumber(contacts)
        audit_created(actor=actor, obj=contact, action="institution.contact_add", city=institution.city)
    return contact


def contact_update(*, contact: InstitutionContact, actor, **fields) -> InstitutionContact:
    """Change a contact's name, job title, phone, email or whether the public sees it (its place: `contact_move`)."""
    institution = contact.institution
    if not _may_edit_contacts(actor, institution):
        raise NotAllowed(_("You cannot edit this institution."))
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        locked = InstitutionContact.objects.select_for_update().filter(pk=contact.pk, institution=institution).first()
        if locked is None:
            raise NotFound(_("This contact no longer exists."))
        before = snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _clean_contact(locked)
        changed = [name for name in CONTACT_FIELDS if before[name] != getattr(locked, name)]
        if changed:
            locked.save(update_fields=changed)
            audit_updated(actor=actor, obj=locked, before=before, action="institution.contact_update",
                          city=institution.city)
    return locked


def contact_remove(*, contact: InstitutionContact, actor) -> None:
    """Take a contact off an institution's list; the ones after it move up."""
    institution = contact.institution
    if not _may_edit_contacts(actor, institution):
        raise NotAllowed(_("You cannot edit this institution."))
    with transaction.atomic():
        _lock_contacts_of(institution)
        contacts = _contacts_in_order(institution)
        gone = next((c for c in contacts if c.pk == contact.pk), None)
        if gone is None:
            raise NotFound(_("This contact no longer exists."))
        audit_record(actor=actor, action="institution.contact_remove", obj=gone, city=institution.city,
                     changes={k: [v, None] for k, v in snapshot(gone).items() if v not in (None, "")})
        gone.delete()
        _renumber([c for c in contacts if c.pk != contact.pk])


def contact_move(*, contact: InstitutionContact, actor, direction: str) -> InstitutionContact:
    """Move a contact one place up or down the institution's list."""
    institution = contact.institution
    if not _may_edit_contacts(actor, institution):
        raise NotAllowed(_("You cannot edit this institution."))
    if direction not in MOVES:
        raise DomainError(_("Choose what to do."), field="direction")
    with transaction.atomic():
        _lock_contacts_of(institution)
        contacts = _contacts_in_order(institution)
        index = next((i for i, c in enumerate(contacts) if c.pk == contact.pk), None)
        if index is None:
            raise NotFound(_("This contact no longer exists."))
        target = index + MOVES[direction]
        if not 0 <= target < len(contacts):
            raise DomainError(_("This contact is already first.") if direction == "up"
                              else _("This contact is already last."), field="direction")
        moved = contacts[index]
        contacts[index], contacts[target] = contacts[target], moved
        _renumber(contacts)
        audit_record(actor=actor, action="institution.contact_move", obj=moved, city=institution.city,
                     changes={"position": [index + 1, target + 1]})
    return moved
