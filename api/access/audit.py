"""The append-only, hash-chained audit log of data access.

Every entry carries `prev_hash` (the previous entry's `hash`; 64 zeros for the first) and `hash`, the
SHA-256 — or HMAC-SHA256 keyed by `KHO_AUDIT_KEY` when set — of the canonical JSON of all its fields
including `seq` and `prev_hash`. `seq` runs 1, 2, 3, … without gaps. Hence:

* an edited row no longer matches its hash;
* a deleted row leaves a gap in `seq` and a `prev_hash` that matches nothing;
* swapped rows break `prev_hash` (contents swapped) or the hash (only `seq` swapped);
* deleting the newest rows leaves a valid but shorter chain — caught by comparing with an *anchor*
  (`seq:hash` printed by `kho audit verify`, kept outside the database) or by an HMAC key kept outside
  the database, without which nobody can rewrite the chain consistently.

Append-only, three ways: the code has no UPDATE or DELETE path on `audit_log`; the database refuses
them (triggers installed by `create_access_schema` on PostgreSQL and SQLite; in production also grant
the API's database role only INSERT and SELECT on it); and the chain exposes any change anyway.

Appends are serialised so the chain stays linear with several workers: on PostgreSQL each append takes
`LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE` (a transaction-level lock that conflicts with itself
and with every other writer, while plain reads go on), on SQLite `BEGIN IMMEDIATE` (the database's
write lock), then reads the head and inserts `seq + 1`. The primary key on `seq` is the last line of
defence: a racing append fails with an integrity error and is retried on the new head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.access.models import audit_log, utcnow

GENESIS = "0" * 64
_FIELDS = ("seq", "at", "token_id", "agency_code", "role", "action", "dataset", "version", "params",
           "rows_returned", "status", "client_ip", "prev_hash")
_APPEND_ATTEMPTS = 5


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    token_id: str | None
    agency_code: str | None
    role: str | None
    action: str
    dataset: str | None
    version: str | None
    params: Any
    rows_returned: int | None
    status: int | None
    client_ip: str | None
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat(timespec="microseconds") + "Z"
        return data


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`: `ok`, or the first bad `seq` and the `reason`."""

    ok: bool
    checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_seq: int | None = None
    reason: str | None = None

    @property
    def anchor(self) -> str | None:
        """`seq:hash` of the newest entry: keep it somewhere else and pass it to a later verification."""
        return f"{self.head_seq}:{self.head_hash}" if self.head_seq is not None else None


