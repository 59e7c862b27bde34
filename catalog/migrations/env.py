"""Alembic environment: runs on the connection handed over by `upgrade_to_head`, or on `-x url=…` /
`sqlalchemy.url` when used from the command line."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from api.access.models import access_metadata
from catalog.store import metadata as catalog_metadata

config = context.config
# Both the catalogue's tables and the access layer's (agencies, tokens, grants, audit log).
target_metadata = [catalog_metadata, access_metadata]


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes starting at once (API workers, the pipeline) must not both migrate.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(4823021)"))
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(url)
    with engine.begin() as con:
        _run(con)
    engine.dispose()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
