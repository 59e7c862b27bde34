"""Two small simulated provinces shared by the simulator tests: one with the default defects, one clean.

Tests read the written files back with DuckDB (sqlite scanner, read_csv) and openpyxl, and recompute
every property themselves rather than trusting the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from openpyxl import load_workbook

import simulator
from orchestration.lib.registry import load_registry
from simulator.writers import SQLITE_EXTENSION

AS_OF = dt.date(2025, 11, 1)
SEED = 20250701
ADMIN_UNITS = Path(__file__).resolve().parents[2] / "seeds" / "admin_units.csv"
SQLITE_SYSTEMS = ("motcua", "qlvb", "dkkd", "dancu")


@dataclass
class Generated:
    path: Path
    manifest: dict
    _database: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection to one in-memory DuckDB (set up once) with every system attached under its own
        name, yte's CSV as a view, giaoduc's sheet as a table and the province's communes."""
        if self._database is None:
            con = duckdb.connect()
            con.execute(f"LOAD '{SQLITE_EXTENSION}'")
            for system in SQLITE_SYSTEMS:
                con.execute(f"ATTACH '{self.path / system}.sqlite' AS {system} (TYPE sqlite, READ_ONLY)")
            con.execute(f"CREATE VIEW co_so_y_te AS SELECT * FROM read_csv('{self.path}/yte/co_so_y_te.csv', "
                        "header = true, all_varchar = true)")
            sheet = read_sheet(self.path / "giaoduc" / "truong_hoc.xlsx")  # noqa: F841 (read by the query)
            con.execute("CREATE TABLE truong_hoc_sheet AS SELECT * FROM sheet")
            con.execute(f"CREATE VIEW communes AS SELECT commune_code FROM read_csv('{ADMIN_UNITS}', "
                        f"header = true, all_varchar = true) WHERE province_code = '{self.manifest['province_code']}'")
            self._database = con
        return self._database.cursor()

    def digests(self) -> dict[str, str]:
        return file_digests(self.path)


def read_sheet(path: Path) -> pa.Table:
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    header, body = rows[0], rows[1:]
    return pa.table({name: [row[i] for row in body] for i, name in enumerate(header)})


def file_digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def spoilt(tmp_path_factory) -> Generated:
    """The small preset with its default defects (1 % per type and table, yte stale)."""
    path = tmp_path_factory.mktemp("spoilt")
    manifest = simulator.generate(path, scale="small", seed=SEED, as_of=AS_OF)
    return Generated(path, manifest)


@pytest.fixture(scope="session")
def clean(tmp_path_factory) -> Generated:
    path = tmp_path_factory.mktemp("clean")
    manifest = simulator.generate(path, scale="small", seed=SEED, as_of=AS_OF, defect_rate=0)
    return Generated(path, manifest)


def manifest_on_disk(generated: Generated) -> dict:
    return json.loads((generated.path / "manifest.json").read_text(encoding="utf-8"))
