"""The GraphQL schema, generated from the published datasets' schemas (graphene).

Per dataset ``dossiers`` (current version's columns):

.. code-block:: graphql

    type Query {
      datasets: [DatasetInfo!]!
      dossiers(filter: DossiersFilter, sort: [DossiersSort!], search: String, first: Int = 100,
               after: String, version: String): DossiersConnection
      dossiers_aggregate(filter: DossiersFilter, search: String, groupBy: [DossiersGroupBy!],
                         sort: [DossiersGroupSort!], first: Int = 100, version: String): DossiersAggregate
    }
    type DossiersConnection { edges: [DossiersEdge!]! nodes: [DossiersRow!]! pageInfo: PageInfo!
                              totalCount: Int totalCountTruncated: Boolean! maskedColumns: [String!]!
                              version: String! }
    type DossiersEdge { cursor: String node: DossiersRow! }
    type DossiersRow { dossier_id: BigInt  status: String  received_at: DateTime  … }
    input DossiersFilter { dossier_id: BigIntOperators  status: StringOperators … }
    input StringOperators { eq not gt gte lt lte in notin contains startswith endswith isnull notnull }
    enum DossiersSort { dossier_id_asc dossier_id_desc … }
    type DossiersAggregate { groups: [DossiersGroup!]! truncated: Boolean! version: String!
                             maskedColumns: [String!]! }
    type DossiersGroup { key: DossiersGroupKey! count: BigInt sum: DossiersSum avg: DossiersAvg
                         min: DossiersMin max: DossiersMax }

Field names are the column names (``auto_camelcase`` is off, as in datasette-graphql), so a filter
reads like its REST twin: ``filter: {status: {in: ["tu_choi"]}, received_at: {gte: "2026-01-01"}}`` is
``status__in=tu_choi&received_at__gte=2026-01-01``. Resolvers build the query engine's
:class:`~api.query.RowsRequest` and run it with the same compiler, limits, masking and audit as REST
(see :mod:`api.graphql.resolvers`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import graphene

from api.graphql import scalars
from api.graphql.names import pascal_case, unique_names
from api.query import ColumnSpec, DatasetSpec, Family
from api.query.schema import NUMERIC_FAMILIES, ORDERABLE_FAMILIES
from api.query.jsonvalues import to_jsonable
from catalog.store import Version

DATASETS_FIELD = "datasets"

_COMPARE = ("eq", "not", "gt", "gte", "lt", "lte")
_TEXT = ("contains", "startswith", "endswith")
_OPERATOR_DOCS = {
    "eq": "equal to", "not": "not equal to (NULLs do not match)", "gt": "greater than", "gte": "at least",
    "lt": "less than", "lte": "at most", "in": "one of", "notin": "none of", "contains": "contains the text (exact)",
    "startswith": "starts with the text", "endswith": "ends with the text",
    "date": "the date part equals (YYYY-MM-DD)", "isnull": "true: is null; false: is not null",
    "notnull": "true: is not null; false: is null",
}


# -- shared types -----------------------------------------------------------------------------------

class PageInfo(graphene.ObjectType):
    """Relay page information. Pass ``endCursor`` as ``after`` to get the next page."""

    hasNextPage = graphene.Boolean(required=True)
    hasPreviousPage = graphene.Boolean(required=True)
    startCursor = graphene.String()
    endCursor = graphene.String()


class ColumnInfo(graphene.ObjectType):
    """A column of a dataset's current version."""

    name = graphene.String(required=True, description="Column name (REST parameter name)")
    field = graphene.String(required=True, description="GraphQL field name (the column name when it is valid GraphQL)")
    type = graphene.String(required=True, description="DuckDB type")
    title_vi = graphene.String()
    title_en = graphene.String()
    pii = graphene.String(required=True, description="Personal-data class: none, basic or sensitive")
    masked = graphene.Boolean(required=True, description="Whether you see this column as null")


