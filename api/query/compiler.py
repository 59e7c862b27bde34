"""SQL for a :class:`~api.query.query.RowsQuery`: page, count, facet, group-by and export statements.

Every statement reads the Parquet file through ``read_parquet(?)`` with the path bound as a
parameter, aliased ``t``. Masked columns are projected as ``CASE WHEN false THEN t."col" END``: NULL
with the column's own type (so nothing downstream changes shape) without ever reading the value
into the result.
"""

from __future__ import annotations

from .keyset import ROW_NUMBER_REF, after_cursor_sql, key_text_sql, order_by_sql
from .query import RowsQuery
from .schema import ColumnSpec, Family
from .sql import Sql, TABLE_ALIAS, column_ref, conjunction, quote_ident
from .text import fold_sql


def source_sql(query: RowsQuery, with_row_number: bool) -> Sql:
    options = ", file_row_number = true" if with_row_number else ""
    return Sql(f"read_parquet(?{options}) AS {TABLE_ALIAS}", (query.spec.parquet_path,))


def filter_sql(query: RowsQuery) -> Sql | None:
    """Filters and search, ANDed; None when the query selects every row."""
    parts = [condition.to_sql() for condition in query.conditions]
    for term in query.search_terms:
        # The term is folded in Python already; folding it again in SQL makes both sides agree
        # even where Python's and DuckDB's case mappings differ.
        matches = [Sql(f"contains({fold_sql(column_ref(column.name))}, {fold_sql('?')})", (term,))
                   for column in query.search_columns]
        parts.append(Sql.join(" OR ", matches))
    return conjunction(parts)


def projection_sql(query: RowsQuery, column: ColumnSpec, nested_as_text: bool = False) -> str:
    """The output expression of ``column``; ``nested_as_text`` renders lists, structs and other
    types CSV has no spelling for as DuckDB's text form."""
    expression = column_ref(column.name)
    if column.name in query.masked_columns:
        expression = f"CASE WHEN false THEN {expression} END"
    if nested_as_text and column.family is Family.OTHER:
        expression = f"CAST({expression} AS VARCHAR)"
    return f"{expression} AS {quote_ident(column.name)}"


def _where(*parts: Sql | None) -> Sql:
    condition = conjunction(part for part in parts if part is not None)
    return Sql(" WHERE ") + condition if condition is not None else Sql("")


def page_sql(query: RowsQuery) -> Sql:
    """One page plus one row (to know whether there is a next page).

    After the output columns come the sort keys as text and the row position: what the last row's
    ``_next`` token needs. Callers drop them by position, so they cannot clash with column names.
    """
    select = [projection_sql(query, column) for column in query.columns]
    select += key_text_sql(query.sort) + [ROW_NUMBER_REF]
    after = after_cursor_sql(query.sort, query.after) if query.after is not None else None
    return (Sql(f"SELECT {', '.join(select)} FROM ") + source_sql(query, True) + _where(filter_sql(query), after)
            + Sql(f" ORDER BY {order_by_sql(query.sort)} LIMIT ?", (query.size + 1,)))


def count_sql(query: RowsQuery) -> tuple[Sql, bool]:
    """The count statement and whether it is capped.

    Without filters DuckDB answers ``count(*)`` from the Parquet footer, so the count is exact and
    free. With filters it stops at ``count_limit + 1`` rows, like Datasette.
    """
    where = filter_sql(query)
    if where is None:
        return Sql("SELECT count(*) FROM ") + source_sql(query, False), False
    inner = Sql("SELECT 1 FROM ") + source_sql(query, False) + _where(where) + Sql(" LIMIT ?", (query.limits.count_limit + 1,))
    return Sql("SELECT count(*) FROM (") + inner + Sql(")"), True


def facet_sql(query: RowsQuery, column: ColumnSpec) -> Sql:
    """Top values of ``column`` among the matching rows, most frequent first; one extra to detect more."""
    reference = column_ref(column.name)
    return (Sql(f"SELECT {reference} AS facet_value, count(*) AS facet_count FROM ") + source_sql(query, False)
            + _where(filter_sql(query))
            + Sql(f" GROUP BY {reference} ORDER BY facet_count DESC, facet_value ASC NULLS LAST LIMIT ?",
                  (query.facet_size + 1,)))


def group_sql(query: RowsQuery, limit: int | None) -> Sql:
    """Grouped aggregates; ``limit`` groups at most (None for exports)."""
    select = [f"{column_ref(column.name)} AS {quote_ident(column.name)}" for column in query.group_by]
    for aggregate in query.aggregates:
        argument = "*" if aggregate.column is None else column_ref(aggregate.column.name)
        select.append(f"{aggregate.function}({argument}) AS {quote_ident(aggregate.name)}")
    statement = Sql(f"SELECT {', '.join(select)} FROM ") + source_sql(query, False) + _where(filter_sql(query))
    if query.group_by:
        statement += Sql(f" GROUP BY {', '.join(column_ref(column.name) for column in query.group_by)}")
        # Requested order first, then every group column, so the order (and any cut-off) is stable.
        terms = [f"{quote_ident(key.name)} {'DESC' if key.descending else 'ASC'} NULLS LAST"
                 for key in query.group_sort]
        terms += [f"{quote_ident(column.name)} ASC NULLS LAST" for column in query.group_by]
        statement += Sql(f" ORDER BY {', '.join(terms)}")
    if limit is not None:
        statement += Sql(" LIMIT ?", (limit,))
    return statement


def export_sql(query: RowsQuery, nested_as_text: bool = False) -> Sql:
    """Every matching row (no page size, no token), in page order.

    Without ``_sort`` there is no ORDER BY at all: DuckDB keeps a scan's insertion order
    (``preserve_insertion_order``, on by default and kept on by :func:`api.query.execute.open_connection`),
    which is the file order the pages use, and the export streams without a sort.
    """
    if query.is_grouped:
        return group_sql(query, None)
    select = ", ".join(projection_sql(query, column, nested_as_text) for column in query.columns)
    statement = Sql(f"SELECT {select} FROM ") + source_sql(query, bool(query.sort)) + _where(filter_sql(query))
    if query.sort:
        statement += Sql(f" ORDER BY {order_by_sql(query.sort)}")
    return statement
