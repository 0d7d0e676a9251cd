"""Reads of the learning-domain taxonomy: one query, assembled into a tree in memory."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from .models import LearningDomain


@dataclass
class DomainNode:
    domain: LearningDomain
    children: list["DomainNode"] = field(default_factory=list)
    depth: int = 0


def domains_of(*, city, include_inactive: bool = False) -> QuerySet[LearningDomain]:
    domains = LearningDomain.objects.filter(city=city)
    if not include_inactive:
        domains = domains.filter(is_active=True)
    return domains.order_by("position", "name_en")


def domain_tree(*, city, include_inactive: bool = False) -> list[DomainNode]:
    """Top-level domains with their children, in the secretariat's order."""
    nodes = {d.pk: DomainNode(d) for d in domains_of(city=city, include_inactive=include_inactive)}
    roots: list[DomainNode] = []
    for node in nodes.values():
        parent = nodes.get(node.domain.parent_id)
        if parent is not None:
            parent.children.append(node)
        elif node.domain.parent_id is None:
            roots.append(node)

    def mark(items, depth):
        for item in items:
            item.depth = depth
            mark(item.children, depth + 1)

    mark(roots, 0)
    return roots


def domain_with_context(*, city, slug: str, include_inactive: bool = False):
    """One domain of the city as a tree node (with its sub-domains) and its broader domains, top first.

    `(None, [])` when the city has no such domain (or, for the public, only a retired one). One query.
    """
    tree = domain_tree(city=city, include_inactive=include_inactive)
    by_pk = {node.domain.pk: node for node in flatten(tree)}
    node = next((n for n in by_pk.values() if n.domain.slug == slug), None)
    if node is None:
        return None, []
    ancestors: list[LearningDomain] = []
    parent = by_pk.get(node.domain.parent_id)
    while parent is not None:
        ancestors.insert(0, parent.domain)
        parent = by_pk.get(parent.domain.parent_id)
    return node, ancestors


def flatten(tree: list[DomainNode]) -> list[DomainNode]:
    out: list[DomainNode] = []
    for node in tree:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def top_level_domain_count(*, city) -> int:
    """One definition of "learning domains" on public pages: top-level domains in use."""
    return LearningDomain.objects.filter(city=city, is_active=True, parent__isnull=True).count()
