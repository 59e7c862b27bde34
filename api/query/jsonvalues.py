"""JSON-ready values, shared by the REST rows, NDJSON exports and GraphQL scalars.

Dates, times and timestamps become ISO 8601 text; Decimal becomes a JSON number (int when whole,
else float, like FastAPI's encoder; exact decimals are in the CSV and Parquet exports); NaN and
infinities become null (JSON has no spelling for them); bytes become base64; UUIDs and intervals
their text.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any, Mapping


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return str(value)


def row_to_jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: to_jsonable(value) for key, value in row.items()}
