"""Grants: an agency's explicit permission on one dataset, with or without its personal data.

A grant opens a private dataset to the agency, and (with `personal_data`) unmasks the dataset's
personal-data columns for it. Grants are never deleted: revoking stamps `revoked_at`, and changing a
grant's personal-data flag revokes the old grant and records a new one, so the history stays readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from api.access.agencies import AccessError, require_agency
from api.access.models import grants, utcnow
from api.access.policy import Grant


@dataclass(frozen=True)
class GrantInfo:
    id: int
    agency_code: str
    dataset: str
    personal_data: bool
    granted_by: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_grant(self) -> Grant:
        return Grant(dataset=self.dataset, personal_data=self.personal_data)


def _active(agency_code: str, dataset: str):
    return sa.and_(grants.c.agency_code == agency_code, grants.c.dataset == dataset, grants.c.revoked_at.is_(None))


def add_grant(engine: sa.Engine, agency_code: str, dataset: str, personal_data: bool = False,
              granted_by: str | None = None, now: dt.datetime | None = None) -> GrantInfo:
    """Grant `dataset` to an agency. An existing active grant with another personal-data flag is replaced."""
    if not dataset.strip():
        raise AccessError("a grant needs a dataset name")
    now = now or utcnow()
    with engine.begin() as con:
        require_agency(con, agency_code)
        current = con.execute(sa.select(grants).where(_active(agency_code, dataset))).mappings().first()
        if current is not None:
            if bool(current["personal_data"]) == personal_data:
                raise AccessError(f"agency {agency_code!r} already holds this grant on {dataset!r} "
                                  f"(grant {current['id']})")
            con.execute(grants.update().where(grants.c.id == current["id"])
                        .values(revoked_at=now, revoked_by=granted_by))
        new_id = con.execute(grants.insert().values(
            agency_code=agency_code, dataset=dataset, personal_data=personal_data, granted_by=granted_by,
            created_at=now,
        )).inserted_primary_key[0]
        row = con.execute(sa.select(grants).where(grants.c.id == new_id)).mappings().one()
    return GrantInfo(**row)


def revoke_grant(engine: sa.Engine, agency_code: str, dataset: str, revoked_by: str | None = None,
                 now: dt.datetime | None = None) -> GrantInfo:
    with engine.begin() as con:
        current = con.execute(sa.select(grants).where(_active(agency_code, dataset))).mappings().first()
        if current is None:
            raise AccessError(f"agency {agency_code!r} holds no active grant on {dataset!r}")
        con.execute(grants.update().where(grants.c.id == current["id"])
                    .values(revoked_at=now or utcnow(), revoked_by=revoked_by))
        row = con.execute(sa.select(grants).where(grants.c.id == current["id"])).mappings().one()
    return GrantInfo(**row)


def list_grants(engine: sa.Engine, agency_code: str | None = None, dataset: str | None = None,
                include_revoked: bool = False) -> list[GrantInfo]:
    query = sa.select(grants).order_by(grants.c.agency_code, grants.c.dataset, grants.c.id)
    if agency_code:
        query = query.where(grants.c.agency_code == agency_code)
    if dataset:
        query = query.where(grants.c.dataset == dataset)
    if not include_revoked:
        query = query.where(grants.c.revoked_at.is_(None))
    with engine.connect() as con:
        rows = con.execute(query).mappings().all()
    return [GrantInfo(**r) for r in rows]


def grants_for(con: sa.Connection, agency_code: str) -> dict[str, Grant]:
    """The active grants of an agency, keyed by dataset (what `Principal.grants` holds)."""
    rows = con.execute(
        sa.select(grants.c.dataset, grants.c.personal_data)
        .where(grants.c.agency_code == agency_code, grants.c.revoked_at.is_(None))
    ).all()
    return {r.dataset: Grant(dataset=r.dataset, personal_data=bool(r.personal_data)) for r in rows}
