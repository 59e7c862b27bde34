"""Run a published dataset's Great Expectations suite on a pandas batch and render Data Docs.

The suites are reviewable JSON files in `expectations/suites/<dataset>.json` (GX 1.x suite format; each
expectation's `meta.dimension` names its quality dimension and `severity` is `critical` — blocks
publication — or `warning`). At run time they are loaded into a GX *file* context kept under
`$KHO_HOME/quality/gx/` (validation results, checkpoints), so running never writes into the repository,
and each validation is rendered into static Data Docs HTML in `$KHO_HOME/quality/data_docs/`
(`KHO_GX_DOCS_DIR` overrides it; the portal links it for stewards).

GX's SQL datasource returns empty results through duckdb-engine (reference/architecture.md §2), so the
batch is a pandas DataFrame pulled from DuckDB through Arrow — never GX's SQL path, never dagster-ge.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from orchestration.lib.quality.checks import MAX_SAMPLES, CheckResult, jsonable, status_of
from orchestration.lib.quality.masking import mask_rows

SUITES_DIR = Path(__file__).resolve().parent / "suites"
DATASOURCE = "kho_published"
SITE = "kho"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_SAMPLES}
SEVERITIES = {"critical": "error", "warning": "warn", "info": "warn"}

_lock = threading.Lock()


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


def load_suite(name: str) -> dict[str, Any]:
    return json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def data_docs_dir(home: Path) -> Path:
    return Path(os.environ.get("KHO_GX_DOCS_DIR") or (home / "quality" / "data_docs")).resolve()


def check_name(expectation: Mapping[str, Any]) -> str:
    """A stable, readable name: the suite author's `meta.name`, else type(column)."""
    meta = expectation.get("meta") or {}
    if meta.get("name"):
        return str(meta["name"])
    kwargs = expectation.get("kwargs") or {}
    target = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or ""
    return f"{expectation['type']}({target})" if target else expectation["type"]


@cache
def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


class GxRunner:
    """One GX file context per KHO_HOME; validations are serialised (GX contexts are not thread-safe)."""

    def __init__(self, home: Path):
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.home = Path(home)
        self.docs_dir = data_docs_dir(self.home)
        root = self.home / "quality"
        root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(root))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        sites = self.context.get_config().data_docs_sites or {}
        wanted = str(self.docs_dir)
        if sites.get(SITE, {}).get("store_backend", {}).get("base_directory") != wanted or len(sites) != 1:
            for site in list(sites):
                self.context.delete_data_docs_site(site)
            self.context.add_data_docs_site(site_name=SITE, site_config={
                "class_name": "SiteBuilder", "show_how_to_buttons": False,
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": wanted},
            })
        self.datasource = self.context.data_sources.add_or_update_pandas(DATASOURCE)

    def _checkpoint(self, name: str):
        gx = _gx()
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(**load_suite(name)))
        try:
            asset = self.datasource.get_asset(name)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(name)
        try:
            batch = asset.get_batch_definition("whole")
        except (KeyError, LookupError, ValueError):
            batch = asset.add_batch_definition_whole_dataframe("whole")
        vd = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"kho.{name}", data=batch, suite=suite))
        return self.context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"kho.{name}", validation_definitions=[vd], result_format=RESULT_FORMAT,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[SITE])]))

    def validate(self, name: str, df, personal: set[str], run_id: str | None = None) -> list[CheckResult]:
        """Validate one dataset's batch; one CheckResult per expectation (samples masked). A dataset without
        a suite gets one warning saying so (visible in its scorecard, not blocking)."""
        if not (SUITES_DIR / f"{name}.json").exists():
            return [CheckResult(check_id=f"gx.{name}.suite", name="gx_suite", source="gx", dimension="dung",
                                severity="warn", status="warn", target=f"published.{name}",
                                message=f"no Great Expectations suite: add expectations/suites/{name}.json",
                                run_id=run_id)]
        with _lock:
            checkpoint = self._checkpoint(name)
            result = checkpoint.run(batch_parameters={"dataframe": df})
        suite_result = next(iter(result.run_results.values()))
        checks = []
        for res in suite_result.results:
            config = res.expectation_config
            severity = getattr(config.severity, "value", config.severity)
            declared = {"type": config.type, "kwargs": dict(config.kwargs), "meta": dict(config.meta or {}),
                        "severity": severity}
            checks.append(_check(name, declared, res, df, personal, run_id))
        order = {check_name(e): i for i, e in enumerate(load_suite(name)["expectations"])}
        return sorted(checks, key=lambda c: order.get(c.name, len(order)))


def _check(suite: str, expectation: Mapping[str, Any], res, df, personal: set[str], run_id: str | None) -> CheckResult:
    meta = expectation.get("meta") or {}
    severity = SEVERITIES.get(str(expectation.get("severity", "critical")).lower(), "error")
    detail = res.result or {}
    failing = detail.get("unexpected_count")
    rows = detail.get("element_count")
    samples: list[dict[str, Any]] = []
    indexes = detail.get("partial_unexpected_index_list") or []
    if indexes:
        picked = df.loc[[i for i in indexes[:MAX_SAMPLES] if i in df.index]]
        samples = mask_rows(picked.to_dict(orient="records"), personal)
    elif detail.get("partial_unexpected_list"):
        column = (expectation.get("kwargs") or {}).get("column", "value")
        samples = mask_rows([{column: v} for v in detail["partial_unexpected_list"][:MAX_SAMPLES]], personal)
    if res.exception_info and res.exception_info.get("raised_exception"):
        message = f"could not evaluate: {res.exception_info.get('exception_message')}"
        passed, failing, rows = False, None, None
    else:
        passed = bool(res.success)
        kwargs = {k: v for k, v in (expectation.get("kwargs") or {}).items() if k not in ("result_format",)}
        observed = detail.get("observed_value")
        message = meta.get("notes") or ""
        if failing is not None and rows:
            message = (message + " — " if message else "") + f"{failing:,} of {rows:,} rows unexpected"
        elif observed is not None:
            message = (message + " — " if message else "") + f"observed {json.dumps(jsonable(observed), ensure_ascii=False)[:300]}"
        message = message or json.dumps(jsonable(kwargs), ensure_ascii=False)[:300]
    return CheckResult(
        check_id=f"gx.{suite}.{check_name(expectation)}", name=check_name(expectation), source="gx",
        dimension=meta.get("dimension", "dung"), severity=severity,
        status=status_of(passed, severity, failing), target=f"published.{suite}",
        failing_count=int(failing) if failing is not None else (None if passed else None),
        rows_tested=int(rows) if rows is not None and failing is not None else None,
        message=message, sample_rows=samples, run_id=run_id,
    )
