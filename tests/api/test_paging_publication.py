"""Keyset paging under publication: a client paging through a dataset while a new version is published
gets every row of the version it started on exactly once — its tokens carry that version — and the
next fresh request reads the new version. No request fails while the pointer moves."""

from __future__ import annotations

import datetime as dt
import threading

import duckdb

from tests.api.conftest import SERVICES_SQL, T0, World, publish
from tests.api.helpers import graphql

ROWS = "/api/v1/datasets/services/rows"


def _publisher(world: World, day: int, done: threading.Event) -> threading.Thread:
    """A thread publishing a changed `services`: odd ids dropped, 40 new rows."""

    def run() -> None:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"CREATE TABLE base AS {SERVICES_SQL}")
            con.execute("CREATE TABLE services AS SELECT * FROM base WHERE id % 2 = 0 "
                        "UNION ALL SELECT * REPLACE (id + 1000 AS id) FROM base WHERE id <= 40")
            world.versions["new"] = publish(con, world.store, world.published_dir, "services", '"main"."services"',
                                            T0 + dt.timedelta(days=day))
        finally:
            con.close()
            done.set()

    return threading.Thread(target=run)


def test_rest_pages_stay_on_their_version_while_a_new_one_is_published(world: World, reference) -> None:
    client = world.client()
    old = world.versions["services"]
    done = threading.Event()
    publisher = _publisher(world, 1, done)
    url, pages, rows, versions = f"{ROWS}?_sort_desc=received&_size=10", 0, [], set()
    while url:
        if pages == 2:
            publisher.start()  # pages 3… are fetched while the new version is written and recorded
        if pages == 12:
            assert done.wait(60)
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["rows"]
        versions.add(body["version"])
        url = body["next_url"]
        pages += 1
    publisher.join()
    new = world.versions["new"]
    assert new != old and versions == {old}
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(r["id"] for r in reference["services"])
    fresh = client.get(f"{ROWS}?_size=max").json()
    assert fresh["version"] == new and len(fresh["rows"]) == 128 + 40
    stale = client.get(f"{ROWS}?_sort_desc=received&_size=10").json()["next"]
    assert client.get(f"{ROWS}?_sort_desc=received&_size=10&_next={stale}").json()["version"] == new
    mixed = client.get(f"{ROWS}?_sort_desc=received&_size=10&_version={old}&_next={stale}")
    assert mixed.status_code == 400 and mixed.json()["param"] == "_next"
    assert client.get(f"{ROWS}?_version={old}&_size=max").json()["rows"][0]["id"] == reference["services"][0]["id"]


def test_graphql_cursors_stay_on_their_version(world: World, reference) -> None:
    client = world.client()
    old = world.versions["services"]
    done = threading.Event()
    publisher = _publisher(world, 2, done)
    query = """query($after: String) { services(sort: [fee_asc], first: 25, after: $after) {
                 version nodes { id } pageInfo { hasNextPage endCursor } } }"""
    after, pages, ids, versions = None, 0, [], set()
    while True:
        if pages == 1:
            publisher.start()
        if pages == 5:
            assert done.wait(60)
        response = graphql(client, query, {"after": after})
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        page = response.json()["data"]["services"]
        ids += [n["id"] for n in page["nodes"]]
        versions.add(page["version"])
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    publisher.join()
    assert versions == {old} and world.versions["new"] != old
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(r["id"] for r in reference["services"])
    latest = graphql(client, "{ services(first: 1) { version } services_aggregate { groups { count } } }").json()["data"]
    assert latest["services"]["version"] == world.versions["new"]
    assert latest["services_aggregate"]["groups"] == [{"count": 168}]
