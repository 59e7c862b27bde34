"""dbt's tests as quality checks: their dimension, which datasets they speak for, and their results.

* **Dimension**: the test's tag (`dung`, `du`, `sach`, `song` — every staging test has exactly one), else
  the generic test's kind (`TEST_DIMENSIONS`); unit tests check transformation logic → `dung`.
* **Which datasets**: a test belongs to a published dataset when everything it tests (its attached model,
  or the source / the models a singular test reads) is among the dataset's dbt ancestors. So a staging
  warn-test on `stg_motcua__dossiers` speaks for `dossiers` and the KPI datasets built from it.
* **Results**: status from `run_results.json`; failing rows from dbt's count (for `unique`-style and
  `accepted_values` tests, whose failing "rows" are grouped values, the rows behind them are summed from
  the stored failures); rows tested = rows of the tested relation; up to 20 sample failing rows read from
  the test's stored-failures view in schema `audit` (`store_failures_as: view`, dbt_project.yml), with
  personal data masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import duckdb

from orchestration.lib.quality.checks import DIMENSIONS, MAX_SAMPLES, CheckResult
from orchestration.lib.quality.masking import TEST_OUTPUT_COLUMNS, mask_rows, personal_columns_by_relation

#: Generic test → dimension, when the test carries no dimension tag.
TEST_DIMENSIONS = {
    # đủ (complete): mandatory values present, relation not empty
    "not_null": "du",
    "not_empty": "du",
    # sạch (clean): unique keys, no duplicates, referential integrity, normalised text
    "unique": "sach",
    "unique_combination_of_columns": "sach",
    "relationships": "sach",
    "is_nfc": "sach",
    # đúng (correct): formats, ranges, code lists, identifiers, date order, no future dates
    "accepted_values": "dung",
    "accepted_range": "dung",
    "expression_is_true": "dung",
    "matches_pattern": "dung",
    "valid_tax_code": "dung",
    "valid_personal_id": "dung",
    "personal_id_matches_person": "dung",
    "commune_in_province": "dung",
    "not_after_source_as_of": "dung",
    # sống (live): the feed keeps up with its SLA
    "recent_updates": "song",
}
#: Tests whose failing rows are not rows of the tested relation (no row denominator).
TABLE_LEVEL_TESTS = {"not_empty", "recent_updates"}
#: Tests whose failing "rows" are grouped values: (count column in the stored failures, rows beyond the first?)
GROUPED_TESTS = {"unique": ("n_records", True), "unique_combination_of_columns": ("n_rows", True),
                 "accepted_values": ("n_records", False)}
MODEL_TYPES = ("model", "seed", "snapshot")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DbtProjectGraph:
    """The parts of dbt's manifest the gate needs."""

    def __init__(self, manifest: Mapping[str, Any]):
        self.manifest = manifest
        self.nodes: Mapping[str, Any] = manifest.get("nodes", {})
        self.sources: Mapping[str, Any] = manifest.get("sources", {})
        self.unit_tests: Mapping[str, Any] = manifest.get("unit_tests", {})

    def node(self, uid: str) -> Mapping[str, Any]:
        return self.nodes.get(uid) or self.sources.get(uid) or self.unit_tests[uid]

    @cached_property
    def personal(self) -> dict[str, set[str]]:
        return personal_columns_by_relation(self.manifest)

    def relation(self, uid: str) -> str:
        node = self.node(uid)
        if node["resource_type"] == "source":
            return f"{_quote(node['schema'])}.{_quote(node.get('identifier') or node['name'])}"
        return f"{_quote(node['schema'])}.{_quote(node.get('alias') or node['name'])}"

    def label(self, uid: str) -> str:
        node = self.node(uid)
        if node["resource_type"] == "source":
            return f"source {node['source_name']}.{node['name']}"
        return f"{node['schema']}.{node.get('alias') or node['name']}"

    def ancestors(self, uid: str) -> set[str]:
        """The node and everything it is built from (models, seeds, snapshots, sources)."""
        seen: set[str] = set()
        stack = [uid]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            node = self.nodes.get(current)
            if node is not None:
                stack.extend(n for n in node.get("depends_on", {}).get("nodes", [])
                             if n.startswith(("model.", "seed.", "snapshot.", "source.")))
        return seen

    def raw_tables(self, closure: Iterable[str]) -> list[tuple[str, str]]:
        """(system, table) of the sector tables a closure reads (sources' dagster asset keys)."""
        out = []
        for uid in closure:
            if uid.startswith("source."):
                src = self.sources[uid]
                key = ((src.get("meta") or {}).get("dagster") or {}).get("asset_key") \
                    or ((src.get("config") or {}).get("meta", {}).get("dagster") or {}).get("asset_key")
                if key and len(key) == 3 and key[0] == "raw":
                    out.append((key[1], key[2]))
                else:
                    out.append((src["source_name"], src["name"]))
        return sorted(set(out))

    def tested_nodes(self, test_uid: str) -> set[str]:
        node = self.node(test_uid)
        if node.get("resource_type") == "unit_test":
            return {n for n in node.get("depends_on", {}).get("nodes", []) if n.startswith(MODEL_TYPES)}
        if node.get("attached_node"):
            return {node["attached_node"]}
        return {n for n in node.get("depends_on", {}).get("nodes", [])
                if n.startswith(("model.", "seed.", "snapshot.", "source."))}

    @cached_property
    def all_tests(self) -> list[str]:
        tests = [uid for uid, n in self.nodes.items() if n.get("resource_type") == "test"]
        return sorted(tests) + sorted(self.unit_tests)

    def tests_within(self, closure: set[str]) -> list[str]:
        return [uid for uid in self.all_tests if (tested := self.tested_nodes(uid)) and tested <= closure]

    def test_kind(self, test_uid: str) -> str:
        node = self.node(test_uid)
        if node.get("resource_type") == "unit_test":
            return "unit"
        meta = node.get("test_metadata") or {}
        return meta.get("name") or "singular"

    def dimension(self, test_uid: str) -> str:
        node = self.node(test_uid)
        tags = set(node.get("tags") or []) | set((node.get("config") or {}).get("tags") or [])
        tagged = [d for d in DIMENSIONS if d in tags]
        if tagged:
            return tagged[0]
        kind = self.test_kind(test_uid)
        if kind == "unit":
            return "dung"
        return TEST_DIMENSIONS.get(kind, "dung")

    def severity(self, test_uid: str) -> str:
        node = self.node(test_uid)
        if node.get("resource_type") == "unit_test":
            return "error"
        return str((node.get("config") or {}).get("severity") or "error").lower()

    def is_table_level(self, test_uid: str) -> bool:
        kind = self.test_kind(test_uid)
        return kind in TABLE_LEVEL_TESTS or kind in ("unit", "singular")

    def audit_relation(self, test_uid: str) -> str | None:
        node = self.node(test_uid)
        if node.get("resource_type") != "test" or not (node.get("config") or {}).get("store_failures"):
            return None
        return f"{_quote(node['schema'])}.{_quote(node.get('alias') or node['name'])}"

    def personal_for(self, test_uid: str) -> set[str]:
        """Columns to mask in a test's failing rows."""
        names: set[str] = set()
        for uid in self.tested_nodes(test_uid):
            names |= self.personal.get(uid, set())
        node = self.node(test_uid)
        column = node.get("column_name")
        if column and column in names:
            names |= set(TEST_OUTPUT_COLUMNS)
        kwargs = (node.get("test_metadata") or {}).get("kwargs") or {}
        if any(c in names for c in kwargs.get("combination_of_columns") or []):
            names |= set(TEST_OUTPUT_COLUMNS)
        return names


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {relation} LIMIT 0")
        return True
    except duckdb.Error:
        return False


