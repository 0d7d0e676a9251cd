"""Writes to the catalogue, each one transaction with an audit entry.

- The learning-domain taxonomy: the secretariat adds, edits, moves and retires domains.
- Programmes: institution staff draft and edit them, submit them for approval; the city secretariat
  publishes them or returns them for changes; staff or the secretariat archive them.
- Offerings (dated runs with seats), their sessions, and the venues where sessions happen.

`actor=None` means the system (the demo loader, the command line); pages and the API always pass a person.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.accounts.models import RoleAssignment
from learningcity.core.audit import audit_created, audit_record, audit_updated, diff, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.i18n import localized
from learningcity.core.jalali import format_datetime
from learningcity.core.permissions import Role
from learningcity.core.tasks import deliver_email
from learningcity.core.text import fold_digits, normalise_for_search
from learningcity.institutions.models import Accreditation

from . import permissions
from .models import (
    Audience,
    AudienceKind,
    CompletionRule,
    Format,
    KeyFeatureArea,
    LearningDomain,
    Offering,
    OfferingStatus,
    Programme,
    ProgrammeStatus,
    Sdg4Target,
    Session,
    Venue,
    WaitlistPolicy,
)
from .permissions import can_manage_domains

FIELDS = ("name_fa", "name_en", "description_fa", "description_en", "parent", "position", "is_active")
MAX_DEPTH = 3


def _height(domain: LearningDomain) -> int:
    """How many levels a domain and its sub-domains take (1 for a domain without sub-domains)."""
    if domain.pk is None:
        return 1
    height, level = 1, [domain.pk]
    while level and height <= MAX_DEPTH:
        level = list(LearningDomain.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        if level:
            height += 1
    return height


def _check(domain: LearningDomain) -> None:
    try:
        domain.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    # Django does not enforce max_length on TextField; the model's limit is the city's rule.
    for name in ("description_fa", "description_en"):
        limit = LearningDomain._meta.get_field(name).max_length
        if len(getattr(domain, name) or "") > limit:
            raise DomainError(_("Write at most %(max)d characters.") % {"max": limit}, field=name)
    if domain.parent is not None and domain.is_active and not domain.parent.is_active:
        raise DomainError(_("The broader domain is retired; choose one in use."), field="parent")
    parent, depth = domain.parent, 1
    while parent is not None:
        if parent.city_id != domain.city_id:
            raise DomainError(_("The broader domain must belong to the same city."), field="parent")
        if domain.pk and parent.pk == domain.pk:
            raise DomainError(_("A domain cannot sit under itself or under one of its own sub-domains."),
                              field="parent")
        depth += 1
        parent = parent.parent
    # A domain that moves takes its sub-domains along: the deepest of them must still fit.
    if depth + _height(domain) - 1 > MAX_DEPTH:
        raise DomainError(_("Domains can be nested at most %(n)d levels deep.") % {"n": MAX_DEPTH},
                          field="parent")


def _free_slug(city, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first short name not yet taken in the city."""
    taken = set(
        LearningDomain.objects.filter(city=city, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:70]}-{n}"
    return slug


