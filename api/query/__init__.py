"""Kho's query engine for the Data API: request parameters → safe DuckDB SQL → pages, groups, exports.

One compiled :class:`RowsQuery` serves the REST rows endpoint, GraphQL connections and the CSV /
NDJSON / Parquet exports, so filters, paging, masking and limits behave the same everywhere.

Typical REST route::

    from api.access import masked_columns
    from api.query import (AccessPolicy, DatasetSpec, QueryError, open_connection,
                           parse_rows_request, requested_version, run_rows, run_group_by, iter_export)

    conn = open_connection(allowed_directories=[settings.published_dir])   # once per process

    params = list(request.query_params.multi_items())
    try:
        # `_version`, else the version inside a `_next` token, else None: the current version
        version = requested_version(params, name) or catalogue_current_version(name)
        spec = DatasetSpec.from_schema_json(name, version, parquet_path_of(name, version), schema_json)
        policy = AccessPolicy.from_masked_columns(masked_columns(principal, dataset, schema_json["columns"]))
        query = parse_rows_request(spec, params, policy, passthrough={"_shape"})
        result = run_group_by(conn, query) if query.is_grouped else run_rows(conn, query, time_limit_ms=2000)
    except QueryError as error:
        return JSONResponse(error.to_dict(), status_code=error.status)      # {"error", "param"}
    return result.to_json()

    # exports: the statement runs (and may raise QueryError) before the response starts
    return StreamingResponse(iter_export(conn, query, "csv"), media_type=EXPORT_FORMATS["csv"].media_type)

GraphQL builds a :class:`RowsRequest` from its arguments (filter input objects become
:class:`FilterRequest` items with native values and their own ``param`` labels) and calls
:func:`build_rows_query`; ``run_rows(..., row_tokens=True)`` gives a cursor per edge.

Pieces (one job per module):

* :mod:`.schema` — :class:`DatasetSpec`, :class:`ColumnSpec`; DuckDB type strings → type families.
* :mod:`.policy` — :class:`AccessPolicy`: personal-data columns are masked (typed NULL, listed in
  ``Page.masked_columns``) and refused in filters, sort, facets, search and group-by.
* :mod:`.params` — the Datasette-style query-string grammar (documented there) → :class:`RowsRequest`.
* :mod:`.request` / :mod:`.query` — the request model and its validation into :class:`RowsQuery`.
* :mod:`.filters`, :mod:`.values`, :mod:`.text` — operators, typed values, diacritic folding.
* :mod:`.keyset` — sort order, signed ``_next`` tokens, the keyset predicate (why the tiebreaker is
  the row's file position and how tokens relate to versions is explained there).
* :mod:`.compiler` — SQL text; user input only ever travels as bound parameters.
* :mod:`.execute`, :mod:`.facets`, :mod:`.deadline` — running statements with time limits.
* :mod:`.exports` — streaming CSV / NDJSON / Parquet; :mod:`.jsonvalues` — JSON-ready values.

Errors: every bad parameter raises :class:`QueryError`; answer it with ``error.status`` and
``error.to_dict()`` (``{"error", "param"}``, ``param`` names the parameter). Status is 400, except
:class:`MaskedColumnRefused` (403: using a personal-data column the consumer sees masked, the same
convention as ``api.access.masking``). :class:`QueryTimeout` (400) is raised when ``time_limit_ms``
interrupts the page statement. Nothing else escapes for anything a user can send.
"""

from .errors import MaskedColumnRefused, QueryError, QueryTimeout
from .execute import GroupResult, Page, open_connection, run_group_by, run_rows
from .exports import EXPORT_FORMATS, ExportFormat, iter_csv, iter_export, iter_ndjson, iter_parquet
from .facets import FacetResult, FacetValue
from .filters import OPERATORS, Op
from .jsonvalues import row_to_jsonable, to_jsonable
from .keyset import TokenCodec, default_token_codec
from .limits import DEFAULT_LIMITS, QueryLimits
from .params import parse_rows_request, read_rows_params, requested_version
from .policy import AccessPolicy
from .query import Aggregate, RowsQuery, build_rows_query
from .request import AggregateRequest, FilterRequest, RowsRequest, SortRequest
from .schema import ColumnSpec, DatasetSpec, Family
from .text import fold_text

__all__ = [
    "AccessPolicy", "Aggregate", "AggregateRequest", "ColumnSpec", "DEFAULT_LIMITS", "DatasetSpec",
    "EXPORT_FORMATS", "ExportFormat", "FacetResult", "FacetValue", "Family", "FilterRequest", "GroupResult", "MaskedColumnRefused",
    "OPERATORS", "Op", "Page", "QueryError", "QueryLimits", "QueryTimeout", "RowsQuery", "RowsRequest",
    "SortRequest", "TokenCodec", "build_rows_query", "default_token_codec", "fold_text", "iter_csv",
    "iter_export", "iter_ndjson", "iter_parquet", "open_connection", "parse_rows_request",
    "read_rows_params", "requested_version", "row_to_jsonable", "run_group_by", "run_rows", "to_jsonable",
]
