"""Server-rendered SVG charts (no JavaScript, no CDN): a dataset's chart when its data suits one, the
dashboard's sparklines and the quality-over-time lines. Every chart has a <title>, a <desc> and, on
the page, the same numbers as a table for screen readers and keyboard users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from api.engine import ParquetEngine
from catalog.resources import is_bookkeeping_column
from catalog.rows import quote

NUMERIC = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT", "REAL", "UBIGINT", "UINTEGER")
DATES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
PREFERRED_MEASURES = ("received", "count", "total", "documents", "dossiers", "population", "residents", "people",
                      "enterprises", "beds", "pupils", "students")
SERIES_COLOURS = ("#0b5394", "#b45309", "#2e7d32", "#7b1fa2")


@dataclass
class ChartSpec:
    kind: str  # line | bar
    title_vi: str
    title_en: str
    x_label: str
    y_label: str
    points: list[tuple[str, float]]


def _is_measure(col: Mapping[str, Any], col_type: str, primary_key: Sequence[str]) -> bool:
    name = col["name"].lower()
    if col["name"] in primary_key or not any(col_type.upper().startswith(t) for t in NUMERIC + ("DECIMAL",)):
        return False
    if name.endswith(("_id", "_code", "_year")) or name in ("latitude", "longitude", "lat", "lon", "lng"):
        return False
    return not name.startswith("is_")


def choose_chart(engine: ParquetEngine, path: str, columns: Sequence[Mapping[str, Any]], masked: set[str],
                 primary_key: Sequence[str]) -> ChartSpec | None:
    """A monthly line of the main measure when the data has a date, else a bar chart of a category
    with few values; None when neither suits the data."""
    cur = engine.cursor()
    try:
        described = {r[0]: r[1] for r in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()}
        cols = [c for c in columns if c["name"] in described and c["name"] not in masked]
        measures = [c for c in cols if _is_measure(c, described[c["name"]], primary_key)]
        measures.sort(key=lambda c: next((i for i, w in enumerate(PREFERRED_MEASURES) if w in c["name"].lower()),
                                         len(PREFERRED_MEASURES)))
        measure = measures[0] if measures else None
        dates = [c for c in cols if described[c["name"]].upper() in DATES and not is_bookkeeping_column(c["name"])]
        dates.sort(key=lambda c: c["name"] not in primary_key)
        value_sql = f"sum({quote(measure['name'])})" if measure else "count(*)"
        y_vi = measure["title_vi"] if measure else "Số dòng"
        y_en = measure["title_en"] if measure else "Rows"
        if dates:
            date_col = dates[0]
            rows = cur.execute(
                f"SELECT date_trunc('month', {quote(date_col['name'])}) AS m, {value_sql} FROM read_parquet(?) "
                f"WHERE {quote(date_col['name'])} IS NOT NULL GROUP BY m ORDER BY m DESC LIMIT 36", [path]).fetchall()
            rows.reverse()
            if len(rows) >= 2:
                return ChartSpec("line", f"{y_vi} theo tháng", f"{y_en} by month",
                                 date_col["title_vi"], y_vi,
                                 [(_month(r[0]), float(r[1] or 0)) for r in rows])
        texts = [c for c in cols if described[c["name"]].upper() == "VARCHAR" and c["name"] not in primary_key][:6]
        for col in texts:
            distinct = cur.execute(f"SELECT approx_count_distinct({quote(col['name'])}) FROM read_parquet(?)",
                                   [path]).fetchone()[0]
            if 2 <= (distinct or 0) <= 12:
                rows = cur.execute(
                    f"SELECT {quote(col['name'])} AS k, {value_sql} AS v FROM read_parquet(?) "
                    f"WHERE {quote(col['name'])} IS NOT NULL GROUP BY k ORDER BY v DESC LIMIT 12", [path]).fetchall()
                if len(rows) >= 2:
                    return ChartSpec("bar", f"{y_vi} theo {col['title_vi'].lower()}",
                                     f"{y_en} by {col['title_en'].lower()}", col["title_vi"], y_vi,
                                     [(str(r[0]), float(r[1] or 0)) for r in rows])
        return None
    finally:
        cur.close()


def _month(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%m/%Y")
    return str(value)


def _fmt(value: float) -> str:
    if abs(value) >= 10 and value != int(value):
        value = round(value)
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def render_chart(spec: ChartSpec, title: str, width: int = 720, height: int = 280) -> Markup:
    left, right, top, bottom = 56, 16, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in spec.points]
    vmax = max(max(values), 0) or 1
    vmin = min(min(values), 0)
    span = (vmax - vmin) or 1

    def y(v: float) -> float:
        return top + plot_h - (v - vmin) / span * plot_h

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{escape(title)}</title>'
             f'<desc id="chart-desc">{escape(", ".join(f"{k}: {_fmt(v)}" for k, v in spec.points[:40]))}</desc>']
    for i in range(5):
        v = vmin + span * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{_fmt(v)}</text>')
    n = len(spec.points)
    step = plot_w / max(n, 1)
    label_every = max(1, n // 12)
    if spec.kind == "bar":
        for i, (label, v) in enumerate(spec.points):
            x = left + i * step + step * 0.15
            h = abs(y(v) - y(0))
            parts.append(f'<rect x="{x:.1f}" y="{min(y(v), y(0)):.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                         f'class="bar"><title>{escape(label)}: {_fmt(v)}</title></rect>')
    else:
        coords = [(left + i * step + step / 2, y(v)) for i, (_, v) in enumerate(spec.points)]
        parts.append('<polyline class="line" points="' + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords) + '"/>')
        for (x, yy), (label, v) in zip(coords, spec.points):
            parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3" class="dot"><title>{escape(label)}: {_fmt(v)}'
                         '</title></circle>')
    for i, (label, _) in enumerate(spec.points):
        if i % label_every == 0:
            x = left + i * step + step / 2
            text = escape(label if len(label) <= 14 else label[:13] + "…")
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" class="tick" text-anchor="end" '
                         f'transform="rotate(-35 {x:.1f} {height - bottom + 16})">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[float | None], label: str, width: int = 120, height: int = 28) -> Markup:
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return Markup("")
    lo, hi = min(points + [0.0]), max(points + [100.0])
    step = (width - 4) / (len(points) - 1)
    coords = " ".join(f"{2 + i * step:.1f},{height - 2 - (v - lo) / ((hi - lo) or 1) * (height - 4):.1f}"
                      for i, v in enumerate(points))
    return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
                  f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
                  f'<polyline points="{coords}" class="line"/></svg>')


def quality_lines(series: Mapping[str, Sequence[float | None]], labels: Sequence[str], names: Mapping[str, str],
                  title: str, width: int = 720, height: int = 260) -> Markup:
    left, right, top, bottom = 64, 130, 14, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(labels)
    if n == 0:
        return Markup("")
    step = plot_w / max(n - 1, 1)

    def y(v: float) -> float:
        return top + plot_h - v / 100 * plot_h

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="q-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="q-title">{escape(title)}</title>']
    for v in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v)}" y2="{y(v)}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end" class="tick">{v}</text>')
    for idx, (dim, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[idx % len(SERIES_COLOURS)]
        coords = [(left + i * step, y(v)) for i, v in enumerate(values) if v is not None]
        if len(coords) >= 2:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                         + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords) + '"/>')
        for x, yy in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5" fill="{colour}"/>')
        ly = top + 16 + idx * 20
        parts.append(f'<rect x="{left + plot_w + 14}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{left + plot_w + 32}" y="{ly}" class="tick">{escape(names.get(dim, dim))}</text>')
    label_every = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % label_every == 0:
            x = left + i * step
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" class="tick" text-anchor="end" '
                         f'transform="rotate(-30 {x:.1f} {height - bottom + 16})">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
