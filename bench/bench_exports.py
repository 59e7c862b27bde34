"""Memory and speed of the streaming exports (api.query.exports) on a ~2M-row published file.

    .venv/bin/python bench/bench_exports.py [--rows 2000000] [--small 200000]

Writes a dossier-like Parquet file under bench/output/ (git-ignored), then runs each export in a
fresh subprocess (so peak RSS belongs to that export alone) at two sizes. Reported per run:

* seconds and output MB;
* peak RSS above the process's RSS just before the export started (sampled every 5 ms);
* peak Arrow memory-pool bytes (pyarrow.total_allocated_bytes, sampled) and peak Python heap
  (tracemalloc) — the Python side that must not grow with the row count.

Constant memory means the small and the large file give about the same numbers. A sorted export
(``_sort``) is listed too: DuckDB must sort before the first row, so its memory is DuckDB's sort
(bounded by its memory_limit and spilled beyond it), not the exporter's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "bench" / "output"
COLUMNS = [
    {"name": "id", "type": "BIGINT"}, {"name": "code", "type": "VARCHAR"}, {"name": "agency", "type": "VARCHAR"},
    {"name": "commune", "type": "VARCHAR"}, {"name": "received", "type": "TIMESTAMP"},
    {"name": "fee", "type": "DECIMAL(12,2)"}, {"name": "online", "type": "BOOLEAN"},
    {"name": "score", "type": "DOUBLE"}, {"name": "applicant_name", "type": "VARCHAR", "pii": "basic"},
]


def make_file(rows: int) -> Path:
    import duckdb

    path = OUTPUT / f"bench_{rows}" / "v1" / "data.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect().execute(f"""
        COPY (
          SELECT i AS id,
                 'H' || lpad(CAST(i AS VARCHAR), 10, '0') AS code,
                 'Sở ' || ['Y tế', 'Tài chính', 'Giáo dục và Đào tạo', 'Tư pháp', 'Xây dựng'][1 + i % 5] AS agency,
                 ['Phường Điện Biên Phủ', 'Xã Mường Phăng', 'Phường Him Lam', 'Xã Nà Tấu'][1 + (i * 7) % 4] AS commune,
                 TIMESTAMP '2024-01-01' + to_seconds(CAST((i * 7919) % 31536000 AS BIGINT)) AS received,
                 CAST(((i * 31) % 500000) / 100.0 AS DECIMAL(12,2)) AS fee,
                 i % 3 = 0 AS online,
                 CASE WHEN i % 97 = 0 THEN NULL ELSE ((i * 2654435761) % 1000003) / 1000.0 END AS score,
                 'Nguyễn Văn ' || CAST(i % 10007 AS VARCHAR) AS applicant_name
          FROM range({rows}) AS r(i)
        ) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
    """)
    return path


def measure(path: str, rows: int, fmt: str, params: list[list[str]], trace_python: bool) -> dict:
    """Runs inside the subprocess. With ``trace_python`` only the Python heap peak is meaningful
    (tracemalloc slows Python allocations several times, so time and RSS come from a run without it)."""
    import pyarrow as pa

    sys.path.insert(0, str(ROOT))
    from api.query import AccessPolicy, DatasetSpec, iter_export, open_connection, parse_rows_request

    spec = DatasetSpec.from_schema_json("bench", "v1", path, {"columns": COLUMNS})
    conn = open_connection(allowed_directories=[Path(path).parent], threads=2, memory_limit="1GB")
    query = parse_rows_request(spec, [tuple(pair) for pair in params], AccessPolicy.public())

    def rss() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

    peaks = {"rss": 0, "arrow": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peaks["rss"] = max(peaks["rss"], rss())
            peaks["arrow"] = max(peaks["arrow"], pa.total_allocated_bytes())
            time.sleep(0.005)

    baseline = rss()
    sampler = threading.Thread(target=sample, daemon=True)
    if trace_python:
        tracemalloc.start()
    sampler.start()
    started = time.perf_counter()
    written = 0
    with open(os.devnull, "wb") as sink:
        for chunk in iter_export(conn, query, fmt):
            sink.write(chunk)
            written += len(chunk)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    python_peak = tracemalloc.get_traced_memory()[1] if trace_python else 0
    return {"rows": rows, "format": fmt, "sorted": any(p[0].startswith("_sort") for p in params),
            "seconds": round(seconds, 2), "output_mb": round(written / 2**20, 1),
            "rss_growth_mb": round((peaks["rss"] - baseline) / 2**20, 1),
            "arrow_peak_mb": round(peaks["arrow"] / 2**20, 1), "python_peak_mb": round(python_peak / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--measure", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        path, rows, fmt, params, trace = args.measure
        print(json.dumps(measure(path, int(rows), fmt, json.loads(params), trace == "trace")))
        return
    results = []
    for rows in (args.small, args.rows):
        path = make_file(rows)
        for fmt, params in (("csv", []), ("ndjson", []), ("parquet", []), ("csv", [["_sort_desc", "score"]])):
            runs = [json.loads(subprocess.run(
                [sys.executable, __file__, "--measure", str(path), str(rows), fmt, json.dumps(params), trace],
                check=True, capture_output=True, text=True).stdout) for trace in ("plain", "trace")]
            results.append({**runs[0], "python_peak_mb": runs[1]["python_peak_mb"]})
            print(json.dumps(results[-1]), flush=True)
    print()
    header = f"{'rows':>9} {'format':>8} {'sorted':>6} {'s':>6} {'out MB':>7} {'RSS+ MB':>8} {'Arrow MB':>9} {'Py MB':>6}"
    print(header)
    for r in results:
        print(f"{r['rows']:>9} {r['format']:>8} {str(r['sorted']):>6} {r['seconds']:>6} {r['output_mb']:>7} "
              f"{r['rss_growth_mb']:>8} {r['arrow_peak_mb']:>9} {r['python_peak_mb']:>6}")


if __name__ == "__main__":
    main()
