"""Tables of access control in the catalogue database: agencies, tokens, grants and the audit log.

They live in their own `MetaData` (`access_metadata`) so the catalogue's migrations can include them
next to the catalogue tables. `create_access_schema(engine)` creates them (idempotent, safe when several
workers start at once) together with the database-level guards that make `audit_log` append-only.

Secrets are never stored: a token row holds the hash of its secret only (see `api.access.tokens`).
"""

from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

access_metadata = sa.MetaData()

agencies = sa.Table(
    "access_agencies",
    access_metadata,
    # mã định danh điện tử of the agency (e.g. "000.00.15.H11"): the consumer's identity
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

tokens = sa.Table(
    "access_tokens",
    access_metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # public part of the token, used for the lookup
    sa.Column("agency_code", sa.String(64), sa.ForeignKey("access_agencies.code"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),  # agency | steward | admin
    sa.Column("label", sa.Text, nullable=False, default=""),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # hex SHA-256 / HMAC-SHA256, never the secret
    sa.Column("hash_scheme", sa.String(16), nullable=False),  # sha256 | hmac-sha256
    sa.Column("rate_limit", sa.String(32)),  # per-token override of KHO_RATE_LIMIT_TOKEN, e.g. "6000/minute"
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.Text),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("revoked_by", sa.Text),
    sa.Column("last_used_at", sa.DateTime),
)

grants = sa.Table(
    "access_grants",
    access_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency_code", sa.String(64), sa.ForeignKey("access_agencies.code"), nullable=False),
    sa.Column("dataset", sa.String(100), nullable=False),
    sa.Column("personal_data", sa.Boolean, nullable=False, default=False),
    sa.Column("granted_by", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("revoked_by", sa.Text),
)
# At most one active grant per agency and dataset; revoked grants stay as history.
sa.Index(
    "uq_access_grants_active", grants.c.agency_code, grants.c.dataset, unique=True,
    sqlite_where=grants.c.revoked_at.is_(None), postgresql_where=grants.c.revoked_at.is_(None),
)

audit_log = sa.Table(
    "audit_log",
    access_metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),  # 1, 2, 3, … without gaps
    sa.Column("at", sa.DateTime, nullable=False),  # UTC
    sa.Column("token_id", sa.String(16)),
    sa.Column("agency_code", sa.String(64), index=True),
    sa.Column("role", sa.String(16)),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("dataset", sa.String(100), index=True),
    sa.Column("version", sa.String(64)),
    sa.Column("params", sa.JSON),
    sa.Column("rows_returned", sa.BigInteger),
    sa.Column("status", sa.Integer),
    sa.Column("client_ip", sa.String(64)),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

_SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
)

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION kho_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused',
                        ERRCODE = 'insufficient_privilege';
END $$
"""
_POSTGRES_TRIGGERS = {
    "audit_log_append_only": "BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW",
    "audit_log_no_truncate": "BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT",
}
#: Key of the PostgreSQL advisory lock that serialises schema creation across workers.
_SCHEMA_LOCK_KEY = 0x6B686F5F61636373  # "kho_accs"


def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make `audit_log` refuse UPDATE and DELETE (and TRUNCATE) in the database.

    For migrations (Alembic: `op.execute(stmt)` for each). PostgreSQL and SQLite are supported; other
    databases rely on the hash chain alone (and on not granting UPDATE/DELETE to the API's role)."""
    if dialect == "sqlite":
        return list(_SQLITE_GUARDS)
    if dialect == "postgresql":
        statements = [_POSTGRES_FUNCTION.strip()]
        for name, when in _POSTGRES_TRIGGERS.items():
            statements.append(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}' "
                f"AND tgrelid = 'audit_log'::regclass) THEN CREATE TRIGGER {name} {when} "
                f"EXECUTE FUNCTION kho_audit_log_append_only(); END IF; END $$"
            )
        return statements
    return []


def create_access_schema(engine: sa.Engine) -> None:
    """Create the access tables and the append-only guards if missing (idempotent)."""
    dialect = engine.dialect.name
    for attempt in range(5):
        try:
            with engine.begin() as con:
                if dialect == "postgresql":
                    con.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK_KEY})
                access_metadata.create_all(con)
                for statement in append_only_ddl(dialect):
                    con.exec_driver_sql(statement)
            return
        except (OperationalError, ProgrammingError) as exc:
            # Another worker created the same object between our check and our CREATE (SQLite has no
            # lock to take here); the next attempt sees it and skips it.
            if "already exists" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


def utcnow() -> dt.datetime:
    """Naive UTC with microseconds, the convention of the catalogue tables."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
