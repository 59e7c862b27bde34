"""What a query selected below a field: which columns to read, whether to count, which aggregates.

Resolvers look ahead so the engine reads only what is asked for: ``nodes { a b }`` reads columns a and b
(like REST's ``_col``), ``totalCount`` turns the capped count on, ``edges { cursor }`` makes per-row
tokens, and ``sum { fee_vnd }`` asks for ``sum:fee_vnd``. Fragments are followed; ``@skip`` /
``@include`` are ignored here, so a field they drop may still be read (never the other way round).
"""

from __future__ import annotations

from typing import Iterator

from graphql import GraphQLResolveInfo
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode


def fields(info: GraphQLResolveInfo, selection_set: SelectionSetNode | None,
           _seen: frozenset[str] = frozenset()) -> Iterator[FieldNode]:
    """The field nodes of a selection set, with fragments expanded."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from fields(info, selection.selection_set, _seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = info.fragments.get(name)
            if fragment is not None and name not in _seen:  # cycles are refused by validation anyway
                yield from fields(info, fragment.selection_set, _seen | {name})


def children(info: GraphQLResolveInfo, nodes: list[FieldNode], name: str) -> list[FieldNode]:
    """The fields called ``name`` directly below any of ``nodes``."""
    return [child for node in nodes for child in fields(info, node.selection_set) if child.name.value == name]


def names(info: GraphQLResolveInfo, nodes: list[FieldNode]) -> set[str]:
    """Names of the fields directly below ``nodes``."""
    return {child.name.value for node in nodes for child in fields(info, node.selection_set)}
