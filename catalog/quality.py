"""Reading a version's quality scorecard: four dimensions — đúng, đủ, sạch, sống — scored 0–100, each
with the checks behind its number (DESIGN.md §6).

The quality gate writes the scorecard as JSON on the version. This module accepts the shapes a gate
naturally produces and turns them into one form the catalogue stores and shows:

* ``{"dimensions": {"dung": {"score": 97.5, "checks": [...]}, ...}}``
* ``{"scores": {"đúng": 97.5, ...}, "checks": [{"dimension": "đúng", ...}, ...]}``
* ``{"dung": {"score": ..., "checks": [...]}, ...}`` or ``{"dung": 97.5, ...}``

Dimension keys may carry diacritics ("đúng"), be folded ("dung") or English ("correct", "complete",
"clean", "live", or the DQ names accuracy/completeness/uniqueness/timeliness). A check is a dict with a
name, a status (or ``passed``), optionally severity, message, failing count and sample failing rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from catalog.text import fold

DIMENSIONS = ("dung", "du", "sach", "song")
LABELS = {  # (Vietnamese, English)
    "dung": ("Đúng", "Correct"),
    "du": ("Đủ", "Complete"),
    "sach": ("Sạch", "Clean"),
    "song": ("Sống", "Live"),
}
_ALIASES = {
    "dung": "dung", "correct": "dung", "correctness": "dung", "accuracy": "dung", "accurate": "dung",
    "validity": "dung", "valid": "dung",
    "du": "du", "complete": "du", "completeness": "du", "sufficient": "du",
    "sach": "sach", "clean": "sach", "cleanliness": "sach", "uniqueness": "sach", "consistency": "sach",
    "song": "song", "live": "song", "timeliness": "song", "freshness": "song", "up_to_date": "song",
    "up-to-date": "song",
}
_STATUS = {
    "pass": "pass", "passed": "pass", "success": "pass", "succeeded": "pass", "ok": "pass",
    "warn": "warn", "warning": "warn", "warned": "warn",
    "fail": "fail", "failed": "fail", "failure": "fail", "error": "fail", "errored": "fail",
}
MAX_SAMPLE_ROWS = 20


def dimension_key(name: Any) -> str | None:
    if name is None:
        return None
    return _ALIASES.get(fold(str(name)).strip().replace(" ", "_"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _score(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("score")
    if isinstance(value, bool) or value is None:
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(100.0, score))


def _check(raw: Mapping[str, Any], dimension: str | None) -> dict[str, Any]:
    status = raw.get("status", raw.get("outcome"))
    if status is None and "passed" in raw:
        status = "pass" if raw["passed"] else "fail"
    if status is None and "success" in raw:
        status = "pass" if raw["success"] else "fail"
    status = _STATUS.get(str(status).lower(), "fail" if status else "pass")
    severity = raw.get("severity")
    if status == "fail" and str(severity).lower() in ("warn", "warning"):
        status = "warn"
    samples = raw.get("sample_rows", raw.get("samples", raw.get("failing_rows", raw.get("sample_failing_rows"))))
    failing = raw.get("failing_count", raw.get("failures", raw.get("failed_rows", raw.get("unexpected_count"))))
    try:
        failing = int(failing) if failing is not None else None
    except (TypeError, ValueError):
        failing = None
    return {
        "dimension": dimension_key(raw.get("dimension")) or dimension,
        "name": str(raw.get("name") or raw.get("check") or raw.get("id") or raw.get("test") or "check"),
        "source": str(raw["source"])[:10] if raw.get("source") else None,
        "target": str(raw["target"]) if raw.get("target") else None,
        "status": status,
        "severity": str(severity).lower() if severity else None,
        "message": raw.get("message") or raw.get("description") or raw.get("reason"),
        "failing_count": failing,
        "sample_rows": _jsonable(list(samples)[:MAX_SAMPLE_ROWS]) if isinstance(samples, list | tuple) else None,
    }


def normalise_quality(quality: Mapping[str, Any] | None) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    """(scores per dimension, checks) from a scorecard in any of the accepted shapes."""
    if not quality:
        return {}, []
    body: Mapping[str, Any] = quality.get("scorecard") if isinstance(quality.get("scorecard"), Mapping) else quality
    scores: dict[str, float | None] = {}
    checks: list[dict[str, Any]] = []
    per_dimension = body.get("dimensions") if isinstance(body.get("dimensions"), Mapping) else None
    if per_dimension is None and isinstance(body.get("scores"), Mapping):
        per_dimension = body["scores"]
    if per_dimension is None:
        per_dimension = {k: v for k, v in body.items() if dimension_key(k)}
    for key, value in per_dimension.items():
        dim = dimension_key(key)
        if dim is None:
            continue
        scores[dim] = _score(value)
        if isinstance(value, Mapping):
            for raw in value.get("checks") or []:
                if isinstance(raw, Mapping):
                    checks.append(_check(raw, dim))
    for raw in body.get("checks") or []:
        if isinstance(raw, Mapping):
            checks.append(_check(raw, None))
    return scores, checks


def overall(scores: Mapping[str, float | None]) -> float | None:
    values = [v for v in scores.values() if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def grade(score: float | None) -> str:
    """A badge class: good (≥ 90), fair (≥ 70), poor, or none."""
    if score is None:
        return "none"
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"
