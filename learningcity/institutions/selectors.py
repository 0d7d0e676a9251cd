"""Reads about partner institutions, with what the public may see built in."""

from django.db.models import Count, QuerySet

from learningcity.core.text import normalise_for_search

from .models import Accreditation, Institution, InstitutionType

PUBLIC_STATES = (Accreditation.ACCREDITED, Accreditation.PENDING)


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

    Substring matching on the normalised key also finds glued forms (`کتابخانه`, `کتاب خانه`).
    """
    institutions = base if base is not None else institutions_public(city=city)
    for word in normalise_for_search(query).split()[:8]:
        institutions = institutions.filter(search_key__contains=word)
    if type:
        institutions = institutions.filter(type=type)
    if district:
        institutions = institutions.filter(district__number=district)
    if accreditation:
        institutions = institutions.filter(accreditation=accreditation)
    return institutions.order_by("name_fa")


def type_counts(institutions: QuerySet[Institution]) -> dict[str, int]:
    return dict(institutions.order_by().values_list("type").annotate(n=Count("id")))


def accredited_partner_count(*, city) -> int:
    """One definition of "partner institutions": active and accredited by the secretariat."""
    return Institution.objects.filter(city=city, is_active=True, accreditation=Accreditation.ACCREDITED).count()


def institution_public_detail(*, city, slug: str) -> Institution | None:
    return (
        institutions_public(city=city)
        .filter(slug=slug)
        .prefetch_related("contacts")
        .first()
    )


def partners_by_type(*, city) -> list[dict]:
    """Accredited partners per type, largest group first, with the type's label."""
    counts = type_counts(Institution.objects.filter(city=city, is_active=True, accreditation=Accreditation.ACCREDITED))
    labels = dict(InstitutionType.choices)
    return sorted(
        ({"type": t, "label": labels.get(t, t), "count": n} for t, n in counts.items()), key=lambda row: -row["count"]
    )
