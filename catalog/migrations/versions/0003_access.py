"""Access control tables (api/access/models.py): agencies, tokens, grants and the append-only,
hash-chained audit log with its database guards.

`api.access.models.create_access_schema` creates the same tables when the access layer starts, so this
revision only creates what is missing: it upgrades databases made either way.

Revision ID: 0003
Revises: 0002
Create Date: 2025-07-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if "access_agencies" not in existing:
        op.create_table(
            "access_agencies",
            sa.Column("code", sa.String(64), primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
        )
    if "access_tokens" not in existing:
        op.create_table(
            "access_tokens",
            sa.Column("id", sa.String(16), primary_key=True),
            sa.Column("agency_code", sa.String(64), sa.ForeignKey("access_agencies.code"), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("secret_hash", sa.String(64), nullable=False),
            sa.Column("hash_scheme", sa.String(16), nullable=False),
            sa.Column("rate_limit", sa.String(32)),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("created_by", sa.Text),
            sa.Column("expires_at", sa.DateTime),
            sa.Column("revoked_at", sa.DateTime),
            sa.Column("revoked_by", sa.Text),
            sa.Column("last_used_at", sa.DateTime),
        )
        op.create_index("ix_access_tokens_agency_code", "access_tokens", ["agency_code"])
    if "access_grants" not in existing:
        op.create_table(
            "access_grants",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("agency_code", sa.String(64), sa.ForeignKey("access_agencies.code"), nullable=False),
            sa.Column("dataset", sa.String(100), nullable=False),
            sa.Column("personal_data", sa.Boolean, nullable=False),
            sa.Column("granted_by", sa.Text),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("revoked_at", sa.DateTime),
            sa.Column("revoked_by", sa.Text),
        )
        op.create_index("uq_access_grants_active", "access_grants", ["agency_code", "dataset"], unique=True,
                        sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL"))
    if "audit_log" not in existing:
        op.create_table(
            "audit_log",
            sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("token_id", sa.String(16)),
            sa.Column("agency_code", sa.String(64)),
            sa.Column("role", sa.String(16)),
            sa.Column("action", sa.String(200), nullable=False),
            sa.Column("dataset", sa.String(100)),
            sa.Column("version", sa.String(64)),
            sa.Column("params", sa.JSON),
            sa.Column("rows_returned", sa.BigInteger),
            sa.Column("status", sa.Integer),
            sa.Column("client_ip", sa.String(64)),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
        )
        op.create_index("ix_audit_log_agency_code", "audit_log", ["agency_code"])
        op.create_index("ix_audit_log_dataset", "audit_log", ["dataset"])
    from api.access.models import append_only_ddl

    for statement in append_only_ddl(bind.dialect.name):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("access_grants")
    op.drop_table("access_tokens")
    op.drop_table("access_agencies")