def domain_create(*, city, actor, slug: str = "", **fields) -> LearningDomain:
    """Add a learning domain, at the top or under a broader one."""
    if actor is not None and not can_manage_domains(actor, city):
        raise NotAllowed(_("Only the city secretariat can edit learning domains."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    domain = LearningDomain(city=city, **fields)
    # A chosen short name that is taken is a conflict to report; a derived one is made unique.
    domain.slug = slug or _free_slug(city, slugify(fields.get("name_en") or "")[:70] or "domain")
    _check(domain)
    try:
        with transaction.atomic():
            domain.save()
            audit_created(actor=actor, obj=domain, action="domain.create")
    except IntegrityError as exc:
        raise Conflict(_("A domain with this short name already exists."), field="slug") from exc
    return domain


def domain_update(*, domain: LearningDomain, actor, **fields) -> LearningDomain:
    """Edit, move (change `parent`) or retire (`is_active=False`) a domain."""
    if not can_manage_domains(actor, domain.city):
        raise NotAllowed(_("Only the city secretariat can edit learning domains."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        locked = LearningDomain.objects.select_for_update().get(pk=domain.pk)
        before = snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check(locked)
        if fields.get("is_active") is False and locked.children.filter(is_active=True).exists():
            raise DomainError(_("Retire or move its sub-domains first."), field="is_active")
        locked.save(update_fields=list(fields))
        audit_updated(actor=actor, obj=locked, before=before, action="domain.update")
        if {"name_fa", "name_en"} & {name for name in fields if getattr(locked, name) != before.get(name)}:
            # Programmes are found by their domains' names: renaming a domain renews their search keys.
            programme_search_keys_rebuild(locked.programmes.all())
    return locked


# --- shared checks ------------------------------------------------------------------------------------------


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own rules, and the length limits Django leaves unchecked on text fields."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length:
            if len(getattr(instance, field.attname) or "") > field.max_length:
                raise DomainError(_("Write at most %(max)d characters.") % {"max": field.max_length},
                                  field=field.name)


def _unknown_fields(fields: Mapping, allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])


def _pk_of(value, field: str) -> int:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and fold_digits(value).strip().isdigit():
        return int(fold_digits(value).strip())
    raise DomainError(_("Choose from the list."), field=field)


def _strip(obj: models.Model, names: Iterable[str]) -> None:
    """Surrounding white space off one-line texts (the text itself, HTML included, is kept as typed)."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str):
            setattr(obj, name, value.strip())


def _notify(emails: list[tuple[str, str]], subject, body, **params) -> None:
    """Email each (address, language) pair after the transaction commits, in the person's language."""
    if not emails:
        return

    def send():
        for address, language in emails:
            with translation.override(language or "fa"):
                values = {key: (value(language) if callable(value) else value) for key, value in params.items()}
                # A subject is one line, whatever the title holds.
                deliver_email.delay(" ".join((str(subject) % values).split()), str(body) % values, [address])

    # Robust: a mail queue that is down never turns a saved change into an error page.
    transaction.on_commit(send, robust=True)


# --- programmes ---------------------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "title_fa", "title_en", "description_fa", "description_en", "outcomes_fa", "outcomes_en",
    "level", "language", "format", "fee_rials", "hours", "prerequisites_fa", "prerequisites_en",
    "accessibility_fa", "accessibility_en", "key_features", "sdg_targets",
)
PROGRAMME_RELATIONS = ("domains", "life_stages", "target_groups")
# Changes to these fields change what search finds (architecture 4.5), so the search key is rebuilt.
SEARCH_FIELDS = ("title_fa", "title_en", "description_fa", "description_en", "outcomes_fa", "outcomes_en")
MAX_HOURS = Decimal(2000)
MAX_FEE_RIALS = 100_000_000_000  # a hundred billion rials: anything above is a typing mistake


def programme_search_text(programme: Programme) -> str:
    """The normalised search key of a programme: its texts in both languages, its provider, domains and audiences.

    Read from the prefetched relations when the caller prefetched them (a rebuild over many programmes).
    """
    parts = [getattr(programme, name) or "" for name in SEARCH_FIELDS]
    institution = programme.institution
    parts += [institution.name_fa, institution.name_en]
    for domain in programme.domains.all():
        parts += [domain.name_fa, domain.name_en]
    for audience in [*programme.life_stages.all(), *programme.target_groups.all()]:
        parts += [audience.name_fa, audience.name_en]
    return normalise_for_search(" ".join(part for part in parts if part))


def programme_search_keys_rebuild(programmes: QuerySet[Programme], *, batch: int = 500) -> int:
    """Renew the search keys of `programmes` (after a domain, an audience or a partner is renamed).

    Returns how many keys changed. Bookkeeping, not a change anyone made: no audit entry.
    """
    changed = 0
    ids = list(programmes.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        rows = list(
            Programme.objects.filter(pk__in=ids[start:start + batch]).select_related("institution")
            .prefetch_related("domains", "life_stages", "target_groups")
        )
        stale = []
        for programme in rows:
            key = programme_search_text(programme)
            if key != programme.search_key:
                programme.search_key = key
                stale.append(programme)
        # One UPDATE per row keeps the SQLite search index's UPDATE trigger firing for each of them.
        for programme in stale:
            Programme.objects.filter(pk=programme.pk).update(search_key=programme.search_key)
        changed += len(stale)
    return changed


def _programme_snapshot(programme: Programme) -> dict:
    """The audit view of a programme: its fields, and its domains and audiences as lists of short names."""
    data = snapshot(programme)
    if programme.pk is None:
        data.update(domains=[], life_stages=[], target_groups=[])
    else:
        data["domains"] = sorted(d.slug for d in programme.domains.all())
        data["life_stages"] = sorted(a.code for a in programme.life_stages.all())
        data["target_groups"] = sorted(a.code for a in programme.target_groups.all())
    return data


def _choices_list(value, allowed: type[models.TextChoices], field: str, message) -> list[str]:
    """A list of choice values, de-duplicated, in the order of the choices."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise DomainError(message, field=field)
    chosen = {str(item) for item in value}
    if not chosen <= set(allowed.values):
        raise DomainError(message, field=field)
    return [choice for choice in allowed.values if choice in chosen]


def _decimal_hours(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError(_("Enter the hours of learning as a number, for example 12 or 12.5."), field="hours")
    try:
        number = Decimal(fold_digits(str(value)).replace("\u066b", ".").strip())
    except InvalidOperation as exc:
        raise DomainError(_("Enter the hours of learning as a number, for example 12 or 12.5."),
                          field="hours") from exc
    if not number.is_finite():
        raise DomainError(_("Enter the hours of learning as a number, for example 12 or 12.5."), field="hours")
    tenths = number.quantize(Decimal("0.1")) if abs(number) < 10**6 else number
    return tenths if tenths == number else number


def _programme_check(programme: Programme) -> None:
    _strip(programme, ("title_fa", "title_en"))
    programme.hours = _decimal_hours(programme.hours)
    if programme.hours is None:
        raise DomainError(_("Enter the hours of learning."), field="hours")
    if not Decimal(0) < programme.hours <= MAX_HOURS:
        raise DomainError(_("The hours of learning must be more than 0 and at most %(max)s.") % {"max": 2000},
                          field="hours")
    fee = programme.fee_rials
    if isinstance(fee, str) and fold_digits(fee).strip().isdigit():
        fee = int(fold_digits(fee).strip())
    if fee is None or isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise DomainError(_("Enter the fee in rials as a whole number, or 0 for free."), field="fee_rials")
    if fee > MAX_FEE_RIALS:
        raise DomainError(_("This fee is too large; check the number of zeros."), field="fee_rials")
    programme.fee_rials = fee
    programme.key_features = _choices_list(
        programme.key_features, KeyFeatureArea, "key_features", _("Choose key features from the list.")
    )
    programme.sdg_targets = _choices_list(
        programme.sdg_targets, Sdg4Target, "sdg_targets", _("Choose SDG 4 targets from the list.")
    )
    _full_clean(programme, exclude=["search_key"])


def _programme_relations(city, values: Mapping, *, current: Programme | None = None) -> dict[str, list]:
    """Domains of the city (in use, or already chosen) and audiences of the right kind, from objects or ids."""
    resolved: dict[str, list] = {}
    if "domains" in values:
        ids = {_pk_of(v, "domains") for v in values["domains"] or ()}
        found = list(LearningDomain.objects.filter(city=city, pk__in=ids))
        if len(found) != len(ids):
            raise DomainError(_("Choose learning domains of this city."), field="domains")
        kept = set(current.domains.values_list("pk", flat=True)) if current is not None and current.pk else set()
        retired = [d for d in found if not d.is_active and d.pk not in kept]
        if retired:
            raise DomainError(_("The learning domain %(name)s is retired; choose one in use.")
                              % {"name": retired[0].name}, field="domains")
        resolved["domains"] = found
    for name, kind in (("life_stages", AudienceKind.LIFE_STAGE), ("target_groups", AudienceKind.TARGET_GROUP)):
        if name in values:
            ids = {_pk_of(v, name) for v in values[name] or ()}
            found = list(Audience.objects.filter(kind=kind, pk__in=ids))
            if len(found) != len(ids):
                raise DomainError(_("Choose from the list."), field=name)
            resolved[name] = found
    return resolved


def _refuse_writer(actor, institution) -> None:
    if actor is not None and not permissions.can_manage_programmes(actor, institution):
        raise NotAllowed(_("Only the staff of this partner or the city secretariat can change its programmes."))


def programme_create(*, institution, actor, **fields) -> Programme:
    """Draft a new programme for an institution (fields as on the model; domains and audiences as lists)."""
    _refuse_writer(actor, institution)
    _unknown_fields(fields, PROGRAMME_FIELDS + PROGRAMME_RELATIONS)
    if not institution.is_active:
        raise DomainError(_("This partner is no longer active."), code="inactive_institution")
    relations = {name: fields.pop(name) for name in PROGRAMME_RELATIONS if name in fields}
    programme = Programme(city=institution.city, institution=institution, status=ProgrammeStatus.DRAFT, **fields)
    _programme_check(programme)
    resolved = _programme_relations(institution.city, relations)
    with transaction.atomic():
        programme.save()
        for name, objects in resolved.items():
            getattr(programme, name).set(objects)
        programme.search_key = programme_search_text(programme)
        programme.save(update_fields=["search_key"])
        after = _programme_snapshot(programme)
        audit_record(actor=actor, action="programme.create", obj=programme,
                     changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})})
    return programme


def programme_update(*, programme: Programme, actor, **fields) -> Programme:
    """Edit a programme in any state; every change, to a published one too, goes into the audit log."""
    _refuse_writer(actor, programme.institution)
    _unknown_fields(fields, PROGRAMME_FIELDS + PROGRAMME_RELATIONS)
    relations = {name: fields.pop(name) for name in PROGRAMME_RELATIONS if name in fields}
    with transaction.atomic():
        locked = _lock_programme(programme)
        before = _programme_snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _programme_check(locked)
        resolved = _programme_relations(locked.city, relations, current=locked)
        locked.save(update_fields=[*fields, "updated_at"])
        for name, objects in resolved.items():
            getattr(locked, name).set(objects)
        if resolved or set(fields) & set(SEARCH_FIELDS):
            locked.search_key = programme_search_text(locked)
            locked.save(update_fields=["search_key"])
        changes = diff(before, _programme_snapshot(locked))
        if changes:
            audit_record(actor=actor, action="programme.update", obj=locked, changes=changes)
    return locked


def _status_label(status: str) -> str:
    return str(ProgrammeStatus(status).label)


def _lock_programme(programme: Programme) -> Programme:
    return Programme.objects.select_for_update(of=("self",)).select_related("institution", "city").get(pk=programme.pk)


def _refuse_transition(locked: Programme, allowed: Iterable[str], message) -> None:
    if locked.status not in allowed:
        raise Conflict(message % {"status": _status_label(locked.status)}, code="invalid_transition")


def _staff_emails(programme: Programme) -> list[tuple[str, str]]:
    rows = programme.institution.staff.filter(user__is_active=True).exclude(user__email="")
    return list(rows.values_list("user__email", "user__preferred_language"))


def _secretariat_emails(city) -> list[tuple[str, str]]:
    rows = RoleAssignment.objects.filter(city=city, role=Role.SECRETARIAT, user__is_active=True)
    return list(rows.exclude(user__email="").values_list("user__email", "user__preferred_language").distinct())


def _title_in(programme: Programme):
    return lambda language: localized(programme, "title", language)


def programme_submit(*, programme: Programme, actor) -> Programme:
    """Staff send a draft (or a returned programme) to the secretariat for approval."""
    _refuse_writer(actor, programme.institution)
    with transaction.atomic():
        locked = _lock_programme(programme)
        _refuse_transition(locked, (ProgrammeStatus.DRAFT, ProgrammeStatus.RETURNED),
                           _("Only a draft or a returned programme can be submitted; this one is “%(status)s”."))
        institution = locked.institution
        if not institution.is_active or institution.accreditation != Accreditation.ACCREDITED:
            raise DomainError(_("Only accredited partners can submit programmes for publication."),
                              code="not_accredited")
        if not locked.title_fa.strip():
            raise DomainError(_("Enter the Persian title before submitting."), field="title_fa")
        if locked.hours is None or locked.hours <= 0:
            raise DomainError(_("Enter the hours of learning before submitting."), field="hours")
        if not locked.domains.exists():
            raise DomainError(_("Choose at least one learning domain before submitting."), field="domains")
        _programme_check(locked)
        previous = locked.status
        locked.status = ProgrammeStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="programme.submit", obj=locked,
                     changes={"status": [previous, locked.status]})
        _notify(_secretariat_emails(locked.city), _("A programme awaits approval: %(title)s"),
                _("%(provider)s submitted “%(title)s” for publication. It is in the approvals queue."),
                title=_title_in(locked), provider=lambda language: localized(institution, "name", language))
    return locked


def programme_approve(*, programme: Programme, actor) -> Programme:
    """The secretariat publishes a submitted programme."""
    if actor is not None and not permissions.can_approve(actor, programme):
        raise NotAllowed(_("Only the city secretariat can approve programmes."))
    with transaction.atomic():
        locked = _lock_programme(programme)
        _refuse_transition(locked, (ProgrammeStatus.SUBMITTED,),
                           _("Only a programme awaiting approval can be approved; this one is “%(status)s”."))
        if locked.institution.accreditation != Accreditation.ACCREDITED or not locked.institution.is_active:
            raise DomainError(_("The partner is no longer accredited; its programmes cannot be published."),
                              code="not_accredited")
        previous, note = locked.status, locked.review_note
        locked.status = ProgrammeStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.review_note = ""
        locked.save(update_fields=["status", "published_at", "review_note", "updated_at"])
        changes = {"status": [previous, locked.status]}
        if note:
            changes["review_note"] = [note, ""]
        audit_record(actor=actor, action="programme.approve", obj=locked, changes=changes)
        _notify(_staff_emails(locked), _("Published: %(title)s"),
                _("The city secretariat approved “%(title)s”. It is now published in the catalogue."),
                title=_title_in(locked))
    return locked


def programme_return(*, programme: Programme, actor, reason: str) -> Programme:
    """The secretariat sends a submitted programme back to its staff, saying what to change."""
    if actor is not None and not permissions.can_approve(actor, programme):
        raise NotAllowed(_("Only the city secretariat can return programmes for changes."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what should change before returning the programme."), field="reason")
    limit = Programme._meta.get_field("review_note").max_length
    if len(reason) > limit:
        raise DomainError(_("Write at most %(max)d characters.") % {"max": limit}, field="reason")
    with transaction.atomic():
        locked = _lock_programme(programme)
        _refuse_transition(locked, (ProgrammeStatus.SUBMITTED,),
                           _("Only a programme awaiting approval can be returned; this one is “%(status)s”."))
        previous = locked.status
        locked.status = ProgrammeStatus.RETURNED
        locked.review_note = reason
        locked.save(update_fields=["status", "review_note", "updated_at"])
        audit_record(actor=actor, action="programme.return", obj=locked,
                     changes={"status": [previous, locked.status], "review_note": [None, reason]})
        _notify(_staff_emails(locked), _("Returned for changes: %(title)s"),
                _("The city secretariat returned “%(title)s” for changes:\n\n%(note)s"),
                title=_title_in(locked), note=reason)
    return locked


def programme_archive(*, programme: Programme, actor) -> Programme:
    """Take a programme out of the catalogue for good; its past offerings and records stay."""
    _refuse_writer(actor, programme.institution)
    with transaction.atomic():
        locked = _lock_programme(programme)
        _refuse_transition(locked, [s for s in ProgrammeStatus.values if s != ProgrammeStatus.ARCHIVED],
                           _("This programme is already “%(status)s”."))
        running = locked.offerings.filter(status=OfferingStatus.SCHEDULED).filter(
            models.Q(ends_on__gte=timezone.localdate()) | models.Q(ends_on__isnull=True)
        )
        if running.exists():
            raise DomainError(_("Cancel its upcoming offerings first: people may be enrolled in them."),
                              code="has_offerings")
        previous = locked.status
        locked.status = ProgrammeStatus.ARCHIVED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="programme.archive", obj=locked,
                     changes={"status": [previous, locked.status]})
    return locked


# --- venues -------------------------------------------------------------------------------------------------

VENUE_FIELDS = (
    "name_fa", "name_en", "address_fa", "address_en", "district", "latitude", "longitude",
    "accessibility_fa", "accessibility_en",
)
COORDINATE_LIMITS = {"latitude": Decimal(90), "longitude": Decimal(180)}


def _venue_check(venue: Venue) -> None:
    _strip(venue, ("name_fa", "name_en", "address_fa", "address_en"))
    for name, limit in COORDINATE_LIMITS.items():
        value = getattr(venue, name)
        if value in ("", None):
            setattr(venue, name, None)
            continue
        try:
            value = Decimal(fold_digits(str(value)).replace("\u066b", "."))
        except InvalidOperation as exc:
            raise DomainError(_("Enter a number."), field=name) from exc
        if not value.is_finite() or not -limit <= value <= limit:
            raise DomainError(_("Enter a value between %(low)s and %(high)s.") % {"low": -limit, "high": limit},
                              field=name)
        setattr(venue, name, value.quantize(Decimal("0.000001")))
    if venue.district_id and venue.district.city_id != venue.city_id:
        raise DomainError(_("Choose a district of this city."), field="district")
    _full_clean(venue)


def venue_create(*, institution, actor, **fields) -> Venue:
    """Add a place where an institution's sessions happen, in the institution's city."""
    _refuse_writer(actor, institution)
    _unknown_fields(fields, VENUE_FIELDS)
    venue = Venue(city=institution.city, institution=institution, **fields)
    _venue_check(venue)
    with transaction.atomic():
        venue.save()
        audit_created(actor=actor, obj=venue, action="venue.create")
    return venue


def venue_update(*, venue: Venue, actor, **fields) -> Venue:
    if actor is not None and not permissions.can_manage_venue(actor, venue):
        raise NotAllowed(_("Only the staff of this partner or the city secretariat can change its venues."))
    _unknown_fields(fields, VENUE_FIELDS)
    with transaction.atomic():
        locked = Venue.objects.select_for_update().get(pk=venue.pk)
        before = snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _venue_check(locked)
        locked.save(update_fields=list(fields))
        audit_updated(actor=actor, obj=locked, before=before, action="venue.update")
    return locked


# --- offerings and sessions ---------------------------------------------------------------------------------

OFFERING_FIELDS = (
    "capacity", "enrolment_opens_at", "enrolment_closes_at", "venue", "online_url", "waitlist_policy",
    "offer_hours", "completion_rule", "attendance_percent",
)
MAX_CAPACITY = 100_000
MAX_SESSIONS = 200
MAX_OFFER_HOURS = 720  # thirty days
MAX_SESSION_LENGTH = dt.timedelta(hours=24)


def _aware(value, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise DomainError(_("Enter a date and a time."), field=field)
    if timezone.is_naive(value):
        # Times without a zone are the city's local times.
        value = timezone.make_aware(value)
    return value


def _session_specs(sessions) -> list[dict]:
    """Sessions given as (starts_at, ends_at) pairs or as mappings (with `id` for an existing one)."""
    if sessions is None or isinstance(sessions, str | bytes) or not isinstance(sessions, Iterable):
        raise DomainError(_("Give the sessions' dates and times."), field="sessions")
    specs = []
    for item in sessions:
        if isinstance(item, Session):
            spec = {"id": item.pk, "starts_at": item.starts_at, "ends_at": item.ends_at,
                    "venue": item.venue, "online_url": item.online_url}
        elif isinstance(item, Mapping):
            _unknown_fields(item, ("id", "starts_at", "ends_at", "venue", "online_url"))
            spec = {"id": item.get("id"), "starts_at": item.get("starts_at"), "ends_at": item.get("ends_at"),
                    "venue": item.get("venue"), "online_url": item.get("online_url") or ""}
        elif isinstance(item, list | tuple) and len(item) == 2:
            spec = {"id": None, "starts_at": item[0], "ends_at": item[1], "venue": None, "online_url": ""}
        else:
            raise DomainError(_("Give each session a start and an end."), field="sessions")
        spec["starts_at"] = _aware(spec["starts_at"], "sessions")
        spec["ends_at"] = _aware(spec["ends_at"], "sessions")
        specs.append(spec)
    return sorted(specs, key=lambda s: (s["starts_at"], s["ends_at"]))


def _venue_fits(venue: Venue | None, programme: Programme) -> bool:
    return venue is None or (
        venue.city_id == programme.city_id and venue.institution_id in (None, programme.institution_id)
    )


def _offering_check(offering: Offering, programme: Programme, specs: list[dict]) -> None:
    """Seats, enrolment window, place and sessions of an offering, as the city's rules want them."""
    if isinstance(offering.capacity, bool) or not isinstance(offering.capacity, int) or offering.capacity < 1:
        raise DomainError(_("An offering needs at least one seat."), field="capacity")
    if offering.capacity > MAX_CAPACITY:
        raise DomainError(_("An offering can have at most %(max)s seats.") % {"max": MAX_CAPACITY},
                          field="capacity")
    offering.enrolment_opens_at = _aware(offering.enrolment_opens_at, "enrolment_opens_at")
    offering.enrolment_closes_at = _aware(offering.enrolment_closes_at, "enrolment_closes_at")
    offering.online_url = (offering.online_url or "").strip()
    _full_clean(offering, exclude=["programme", "city"])
    if offering.enrolment_opens_at >= offering.enrolment_closes_at:
        raise DomainError(_("Enrolment must open before it closes."), field="enrolment_closes_at")
    if offering.waitlist_policy == WaitlistPolicy.OFFER and not 1 <= offering.offer_hours <= MAX_OFFER_HOURS:
        raise DomainError(_("Give people between 1 and %(max)s hours to accept an offered seat.")
                          % {"max": MAX_OFFER_HOURS}, field="offer_hours")
    if offering.attendance_percent > 100 or (
        offering.completion_rule == CompletionRule.ATTENDANCE and offering.attendance_percent < 1
    ):
        raise DomainError(_("The attendance needed is a share between 1 and 100 percent."),
                          field="attendance_percent")
    if programme.format in (Format.IN_PERSON, Format.HYBRID) and offering.venue is None:
        raise DomainError(_("Choose a venue: this programme meets in person."), field="venue")
    if programme.format == Format.ONLINE and not offering.online_url:
        raise DomainError(_("Give the online link: this programme meets online."), field="online_url")
    if not _venue_fits(offering.venue, programme):
        raise DomainError(_("Choose one of this partner's venues."), field="venue")
    if not specs:
        raise DomainError(_("An offering needs at least one session."), field="sessions")
    if len(specs) > MAX_SESSIONS:
        raise DomainError(_("An offering can have at most %(max)s sessions.") % {"max": MAX_SESSIONS},
                          field="sessions")
    url = URLValidator(schemes=["http", "https"])
    previous = None
    for spec in specs:
        if spec["ends_at"] <= spec["starts_at"]:
            raise DomainError(_("A session must end after it starts (%(start)s).")
                              % {"start": format_datetime(spec["starts_at"])}, field="sessions")
        if spec["ends_at"] - spec["starts_at"] > MAX_SESSION_LENGTH:
            raise DomainError(_("A session can last at most 24 hours (%(start)s).")
                              % {"start": format_datetime(spec["starts_at"])}, field="sessions")
        if previous is not None and spec["starts_at"] < previous["ends_at"]:
            raise DomainError(_("Two sessions overlap (%(start)s).")
                              % {"start": format_datetime(spec["starts_at"])}, field="sessions")
        if spec["venue"] is not None and not _venue_fits(spec["venue"], programme):
            raise DomainError(_("Choose one of this partner's venues."), field="sessions")
        if spec["online_url"]:
            try:
                url(spec["online_url"])
            except ValidationError as exc:
                raise DomainError(_("Enter a valid web address."), field="sessions") from exc
        previous = spec
    first = specs[0]["starts_at"]
    if offering.enrolment_closes_at > first:
        raise DomainError(_("Enrolment must close by the start of the first session (%(start)s).")
                          % {"start": format_datetime(first)}, field="enrolment_closes_at")


def _dates_from(offering: Offering, specs: list[dict]) -> None:
    offering.starts_on = timezone.localdate(specs[0]["starts_at"])
    offering.ends_on = timezone.localdate(max(spec["ends_at"] for spec in specs))


def _offering_snapshot(offering: Offering, sessions: Iterable | None = None) -> dict:
    data = snapshot(offering)
    if sessions is None:
        sessions = offering.sessions.all() if offering.pk else []
    data["sessions"] = [
        f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(s.ends_at):%H:%M}" for s in sessions
    ]
    return data


def _resolve_venue(value, field: str = "venue") -> Venue | None:
    if value in (None, ""):
        return None
    if isinstance(value, Venue):
        return value
    venue = Venue.objects.filter(pk=_pk_of(value, field)).first()
    if venue is None:
        raise DomainError(_("Choose one of this partner's venues."), field=field)
    return venue


def _refuse_closed_offering(offering: Offering) -> None:
    if offering.status == OfferingStatus.CANCELLED:
        raise Conflict(_("This offering was cancelled; it can no longer be changed."), code="offering_cancelled")
    if offering.status == OfferingStatus.FINISHED:
        raise Conflict(_("This offering has finished; it can no longer be changed."), code="offering_finished")


def offering_create(
    *, programme: Programme, actor, capacity: int, enrolment_opens_at: dt.datetime,
    enrolment_closes_at: dt.datetime, sessions, venue: Venue | None = None, online_url: str = "",
    waitlist_policy: str = WaitlistPolicy.AUTO_CONFIRM, offer_hours: int = 24,
    completion_rule: str = CompletionRule.ATTENDANCE, attendance_percent: int = 75,
    new_venue: Mapping | None = None,
) -> Offering:
    """Schedule a dated run of a programme with its sessions; `new_venue` adds a venue in the same step."""
    _refuse_writer(actor, programme.institution)
    if programme.status == ProgrammeStatus.ARCHIVED:
        raise Conflict(_("This programme is archived; it gets no new offerings."), code="programme_archived")
    specs = _session_specs(sessions)
    for spec in specs:
        spec["venue"] = _resolve_venue(spec["venue"], "sessions")
    with transaction.atomic():
        if new_venue:
            venue = venue_create(institution=programme.institution, actor=actor, **new_venue)
        offering = Offering(
            programme=programme, city=programme.city, venue=_resolve_venue(venue), online_url=online_url or "",
            capacity=capacity, enrolment_opens_at=enrolment_opens_at, enrolment_closes_at=enrolment_closes_at,
            waitlist_policy=waitlist_policy, offer_hours=offer_hours, completion_rule=completion_rule,
            attendance_percent=attendance_percent,
        )
        _offering_check(offering, programme, specs)
        _dates_from(offering, specs)
        offering.save()
        created = Session.objects.bulk_create([
            Session(offering=offering, starts_at=s["starts_at"], ends_at=s["ends_at"], venue=s["venue"],
                    online_url=s["online_url"]) for s in specs
        ])
        after = _offering_snapshot(offering, created)
        audit_record(actor=actor, action="offering.create", obj=offering,
                     changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})})
    return offering


