"""The publication gate: which checks speak for a dataset, its scorecard, and the verdict.

A dataset's checks are (docs/quality.md):
* every dbt test and unit test on the dataset's dbt ancestors (staging warn-tests tagged by dimension,
  error tests on intermediate / mart / published models, source tests, unit tests of its models);
* the ingestion checks (row-count reconciliation, freshness) of every sector table it is built from;
* its Great Expectations suite, run on the batch about to be published.

A check with status `fail` (an error-severity check that failed) rejects the version; warnings publish.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestration.lib.quality.checks import (
    DIMENSION_LABELS,
    DIMENSIONS,
    SCORE_FORMULA,
    CheckResult,
    jsonable,
    scores,
)
from orchestration.lib.quality.dbt_checks import DbtProjectGraph
from orchestration.lib.quality.ingestion import FRESHNESS, RECONCILIATION, check_id


@dataclass
class GateInputs:
    """What the gate knows before looking at a dataset's batch: the dbt graph, the latest stored result
    of every check, and the latest build status of every model."""

    graph: DbtProjectGraph
    results: Mapping[str, CheckResult]
    builds: Mapping[str, Mapping[str, Any]]

    def dataset_uid(self, name: str) -> str:
        for uid, node in self.graph.nodes.items():
            if node.get("resource_type") in ("model", "seed") and node["name"] == name \
                    and node.get("schema") == "published":
                return uid
        raise KeyError(f"no published dbt model or seed named {name!r}")

    def closure(self, name: str) -> set[str]:
        return self.graph.ancestors(self.dataset_uid(name))

    def check_ids(self, name: str) -> list[str]:
        closure = self.closure(name)
        ids = list(self.graph.tests_within(closure))
        for system, table in self.graph.raw_tables(closure):
            ids += [check_id(system, table, RECONCILIATION), check_id(system, table, FRESHNESS)]
        return ids

    def upstream_checks(self, name: str) -> list[CheckResult]:
        return [self.results[i] for i in self.check_ids(name) if i in self.results]

    def missing_checks(self, name: str) -> list[str]:
        """Checks that apply but have never produced a result (e.g. a test added since the last run)."""
        return [i for i in self.check_ids(name) if i not in self.results]

    def build_problems(self, name: str) -> list[str]:
        """Models of the dataset's lineage whose latest build did not succeed (their tables are stale)."""
        problems = []
        for uid in sorted(self.closure(name)):
            build = self.builds.get(uid)
            if build and build["status"] not in ("success", "pass"):
                label = self.graph.label(uid)
                problems.append(f"{label}: {build['status']}" + (f" — {build['message']}" if build["message"] else ""))
        return problems


def reasons(checks: Iterable[CheckResult]) -> list[dict[str, Any]]:
    """Why a version is rejected: every failed error-severity check."""
    return [{"check": c.name, "check_id": c.check_id, "source": c.source, "dimension": c.dimension,
             "target": c.target, "failing_count": c.failing_count, "message": c.message}
            for c in checks if c.status == "fail"]


def verdict(checks: Iterable[CheckResult]) -> str:
    return "rejected" if any(c.status == "fail" for c in checks) else "published"


def scorecard(dataset: str, version: str, checks: list[CheckResult], *, run_id: str | None,
              checked_at: dt.datetime, content_hash: str, row_count: int) -> dict[str, Any]:
    """quality.json: per dimension a 0–100 score with the checks behind it, the verdict and why."""
    status = verdict(checks)
    by_dim = scores(checks)
    order = {"fail": 0, "warn": 1, "pass": 2}
    dimensions = {}
    for dim in DIMENSIONS:
        dim_checks = sorted((c for c in checks if c.dimension == dim), key=lambda c: (order[c.status], c.source, c.name))
        dimensions[dim] = {
            "label_vi": DIMENSION_LABELS[dim][0], "label_en": DIMENSION_LABELS[dim][1],
            "score": by_dim[dim],
            "checks_total": len(dim_checks),
            "checks_passed": sum(c.status == "pass" for c in dim_checks),
            "checks_warned": sum(c.status == "warn" for c in dim_checks),
            "checks_failed": sum(c.status == "fail" for c in dim_checks),
            "checks": [_check_doc(c) for c in dim_checks],
        }
    return jsonable({
        "dataset": dataset,
        "version": version,
        "status": status,
        "checked_at": checked_at.isoformat(),
        "run_id": run_id,
        "content_hash": content_hash,
        "row_count": row_count,
        "scores": by_dim,
        "formula": SCORE_FORMULA,
        "summary": {"checks": len(checks), "passed": sum(c.status == "pass" for c in checks),
                    "warned": sum(c.status == "warn" for c in checks),
                    "failed": sum(c.status == "fail" for c in checks),
                    "by_source": {s: sum(c.source == s for c in checks) for s in ("dbt", "gx", "python")}},
        "reasons": reasons(checks),
        "dimensions": dimensions,
    })


def _check_doc(c: CheckResult) -> dict[str, Any]:
    return {
        "name": c.name, "check_id": c.check_id, "source": c.source, "dimension": c.dimension,
        "severity": c.severity, "status": c.status, "target": c.target,
        "failing_count": c.failing_count, "rows_tested": c.rows_tested,
        "message": c.message, "sample_rows": c.sample_rows,
        "run_id": c.run_id, "checked_at": c.checked_at.isoformat() if c.checked_at else None,
    }