def _jsonable(value: Any) -> Any:
    """Params as they will read back from a JSON column: plain JSON types, no NaN/Infinity."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def entry_hash(fields: Mapping[str, Any], key: bytes | None) -> str:
    material = [fields[name] for name in _FIELDS]
    material[1] = fields["at"].isoformat(timespec="microseconds")
    payload = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


class AuditLog:
    """Append to and verify the audit log in the catalogue database (`engine`)."""

    def __init__(self, engine: sa.Engine, key: bytes | None = None):
        self.engine = engine
        self.key = key

    # -- append ----------------------------------------------------------------------------
    def append(
        self,
        action: str,
        *,
        token_id: str | None = None,
        agency_code: str | None = None,
        role: str | None = None,
        dataset: str | None = None,
        version: str | None = None,
        params: Any = None,
        rows_returned: int | None = None,
        status: int | None = None,
        client_ip: str | None = None,
        at: dt.datetime | None = None,
    ) -> AuditEntry:
        fields: dict[str, Any] = {
            "at": (at or utcnow()).replace(tzinfo=None), "token_id": token_id, "agency_code": agency_code,
            "role": role, "action": action, "dataset": dataset, "version": version, "params": _jsonable(params),
            "rows_returned": None if rows_returned is None else int(rows_returned),
            "status": None if status is None else int(status), "client_ip": client_ip,
        }
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                return self._append_locked(fields)
            except IntegrityError:
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _append_locked(self, fields: dict[str, Any]) -> AuditEntry:
        dialect = self.engine.dialect.name
        with self.engine.connect() as con:
            if dialect == "sqlite":
                # Manual transaction control: pysqlite would otherwise open a deferred transaction.
                con = con.execution_options(isolation_level="AUTOCOMMIT")
                con.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                con = con.execution_options(isolation_level="READ COMMITTED") if dialect == "postgresql" else con
                con.begin()
            try:
                if dialect == "postgresql":
                    con.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                head = con.execute(
                    sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
                ).first()
                record = {**fields, "seq": (head.seq + 1) if head else 1, "prev_hash": head.hash if head else GENESIS}
                record["hash"] = entry_hash(record, self.key)
                con.execute(audit_log.insert().values(**record))
                if dialect == "sqlite":
                    con.exec_driver_sql("COMMIT")
                else:
                    con.commit()
            except BaseException:
                try:
                    if dialect == "sqlite":
                        con.exec_driver_sql("ROLLBACK")
                    else:
                        con.rollback()
                except sa.exc.DBAPIError:
                    pass  # the database already rolled back; the original error is what matters
                raise
        return AuditEntry(**record)

    # -- read ------------------------------------------------------------------------------
    def entries(self, batch: int = 1000) -> Iterator[AuditEntry]:
        """All entries in `seq` order, streamed."""
        with self.engine.connect() as con:
            result = con.execution_options(yield_per=batch).execute(sa.select(audit_log).order_by(audit_log.c.seq))
            for row in result.mappings():
                yield AuditEntry(**row)

    def tail(self, limit: int = 20, agency_code: str | None = None, dataset: str | None = None) -> list[AuditEntry]:
        """The newest `limit` entries (optionally of one agency / dataset), oldest first."""
        query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if agency_code:
            query = query.where(audit_log.c.agency_code == agency_code)
        if dataset:
            query = query.where(audit_log.c.dataset == dataset)
        with self.engine.connect() as con:
            rows = con.execute(query).mappings().all()
        return [AuditEntry(**r) for r in reversed(rows)]

    def head(self) -> tuple[int, str] | None:
        with self.engine.connect() as con:
            row = con.execute(
                sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
            ).first()
        return (row.seq, row.hash) if row else None

    # -- verify ----------------------------------------------------------------------------
    def verify(self, anchor: str | tuple[int, str] | None = None) -> ChainReport:
        """Walk the whole chain; report the first entry that is out of place and why.

        `anchor` (`"seq:hash"` from an earlier verification) additionally checks that the entry at
        that `seq` still exists with that hash — which catches deletion of the newest entries."""
        anchor_seq, anchor_hash = _parse_anchor(anchor) if anchor is not None else (None, None)
        expected_seq, prev_hash, checked = 1, GENESIS, 0
        anchor_seen = False
        for entry in self.entries():
            fields = asdict(entry)
            if entry.seq != expected_seq:  # rows come in seq order and seq is unique: this is a gap
                missing = str(expected_seq) if entry.seq == expected_seq + 1 else f"{expected_seq}–{entry.seq - 1}"
                return self._bad(checked, entry.seq, f"entry {missing} is missing before it (deleted)")
            if entry.prev_hash != prev_hash:
                return self._bad(checked, entry.seq, "prev_hash does not match the hash of the entry before it "
                                 "(an entry before it was deleted, replaced or reordered)")
            if not hmac.compare_digest(entry_hash(fields, self.key), entry.hash):
                return self._bad(checked, entry.seq, "the entry's content does not match its hash (edited; or "
                                 "KHO_AUDIT_KEY differs from the key it was written with)")
            if anchor_seq == entry.seq:
                anchor_seen = True
                if entry.hash != anchor_hash:
                    return self._bad(checked, entry.seq, "the entry differs from the anchor recorded earlier "
                                     "(the chain was rewritten from here on)")
            checked += 1
            expected_seq, prev_hash = entry.seq + 1, entry.hash
        head_seq = expected_seq - 1 if checked else None
        head_hash = prev_hash if checked else None
        if anchor_seq is not None and not anchor_seen:
            return ChainReport(False, checked, head_seq, head_hash, first_bad_seq=anchor_seq,
                               reason=f"the anchored entry {anchor_seq} is gone: the chain ends at "
                                      f"{head_seq or 0} (newest entries deleted?)")
        return ChainReport(True, checked, head_seq, head_hash)

    @staticmethod
    def _bad(checked: int, seq: int, reason: str) -> ChainReport:
        return ChainReport(False, checked, None, None, first_bad_seq=seq, reason=reason)


def _parse_anchor(anchor: str | tuple[int, str]) -> tuple[int, str]:
    if isinstance(anchor, tuple):
        return int(anchor[0]), anchor[1]
    seq, _, digest = anchor.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise ValueError(f"bad anchor {anchor!r}: expected '<seq>:<64 hex digits>' as printed by kho audit verify")
    return int(seq), digest.lower()


def verify_chain(engine: sa.Engine, key: bytes | None = None,
                 anchor: str | tuple[int, str] | None = None) -> ChainReport:
    """Verify the audit log of `engine`: `report.ok`, or `report.first_bad_seq` and `report.reason`."""
    return AuditLog(engine, key).verify(anchor)