def _apply_sessions(offering: Offering, existing: list[Session], specs: list[dict]) -> None:
    """Make the offering's sessions match `specs`: update by id, add the new, delete the missing."""
    by_id = {s.pk: s for s in existing}
    kept = set()
    for spec in specs:
        if spec["id"] is None:
            continue
        pk = _pk_of(spec["id"], "sessions")
        if pk not in by_id:
            raise DomainError(_("This session belongs to another offering."), field="sessions")
        if pk in kept:
            raise DomainError(_("The same session is listed twice."), field="sessions")
        kept.add(pk)
    removed = [s for s in existing if s.pk not in kept]
    if removed and Session.objects.filter(pk__in=[s.pk for s in removed], attendance__isnull=False).exists():
        raise DomainError(_("Attendance was recorded for a session; it cannot be removed."), field="sessions")
    if removed:
        Session.objects.filter(pk__in=[s.pk for s in removed]).delete()
    changed, added = [], []
    for spec in specs:
        if spec["id"] is None:
            added.append(Session(offering=offering, starts_at=spec["starts_at"], ends_at=spec["ends_at"],
                                 venue=spec["venue"], online_url=spec["online_url"]))
            continue
        session = by_id[_pk_of(spec["id"], "sessions")]
        values = (spec["starts_at"], spec["ends_at"], spec["venue"], spec["online_url"])
        if (session.starts_at, session.ends_at, session.venue, session.online_url) != values:
            session.starts_at, session.ends_at, session.venue, session.online_url = values
            changed.append(session)
    if changed:
        Session.objects.bulk_update(changed, ["starts_at", "ends_at", "venue", "online_url"])
    if added:
        Session.objects.bulk_create(added)