def collect_results(
    con: duckdb.DuckDBPyConnection,
    graph: DbtProjectGraph,
    run_results: Mapping[str, Any],
    run_id: str | None,
) -> list[CheckResult]:
    """CheckResults for every test and unit test in a `dbt test` run's results."""
    checked_at = dt.datetime.now()
    row_counts: dict[str, int | None] = {}

    def rows_of(uid: str) -> int | None:
        if uid not in row_counts:
            try:
                row_counts[uid] = int(con.execute(f"SELECT count(*) FROM {graph.relation(uid)}").fetchone()[0])
            except duckdb.Error:
                row_counts[uid] = None
        return row_counts[uid]

    out = []
    for result in run_results.get("results", []):
        uid = result["unique_id"]
        if not uid.startswith(("test.", "unit_test.")):
            continue
        status_dbt = result.get("status")
        if status_dbt == "skipped":
            continue
        try:
            node = graph.node(uid)
        except KeyError:
            continue
        severity = graph.severity(uid)
        kind = graph.test_kind(uid)
        tested = sorted(graph.tested_nodes(uid))
        failures = result.get("failures")
        message = (result.get("message") or "").strip()
        samples: list[dict[str, Any]] = []
        failing = int(failures) if failures is not None else None
        audit = graph.audit_relation(uid)
        if status_dbt in ("fail", "warn") and audit and _relation_exists(con, audit):
            rel = con.execute(f"SELECT * FROM {audit} LIMIT {MAX_SAMPLES}")
            cols = [d[0] for d in rel.description]
            samples = mask_rows([dict(zip(cols, r)) for r in rel.fetchall()], graph.personal_for(uid))
            if kind in GROUPED_TESTS:
                column, beyond_first = GROUPED_TESTS[kind]
                if column in cols:
                    expr = f"{_quote(column)} - 1" if beyond_first else _quote(column)
                    failing = int(con.execute(f"SELECT coalesce(sum({expr}), 0) FROM {audit}").fetchone()[0])
        if status_dbt == "pass":
            status, failing = "pass", 0
        elif status_dbt == "error":  # the test could not run: it cannot vouch for the data
            status = "fail" if severity == "error" else "warn"
            message = message or "the test could not run"
        elif status_dbt == "warn":  # a warn-severity test, or an error test within its error_if tolerance
            status = "warn"
        else:  # "fail": an error-severity test failed
            status = "fail"
        rows = None if graph.is_table_level(uid) or len(tested) != 1 else rows_of(tested[0])
        target = ", ".join(graph.label(t) for t in tested)
        out.append(CheckResult(
            check_id=uid, name=node["name"], source="dbt", dimension=graph.dimension(uid), severity=severity,
            status=status, target=target, failing_count=failing, rows_tested=rows, message=message[:2000],
            sample_rows=samples, run_id=run_id, checked_at=checked_at,
        ))
    return out


def build_statuses(run_results: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(unique_id, status, message) of every model, seed and snapshot in a run's results."""
    out = []
    for result in run_results.get("results", []):
        uid = result["unique_id"]
        if uid.startswith(("model.", "seed.", "snapshot.")):
            out.append((uid, str(result.get("status")), (result.get("message") or "")[:2000]))
    return out
