"""The written systems are exactly what orchestration/registry.yaml promises: files, tables, column names,
order and types, keys, and a manifest that counts them."""

from __future__ import annotations

import csv
import re
import sqlite3

import pytest
from openpyxl import load_workbook

import simulator
from tests.simulator.conftest import AS_OF, SQLITE_SYSTEMS, manifest_on_disk

DECLARED = {"text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
            "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP"}
# What DuckDB's sqlite scanner makes of the declared types (it has no boolean; integers are BIGINT).
SCANNED = {"text": "VARCHAR", "integer": "BIGINT", "bigint": "BIGINT", "double": "DOUBLE",
           "boolean": "BIGINT", "date": "DATE", "timestamp": "TIMESTAMP"}
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_public_api():
    assert set(simulator.SCALES) == {"small", "province", "large"}
    small, province, large = (simulator.SCALES[s] for s in ("small", "province", "large"))
    assert (small.dossiers, small.documents, small.citizens, small.enterprises) == (20_000, 60_000, 10_000, 1_500)
    assert (province.dossiers, province.documents, province.citizens, province.enterprises) == (
        1_000_000, 5_000_000, 700_000, 20_000)
    assert large.dossiers == 10 * province.dossiers and large.documents == 10 * province.documents


def test_output_files(spoilt):
    names = set(spoilt.digests())
    assert names == {"motcua.sqlite", "qlvb.sqlite", "dkkd.sqlite", "dancu.sqlite", "yte/co_so_y_te.csv",
                     "giaoduc/truong_hoc.xlsx", "manifest.json"}


@pytest.mark.parametrize("system", SQLITE_SYSTEMS)
def test_sqlite_tables_follow_the_registry(spoilt, registry, system):
    with sqlite3.connect(spoilt.path / f"{system}.sqlite") as con:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {t.name for t in registry[system].tables}
        for table in registry[system].tables:
            info = con.execute(f'PRAGMA table_info("{table.name}")').fetchall()
            assert [row[1] for row in info] == [c.name for c in table.columns]
            key = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
            assert key == list(table.primary_key)
            for row, column in zip(info, table.columns):
                declared = row[2]
                single_integer_key = key == [column.name] and column.type in ("integer", "bigint")
                # A single integer key is SQLite's rowid alias, declared INTEGER.
                assert declared == ("INTEGER" if single_integer_key else DECLARED[column.type]), (table.name, row)


@pytest.mark.parametrize("system", SQLITE_SYSTEMS)
def test_duckdb_scanner_types_the_columns(spoilt, registry, system):
    con = spoilt.connect()
    for table in registry[system].tables:
        described = con.execute(f'DESCRIBE {system}."{table.name}"').fetchall()
        assert [(r[0], r[1]) for r in described] == [(c.name, SCANNED[c.type]) for c in table.columns]


@pytest.mark.parametrize("system", SQLITE_SYSTEMS)
def test_timestamps_are_iso_text_and_booleans_are_0_or_1(spoilt, registry, system):
    with sqlite3.connect(spoilt.path / f"{system}.sqlite") as con:
        for table in registry[system].tables:
            for column in table.columns:
                if column.type not in ("timestamp", "date", "boolean"):
                    continue
                values = con.execute(f'SELECT DISTINCT typeof("{column.name}"), "{column.name}" FROM '
                                     f'"{table.name}" WHERE "{column.name}" IS NOT NULL LIMIT 2000').fetchall()
                assert values, (table.name, column.name)
                if column.type == "boolean":
                    assert {v for _, v in values} <= {0, 1} and {t for t, _ in values} == {"integer"}
                elif column.type == "date":
                    assert all(t == "text" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for t, v in values)
                else:
                    assert all(t == "text" and ISO_TIMESTAMP.match(v) for t, v in values), (table.name, column.name)


