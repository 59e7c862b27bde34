"""One quality check's result, whatever ran it (dbt, Great Expectations or a Python asset check), and how
results become a 0–100 score per dimension.

Statuses:
* ``pass`` — the check found nothing;
* ``warn`` — a warn-severity check found failing rows, or an error-severity check found failing rows
  that are within its declared tolerance (GX ``mostly``, dbt ``error_if``): visible, never blocking;
* ``fail`` — an error-severity check failed: the version is rejected.

Score of one dimension (docs/quality.md): ``100 × Π (1 − failing_i / rows_i)`` over the dimension's
row-level checks, where a table-level check (no row denominator: freshness, coverage, reconciliation of
totals, unit tests) contributes 1 when it passes and 0 when it does not; ``None`` when no check of the
dimension applies to the dataset.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DIMENSIONS = ("dung", "du", "sach", "song")
DIMENSION_LABELS = {  # (Vietnamese, English)
    "dung": ("Đúng", "Correct"),
    "du": ("Đủ", "Complete"),
    "sach": ("Sạch", "Clean"),
    "song": ("Sống", "Live"),
}
SEVERITIES = ("error", "warn")
STATUSES = ("pass", "warn", "fail")
SOURCES = ("dbt", "gx", "python")
MAX_SAMPLES = 20

SCORE_FORMULA = (
    "score(dimension) = 100 × Π over its checks of (1 − failing_rows / rows_tested) for row-level checks; "
    "a table-level check counts 1 if it passes and 0 otherwise; null when no check of the dimension applies"
)


def status_of(passed: bool, severity: str, failing_count: int | None) -> str:
    """pass / warn / fail from the tool's verdict, the severity and the failing rows found."""
    if passed:
        return "warn" if failing_count else "pass"
    return "fail" if severity == "error" else "warn"


def jsonable(value: Any) -> Any:
    """A value as plain JSON (dates as ISO text, decimals and numpy scalars as numbers, NaN as null)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if value.__class__.__name__ in ("NaTType", "NAType"):  # pandas' missing values (NaT is a datetime)
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy / pandas scalars
        try:
            return jsonable(value.item())
        except (ValueError, TypeError):
            pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass
class CheckResult:
    check_id: str                    # stable id: dbt unique_id, gx.<suite>.<n>, python.<system>.<table>.<check>
    name: str
    source: str                      # dbt | gx | python
    dimension: str                   # dung | du | sach | song
    severity: str                    # error | warn
    status: str                      # pass | warn | fail
    target: str                      # what was checked, e.g. staging.stg_motcua__dossiers, raw.motcua.ho_so
    failing_count: int | None = None
    rows_tested: int | None = None   # None: a table-level check (no row denominator)
    message: str = ""
    sample_rows: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None
    checked_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"{self.check_id}: unknown dimension {self.dimension!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.check_id}: unknown severity {self.severity!r}")
        if self.status not in STATUSES:
            raise ValueError(f"{self.check_id}: unknown status {self.status!r}")
        self.sample_rows = [jsonable(r) for r in (self.sample_rows or [])[:MAX_SAMPLES]]

    @property
    def pass_share(self) -> float:
        """Share of the tested rows that pass (1 or 0 for a table-level check)."""
        if self.rows_tested and self.failing_count is not None:
            return max(0.0, 1.0 - self.failing_count / self.rows_tested)
        return 1.0 if self.status == "pass" else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["checked_at"] = self.checked_at.isoformat() if self.checked_at else None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CheckResult":
        values = dict(data)
        if isinstance(values.get("checked_at"), str):
            values["checked_at"] = dt.datetime.fromisoformat(values["checked_at"])
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})


def dimension_score(checks: Iterable[CheckResult]) -> float | None:
    checks = list(checks)
    if not checks:
        return None
    product = 1.0
    for check in checks:
        product *= check.pass_share
    return round(100.0 * product, 1)


def scores(checks: Iterable[CheckResult]) -> dict[str, float | None]:
    checks = list(checks)
    return {dim: dimension_score(c for c in checks if c.dimension == dim) for dim in DIMENSIONS}
