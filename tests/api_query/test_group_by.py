"""Group-by aggregates against pandas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from api.query import QueryError, run_group_by
from tests.api_query.dataset import FULL
from tests.api_query.helpers import compile_query
from tests.api_query.reference import filter_rows


def frame(rows):
    data = pd.DataFrame(rows)
    data["amount"] = data["amount"].map(lambda value: None if value is None else float(value)).astype("float64")
    data["qty"] = data["qty"].astype("Float64")
    return data


def run(conn, spec, params, policy=FULL):
    return run_group_by(conn, compile_query(spec, params, policy))


def close(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None) and (b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("group_by", [["commune"], ["commune", "online"], ["level"]])
def test_group_by_matches_pandas(conn, spec, rows, group_by):
    matching = filter_rows(rows, [("level", "notnull", None)]) if group_by == ["level"] else rows
    params = {"_group_by": ",".join(group_by), "_agg": ["count", "sum:amount", "avg:amount", "min:qty", "max:qty"],
              "_size": "1000"}
    if group_by == ["level"]:
        params["level__notnull"] = "1"
    result = run(conn, spec, params)
    assert result.columns == group_by + ["count", "sum:amount", "avg:amount", "min:qty", "max:qty"]
    expected = frame(matching).groupby(group_by, dropna=False).agg(
        count=("id", "size"), sum_amount=("amount", lambda s: s.sum(min_count=1)), avg_amount=("amount", "mean"),
        min_qty=("qty", "min"), max_qty=("qty", "max")).reset_index()
    assert len(result.rows) == len(expected)
    by_key = {tuple(None if pd.isna(v) else v for v in record[:len(group_by)]): record
              for record in expected.itertuples(index=False)}
    for row in result.rows:
        record = by_key[tuple(row[column] for column in group_by)]
        values = record[len(group_by):]
        assert row["count"] == values[0]
        for name, value in zip(["sum:amount", "avg:amount", "min:qty", "max:qty"], values[1:]):
            assert close(row[name], None if value is pd.NA else value), (row, name, value)


def test_aggregates_without_group_by_cover_the_filtered_rows(conn, spec, rows):
    result = run(conn, spec, {"_agg": "count,sum:qty,max:received", "online": "true"})
    matching = filter_rows(rows, [("online", "exact", "true")])
    assert result.rows == [{
        "count": len(matching),
        "sum:qty": sum(row["qty"] for row in matching if row["qty"] is not None),
        "max:received": max(row["received"] for row in matching if row["received"] is not None),
    }]


def test_group_order_size_and_sort_by_aggregate(conn, spec, rows):
    result = run(conn, spec, {"_group_by": "commune", "_sort_desc": "count", "_size": "3"})
    counts = sorted(((sum(1 for r in rows if r["commune"] == c), c) for c in {r["commune"] for r in rows}),
                    key=lambda pair: -pair[0])
    assert [row["count"] for row in result.rows] == [count for count, _ in counts[:3]]
    assert result.truncated
    default = run(conn, spec, {"_group_by": "commune"})
    names = [row["commune"] for row in default.rows]
    assert names == sorted([n for n in names if n is not None]) + [None]
    assert not default.truncated
    assert default.to_json()["rows"][0] == {"commune": names[0], "count": default.rows[0]["count"]}


@pytest.mark.parametrize("params, param", [
    ({"_group_by": "nope"}, "_group_by"),
    ({"_group_by": "tags"}, "_group_by"),
    ({"_agg": "sum:name"}, "_agg"),
    ({"_agg": "avg:received"}, "_agg"),
    ({"_agg": "median:qty"}, "_agg"),
    ({"_agg": "sum"}, "_agg"),
    ({"_agg": "count:qty"}, "_agg"),
    ({"_agg": "min:tags"}, "_agg"),
    ({"_agg": "sum:nope"}, "_agg"),
    ({"_group_by": "commune", "_sort": "qty"}, "_sort"),
    ({"_group_by": "commune", "_facet": "qty"}, "_facet"),
    ({"_group_by": "commune", "_col": "qty"}, "_col"),
    ({"_group_by": "commune", "_extra": "count"}, "_extra"),
    ({"_group_by": ",".join(["commune"] * 2 + ["qty", "level", "online", "birth", "received", "amount", "score", "name", "id", "id_number"])}, "_group_by"),
])
def test_bad_group_by_parameters(spec, params, param):
    with pytest.raises(QueryError) as caught:
        compile_query(spec, params, FULL)
    assert caught.value.param == param
