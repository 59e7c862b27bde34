"""One-off extraction of the 2025 administrative units seed (run by hand, not at build time).

The seed `admin_units.csv` was produced once with this script from the SQLite file shipped in the
`vietnamadminunits` 1.0.4 package (MIT licence, https://github.com/tranngocminhhieu/vietnamadminunits),
whose data follow the codes of the national statistics office (danhmuchanhchinh.nso.gov.vn) after the
1 July 2025 reform (34 provinces, 3,321 communes). To reproduce, in a throw-away virtual environment:

    python -m venv /tmp/vau && /tmp/vau/bin/pip install vietnamadminunits==1.0.4
    /tmp/vau/bin/python seeds/extract_admin_units.py > seeds/admin_units.csv
"""

import csv
import importlib.util
import pathlib
import sqlite3
import sys
import unicodedata

COLUMNS = [
    ("provinceCode", "province_code"),
    ("province", "province_name"),
    ("provinceShort", "province_short_name"),
    ("wardCode", "commune_code"),
    ("ward", "commune_name"),
    ("wardShort", "commune_short_name"),
    ("wardType", "commune_type"),
    ("wardLat", "latitude"),
    ("wardLon", "longitude"),
    ("wardAreaKm2", "area_km2"),
    ("provinceLat", "province_latitude"),
    ("provinceLon", "province_longitude"),
]


def main() -> None:
    spec = importlib.util.find_spec("vietnamadminunits")
    db = pathlib.Path(spec.origin).parent / "data" / "dataset.db"
    con = sqlite3.connect(db)
    rows = con.execute(
        f"select {', '.join(src for src, _ in COLUMNS)} from admin_units order by provinceCode, wardCode"
    ).fetchall()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([dst for _, dst in COLUMNS])
    for row in rows:
        out.writerow([unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in row])


if __name__ == "__main__":
    main()
