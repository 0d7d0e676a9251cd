"""Writes to the learning-domain taxonomy: the secretariat adds, edits, moves and retires domains."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from learningcity.core.audit import audit_created, audit_updated, snapshot
from learningcity.core.errors import Conflict, DomainError, NotAllowed

from .models import LearningDomain
from .permissions import can_manage_domains

FIELDS = ("name_fa", "name_en", "description_fa", "description_en", "parent", "position", "is_active")
MAX_DEPTH = 3


def _check(domain: LearningDomain) -> None:
    try:
        domain.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    parent, depth = domain.parent, 1
    while parent is not None:
        if parent.city_id != domain.city_id:
            raise DomainError(_("The broader domain must belong to the same city."), field="parent")
        if domain.pk and parent.pk == domain.pk:
            raise DomainError(_("A domain cannot sit under itself or under one of its own sub-domains."),
                              field="parent")
        depth += 1
        parent = parent.parent
    if depth > MAX_DEPTH:
        raise DomainError(_("Domains can be nested at most %(n)d levels deep.") % {"n": MAX_DEPTH}, field="parent")


def domain_create(*, city, actor, slug: str = "", **fields) -> LearningDomain:
    if actor is not None and not can_manage_domains(actor, city):
        raise NotAllowed(_("Only the city secretariat can edit learning domains."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    domain = LearningDomain(city=city, **fields)
    domain.slug = slug or slugify(fields.get("name_en") or "") or "domain"
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
        locked.save()
        audit_updated(actor=actor, obj=locked, before=before, action="domain.update")
    return locked