def test_csv_drop_follows_the_registry(spoilt, registry):
    table = registry["yte"].table("co_so_y_te")
    with open(spoilt.path / "yte" / table.file, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [c.name for c in table.columns]
    assert len(rows) - 1 == spoilt.manifest["row_counts"]["yte.co_so_y_te"]
    assert all(ISO_TIMESTAMP.match(row[-1]) for row in rows[1:])
    assert all(row[0].startswith("11") and len(row[0]) == 5 for row in rows[1:])  # codes keep their digits


def test_excel_drop_follows_the_registry(spoilt, registry):
    table = registry["giaoduc"].table("truong_hoc")
    workbook = load_workbook(spoilt.path / "giaoduc" / table.file, read_only=True)
    assert len(workbook.sheetnames) == 1
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert list(rows[0]) == [c.name for c in table.columns]
    assert len(rows) - 1 == spoilt.manifest["row_counts"]["giaoduc.truong_hoc"]
    assert all(isinstance(row[0], str) and isinstance(row[5], int) for row in rows[1:])


def test_manifest_counts_the_rows(spoilt, registry):
    assert manifest_on_disk(spoilt) == spoilt.manifest
    con = spoilt.connect()
    expected = {}
    for system in SQLITE_SYSTEMS:
        for table in registry[system].tables:
            expected[f"{system}.{table.name}"] = con.execute(f'SELECT count(*) FROM {system}."{table.name}"').fetchone()[0]
    expected["yte.co_so_y_te"] = con.execute("SELECT count(*) FROM co_so_y_te").fetchone()[0]
    expected["giaoduc.truong_hoc"] = con.execute("SELECT count(*) FROM truong_hoc_sheet").fetchone()[0]
    assert spoilt.manifest["row_counts"] == expected
    assert list(spoilt.manifest["row_counts"]) == [f"{s}.{t.name}" for s in registry for t in registry[s].tables]
    manifest = spoilt.manifest
    assert (manifest["seed"], manifest["scale"], manifest["as_of"], manifest["province_code"]) == (
        20250701, "small", AS_OF.isoformat(), "11")
    assert manifest["defect_rate"] == simulator.SCALES["small"].default_defect_rate


def test_registry_owners_are_agencies_of_the_document_system(clean, registry):
    con = clean.connect()
    agencies = dict(con.execute("SELECT ma_co_quan, ten_co_quan FROM qlvb.co_quan").fetchall())
    for system in registry.values():
        assert agencies.get(system.owner_code) == system.owner_name, system.name


def _orphans(con, table: str, column: str, parent: str, parent_column: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table} WHERE {column} NOT IN "
                       f"(SELECT {parent_column} FROM {parent})").fetchone()[0]


def test_codes_refer_to_each_other(clean):
    con = clean.connect()
    references = [
        ("motcua.thu_tuc", "ma_linh_vuc", "motcua.linh_vuc", "ma_linh_vuc"),
        ("motcua.thu_tuc", "ma_co_quan", "qlvb.co_quan", "ma_co_quan"),
        ("motcua.ho_so", "ma_thu_tuc", "motcua.thu_tuc", "ma_thu_tuc"),
        ("motcua.ho_so", "ma_co_quan", "qlvb.co_quan", "ma_co_quan"),
        ("motcua.ho_so_xu_ly", "ho_so_id", "motcua.ho_so", "id"),
        ("motcua.ho_so_xu_ly", "ma_co_quan", "qlvb.co_quan", "ma_co_quan"),
        ("qlvb.van_ban", "ma_co_quan", "qlvb.co_quan", "ma_co_quan"),
    ] + [(table, "ma_xa", "communes", "commune_code")
         for table in ("motcua.ho_so", "qlvb.co_quan", "dkkd.doanh_nghiep", "dancu.cong_dan", "co_so_y_te",
                       "truong_hoc_sheet")]
    found = {f"{table}.{column}": _orphans(con, table, column, parent, key)
             for table, column, parent, key in references}
    assert found == dict.fromkeys(found, 0)
    # Every commune has a People's Committee in the agency directory.
    assert _orphans(con, "communes", "commune_code", "qlvb.co_quan WHERE loai_co_quan = 'ubnd_xa'", "ma_xa") == 0


def test_primary_keys_are_unique(spoilt, registry):
    con = spoilt.connect()
    for system in SQLITE_SYSTEMS:
        for table in registry[system].tables:
            key = ", ".join(f'"{k}"' for k in table.primary_key)
            total, distinct = con.execute(f'SELECT count(*), count(DISTINCT ({key})) FROM {system}."{table.name}"').fetchone()
            assert total == distinct, (system, table.name)
