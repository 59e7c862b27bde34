"""`generate`: write the sector systems of one province and the manifest of injected defects."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from orchestration.lib.registry import load_registry
from simulator import dancu, dkkd, files, motcua, qlvb
from simulator.context import Context
from simulator.defects import DefectLedger
from simulator.scales import get_scale
from simulator.sink import Progress, TableSink

_GENERATORS: dict[str, Callable[[Context, TableSink, DefectLedger], None]] = {
    "dancu": dancu.generate,
    "dkkd": dkkd.generate,
    "motcua": motcua.generate,
    "qlvb": qlvb.generate,
    "yte": files.generate_yte,
    "giaoduc": files.generate_giaoduc,
}
# Each row carries one defect and ho_so has six types, so rates beyond this would run out of rows.
MAX_DEFECT_RATE = 0.1
# Systems run in two lanes, one per core, of about equal work at every scale. dancu, dkkd and motcua
# share one lane because they share the citizen and enterprise pools. Every system draws only from its
# own random streams, so the output does not depend on the lanes or their timing.
LANES = (("dancu", "dkkd", "motcua"), ("qlvb", "yte", "giaoduc"))


def _as_date(value: dt.date | dt.datetime | None) -> dt.date:
    if value is None:
        return dt.date.today()
    return value.date() if isinstance(value, dt.datetime) else value


def generate(out_dir: Path, scale: str = "small", seed: int = 20250701, as_of: dt.date | None = None,
             province_code: str = "11", defect_rate: float | None = None, systems: list[str] | None = None,
             progress: Progress | None = None) -> dict:
    """Write the sector systems under out_dir; return the manifest (also written to out_dir/manifest.json).

    Same (seed, as_of, scale, province_code, defect_rate) ⇒ byte-identical files, whichever `systems`
    are asked for. `defect_rate=None` takes the preset's default; 0 writes clean data with no defects.
    """
    preset = get_scale(scale)
    as_of = _as_date(as_of)
    rate = preset.default_defect_rate if defect_rate is None else float(defect_rate)
    if not 0.0 <= rate <= MAX_DEFECT_RATE:
        raise ValueError(f"defect_rate must be within [0, {MAX_DEFECT_RATE}], got {rate}")
    registry = load_registry()
    wanted = list(registry) if systems is None else list(systems)
    unknown = sorted(set(wanted) - set(registry))
    if unknown:
        raise ValueError(f"unknown systems {unknown}; the registry lists {list(registry)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    ctx = Context.create(seed=seed, as_of=as_of, scale=preset, province_code=province_code, defect_rate=rate)
    ledger = DefectLedger()
    row_counts: dict[str, int] = {}
    stamped = dt.datetime.combine(as_of, dt.time())
    events: queue.Queue = queue.Queue()

    def run_lane(names: tuple[str, ...]) -> None:
        try:
            for name in names:
                if name in wanted:
                    sink = TableSink(registry[name], out_dir, row_counts, events.put, stamped)
                    try:
                        _GENERATORS[name](ctx, sink, ledger)
                    finally:
                        sink.close()
        except BaseException as error:  # handed to the calling thread, which re-raises it
            events.put(error)
        finally:
            events.put(None)

    lanes = [threading.Thread(target=run_lane, args=(names,), name=f"simulator-{names[0]}") for names in LANES]
    for lane in lanes:
        lane.start()
    # Progress is reported from the calling thread only, so callers need no locking.
    running, failure = len(lanes), None
    while running:
        event = events.get()
        if event is None:
            running -= 1
        elif isinstance(event, BaseException):
            failure = failure or event
        elif progress is not None and failure is None:
            try:
                progress(*event)
            except BaseException as error:  # raised once the lanes have stopped
                failure = error
    for lane in lanes:
        lane.join()
    if failure is not None:
        raise failure

    manifest = {
        "seed": seed,
        "scale": preset.name,
        "as_of": as_of.isoformat(),
        "province_code": province_code,
        "defect_rate": rate,
        "row_counts": {f"{s}.{t.name}": row_counts[f"{s}.{t.name}"]
                       for s in registry if s in wanted for t in registry[s].tables},
        "defects": ledger.manifest_entries(),
        "stale_feeds": ledger.stale_feeds,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    return manifest
