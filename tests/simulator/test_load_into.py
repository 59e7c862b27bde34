"""load_into over the real services: PostgreSQL (schema per system, COPY) and MariaDB (LOAD DATA).

Each test loads into a database of its own, dropped afterwards, so parallel runs do not collide.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
import pymysql
import pytest

import simulator
from orchestration.lib.registry import DUCKDB_TYPES

pytestmark = pytest.mark.integration

POSTGRES_TYPES = {"text": "text", "integer": "integer", "bigint": "bigint", "double": "double precision",
                  "boolean": "boolean", "date": "date", "timestamp": "timestamp without time zone"}
MARIADB_TYPES = {"text": "varchar", "integer": "int", "bigint": "bigint", "double": "double",
                 "boolean": "tinyint", "date": "date", "timestamp": "datetime"}


def _with_database(url: str, database: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + database))


@pytest.fixture
def pg_database(postgres_url):
    name = f"kho_sim_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_url, name)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mariadb(url: str):
    parts = urlparse(url)
    return pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
                           password=parts.password or "", charset="utf8mb4")


@pytest.fixture
def mariadb_database(mysql_url):
    name = f"kho_sim_{uuid.uuid4().hex[:12]}"
    try:
        yield _with_database(mysql_url, name)  # load_into creates it
    finally:
        with _mariadb(mysql_url) as admin, admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _canonical(value, logical_type: str):
    if value is None:
        return None
    if logical_type == "boolean":
        return bool(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _source_rows(generated, system, table):
    """The generated table read back with DuckDB, typed as the registry says, in key order."""
    con = generated.connect()
    relation = {"yte": "co_so_y_te", "giaoduc": "truong_hoc_sheet"}.get(system, f'{system}."{table.name}"')
    columns = ", ".join(f'CAST("{c.name}" AS {DUCKDB_TYPES[c.type]})' for c in table.columns)
    key = ", ".join(f'"{k}"' for k in table.primary_key)
    return _canonical_rows(con.execute(f"SELECT {columns} FROM {relation} ORDER BY {key}").fetchall(), table)


def _canonical_rows(rows, table):
    types = [c.type for c in table.columns]
    return [tuple(_canonical(v, t) for v, t in zip(row, types)) for row in rows]


def test_postgresql_gets_a_schema_per_system(spoilt, registry, pg_database):
    systems = ["motcua", "dkkd", "dancu", "yte"]
    loaded = simulator.load_into(spoilt.path, pg_database, systems)
    assert loaded == {k: v for k, v in spoilt.manifest["row_counts"].items() if k.split(".")[0] in systems}
    with psycopg.connect(pg_database) as conn:
        for system in systems:
            for table in registry[system].tables:
                types = dict(conn.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (system, table.name)).fetchall())
                assert types == {c.name: POSTGRES_TYPES[c.type] for c in table.columns}
                key = [r[0] for r in conn.execute(
                    "SELECT kcu.column_name FROM information_schema.table_constraints tc "
                    "JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name) "
                    "WHERE tc.table_schema = %s AND tc.table_name = %s AND tc.constraint_type = 'PRIMARY KEY' "
                    "ORDER BY kcu.ordinal_position", (system, table.name)).fetchall()]
                assert key == list(table.primary_key)
                names = ", ".join(f'"{c.name}"' for c in table.columns)
                # COLLATE "C" orders text keys by bytes, as DuckDB does.
                order = ", ".join(f'"{k}"' + (' COLLATE "C"' if table.column(k).type == "text" else "")
                                  for k in table.primary_key)
                served = conn.execute(f'SELECT {names} FROM "{system}"."{table.name}" ORDER BY {order}').fetchall()
                assert _canonical_rows(served, table) == _source_rows(spoilt, system, table), (system, table.name)
        # Decomposed names survive byte for byte.
        nfd = conn.execute("SELECT count(*) FROM motcua.ho_so WHERE normalize(ten_nguoi_nop, NFC) <> ten_nguoi_nop"
                           ).fetchone()[0]
    expected = next(d["count"] for d in spoilt.manifest["defects"]
                    if (d["type"], d["table"]) == ("non_nfc_text", "ho_so"))
    assert nfd == expected
    # Loading again replaces the tables.
    assert simulator.load_into(spoilt.path, pg_database, ["dkkd"]) == {"dkkd.doanh_nghiep": 1_500}


def test_mariadb_gets_the_tables_in_its_database(spoilt, registry, mariadb_database):
    systems = ["qlvb", "giaoduc", "dkkd"]
    loaded = simulator.load_into(spoilt.path, mariadb_database, systems)
    assert loaded == {k: v for k, v in spoilt.manifest["row_counts"].items() if k.split(".")[0] in systems}
    database = urlparse(mariadb_database).path.lstrip("/")
    with _mariadb(mariadb_database) as conn, conn.cursor() as cur:
        for system in systems:
            for table in registry[system].tables:
                cur.execute("SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
                            "information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                            "ORDER BY ORDINAL_POSITION", (database, table.name))
                columns = cur.fetchall()
                assert [(c[0], c[1]) for c in columns] == [(c.name, MARIADB_TYPES[c.type]) for c in table.columns]
                assert {c[2] for c in columns if c[2]} == {"utf8mb4"}
                assert [c[0] for c in columns if c[3] == "PRI"] == list(table.primary_key)
                names = ", ".join(f"`{c.name}`" for c in table.columns)
                order = ", ".join(f"`{k}`" + (" COLLATE utf8mb4_bin" if table.column(k).type == "text" else "")
                                  for k in table.primary_key)
                cur.execute(f"SELECT {names} FROM `{database}`.`{table.name}` ORDER BY {order}")
                assert _canonical_rows(cur.fetchall(), table) == _source_rows(spoilt, system, table), table.name
