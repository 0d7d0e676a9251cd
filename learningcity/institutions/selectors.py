"""Reads about partner institutions, with what the public may see built in."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Replace

from learningcity.core.text import normalise_for_search

from .models import (
    Accreditation,
    AccreditationDecision,
    Institution,
    InstitutionContact,
    InstitutionType,
    StaffMembership,
)

PUBLIC_STATES = (Accreditation.ACCREDITED, Accreditation.PENDING)
MAX_QUERY_WORDS = 8


def institutions_public(*, city) -> QuerySet[Institution]:
    """What the public directory lists: active partners that are accredited or under review."""
    return (
        Institution.objects.filter(city=city, is_active=True, accreditation__in=PUBLIC_STATES)
        .select_related("district")
    )


def institutions_search(
    *, city, query: str = "", type: str = "", district: int | None = None, accreditation: str = "",
    base: QuerySet[Institution] | None = None,
) -> QuerySet[Institution]:
    """Directory search: every word of the normalised query must appear in the normalised name or text.

    A word matches the key as written or the key with its spaces removed, so a glued query
    (`کتابخانه`) also finds a name written with a ZWNJ or a space (`کتاب‌خانه`, `کتاب خانه`), and a
    query with a ZWNJ or a space finds the glued name word by word.
    """
    institutions = base if base is not None else institutions_public(city=city)
    words = normalise_for_search(query).split()[:MAX_QUERY_WORDS]
    if words:
        institutions = institutions.annotate(
            _compact_key=Replace("search_key", Value(" "), Value(""), output_field=TextField())
        )
        for word in words:
            institutions = institutions.filter(Q(search_key__contains=word) | Q(_compact_key__contains=word))
    if type:
        institutions = institutions.filter(type=type)
    if district:
        institutions = institutions.filter(district__number=district)
    if accreditation:
        institutions = institutions.filter(accreditation=accreditation)
    return institutions.order_by("name_fa", "pk")


def type_counts(institutions: QuerySet[Institution]) -> dict[str, int]:
    return dict(institutions.order_by().values_list("type").annotate(n=Count("id")))


def type_facets(institutions: QuerySet[Institution]) -> list[dict]:
    """Every institution type with how many of `institutions` have it, in the order of the type list."""
    counts = type_counts(institutions)
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in InstitutionType.choices
    ]


def map_points(institutions: QuerySet[Institution], *, limit: int = 500) -> list[dict]:
    """Where the given institutions are, for a map: one query, at most `limit` points."""
    rows = (
        institutions.exclude(latitude__isnull=True).exclude(longitude__isnull=True)
        .values("slug", "name_fa", "name_en", "latitude", "longitude")[:limit]
    )
    return list(rows)


def accredited_partner_count(*, city) -> int:
    """One definition of "partner institutions": active and accredited by the secretariat."""
    return _accredited(city).count()


def institution_public_detail(*, city, slug: str) -> Institution | None:
    """A partner the public may see, with only its public contacts (as `public_contacts`)."""
    return (
        institutions_public(city=city)
        .filter(slug=slug)
        .prefetch_related(
            Prefetch("contacts", queryset=InstitutionContact.objects.filter(is_public=True).order_by("position", "pk"),
                     to_attr="public_contacts")
        )
        .first()
    )


def contacts_of(institution: Institution) -> QuerySet[InstitutionContact]:
    """All of an institution's contacts, public and internal, in the order its staff chose."""
    return institution.contacts.order_by("position", "pk")


def contact_of(institution: Institution, pk: int) -> InstitutionContact | None:
    """One of this institution's contacts, or None (also for another institution's contact)."""
    return contacts_of(institution).filter(pk=pk).first()


def accreditation_history(institution: Institution) -> QuerySet[AccreditationDecision]:
    """The secretariat's decisions on one institution, newest first."""
    return institution.accreditation_decisions.select_related("decided_by").order_by("-decided_at", "-id")


def staff_of(institution: Institution) -> QuerySet[StaffMembership]:
    """An institution's staff: admins first, then by name."""
    return institution.staff.select_related("user").order_by("role", "user__name", "pk")


def staff_candidate(*, mobile: str):
    """The person with this (normalised) mobile number who could join a staff: an open account, or None."""
    return get_user_model().objects.filter(mobile=mobile, is_active=True).first()


def partners_by_type(*, city) -> list[dict]:
    """Accredited partners per type, largest group first, with the type's label."""
    counts = type_counts(_accredited(city))
    labels = dict(InstitutionType.choices)
    rows = ({"type": t, "label": labels.get(t, t), "count": n} for t, n in counts.items())
    return sorted(rows, key=lambda row: -row["count"])


def _accredited(city) -> QuerySet[Institution]:
    return Institution.objects.filter(city=city, is_active=True, accreditation=Accreditation.ACCREDITED)
