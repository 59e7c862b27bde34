"""The one error type a bad request produces.

Routes turn a :class:`QueryError` into HTTP 400 with ``{"error": message, "param": param}``
(:meth:`QueryError.to_dict`). Anything else escaping this package is a bug, never a user error.
"""

from __future__ import annotations

#: Longest user-supplied text echoed back in an error message; longer input is cut.
_MAX_ECHO = 80


def safe_text(text: object, limit: int = _MAX_ECHO) -> str:
    """Text that is safe to echo back: valid UTF-8 (lone surrogates escaped) and short."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def show_value(value: object) -> str:
    """A user value quoted for an error message, e.g. ``'abc'``."""
    return repr(safe_text(value)) if isinstance(value, str) else safe_text(repr(value))


class QueryError(ValueError):
    """A request parameter (``param``) is wrong; ``message`` says why without revealing data.

    ``param`` is the query-string parameter name (``"amount__gt"``, ``"_sort"``) or, for callers that
    build requests themselves (GraphQL), whatever label they passed. It is None only for errors about
    the request as a whole.
    """

    status = 400

    def __init__(self, param: str | None, message: str) -> None:
        self.param = None if param is None else safe_text(param, 120)
        self.message = message
        super().__init__(f"{self.param}: {message}" if self.param else message)

    def to_dict(self) -> dict[str, str | None]:
        return {"error": self.message, "param": self.param}


class MaskedColumnRefused(QueryError):
    """A request tried to filter, sort, facet, search, group or aggregate on a column that is masked
    for this consumer. 403 rather than 400, like ``api.access.masking.MaskedColumnError``: the request
    is well-formed, the consumer's grant does not cover it. The message names the column only.
    """

    status = 403

    def __init__(self, param: str | None, column: str, action: str) -> None:
        self.column = column
        super().__init__(param, f"column {column!r} holds personal data and is masked for you; "
                                f"{action} on it needs a personal-data grant")


class QueryTimeout(QueryError):
    """The main query ran past the caller's time limit and was interrupted.

    Still a 400 (as in Datasette): the request asked for more work than the service allows; narrower
    filters or a smaller page are the fix.
    """

    def __init__(self, time_limit_ms: int) -> None:
        super().__init__(None, f"query took longer than the time limit of {time_limit_ms} ms; narrow the filters")