def _change_offering(offering: Offering, actor, action: str, change) -> Offering:
    """Lock the offering, let `change(locked, specs)` edit it and return the new session list, check, save, audit."""
    _refuse_writer(actor, offering.programme.institution)
    with transaction.atomic():
        locked = (
            Offering.objects.select_for_update(of=("self",)).select_related("programme__institution", "venue")
            .get(pk=offering.pk)
        )
        _refuse_closed_offering(locked)
        existing = list(locked.sessions.select_related("venue"))
        before = _offering_snapshot(locked, existing)
        specs = change(locked, [
            {"id": s.pk, "starts_at": s.starts_at, "ends_at": s.ends_at, "venue": s.venue,
             "online_url": s.online_url} for s in existing
        ])
        specs = sorted(specs, key=lambda s: (s["starts_at"], s["ends_at"]))
        _offering_check(locked, locked.programme, specs)
        taken = locked.confirmed_count + locked.offered_count
        if locked.capacity < taken:
            raise DomainError(ngettext("%(n)s seat is already taken; the offering needs at least that many.",
                                       "%(n)s seats are already taken; the offering needs at least that many.",
                                       taken) % {"n": taken}, field="capacity")
        if locked.capacity > before["capacity"] and locked.waitlist_count:
            # New seats belong to the people waiting, in their order: the enrolment service hands them out.
            raise DomainError(_("People are waiting for a seat: add seats on the attendees page, so the new "
                                "seats go to them in turn."), field="capacity", code="waitlist_waiting")
        _apply_sessions(locked, existing, specs)
        _dates_from(locked, specs)
        locked.save(update_fields=[*OFFERING_FIELDS, "starts_on", "ends_on", "updated_at"])
        changes = diff(before, _offering_snapshot(locked, locked.sessions.all()))
        if changes:
            audit_record(actor=actor, action=action, obj=locked, changes=changes)
    return locked