class DatasetInfo(graphene.ObjectType):
    """A dataset you can see, with its GraphQL field names."""

    name = graphene.String(required=True)
    title_vi = graphene.String(required=True)
    title_en = graphene.String(required=True)
    description_vi = graphene.String()
    description_en = graphene.String()
    access_level = graphene.String(required=True)
    owner_code = graphene.String(required=True)
    owner_name = graphene.String(required=True)
    version = graphene.String(required=True, description="Current version")
    row_count = scalars.BigInt(required=True)
    field = graphene.String(required=True, description="Query field for rows")
    aggregate_field = graphene.String(required=True, description="Query field for aggregates")
    columns = graphene.List(graphene.NonNull(ColumnInfo), required=True)


def _operators(name: str, scalar: Any, operators: Iterable[str], description: str) -> type:
    attrs: dict[str, Any] = {"Meta": type("Meta", (), {"name": name, "description": description})}
    for op in operators:
        if op in ("isnull", "notnull"):
            attrs[op] = graphene.Boolean(description=_OPERATOR_DOCS[op])
        elif op in ("in", "notin"):
            attrs[op] = graphene.List(graphene.NonNull(scalar), description=_OPERATOR_DOCS[op])
        elif op == "date":
            attrs[op] = scalars.Date(description=_OPERATOR_DOCS[op])
        else:
            attrs[op] = scalar(description=_OPERATOR_DOCS[op])
    return type(name, (graphene.InputObjectType,), attrs)


_ORDERED = (*_COMPARE, "in", "notin", "isnull", "notnull")
OPERATOR_TYPES: dict[tuple[Any, Family], type] = {}
for _scalar, _families, _ops, _name in (
    (graphene.String, (Family.TEXT,), (*_ORDERED, *_TEXT), "StringOperators"),
    (graphene.Int, (Family.INTEGER,), _ORDERED, "IntOperators"),
    (scalars.BigInt, (Family.INTEGER,), _ORDERED, "BigIntOperators"),
    (graphene.Float, (Family.FLOAT,), _ORDERED, "FloatOperators"),
    (scalars.Decimal, (Family.DECIMAL,), _ORDERED, "DecimalOperators"),
    (graphene.Boolean, (Family.BOOLEAN,), _ORDERED, "BooleanOperators"),
    (scalars.Date, (Family.DATE,), (*_ORDERED, "date"), "DateOperators"),
    (scalars.DateTime, (Family.TIMESTAMP,), (*_ORDERED, "date"), "DateTimeOperators"),
    (scalars.Time, (Family.TIME,), _ORDERED, "TimeOperators"),
    (scalars.JSON, (Family.OTHER,), ("isnull", "notnull"), "JSONOperators"),
):
    _type = _operators(_name, _scalar, _ops, f"Filter operators for {_name[:-9]} columns; several are ANDed")
    for _family in _families:
        OPERATOR_TYPES[(_scalar, _family)] = _type


# -- per dataset --------------------------------------------------------------------------------------

@dataclass
class Binding:
    """One dataset in a built schema: where its fields are and which column each GraphQL name means."""

    name: str
    dataset: Mapping[str, Any]
    version: Version
    spec: DatasetSpec
    field: str
    aggregate_field: str
    stem: str
    #: GraphQL field name → column
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    #: column name → GraphQL field name
    fields: dict[str, str] = field(default_factory=dict)
    row_type: Any = None

    def column(self, field_name: str) -> ColumnSpec:
        return self.columns[field_name]


@dataclass(frozen=True)
class Naming:
    """Root field names and type stems of every dataset with a current version, computed over all of
    them (not just those a caller sees), so a dataset's names do not depend on who asks."""

    fields: dict[str, str]
    aggregate_fields: dict[str, str]
    stems: dict[str, str]

    @classmethod
    def of(cls, names: Iterable[str]) -> "Naming":
        ordered = sorted(names)
        fields = unique_names(ordered, reserved={DATASETS_FIELD}, prefix="d")
        aggregates = unique_names([f"{fields[n]}_aggregate" for n in ordered], reserved={DATASETS_FIELD, *fields.values()})
        stems: dict[str, str] = {}
        taken: set[str] = set()
        for name in ordered:
            stem, number = pascal_case(fields[name]), 2
            base = stem
            while stem in taken:
                stem, number = f"{base}{number}", number + 1
            taken.add(stem)
            stems[name] = stem
        return cls(fields, {n: aggregates[f"{fields[n]}_aggregate"] for n in ordered}, stems)


