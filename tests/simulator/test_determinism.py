"""Same (seed, as_of, scale, province, defect_rate) ⇒ byte-identical files, whatever else is generated."""

from __future__ import annotations

import datetime as dt

import simulator
from tests.simulator.conftest import AS_OF, SEED, file_digests


def test_same_seed_gives_the_same_bytes(spoilt, tmp_path):
    simulator.generate(tmp_path, scale="small", seed=SEED, as_of=AS_OF)
    assert file_digests(tmp_path) == spoilt.digests()


def test_a_subset_of_systems_gives_the_same_files(spoilt, tmp_path):
    manifest = simulator.generate(tmp_path, scale="small", seed=SEED, as_of=AS_OF, systems=["motcua", "giaoduc"])
    subset = file_digests(tmp_path)
    full = spoilt.digests()
    assert set(subset) == {"motcua.sqlite", "giaoduc/truong_hoc.xlsx", "manifest.json"}
    assert subset["motcua.sqlite"] == full["motcua.sqlite"]
    assert subset["giaoduc/truong_hoc.xlsx"] == full["giaoduc/truong_hoc.xlsx"]
    assert set(manifest["row_counts"]) == {k for k in spoilt.manifest["row_counts"] if k.startswith(("motcua.", "giaoduc."))}
    assert manifest["defects"] == [d for d in spoilt.manifest["defects"] if d["system"] == "motcua"]


def test_a_different_seed_changes_every_file(spoilt, tmp_path):
    simulator.generate(tmp_path, scale="small", seed=SEED + 1, as_of=AS_OF)
    other, base = file_digests(tmp_path), spoilt.digests()
    assert set(other) == set(base)
    assert all(other[name] != base[name] for name in base)


def test_defects_touch_only_the_defective_rows(spoilt, clean):
    """Defect injection draws from its own streams: clean and spoilt data agree outside the spoilt rows."""
    con = spoilt.connect()
    con.execute(f"ATTACH IF NOT EXISTS '{clean.path}/dkkd.sqlite' AS clean_dkkd (TYPE sqlite, READ_ONLY)")
    spoilt_keys = {k for d in spoilt.manifest["defects"] if d["table"] == "doanh_nghiep" for k in d["keys"]}
    differing = con.execute("""
        SELECT s.ma_so_thue FROM dkkd.doanh_nghiep s POSITIONAL JOIN clean_dkkd.doanh_nghiep c
        WHERE s.ma_so_thue <> c.ma_so_thue OR s.ten_doanh_nghiep <> c.ten_doanh_nghiep OR s.ma_xa <> c.ma_xa
           OR s.updated_at <> c.updated_at""").fetchall()
    assert {k for (k,) in differing} == spoilt_keys


def test_as_of_defaults_to_today(tmp_path):
    manifest = simulator.generate(tmp_path, systems=["yte"])
    assert manifest["as_of"] == dt.date.today().isoformat()
