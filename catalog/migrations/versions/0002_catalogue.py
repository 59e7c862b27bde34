"""Open-data catalogue: package ids, licences, steward overrides; organizations, groups, tags,
resources, temporal/spatial coverage, quality results, source freshness, search documents and the
change counter.

Revision ID: 0002
Revises: 0001
Create Date: 2025-07-15
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("id", sa.String(36)))
        batch.add_column(sa.Column("license_id", sa.String(100)))
        batch.add_column(sa.Column("overrides", sa.JSON))
    bind = op.get_bind()
    names = bind.execute(sa.text("SELECT name FROM datasets WHERE id IS NULL")).scalars().all()
    for name in names:
        bind.execute(sa.text("UPDATE datasets SET id = :id WHERE name = :name"),
                     {"id": str(uuid.uuid4()), "name": name})
    op.create_index("ix_datasets_id", "datasets", ["id"], unique=True)

    op.create_table(
        "organizations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("code", sa.String(50), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("title_vi", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("eu_theme", sa.String(20)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_groups",
        sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
        sa.Column("group_id", sa.String(36), sa.ForeignKey("groups.id"), primary_key=True),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("name_folded", sa.String(100), nullable=False),
    )
    op.create_index("ix_tags_name_folded", "tags", ["name_folded"])
    op.create_table(
        "dataset_tags",
        sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
        sa.Column("tag_id", sa.String(36), sa.ForeignKey("tags.id"), primary_key=True),
    )
    op.create_table(
        "licenses",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_vi", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("od_conformance", sa.String(20), nullable=False),
        sa.Column("osd_conformance", sa.String(20), nullable=False),
        sa.Column("domain_content", sa.Boolean, nullable=False),
        sa.Column("domain_data", sa.Boolean, nullable=False),
        sa.Column("domain_software", sa.Boolean, nullable=False),
        sa.Column("is_generic", sa.Boolean, nullable=False),
        sa.Column("eu_uri", sa.Text),
    )
    op.create_table(
        "resources",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("byte_size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_modified", sa.DateTime),
        sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
        sa.UniqueConstraint("dataset", "version", "format", name="uq_resources_version_format"),
    )
    op.create_index("ix_resources_dataset", "resources", ["dataset"])
    op.create_table(
        "version_coverage",
        sa.Column("dataset", sa.String(100), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("temporal_column", sa.Text),
        sa.Column("temporal_start", sa.Date),
        sa.Column("temporal_end", sa.Date),
        sa.Column("spatial_scope", sa.String(10)),
        sa.Column("computed_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
    )
    op.create_table(
        "quality_results",
        sa.Column("dataset", sa.String(100), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("dimension", sa.String(10), primary_key=True),
        sa.Column("score", sa.Float),
        sa.Column("checks_total", sa.Integer, nullable=False),
        sa.Column("checks_failed", sa.Integer, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
    )
    op.create_table(
        "quality_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(10)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source", sa.String(10)),
        sa.Column("target", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(10)),
        sa.Column("message", sa.Text),
        sa.Column("failing_count", sa.BigInteger),
        sa.Column("sample_rows", sa.JSON),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
    )
    op.create_index("ix_quality_checks_version", "quality_checks", ["dataset", "version"])
    op.create_table(
        "source_freshness",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("owner_code", sa.String(50)),
        sa.Column("last_loaded_at", sa.DateTime),
        sa.Column("max_updated_at", sa.DateTime),
        sa.Column("rows_loaded", sa.BigInteger),
        sa.Column("sla_hours", sa.Float),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "search_documents",
        sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
        sa.Column("title_folded", sa.Text, nullable=False),
        sa.Column("notes_folded", sa.Text, nullable=False),
        sa.Column("tags_folded", sa.Text, nullable=False),
        sa.Column("groups_folded", sa.Text, nullable=False),
        sa.Column("text_folded", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "catalog_state",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(sa.table("catalog_state", sa.column("key", sa.String), sa.column("value", sa.BigInteger)),
                   [{"key": "generation", "value": 1}])


def downgrade() -> None:
    for table in ("catalog_state", "search_documents", "source_freshness", "quality_checks", "quality_results",
                  "version_coverage", "resources", "licenses", "dataset_tags", "tags", "dataset_groups",
                  "groups", "organizations"):
        op.drop_table(table)
    op.drop_index("ix_datasets_id", table_name="datasets")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("overrides")
        batch.drop_column("license_id")
        batch.drop_column("id")
