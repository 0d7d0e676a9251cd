"""Writes about working groups and their seats: each one transaction, checked by the policy, audited.

The secretariat creates, edits, archives and reactivates groups. Whoever may manage a group's members
(its chair, or the secretariat) seats people, changes their role and takes them off the group; leaving
sets `left_on` and keeps the row, so past minutes still name who was there. A group has at most one
current chair and one current secretary: appointing a new one is refused with the current holder's name,
unless asked to replace them, in which case the old holder stays on as a member in the same transaction.

`actor=None` means the system (the demo loader, the command line); pages and the API always pass a person.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.validators import normalise_mobile
from learningcity.catalogue.models import KeyFeatureArea, LearningDomain
from learningcity.core.audit import audit_created, audit_record, audit_updated, diff, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.i18n import localized
from learningcity.core.permissions import Capability
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.institutions.models import Institution
from learningcity.institutions.selectors import PUBLIC_STATES

from .. import permissions
from ..inputs import parse_id
from ..models import GroupMember, GroupRole, Visibility, WorkingGroup

__all__ = [
    "group_create",
    "group_update",
    "group_archive",
    "group_reactivate",
    "member_add",
    "member_change_role",
    "member_remove",
]

GROUP_FIELDS = ("name_fa", "name_en", "mandate_fa", "mandate_en", "visibility", "key_features", "domains")
# Short names the group pages' own addresses use (`groups/new/`).
RESERVED_SLUGS = frozenset({"new"})
# Seats a group has at most one of at a time (the database says so too).
SINGLE_SEATS = (GroupRole.CHAIR, GroupRole.SECRETARY)


# --- shared checks ------------------------------------------------------------------------------------


def _refuse_unless_secretariat(actor, city) -> None:
    if actor is not None and not permissions.can_create_groups(actor, city):
        raise NotAllowed(_("Only the city secretariat can create and edit working groups."))


def _refuse_unless_manager(actor, group: WorkingGroup) -> None:
    if actor is not None and not permissions.can(actor, Capability.MANAGE_GROUP_MEMBERS, group):
        raise NotAllowed(_("You cannot manage the members of this working group."))


def _unknown_fields(fields: dict, allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])


def _full_clean(group: WorkingGroup) -> None:
    """The model's rules, and the length limits Django leaves unchecked on text fields."""
    for name in ("name_fa", "name_en", "mandate_fa", "mandate_en"):
        value = getattr(group, name)
        setattr(group, name, value.strip() if isinstance(value, str) else value)
    try:
        group.full_clean(exclude=["city"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    for field in group._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length:
            if len(getattr(group, field.attname) or "") > field.max_length:
                raise DomainError(_("Write at most %(max)d characters.") % {"max": field.max_length},
                                  field=field.name)


def _key_features(value) -> list[str]:
    """Codes of UNESCO key features, de-duplicated, in the framework's order."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise DomainError(_("Choose key features from the list."), field="key_features")
    chosen = {str(item) for item in value}
    if not chosen <= set(KeyFeatureArea.values):
        raise DomainError(_("Choose key features from the list."), field="key_features")
    return [code for code in KeyFeatureArea.values if code in chosen]


def _domains(city, value, *, kept: Iterable[int] = ()) -> list[LearningDomain]:
    """The city's learning domains in use (or already linked), from objects or ids."""
    ids: set[int] = set()
    for item in value or ():
        if isinstance(item, LearningDomain):
            ids.add(item.pk)
        elif isinstance(item, int) and not isinstance(item, bool):
            ids.add(item)
        elif isinstance(item, str) and parse_id(item) is not None:
            ids.add(parse_id(item))
        else:
            raise DomainError(_("Choose learning domains from the list."), field="domains")
    found = list(LearningDomain.objects.filter(city=city, pk__in=ids))
    if len(found) != len(ids):
        raise DomainError(_("Choose learning domains of this city."), field="domains")
    retired = [d for d in found if not d.is_active and d.pk not in set(kept)]
    if retired:
        raise DomainError(_("The learning domain %(name)s is retired; choose one in use.")
                          % {"name": retired[0].name}, field="domains")
    return found


def _check_slug(city, slug: str) -> str:
    slug = (slug or "").strip().lower()
    if slug in RESERVED_SLUGS:
        raise DomainError(_("This short name is used by the site itself; choose another."), field="slug")
    try:
        WorkingGroup._meta.get_field("slug").run_validators(slug)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="slug") from exc
    if WorkingGroup.objects.filter(city=city, slug=slug).exists():
        raise Conflict(_("A working group with this short name already exists."), field="slug")
    return slug


def _free_slug(city, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first short name not yet taken in the city."""
    base = base if base and base not in RESERVED_SLUGS else "group"
    taken = set(WorkingGroup.objects.filter(city=city, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:70]}-{n}"
    return slug


def _group_snapshot(group: WorkingGroup) -> dict:
    data = snapshot(group)
    data["domains"] = sorted(group.domains.values_list("pk", flat=True)) if group.pk else []
    return data


def _lock_group(group: WorkingGroup) -> WorkingGroup:
    """The group's row, locked: one writer at a time changes a group or its seats."""
    return WorkingGroup.objects.select_for_update(of=("self",)).select_related("city").get(pk=group.pk)


# --- groups -------------------------------------------------------------------------------------------


def group_create(*, city, actor, slug: str = "", name_fa: str, mandate_fa: str, name_en: str = "",
                 mandate_en: str = "", visibility: str = Visibility.PUBLIC, key_features: Iterable[str] = (),
                 domains: Iterable = ()) -> WorkingGroup:
    """The secretariat forms a working group with a bilingual mandate, learning domains and key features."""
    _refuse_unless_secretariat(actor, city)
    group = WorkingGroup(city=city, name_fa=name_fa, name_en=name_en, mandate_fa=mandate_fa, mandate_en=mandate_en,
                         visibility=visibility, key_features=_key_features(key_features))
    # A chosen short name that is taken is a conflict to report; a derived one is made unique.
    group.slug = _check_slug(city, slug) if slug else _free_slug(city, slugify(name_en or "")[:70])
    _full_clean(group)
    linked = _domains(city, domains)
    try:
        with transaction.atomic():
            group.save()
            group.domains.set(linked)
            after = _group_snapshot(group)
            audit_record(actor=actor, action="workgroup.create", obj=group, city=city,
                         changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})})
    except IntegrityError as exc:
        raise Conflict(_("A working group with this short name already exists."), field="slug") from exc
    return group


