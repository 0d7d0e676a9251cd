"""Public API: the learning-domain taxonomy."""

from ninja import Router, Schema

from .selectors import domain_tree

router = Router(tags=["catalogue"])


class DomainOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    description_fa: str
    description_en: str
    children: list["DomainOut"] = []


DomainOut.model_rebuild()


def _out(node) -> DomainOut:
    d = node.domain
    return DomainOut(slug=d.slug, name_fa=d.name_fa, name_en=d.name_en, description_fa=d.description_fa,
                     description_en=d.description_en, children=[_out(child) for child in node.children])


@router.get("/domains", response=list[DomainOut])
def list_domains(request):
    """The request city's domains as a tree."""
    return [_out(node) for node in domain_tree(city=request.city)]
