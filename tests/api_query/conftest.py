"""Session fixtures: the test dataset written as a published Parquet file, and a connection."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from api.query import DatasetSpec, open_connection
from tests.api_query.dataset import ARROW_SCHEMA, COLUMNS, make_rows


@pytest.fixture(scope="session")
def rows() -> list[dict]:
    return make_rows()


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture(scope="session")
def spec(rows: list[dict], dataset_dir: Path) -> DatasetSpec:
    path = dataset_dir / "demo" / "v1" / "data.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA), path, row_group_size=100)
    return DatasetSpec("demo", path, COLUMNS, "v1", primary_key=["id"])


@pytest.fixture(scope="session")
def conn(dataset_dir: Path):
    connection = open_connection(allowed_directories=[dataset_dir], threads=2)
    yield connection
    connection.close()

