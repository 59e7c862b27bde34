"""Arguments of generate / load_into and the progress callback."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import simulator
from tests.simulator.conftest import AS_OF


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": "huge"}, "unknown scale"),
    ({"systems": ["motcua", "ketoan"]}, "unknown systems"),
    ({"province_code": "99"}, "unknown province_code"),
    ({"defect_rate": 0.5}, "defect_rate"),
    ({"defect_rate": -0.1}, "defect_rate"),
    ({"as_of": dt.date(2021, 3, 1)}, "as_of"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulator.generate(tmp_path, **{"as_of": AS_OF, **kwargs})


def test_progress_reports_rows_per_table_from_the_calling_thread(tmp_path):
    calls: list[tuple[str, int, bool]] = []
    simulator.generate(tmp_path, as_of=AS_OF, systems=["motcua", "yte"],
                       progress=lambda label, rows: calls.append((label, rows, threading.current_thread()
                                                                  is threading.main_thread())))
    assert all(on_main for _, _, on_main in calls)
    labels = {label for label, _, _ in calls}
    assert labels == {"motcua.linh_vuc", "motcua.thu_tuc", "motcua.ho_so", "motcua.ho_so_xu_ly", "yte.co_so_y_te"}
    dossiers = [rows for label, rows, _ in calls if label == "motcua.ho_so"]
    assert len(dossiers) > 1 and dossiers == sorted(dossiers) and dossiers[-1] == 20_000


def test_another_province(tmp_path):
    """Any of the 34 provinces works; its communes and agencies are used throughout."""
    manifest = simulator.generate(tmp_path, as_of=AS_OF, province_code="01", systems=["dkkd", "yte"])
    assert manifest["province_code"] == "01"
    text = (tmp_path / "yte" / "co_so_y_te.csv").read_text(encoding="utf-8")
    assert "Bệnh viện Đa khoa tỉnh Hà Nội" in text


def test_load_into_refuses_unknown_targets(spoilt):
    with pytest.raises(ValueError, match="unsupported target"):
        simulator.load_into(spoilt.path, "oracle://scott@localhost/orcl", ["dkkd"])
    with pytest.raises(ValueError, match="unknown systems"):
        simulator.load_into(spoilt.path, "postgresql://postgres@127.0.0.1/postgres", ["ketoan"])


def test_load_into_needs_generated_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="generate"):
        simulator.load_into(tmp_path, "postgresql://postgres@127.0.0.1:1/none", ["dkkd"])
