"""Keyset paging: the sort order, the ``_next`` token and the "rows after this one" predicate.

Order. Every page is ordered by the requested sort keys, each with NULLs last (in both directions:
nobody wants the top ten to be ten blanks), and finally by the row's position in the Parquet file
(DuckDB's ``file_row_number``). The position is the tiebreaker instead of the primary key because it
is always unique and non-null, even where a declared key is not; it is never personal data (the
``citizens`` key is a personal ID, which must not travel in a token to a consumer who sees it masked);
and with no ``_sort`` it is the file's own order, which DuckDB pages through by skipping row groups,
like Datasette's rowid order. Published files are immutable, so a position is stable for a version.

Token. ``_next`` is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload)[:16])``; the
payload is JSON with the dataset name, version, sort signature, the last row's sort-key values (as
DuckDB prints them, so every type round-trips exactly: nanosecond timestamps, doubles, decimals)
and its position. A token that is malformed or whose MAC does not verify is a 400. A valid token for
another dataset, version or sort order is also a 400 (not silently reinterpreted); the routes avoid
the version case by serving the token's own version when no ``_version`` is given
(:func:`api.query.params.requested_version`), so paging stays on one immutable version even if a
newer one is published meanwhile. Filters are not part of the token (as in Datasette): changing them
mid-way continues from the same position under the new filters, still never repeating a row.

The secret comes from ``KHO_QUERY_TOKEN_SECRET``; without it each process draws a random one, which
is safe but makes tokens from one API worker a 400 on another: set it when running several workers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Sequence

from .errors import QueryError
from .filters import value_placeholder
from .schema import ROW_NUMBER_COLUMN, ColumnSpec
from .sql import Sql, TABLE_ALIAS, column_ref

TOKEN_SECRET_ENV = "KHO_QUERY_TOKEN_SECRET"
_TOKEN_FORMAT = 1
_MAC_BYTES = 16
#: Longest token accepted; sort values are in it, so long text sort keys make long tokens.
MAX_TOKEN_LENGTH = 16_384
ROW_NUMBER_REF = f"{TABLE_ALIAS}.{ROW_NUMBER_COLUMN}"


@dataclass(frozen=True)
class SortKey:
    column: ColumnSpec
    descending: bool = False

    def signature(self) -> list[str]:
        return [self.column.name, "desc" if self.descending else "asc"]


@dataclass(frozen=True)
class PageCursor:
    """Where the previous page ended: the sort-key values (DuckDB text, None for NULL) and position."""

    keys: tuple[str | None, ...]
    row_number: int


@dataclass(frozen=True)
class TokenPayload:
    dataset: str
    version: str
    sort: tuple[tuple[str, str], ...]
    cursor: PageCursor


class TokenCodec:
    """Signs and verifies ``_next`` tokens with a server-side secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the token secret must be at least 16 bytes")
        self._secret = secret

    @classmethod
    def from_env(cls) -> "TokenCodec":
        secret = os.environ.get(TOKEN_SECRET_ENV)
        return cls(secret.encode("utf-8") if secret else os.urandom(32))

    def encode(self, dataset: str, version: str, sort: Sequence[SortKey], cursor: PageCursor) -> str:
        payload = json.dumps(
            [_TOKEN_FORMAT, dataset, version, [key.signature() for key in sort], list(cursor.keys),
             cursor.row_number],
            separators=(",", ":"),
        ).encode("utf-8")
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def decode(self, token: object, param: str = "_next") -> TokenPayload:
        invalid = QueryError(param, "invalid page token; start again from the first page")
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise invalid
        encoded_payload, encoded_mac = token.split(".")
        try:
            payload, mac = _b64decode(encoded_payload), _b64decode(encoded_mac)
        except (ValueError, binascii.Error):
            raise invalid from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        try:
            version_tag, dataset, version, sort, keys, row_number = json.loads(payload)
        except (ValueError, TypeError):
            raise invalid from None
        if (version_tag != _TOKEN_FORMAT or not isinstance(dataset, str) or not isinstance(version, str)
                or not isinstance(sort, list) or not isinstance(keys, list) or len(keys) != len(sort)
                or not all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
                           for pair in sort)
                or not all(key is None or isinstance(key, str) for key in keys)
                or type(row_number) is not int or row_number < 0):
            raise invalid
        return TokenPayload(dataset, version, tuple((c, d) for c, d in sort), PageCursor(tuple(keys), row_number))

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]


_default_codec: TokenCodec | None = None


def default_token_codec() -> TokenCodec:
    """The process-wide codec (from ``KHO_QUERY_TOKEN_SECRET`` or a random secret)."""
    global _default_codec
    if _default_codec is None:
        _default_codec = TokenCodec.from_env()
    return _default_codec


def order_by_sql(sort: Sequence[SortKey]) -> str:
    terms = [f"{column_ref(key.column.name)} {'DESC' if key.descending else 'ASC'} NULLS LAST" for key in sort]
    return ", ".join([*terms, f"{ROW_NUMBER_REF} ASC"])


def key_text_sql(sort: Sequence[SortKey]) -> list[str]:
    """Expressions selecting the sort keys as text, for the token of the page's last row."""
    return [f"CAST({column_ref(key.column.name)} AS VARCHAR)" for key in sort]


def after_cursor_sql(sort: Sequence[SortKey], cursor: PageCursor) -> Sql:
    """Rows strictly after ``cursor`` in :func:`order_by_sql` order.

    Lexicographic: for some key i, all earlier keys equal the cursor's and key i is after it. With
    NULLs last, "after a value" includes NULL and nothing is after NULL but the next key.
    """
    disjuncts: list[Sql] = []
    equal_prefix: list[Sql] = []
    for key, value in zip(sort, cursor.keys):
        column = column_ref(key.column.name)
        if value is not None:
            placeholder = value_placeholder(key.column)
            operator = "<" if key.descending else ">"
            after = Sql(f"({column} {operator} {placeholder} OR {column} IS NULL)", (value,))
            disjuncts.append(Sql.join(" AND ", [*equal_prefix, after]))
            equal_prefix.append(Sql(f"{column} = {placeholder}", (value,)))
        else:
            equal_prefix.append(Sql(f"{column} IS NULL"))
    disjuncts.append(Sql.join(" AND ", [*equal_prefix, Sql(f"{ROW_NUMBER_REF} > ?", (cursor.row_number,))]))
    return Sql.join(" OR ", (Sql(f"({part.text})", part.params) for part in disjuncts))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # base64 decoding forgives foreign characters and stray low bits; insist on the one canonical
    # spelling so that any altered character of a token is rejected, not just altered payloads.
    if _b64encode(data) != text:
        raise ValueError("not canonical base64")
    return data
