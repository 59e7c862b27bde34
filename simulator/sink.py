"""Where generated tables go: checked against the registry, cast to its types, written, counted and
reported to the progress callback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from orchestration.lib.registry import System
from simulator.writers import SqliteWriter, arrow_schema, write_csv, write_xlsx

Progress = Callable[[str, int], None]
#: What a sink reports to: one (label, rows written so far) pair per batch.
ProgressEvents = Callable[[tuple[str, int]], None]


class TableSink:
    """Accepts the tables of one system. SQLite systems take any number of batches per table; file-drop
    systems (yte: CSV, giaoduc: Excel) take each table in one piece."""

    def __init__(self, system: System, out_dir: Path, row_counts: dict[str, int], progress: ProgressEvents | None,
                 stamped: dt.datetime):
        self.system = system
        self._out_dir = out_dir
        self._row_counts = row_counts
        self._progress = progress
        self._stamped = stamped
        self._sqlite = None if system.is_file_drop else SqliteWriter(out_dir / f"{system.name}.sqlite",
                                                                     list(system.tables))
        for table in system.tables:
            row_counts[f"{system.name}.{table.name}"] = 0

    def write(self, table_name: str, data: pa.Table) -> None:
        table = self.system.table(table_name)
        schema = arrow_schema(table)
        if data.column_names != schema.names:
            raise ValueError(f"{self.system.name}.{table_name}: columns {data.column_names} differ from the "
                             f"registry's {schema.names}")
        data = data.cast(schema)
        label = f"{self.system.name}.{table_name}"
        if self._sqlite is not None:
            self._sqlite.append(table, data)
        elif table.file.endswith(".csv"):
            write_csv(self._out_dir / self.system.name / table.file, data)
        else:
            write_xlsx(self._out_dir / self.system.name / table.file, data, table.name, self._stamped)
        self._row_counts[label] += data.num_rows
        if self._progress is not None:
            self._progress((label, self._row_counts[label]))

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
