"""Deterministic simulator of a province's sector systems (DESIGN §4).

    generate(out_dir, scale="small", seed=20250701, as_of=None, province_code="11", defect_rate=None,
             systems=None, progress=None) -> manifest
    load_into(out_dir, target_url, systems) -> rows loaded per table
    SCALES: the "small", "province" and "large" presets

Writes motcua/qlvb/dkkd/dancu as SQLite databases, yte as CSV and giaoduc as Excel, shaped exactly as
`orchestration/registry.yaml` says, plus manifest.json listing every injected defect.
"""

from simulator.generator import generate
from simulator.scales import SCALES, Scale
from simulator.targets import load_into

__all__ = ["generate", "load_into", "SCALES", "Scale"]
