"""Shortcuts the tests share: parse + run with the test token secret."""

from __future__ import annotations

from typing import Mapping, Sequence

from api.query import (DEFAULT_LIMITS, AccessPolicy, DatasetSpec, Page, QueryLimits, RowsQuery,
                       parse_rows_request, run_rows)
from api.query.params import params_from_mapping
from tests.api_query.dataset import PUBLIC, TOKENS

Params = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]


def as_pairs(params: Params) -> list[tuple[str, str]]:
    return params_from_mapping(dict(params)) if isinstance(params, Mapping) else list(params)


def compile_query(spec: DatasetSpec, params: Params, policy: AccessPolicy = PUBLIC,
                  limits: QueryLimits = DEFAULT_LIMITS) -> RowsQuery:
    return parse_rows_request(spec, as_pairs(params), policy, limits=limits, tokens=TOKENS)


def fetch(conn, spec: DatasetSpec, params: Params, policy: AccessPolicy = PUBLIC,
          limits: QueryLimits = DEFAULT_LIMITS, **options) -> Page:
    return run_rows(conn, compile_query(spec, params, policy, limits), **options)


def fetch_all_pages(conn, spec: DatasetSpec, params: Params, policy: AccessPolicy = PUBLIC,
                    max_pages: int = 10_000) -> list[dict]:
    """Follow ``_next`` tokens to the end; returns all rows in the order served."""
    pairs = as_pairs(params)
    collected: list[dict] = []
    token = None
    for _ in range(max_pages):
        page = fetch(conn, spec, pairs + ([("_next", token)] if token else []), policy)
        collected.extend(page.rows)
        token = page.next_token
        if token is None:
            return collected
    raise AssertionError("paging did not end")