def _meta(name: str, description: str | None = None) -> type:
    return type("Meta", (), {"name": name, "description": description})


def _column_description(column: ColumnSpec) -> str:
    titles = " / ".join(t for t in (column.title_vi, column.title_en) if t) or column.name
    text = f"{titles} — `{column.name}` ({column.type})"
    if column.pii != "none":
        text += ". Personal data: null unless your grant includes personal data"
    return text


def _getter(column_name: str) -> Callable[..., Any]:
    def resolve(row: Mapping[str, Any], info: Any) -> Any:
        return to_jsonable(row.get(column_name))
    return resolve


def _key_getter(key: str) -> Callable[..., Any]:
    def resolve(row: Mapping[str, Any], info: Any) -> Any:
        return to_jsonable(row.get(key))
    return resolve


def _same(value: Any) -> Callable[..., Any]:
    return lambda root, info: root


def _enum(name: str, members: Mapping[str, Any], description: str) -> type:
    python_enum = enum.Enum(name, [(key, value) for key, value in members.items()])
    return graphene.Enum.from_enum(python_enum, description=description)


@dataclass
class DatasetTypes:
    connection: Any
    aggregate: Any
    filter: Any
    sort: Any
    group_by: Any
    group_sort: Any


def build_dataset_types(binding: Binding) -> DatasetTypes:
    stem = binding.stem
    title = binding.dataset.get("title_en") or binding.name
    row_attrs: dict[str, Any] = {"Meta": _meta(f"{stem}Row", f"A row of `{binding.name}` ({title})")}
    filter_attrs: dict[str, Any] = {"Meta": _meta(f"{stem}Filter", f"Filters on `{binding.name}`, ANDed (the REST "
                                                                   "`col__op=value` parameters)")}
    sort_members: dict[str, Any] = {}
    orderable: list[tuple[str, ColumnSpec]] = []
    for field_name, column in binding.columns.items():
        scalar = scalars.graphql_type(column)
        row_attrs[field_name] = graphene.Field(scalar, description=_column_description(column),
                                               resolver=_getter(column.name))
        filter_attrs[field_name] = graphene.InputField(OPERATOR_TYPES[(scalar, column.family)],
                                                       description=_column_description(column))
        if column.family in ORDERABLE_FAMILIES:
            orderable.append((field_name, column))
            sort_members[f"{field_name}_asc"] = (column.name, False)
            sort_members[f"{field_name}_desc"] = (column.name, True)
    row_type = type(f"{stem}Row", (graphene.ObjectType,), row_attrs)
    binding.row_type = row_type
    filter_type = type(f"{stem}Filter", (graphene.InputObjectType,), filter_attrs)
    sort_type = _enum(f"{stem}Sort", sort_members, f"Sort orders of `{binding.name}` (NULLs last; several: in order)") \
        if sort_members else None

    edge_type = type(f"{stem}Edge", (graphene.ObjectType,), {
        "Meta": _meta(f"{stem}Edge"),
        "cursor": graphene.String(description="Pass as `after` to continue after this row"),
        "node": graphene.Field(graphene.NonNull(row_type)),
    })
    connection_type = type(f"{stem}Connection", (graphene.ObjectType,), {
        "Meta": _meta(f"{stem}Connection", f"A page of `{binding.name}` rows (keyset paging)"),
        "edges": graphene.List(graphene.NonNull(edge_type), required=True),
        "nodes": graphene.List(graphene.NonNull(row_type), required=True),
        "pageInfo": graphene.Field(PageInfo, required=True),
        "totalCount": graphene.Int(description="Matching rows: exact without filters; with filters counted up to "
                                               "10,000 (then `totalCountTruncated` is true); null if counting "
                                               "ran out of time"),
        "totalCountTruncated": graphene.Boolean(required=True),
        "maskedColumns": graphene.List(graphene.NonNull(graphene.String), required=True,
                                       description="Columns you see as null (personal data)"),
        "version": graphene.String(required=True),
    })

    # Aggregates: a type per aggregate function over the columns it applies to.
    group_by_members = {field_name: column.name for field_name, column in orderable}
    group_by_type = _enum(f"{stem}GroupBy", group_by_members, f"Columns of `{binding.name}` to group by") \
        if group_by_members else None
    numeric = [(f, c) for f, c in orderable if c.family in NUMERIC_FAMILIES]
    group_attrs: dict[str, Any] = {
        "Meta": _meta(f"{stem}Group", "One group: its key and the aggregates you select"),
        "count": scalars.BigInt(description="Rows in the group", resolver=_key_getter("count")),
    }
    sort_keys: dict[str, str] = {"count": "count"}
    if orderable:
        key_type = type(f"{stem}GroupKey", (graphene.ObjectType,), {
            "Meta": _meta(f"{stem}GroupKey", "The group's values of the `groupBy` columns (others are null)"),
            **{f: graphene.Field(scalars.graphql_type(c), resolver=_key_getter(c.name)) for f, c in orderable},
        })
        group_attrs["key"] = graphene.Field(graphene.NonNull(key_type), resolver=_same(None))
    for function, columns, type_of in (("sum", numeric, scalars.sum_type), ("avg", numeric, lambda c: graphene.Float),
                                       ("min", orderable, scalars.graphql_type), ("max", orderable, scalars.graphql_type)):
        if not columns:
            continue
        suffix = function.capitalize()
        function_type = type(f"{stem}{suffix}", (graphene.ObjectType,), {
            "Meta": _meta(f"{stem}{suffix}", f"`{function}` of each column over the group's rows"),
            **{f: graphene.Field(type_of(c), resolver=_key_getter(f"{function}:{c.name}")) for f, c in columns},
        })
        group_attrs[function] = graphene.Field(graphene.NonNull(function_type), resolver=_same(None))
        for f, c in columns:
            sort_keys[f"{function}_{f}"] = f"{function}:{c.name}"
    group_type = type(f"{stem}Group", (graphene.ObjectType,), group_attrs)
    group_sort_members: dict[str, Any] = {}
    taken: set[str] = set()
    for label, key in [*group_by_members.items(), *sort_keys.items()]:
        member, number = label, 2
        while member in taken:  # a column called "count" and the count aggregate
            member, number = f"{label}_{number}", number + 1
        taken.add(member)
        group_sort_members[f"{member}_asc"] = (key, False)
        group_sort_members[f"{member}_desc"] = (key, True)
    group_sort_type = _enum(f"{stem}GroupSort", group_sort_members,
                            f"Orders of `{binding.name}` groups: by a group column or an aggregate "
                            "(an aggregate sorted on is computed even if not selected)")
    aggregate_type = type(f"{stem}Aggregate", (graphene.ObjectType,), {
        "Meta": _meta(f"{stem}Aggregate", f"Grouped aggregates of `{binding.name}`"),
        "groups": graphene.List(graphene.NonNull(group_type), required=True),
        "truncated": graphene.Boolean(required=True, description="More groups exist than `first` allowed"),
        "version": graphene.String(required=True),
        "maskedColumns": graphene.List(graphene.NonNull(graphene.String), required=True),
    })
    return DatasetTypes(connection_type, aggregate_type, filter_type, sort_type, group_by_type, group_sort_type)


