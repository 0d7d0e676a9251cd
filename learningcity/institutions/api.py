"""Public API: the partner directory."""

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import paginate

from .selectors import institution_public_detail, institutions_search

router = Router(tags=["institutions"])


class ContactOut(Schema):
    name: str
    title: str
    phone: str
    email: str


class InstitutionOut(Schema):
    slug: str
    type: str
    name_fa: str
    name_en: str
    description_fa: str
    description_en: str
    district: int | None
    address_fa: str
    address_en: str
    latitude: float | None
    longitude: float | None
    website: str
    accreditation: str

    @staticmethod
    def resolve_district(obj):
        return obj.district.number if obj.district_id else None


@router.get("", response=list[InstitutionOut])
@paginate
def list_institutions(request, q: str = "", type: str = "", district: int | None = None,
                      accreditation: str = ""):
    """The request city's public partner directory, searched and filtered like the web page."""
    return institutions_search(city=request.city, query=q[:200], type=type, district=district,
                               accreditation=accreditation)


class InstitutionDetailOut(InstitutionOut):
    contacts: list[ContactOut]

    @staticmethod
    def resolve_contacts(obj):
        return obj.public_contacts  # only the contacts the institution made public


@router.get("/{slug}", response=InstitutionDetailOut)
def institution_detail(request, slug: str):
    institution = institution_public_detail(city=request.city, slug=slug)
    if institution is None:
        raise Http404
    return institution