def offering_update(*, offering: Offering, actor, sessions=None, new_venue: Mapping | None = None,
                    **fields) -> Offering:
    """Edit a scheduled offering; `sessions` (when given) is the whole new list, existing ones with their `id`."""
    _unknown_fields(fields, OFFERING_FIELDS)
    new_specs = None
    if sessions is not None:
        new_specs = _session_specs(sessions)
        for spec in new_specs:
            spec["venue"] = _resolve_venue(spec["venue"], "sessions")
    if "venue" in fields:
        fields["venue"] = _resolve_venue(fields["venue"])

    def change(locked, specs):
        for name, value in fields.items():
            setattr(locked, name, value)
        if new_venue:
            locked.venue = venue_create(institution=locked.programme.institution, actor=actor, **new_venue)
        return specs if new_specs is None else new_specs

    return _change_offering(offering, actor, "offering.update", change)


def session_add(*, offering: Offering, actor, starts_at: dt.datetime, ends_at: dt.datetime,
                venue: Venue | None = None, online_url: str = "") -> Session:
    """Add a session to a scheduled offering."""
    spec = _session_specs([{"starts_at": starts_at, "ends_at": ends_at, "venue": _resolve_venue(venue),
                            "online_url": online_url}])[0]
    saved = _change_offering(offering, actor, "offering.session_add", lambda locked, specs: [*specs, spec])
    return saved.sessions.get(starts_at=spec["starts_at"], ends_at=spec["ends_at"])


def session_update(*, session: Session, actor, **fields) -> Session:
    """Move a session, or change where it happens."""
    _unknown_fields(fields, ("starts_at", "ends_at", "venue", "online_url"))
    if "venue" in fields:
        fields["venue"] = _resolve_venue(fields["venue"])

    def change(locked, specs):
        for spec in specs:
            if spec["id"] == session.pk:
                spec.update(fields)
                spec["starts_at"] = _aware(spec["starts_at"], "starts_at")
                spec["ends_at"] = _aware(spec["ends_at"], "ends_at")
                spec["online_url"] = spec["online_url"] or ""
        return specs

    _change_offering(session.offering, actor, "offering.session_update", change)
    return Session.objects.get(pk=session.pk)


def session_remove(*, session: Session, actor) -> Offering:
    """Remove a session (not the last one, nor one with attendance recorded)."""
    return _change_offering(session.offering, actor, "offering.session_remove",
                            lambda locked, specs: [s for s in specs if s["id"] != session.pk])
