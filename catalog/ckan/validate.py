"""CKAN's parameter validators, as the Action API applies them (messages as CKAN words them)."""

from __future__ import annotations

import json
from typing import Any

from catalog.ckan.errors import ValidationError

TRUE = (True, "true", "True", "TRUE", "on", "yes", "1", 1)
FALSE = (False, "false", "False", "FALSE", "off", "no", "0", 0)


def boolean(data: dict[str, Any], key: str, default: bool) -> bool:
    if key not in data or data[key] in (None, ""):
        return default
    value = data[key]
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError({key: ["Value must be one of: true, false"]})


def integer(data: dict[str, Any], key: str, default: int | None, *, minimum: int | None = 0,
            maximum: int | None = None) -> int | None:
    """int_validator + natural_number_validator (+ limit_to_configured_maximum: silently clamped)."""
    if key not in data or data[key] in (None, ""):
        return default
    value = data[key]
    if isinstance(value, bool):
        raise ValidationError({key: ["Invalid integer"]})
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ValidationError({key: ["Invalid integer"]})
    if minimum is not None and number < minimum:
        raise ValidationError({key: ["Must be a natural number" if minimum == 0 else "Must be a positive integer"]})
    if maximum is not None and number > maximum:
        number = maximum
    return number


def json_if_string(data: dict[str, Any], key: str) -> Any:
    """convert_to_json_if_string: GET passes structured values as JSON text."""
    value = data.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationError({key: ["Could not parse as valid JSON"]}) from None
    return value


def string_list(data: dict[str, Any], key: str, *, comma: bool = False) -> list[str] | None:
    """A list of strings, from a list, a JSON list string, or (with `comma`) "a,b"."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:
                raise ValidationError({key: ["Could not parse as valid JSON"]}) from None
        elif comma:
            value = [v.strip() for v in stripped.split(",") if v.strip()]
        else:
            value = [stripped]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({key: ["Not a list"]})
    return value


def required(data: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise ValidationError({keys[-1]: ["Must be a string"]})
            return value
    raise ValidationError({keys[-1]: ["Missing value"]})
