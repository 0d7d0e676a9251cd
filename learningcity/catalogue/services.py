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
    return locked
