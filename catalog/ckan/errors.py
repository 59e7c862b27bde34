"""CKAN's action exceptions and how `ckan/views/api.py` turns them into HTTP responses
(reference/ckan.md §1): status code, `error.__type` and message format."""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    status = 500
    type_name = "Internal Server Error"

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": "Internal Server Error"}


class NotFound(ActionError):
    status = 404
    type_name = "Not Found Error"

    def error_body(self) -> dict[str, Any]:
        detail = str(self.args[0]) if self.args and self.args[0] else ""
        return {"__type": self.type_name, "message": f"Not found: {detail}" if detail else "Not found"}


class NotAuthorized(ActionError):
    status = 403
    type_name = "Authorization Error"

    def error_body(self) -> dict[str, Any]:
        detail = str(self.args[0]) if self.args and self.args[0] else ""
        return {"__type": self.type_name, "message": f"Access denied: {detail}" if detail else "Access denied"}


class ValidationError(ActionError):
    """Field → list of messages; the body has no `message` key (CKAN's behaviour)."""

    status = 409
    type_name = "Validation Error"

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors)
        self.errors = errors

    def error_body(self) -> dict[str, Any]:
        return {**self.errors, "__type": self.type_name}


class SearchQueryError(ActionError):
    status = 400
    type_name = "Search Query Error"

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": "Search Query is invalid: %r" % (self.args,)}


class SearchError(ActionError):
    status = 409
    type_name = "Search Error"

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": "Search error: %r" % (self.args,)}


class BadRequest(Exception):
    """400 with a bare JSON string body and no envelope (unknown action, undecodable request)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
