"""Turn a request value into the canonical text of a value of a column's type, or refuse it.

Every filter value is bound to the SQL as a VARCHAR parameter and cast there with
``CAST(? AS <column type>)``. This module guarantees that the cast cannot fail: the value is parsed
in Python by a grammar no wider than DuckDB's, range-checked for the exact column type, and re-printed
canonically. A value that does not fit is a :class:`QueryError` naming the parameter, so a bad value
can never surface as a DuckDB conversion error.

Values may be strings (query strings) or native Python values (GraphQL arguments): ``int``,
``float``, ``Decimal``, ``bool``, ``date``, ``datetime``, ``time`` as the column type allows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation, localcontext

from .errors import QueryError, show_value
from .schema import ColumnType, Family

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_TIME = r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
_TIME_ONLY = re.compile(_TIME, re.ASCII)
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]" + _TIME + r")?\s?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?",
    re.ASCII,
)
_TRUE = frozenset({"true", "t", "1"})
_FALSE = frozenset({"false", "f", "0"})
_FLOAT32_MAX = 3.4028234663852886e38
# TIMESTAMP_NS holds nanoseconds since 1970 in 64 bits: about 1677-09-21 to 2262-04-11.
_NS_RANGE = (dt.datetime(1677, 9, 22), dt.datetime(2262, 4, 10))


def check_text(value: str, param: str, max_length: int) -> str:
    """Valid UTF-8 (no lone surrogates), not too long, NFC-normalised like the published data."""
    if len(value) > max_length:
        raise QueryError(param, f"value is longer than {max_length} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(param, "value is not valid UTF-8 text") from None
    if "\x00" in value:
        raise QueryError(param, "value contains a NUL character")
    return unicodedata.normalize("NFC", value)


def coerce_value(column_type: ColumnType, value: object, param: str, max_length: int = 4096) -> str:
    """Canonical text of ``value`` as a value of ``column_type``; raises QueryError naming ``param``."""
    family = column_type.family
    if isinstance(value, str):
        value = check_text(value, param, max_length)
        if family is not Family.TEXT:
            value = value.strip()
    try:
        if family is Family.TEXT:
            if not isinstance(value, str):
                raise _Invalid("text")
            return value
        if family is Family.INTEGER:
            return _integer(column_type, value)
        if family is Family.FLOAT:
            return _float(column_type, value)
        if family is Family.DECIMAL:
            return _decimal(column_type, value)
        if family is Family.DATE:
            return _date(value)
        if family is Family.TIMESTAMP:
            return _timestamp(column_type, value)
        if family is Family.TIME:
            return _time(value)
        if family is Family.BOOLEAN:
            return _boolean(value)
    except _Invalid as invalid:
        raise QueryError(param, f"{show_value(value)} is not {invalid.expected}") from None
    raise QueryError(param, f"columns of type {column_type.declared} cannot be compared with a value")


def coerce_date(value: object, param: str) -> str:
    """A calendar date for the ``__date`` operator."""
    if isinstance(value, str):
        value = check_text(value, param, 64).strip()
    try:
        return _date(value)
    except _Invalid as invalid:
        raise QueryError(param, f"{show_value(value)} is not {invalid.expected}") from None


class _Invalid(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


def _integer(column_type: ColumnType, value: object) -> str:
    low, high = column_type.int_range or (0, 0)
    expected = f"an integer ({column_type.sql})"
    if isinstance(value, bool):
        raise _Invalid(expected)
    if isinstance(value, str):
        if not _INTEGER.fullmatch(value):
            raise _Invalid(expected)
        if len(value.lstrip("+-0")) > 40:  # also keeps int() far from its digit limit
            raise _Invalid(f"{expected} in range {low}..{high}")
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif (isinstance(value, Decimal) and value.is_finite() and value.adjusted() <= 40
          and value == value.to_integral_value()):
        number = int(value)
    else:
        raise _Invalid(expected)
    if not low <= number <= high:
        raise _Invalid(f"{expected} in range {low}..{high}")
    return str(number)


def _float(column_type: ColumnType, value: object) -> str:
    expected = f"a number ({column_type.sql})"
    if isinstance(value, bool):
        raise _Invalid(expected)
    if isinstance(value, str):
        if _NON_FINITE.fullmatch(value):
            return repr(float(value))  # 'inf', '-inf', 'nan': all cast cleanly
        if not _FLOAT.fullmatch(value) or len(value) > 400:
            raise _Invalid(expected)
        number = float(value)
    elif isinstance(value, (int, float, Decimal)):
        if isinstance(value, Decimal) and value.is_nan():
            raise _Invalid(expected)  # includes signalling NaN, which float() refuses
        try:
            number = float(value)
        except OverflowError:
            raise _Invalid(f"{expected} in range") from None
        explicitly_infinite = isinstance(value, (float, Decimal)) and not math.isfinite(value)
        if math.isnan(number) or (math.isinf(number) and explicitly_infinite):
            return repr(number)
    else:
        raise _Invalid(expected)
    limit = _FLOAT32_MAX if column_type.is_float32 else math.inf
    if math.isinf(number) or abs(number) > limit:
        raise _Invalid(f"{expected} in range")
    return repr(number)


def _decimal(column_type: ColumnType, value: object) -> str:
    precision, scale = column_type.precision or 18, column_type.scale or 0
    expected = f"a decimal number with at most {precision - scale} digits before and {scale} after the point"
    if isinstance(value, bool):
        raise _Invalid(expected)
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value) or len(value) > 100:
            raise _Invalid(expected)
        number = Decimal(value)
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal) and value.is_finite():
        number = value
    else:
        raise _Invalid(expected)
    # Refuse rather than round: rounding 1.234 to 1.23 would make `__gt=1.234` match 1.234 itself.
    with localcontext() as context:
        context.prec = 200  # DECIMAL(38,s) needs more than the default 28 significant digits
        try:
            exact = number.quantize(Decimal(1).scaleb(-scale))
        except InvalidOperation:
            raise _Invalid(expected) from None
        if exact != number or abs(exact) >= Decimal(10) ** (precision - scale):
            raise _Invalid(expected)
    return format(exact, "f")


def _date(value: object) -> str:
    expected = "a date (YYYY-MM-DD)"
    if isinstance(value, dt.datetime):
        raise _Invalid(expected)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise _Invalid(expected)
    match = _DATE.fullmatch(value)
    if not match:
        raise _Invalid(expected)
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise _Invalid(expected) from None


def _timestamp(column_type: ColumnType, value: object) -> str:
    with_zone = column_type.has_time_zone
    expected = ("a timestamp (YYYY-MM-DD[THH:MM[:SS[.fff]]], optional UTC offset)" if with_zone
                else "a timestamp without time zone (YYYY-MM-DD[THH:MM[:SS[.fff]]])")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            if not with_zone:
                raise _Invalid(expected)
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        stamp, fraction, offset = value.replace(microsecond=0), f"{value.microsecond:06d}", ""
    elif isinstance(value, dt.date):
        stamp, fraction, offset = dt.datetime(value.year, value.month, value.day), "", ""
    elif isinstance(value, str):
        match = _TIMESTAMP.fullmatch(value)
        if not match:
            raise _Invalid(expected)
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            stamp = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            raise _Invalid(expected) from None
        fraction = fraction or ""
        offset = _offset(offset, expected) if offset else ""
        if offset and not with_zone:
            raise _Invalid(expected)
    else:
        raise _Invalid(expected)
    if column_type.sql == "TIMESTAMP_NS" and not _NS_RANGE[0] <= stamp <= _NS_RANGE[1]:
        raise _Invalid(f"{expected} between 1677-09-22 and 2262-04-10")
    if with_zone and not offset:
        offset = "+00:00"  # a time without an offset means UTC, whatever the session's TimeZone
    text = stamp.isoformat(sep=" ")
    return text + (f".{fraction}" if fraction else "") + offset


def _offset(offset: str, expected: str) -> str:
    if offset == "Z":
        return "+00:00"
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 15 or minutes > 59:
        raise _Invalid(expected)
    return f"{offset[0]}{hours:02d}:{minutes:02d}"


def _time(value: object) -> str:
    expected = "a time of day (HH:MM[:SS[.fff]])"
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise _Invalid(expected)
        return value.isoformat()
    if not isinstance(value, str):
        raise _Invalid(expected)
    match = _TIME_ONLY.fullmatch(value)
    if not match:
        raise _Invalid(expected)
    hour, minute, second, fraction = match.groups()
    try:
        text = dt.time(int(hour), int(minute), int(second or 0)).isoformat()
    except ValueError:
        raise _Invalid(expected) from None
    return text + (f".{fraction}" if fraction else "")


def _boolean(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return "true"
        if lowered in _FALSE:
            return "false"
    raise _Invalid("a boolean (true/false or 1/0)")
