"""Consumers: agencies identified by their electronic identifier code (mã định danh điện tử)."""

from __future__ import annotations

import re
from dataclasses import dataclass
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.access.models import agencies, utcnow

#: Codes such as "000.00.15.H11", "H11.01", "G12.34-TTDL": letters, digits, dots, dashes, underscores.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AccessError(ValueError):
    """A request to the access store that cannot be carried out (unknown agency, bad role, …)."""


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    created_at: dt.datetime


def check_code(code: str) -> str:
    if not CODE_RE.match(code or ""):
        raise AccessError(f"bad agency code {code!r}: use the agency's electronic identifier code "
                          "(letters, digits, '.', '-', '_'; at most 64 characters), e.g. 000.00.15.H11")
    return code


def add_agency(engine: sa.Engine, code: str, name: str) -> Agency:
    check_code(code)
    if not name.strip():
        raise AccessError("an agency needs a name")
    agency = Agency(code=code, name=name.strip(), created_at=utcnow())
    try:
        with engine.begin() as con:
            con.execute(agencies.insert().values(code=agency.code, name=agency.name, created_at=agency.created_at))
    except IntegrityError:
        raise AccessError(f"agency {code!r} already exists") from None
    return agency


def get_agency(engine: sa.Engine, code: str) -> Agency | None:
    with engine.connect() as con:
        row = con.execute(sa.select(agencies).where(agencies.c.code == code)).mappings().first()
    return Agency(**row) if row else None


def list_agencies(engine: sa.Engine) -> list[Agency]:
    with engine.connect() as con:
        rows = con.execute(sa.select(agencies).order_by(agencies.c.code)).mappings().all()
    return [Agency(**r) for r in rows]


def require_agency(con: sa.Connection, code: str) -> None:
    if con.execute(sa.select(agencies.c.code).where(agencies.c.code == code)).first() is None:
        raise AccessError(f"unknown agency {code!r}; register it first: kho agency add {code} \"<name>\"")