@dataclass
class BuiltSchema:
    schema: graphene.Schema
    bindings: dict[str, Binding]
    #: Root field name → binding, for connection and aggregate fields alike.
    by_field: dict[str, Binding]
    #: Row type name → {GraphQL field: column}, and edge type name → row type name (for the fast
    #: completion of row lists in :mod:`api.graphql.execution`).
    row_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    edge_rows: dict[str, str] = field(default_factory=dict)

    @property
    def dataset_fields(self) -> set[str]:
        return set(self.by_field)


def build_schema(bindings: list[Binding], resolvers: Any) -> BuiltSchema:
    """A schema over ``bindings`` (the datasets one caller may see). ``resolvers`` provides
    ``rows(binding)``, ``aggregate(binding)`` and ``datasets`` (see :mod:`api.graphql.resolvers`)."""
    attrs: dict[str, Any] = {
        "Meta": _meta("Query", "Published datasets of the province: one rows field and one aggregate field each"),
        DATASETS_FIELD: graphene.List(graphene.NonNull(DatasetInfo), required=True,
                                      description="The datasets you can see", resolver=resolvers.datasets),
    }
    by_field: dict[str, Binding] = {}
    for binding in sorted(bindings, key=lambda b: b.field):
        types = build_dataset_types(binding)
        title = " / ".join(t for t in (binding.dataset.get("title_vi"), binding.dataset.get("title_en")) if t)
        row_args: dict[str, Any] = {
            "filter": graphene.Argument(types.filter, description="Column filters, ANDed"),
            "search": graphene.String(description="Words that must all occur in some text column, ignoring case "
                                                  "and diacritics"),
            "first": graphene.Int(default_value=100, description="Rows per page, 0–1000"),
            "after": graphene.String(description="`endCursor` (or an edge's `cursor`) of the previous page"),
            "version": graphene.String(description="A published version (default: current; a cursor keeps its own)"),
        }
        if types.sort is not None:
            row_args["sort"] = graphene.List(graphene.NonNull(types.sort), description="Sort order, most significant first")
        # Nullable, so that one failing dataset field leaves the others' data in the answer.
        attrs[binding.field] = graphene.Field(
            types.connection, args=row_args, resolver=resolvers.rows(binding),
            description=f"Rows of `{binding.name}` — {title}",
        )
        aggregate_args: dict[str, Any] = {
            "filter": graphene.Argument(types.filter, description="Column filters, ANDed"),
            "search": graphene.String(description="As for rows"),
            "first": graphene.Int(default_value=100, description="Groups to return, 0–1000"),
            "version": graphene.String(description="A published version (default: current)"),
            "sort": graphene.List(graphene.NonNull(types.group_sort), description="Group order"),
        }
        if types.group_by is not None:
            aggregate_args["groupBy"] = graphene.List(graphene.NonNull(types.group_by),
                                                      description="Columns to group by (none: one group of all rows)")
        attrs[binding.aggregate_field] = graphene.Field(
            types.aggregate, args=aggregate_args, resolver=resolvers.aggregate(binding),
            description=f"Grouped aggregates of `{binding.name}` — {title}",
        )
        by_field[binding.field] = binding
        by_field[binding.aggregate_field] = binding
    query = type("Query", (graphene.ObjectType,), attrs)
    schema = graphene.Schema(query=query, auto_camelcase=False)
    return BuiltSchema(schema, {b.name: b for b in bindings}, by_field,
                       row_columns={f"{b.stem}Row": {f: c.name for f, c in b.columns.items()} for b in bindings},
                       edge_rows={f"{b.stem}Edge": f"{b.stem}Row" for b in bindings})


def make_binding(dataset: Mapping[str, Any], version: Version, spec: DatasetSpec, naming: Naming) -> Binding:
    name = dataset["name"]
    field_names = unique_names([column.name for column in spec.columns])
    binding = Binding(name=name, dataset=dataset, version=version, spec=spec, field=naming.fields[name],
                      aggregate_field=naming.aggregate_fields[name], stem=naming.stems[name])
    for column in spec.columns:
        binding.columns[field_names[column.name]] = column
        binding.fields[column.name] = field_names[column.name]
    return binding
