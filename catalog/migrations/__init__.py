"""Alembic migrations of the catalogue metadata store.

`upgrade_to_head(engine)` is what `CatalogStore.create_schema()` runs. A database created before
migrations existed (by `metadata.create_all`, holding only `datasets` and `dataset_versions`) is stamped
at the baseline revision first, so it upgrades in place. Operators can also use the Alembic CLI:
`alembic -c catalog/alembic.ini -x url=postgresql://… upgrade head`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
BASELINE = "0001"
_lock = threading.Lock()
_head: str | None = None


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    global _head
    if _head is None:
        _head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return _head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as con:
        return MigrationContext.configure(con).get_current_revision()


def upgrade_to_head(engine: sa.Engine) -> None:
    with _lock:
        if current_revision(engine) == head_revision():
            return
        with engine.begin() as con:
            config = alembic_config()
            config.attributes["connection"] = con
            tables = set(sa.inspect(con).get_table_names())
            if "datasets" in tables and "alembic_version" not in tables:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