def group_update(*, group: WorkingGroup, actor, **fields) -> WorkingGroup:
    """Edit a group's names, mandate, visibility, key features or learning domains (secretariat only)."""
    _refuse_unless_secretariat(actor, group.city)
    _unknown_fields(fields, GROUP_FIELDS)
    with transaction.atomic():
        locked = _lock_group(group)
        before = _group_snapshot(locked)
        scalars = {name: value for name, value in fields.items() if name != "domains"}
        if "key_features" in scalars:
            scalars["key_features"] = _key_features(scalars["key_features"])
        for name, value in scalars.items():
            setattr(locked, name, value)
        _full_clean(locked)
        linked = _domains(locked.city, fields["domains"], kept=before["domains"]) if "domains" in fields else None
        locked.save(update_fields=[*scalars, "updated_at"])
        if linked is not None:
            locked.domains.set(linked)
        changes = diff(before, _group_snapshot(locked))
        if changes:
            audit_record(actor=actor, action="workgroup.update", obj=locked, changes=changes, city=locked.city)
    return locked


def _set_active(group: WorkingGroup, actor, active: bool) -> WorkingGroup:
    _refuse_unless_secretariat(actor, group.city)
    with transaction.atomic():
        locked = _lock_group(group)
        if locked.is_active == active:
            raise DomainError(_("This working group is already active.") if active
                              else _("This working group is already archived."))
        before = snapshot(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active", "updated_at"])
        audit_updated(actor=actor, obj=locked, before=before, city=locked.city,
                      action="workgroup.reactivate" if active else "workgroup.archive")
    group.is_active = active
    return locked


def group_archive(*, group: WorkingGroup, actor) -> WorkingGroup:
    """Close a group that has finished its work; its page, members and decisions stay on record."""
    return _set_active(group, actor, False)


def group_reactivate(*, group: WorkingGroup, actor) -> WorkingGroup:
    """Bring an archived group back into use."""
    return _set_active(group, actor, True)


# --- seats --------------------------------------------------------------------------------------------


def _person(*, user, mobile: str):
    """The person to seat: the account given, or the open account with this mobile number."""
    if (user is None) == (not mobile):
        raise DomainError(_("Give the person's mobile number."), field="mobile")
    if user is None:
        try:
            mobile = normalise_mobile(mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="mobile") from exc
        user = get_user_model().objects.filter(mobile=mobile).first()
        if user is None:
            raise DomainError(_("No one has an account with this mobile number. Ask the person to sign up first."),
                              field="mobile", code="unknown_mobile")
    if not user.is_active:
        raise DomainError(_("This account is closed."), field="mobile")
    return user


def _institution(group: WorkingGroup, value) -> Institution | None:
    """The partner a seat represents: an active partner of the group's own city, or none."""
    if value in (None, ""):
        return None
    if isinstance(value, Institution):
        pk = value.pk
    elif isinstance(value, int) and not isinstance(value, bool):
        pk = value
    elif isinstance(value, str) and parse_id(value) is not None:
        pk = parse_id(value)
    else:
        raise DomainError(_("Choose a partner institution from the list."), field="institution")
    institution = Institution.objects.filter(pk=pk).first()
    if institution is None or institution.city_id != group.city_id:
        raise DomainError(_("Choose a partner institution of this city."), field="institution")
    if not institution.is_active or institution.accreditation not in PUBLIC_STATES:
        raise DomainError(_("%(name)s is not an active partner of the city.") % {"name": institution.name},
                          field="institution")
    return institution


def _check_role(role: str) -> str:
    if role not in GroupRole.values:
        raise DomainError(_("Choose a valid role."), field="role")
    return role


def _seat_taken_message(role: str, holder: GroupMember):
    values = {"name": holder.user.name}
    if role == GroupRole.CHAIR:
        return _("This working group already has a chair: %(name)s. Confirm to make the new person chair; "
                 "%(name)s then stays on as a member.") % values
    return _("This working group already has a secretary: %(name)s. Confirm to make the new person secretary; "
             "%(name)s then stays on as a member.") % values


def _holder(group: WorkingGroup, role: str) -> GroupMember | None:
    """Who currently holds a single seat (chair or secretary) of the locked group."""
    if role not in SINGLE_SEATS:
        return None
    return (GroupMember.objects.select_for_update(of=("self",)).select_related("user")
            .filter(group=group, role=role, left_on__isnull=True).first())


def _make_room(group: WorkingGroup, role: str, *, for_seat: GroupMember | None, replace_current: bool,
               actor) -> None:
    """Free the chair or secretary seat for someone else, if asked to; else refuse and say who holds it."""
    holder = _holder(group, role)
    if holder is None or (for_seat is not None and holder.pk == for_seat.pk):
        return
    if not replace_current:
        raise Conflict(_seat_taken_message(role, holder), field="role", code="seat_taken")
    before = snapshot(holder)
    holder.role = GroupRole.MEMBER
    holder.save(update_fields=["role"])
    audit_updated(actor=actor, obj=holder, before=before, action="workgroup.member_role", city=group.city)
    permissions.forget_cached_seats(holder.user)


def _conflict_from(exc: IntegrityError, role: str) -> Conflict:
    """The database refused a second current seat (two people appointing at the same moment).

    PostgreSQL names the constraint; SQLite names only the columns (`group_id, user_id` for a second seat).
    """
    text = str(exc)
    if "one_current_seat" in text or "user_id" in text or role not in SINGLE_SEATS:
        return Conflict(_("This person already sits in this working group."), field="mobile",
                        code="already_seated")
    if "one_current_secretary" in text or (role == GroupRole.SECRETARY and "one_current_chair" not in text):
        return Conflict(_("This working group already has a secretary. Reload the page and try again."),
                        field="role", code="seat_taken")
    return Conflict(_("This working group already has a chair. Reload the page and try again."),
                    field="role", code="seat_taken")


def _forget(*people) -> None:
    for person in people:
        if person is not None:
            permissions.forget_cached_seats(person)


def _notify_seated(seat: GroupMember) -> None:
    """Tell the person, in their language, that they now sit in the group (after the transaction commits)."""
    person, group = seat.user, seat.group
    language = person.preferred_language or "fa"

    def send():
        with translation.override(language):
            values = {"name": person.get_short_name(), "group": localized(group, "name", language),
                      "role": str(GroupRole(seat.role).label)}
            subject = gettext("You joined the working group %(group)s") % values
            body = gettext("%(name)s, you now sit in the working group “%(group)s” as: %(role)s. "
                           "Meetings, tasks and a weekly digest follow on the learning-city site.") % values
        deliver_sms.delay(person.mobile, body)
        if person.email:
            deliver_email.delay(subject, body, [person.email])

    transaction.on_commit(send, robust=True)


def member_add(*, group: WorkingGroup, actor, user=None, mobile: str = "", institution=None,
               role: str = GroupRole.MEMBER, joined_on: dt.date | None = None,
               replace_current: bool = False, notify: bool = True) -> GroupMember:
    """Seat a person (by account or mobile number) in a group, usually representing a partner of the city.

    A person may sit in several groups but holds one current seat per group. Appointing a chair or
    secretary while the group has one is refused, unless `replace_current`: then the old holder becomes
    a member in the same transaction. The person is told by text message (and email) unless `notify` is off
    (the demo loader seats made-up people).
    """
    _refuse_unless_manager(actor, group)
    person = _person(user=user, mobile=mobile)
    represents = _institution(group, institution)
    _check_role(role)
    today = timezone.localdate()
    joined_on = joined_on or today
    if not isinstance(joined_on, dt.date) or isinstance(joined_on, dt.datetime):
        raise DomainError(_("Enter a valid date."), field="joined_on")
    if joined_on > today:
        raise DomainError(_("The joining date cannot be in the future."), field="joined_on")
    try:
        with transaction.atomic():
            locked = _lock_group(group)
            if not locked.is_active:
                raise DomainError(_("This working group is archived; reactivate it before adding members."))
            if GroupMember.objects.filter(group=locked, user=person, left_on__isnull=True).exists():
                raise Conflict(_("%(name)s already sits in this working group; change their role instead.")
                               % {"name": person.name}, field="mobile", code="already_seated")
            _make_room(locked, role, for_seat=None, replace_current=replace_current, actor=actor)
            seat = GroupMember.objects.create(group=locked, user=person, institution=represents, role=role,
                                              joined_on=joined_on)
            audit_created(actor=actor, obj=seat, action="workgroup.member_add", city=locked.city)
            if notify:
                _notify_seated(seat)
    except IntegrityError as exc:
        raise _conflict_from(exc, role) from exc
    _forget(actor, person, user)
    return seat


def _current_seat(seat: GroupMember) -> GroupMember:
    """The seat's row, locked after its group's, refusing a seat that is gone or already left."""
    locked = (GroupMember.objects.select_for_update(of=("self",)).select_related("user", "group__city")
              .filter(pk=seat.pk, group_id=seat.group_id).first())
    if locked is None:
        raise NotFound(_("This seat no longer exists."))
    if locked.left_on is not None:
        raise DomainError(_("%(name)s already left this working group.") % {"name": locked.user.name},
                          code="already_left")
    return locked


def member_change_role(*, seat: GroupMember, actor, role: str, replace_current: bool = False) -> GroupMember:
    """Change a current member's role (chair, secretary, member, observer)."""
    group = seat.group
    _refuse_unless_manager(actor, group)
    _check_role(role)
    try:
        with transaction.atomic():
            locked_group = _lock_group(group)
            locked = _current_seat(seat)
            if locked.role == role:
                raise DomainError(_("%(name)s already has this role.") % {"name": locked.user.name}, field="role")
            _make_room(locked_group, role, for_seat=locked, replace_current=replace_current, actor=actor)
            before = snapshot(locked)
            locked.role = role
            locked.save(update_fields=["role"])
            audit_updated(actor=actor, obj=locked, before=before, action="workgroup.member_role",
                          city=locked_group.city)
    except IntegrityError as exc:
        raise _conflict_from(exc, role) from exc
    _forget(actor, locked.user, seat.user)
    return locked


def member_remove(*, seat: GroupMember, actor, left_on: dt.date | None = None) -> GroupMember:
    """Take a person off a group: the seat gets a leaving date and stays on record."""
    group = seat.group
    _refuse_unless_manager(actor, group)
    today = timezone.localdate()
    left_on = left_on or today
    if not isinstance(left_on, dt.date) or isinstance(left_on, dt.datetime):
        raise DomainError(_("Enter a valid date."), field="left_on")
    if left_on > today:
        raise DomainError(_("The leaving date cannot be in the future."), field="left_on")
    with transaction.atomic():
        locked_group = _lock_group(group)
        locked = _current_seat(seat)
        if left_on < locked.joined_on:
            raise DomainError(_("The leaving date cannot be before the joining date."), field="left_on")
        before = snapshot(locked)
        locked.left_on = left_on
        locked.save(update_fields=["left_on"])
        audit_updated(actor=actor, obj=locked, before=before, action="workgroup.member_remove",
                      city=locked_group.city)
    _forget(actor, locked.user, seat.user)
    seat.left_on = left_on
    return locked
