"""Baseline: datasets and their versions (the schema the first publish step created).

Revision ID: 0001
Revises:
Create Date: 2025-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("title_vi", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text, nullable=False),
        sa.Column("description_vi", sa.Text, nullable=False),
        sa.Column("description_en", sa.Text, nullable=False),
        sa.Column("access_level", sa.String(10), nullable=False),
        sa.Column("owner_code", sa.String(50), nullable=False),
        sa.Column("owner_name", sa.Text, nullable=False),
        sa.Column("theme", sa.Text),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("update_frequency", sa.String(20)),
        sa.Column("primary_key", sa.JSON, nullable=False),
        sa.Column("source_tables", sa.JSON, nullable=False),
        sa.Column("current_version", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("byte_size", sa.BigInteger, nullable=False),
        sa.Column("schema", sa.JSON, nullable=False),
        sa.Column("quality", sa.JSON),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dataset_versions")
    op.drop_table("datasets")
