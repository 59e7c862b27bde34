"""The audit log: what is recorded (non-anonymous data access only), append-only guards, and the hash
chain catching edited, deleted and reordered entries — on SQLite and on PostgreSQL, with appends from
several workers at once staying one linear chain."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from api.access.audit import GENESIS, AuditLog, entry_hash, verify_chain
from api.access.models import audit_log, create_access_schema
from tests.access.conftest import PERSONAS


# -- what gets recorded ------------------------------------------------------------------------
def test_non_anonymous_data_access_is_recorded(env) -> None:
    client = env.client()
    log = AuditLog(env.engine)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert client.get("/api/v1/datasets/open_ds/rows?_size=2").status_code == 200  # anonymous
    assert log.tail() == []
    response = client.get("/api/v1/datasets/private_ds/rows?_size=3&so_tien__gte=1", headers=env.headers("granted"))
    assert response.status_code == 200
    [entry] = log.tail()
    assert entry.seq == 1 and entry.prev_hash == GENESIS
    assert entry.agency_code == PERSONAS["granted"][0] and entry.role == "agency"
    assert entry.token_id == env.token_ids["granted"]
    assert entry.dataset == "private_ds" and entry.version == response.json()["version"]
    assert entry.params == {"_size": "3", "so_tien__gte": "1"}
    assert entry.rows_returned == 3 and entry.status == 200
    assert entry.action == "GET /api/v1/datasets/private_ds/rows"
    assert entry.client_ip == "testclient"
    assert before <= entry.at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_filters_are_recorded_and_credentials_in_urls_are_not(env) -> None:
    client = env.client()
    url = "/api/v1/datasets/open_ds/rows?dan_so__gte=1&dan_so__gte=2&api_key=kho_secret&ten_xa=Xã%20Mường%20Phăng"
    assert client.get(url, headers=env.headers("owner")).status_code == 200
    [entry] = AuditLog(env.engine).tail()
    assert entry.params == {"dan_so__gte": ["1", "2"], "api_key": "[redacted]", "ten_xa": "Xã Mường Phăng"}
    assert verify_chain(env.engine).ok


def test_metadata_views_and_refused_probes_are_not_data_access(env) -> None:
    client = env.client()
    headers = env.headers("outsider")
    assert client.get("/api/v1/datasets", headers=headers).status_code == 200
    assert client.get("/api/v1/datasets/open_ds", headers=headers).status_code == 200
    assert client.get("/api/v1/datasets/private_ds/rows", headers=headers).status_code == 404
    assert AuditLog(env.engine).tail() == []


def test_every_persona_is_recorded_but_anonymous(env) -> None:
    client = env.client()
    for persona in PERSONAS:
        assert client.get("/api/v1/datasets/open_ds/rows", headers=env.headers(persona)).status_code == 200
    entries = AuditLog(env.engine).tail(100)
    assert [e.token_id for e in entries] == [env.token_ids[p] for p in PERSONAS if p != "anonymous"]
    assert all(e.rows_returned == 3 for e in entries)
    assert verify_chain(env.engine).ok


def test_no_audit_no_data(env) -> None:
    """If the entry cannot be written the data is not served (503), for authenticated callers only."""
    client = env.client()
    with env.engine.begin() as con:
        con.exec_driver_sql("DROP TABLE audit_log")
    response = client.get("/api/v1/datasets/shared_ds/rows", headers=env.headers("owner"))
    assert response.status_code == 503 and "audit log" in response.json()["detail"]
    assert "rows" not in response.json()
    assert client.get("/api/v1/datasets/open_ds/rows").status_code == 200


# -- the chain ---------------------------------------------------------------------------------
def _fill(engine, n: int, key: bytes | None = None) -> AuditLog:
    log = AuditLog(engine, key)
    for i in range(n):
        log.append("GET /api/v1/datasets/x/rows", token_id="0123456789abcdef", agency_code="000.00.09.H11",
                   role="agency", dataset=f"ds{i % 3}", version="v1", params={"i": str(i), "ten": "Điện Biên"},
                   rows_returned=i, status=200, client_ip="10.0.0.1")
    return log


def _sqlite(env) -> sqlite3.Connection:
    """A raw connection to the catalogue file, as someone with access to the server's disk has."""
    env.engine.dispose()
    return sqlite3.connect(env.url.removeprefix("sqlite:///"), isolation_level=None)


def _drop_guards(con: sqlite3.Connection) -> None:
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")


def test_a_clean_chain_verifies(env) -> None:
    assert verify_chain(env.engine).ok and verify_chain(env.engine).head_seq is None
    log = _fill(env.engine, 10)
    report = log.verify()
    assert report.ok and report.checked == 10 and report.head_seq == 10
    assert report.anchor == f"10:{log.head()[1]}"
    assert log.verify(report.anchor).ok
    assert [e.seq for e in log.entries()] == list(range(1, 11))


def test_the_database_refuses_update_and_delete(env) -> None:
    _fill(env.engine, 3)
    for statement in ("UPDATE audit_log SET rows_returned = 0 WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 3"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with env.engine.begin() as con:
                con.exec_driver_sql(statement)
    assert verify_chain(env.engine).ok


def test_an_edited_entry_is_caught(env) -> None:
    _fill(env.engine, 10)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("UPDATE audit_log SET rows_returned = 0 WHERE seq = 6")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 6 and "edited" in report.reason and report.checked == 5


@pytest.mark.parametrize("column, value", [("agency_code", "'000.00.01.H11'"), ("params", "'{}'"),
                                            ("at", "'2020-01-01 00:00:00.000000'"), ("dataset", "NULL")])
def test_any_edited_field_is_caught(env, column: str, value: str) -> None:
    _fill(env.engine, 4)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute(f"UPDATE audit_log SET {column} = {value} WHERE seq = 3")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 3


def test_a_deleted_entry_is_caught(env) -> None:
    _fill(env.engine, 10)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("DELETE FROM audit_log WHERE seq = 4")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 5 and "entry 4 is missing" in report.reason


def test_a_deleted_first_entry_is_caught(env) -> None:
    _fill(env.engine, 3)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("DELETE FROM audit_log WHERE seq = 1")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 2 and "missing" in report.reason


def test_deleted_entries_renumbered_to_close_the_gap_are_caught(env) -> None:
    _fill(env.engine, 6)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    con.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 3 and "prev_hash" in report.reason


def test_reordered_entries_are_caught(env) -> None:
    """Swapping two entries' places (their seq numbers) breaks the chain at the first of them."""
    _fill(env.engine, 8)
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("UPDATE audit_log SET seq = -1 WHERE seq = 4")
    con.execute("UPDATE audit_log SET seq = 4 WHERE seq = 5")
    con.execute("UPDATE audit_log SET seq = 5 WHERE seq = -1")
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 4


def test_swapped_contents_are_caught(env) -> None:
    """Swapping everything but seq (so the order of events changes) breaks prev_hash."""
    _fill(env.engine, 8)
    con = _sqlite(env)
    _drop_guards(con)
    cols = [c.name for c in audit_log.columns if c.name != "seq"]
    a, b = (con.execute(f"SELECT {', '.join(cols)} FROM audit_log WHERE seq = ?", (s,)).fetchone() for s in (4, 5))
    assignments = ", ".join(f"{c} = ?" for c in cols)
    con.execute(f"UPDATE audit_log SET {assignments} WHERE seq = 4", b)
    con.execute(f"UPDATE audit_log SET {assignments} WHERE seq = 5", a)
    report = verify_chain(env.engine)
    assert not report.ok and report.first_bad_seq == 4 and "prev_hash" in report.reason


def test_deleting_the_newest_entries_is_caught_by_the_anchor(env) -> None:
    log = _fill(env.engine, 6)
    anchor = log.verify().anchor
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("DELETE FROM audit_log WHERE seq >= 5")
    assert verify_chain(env.engine).ok  # a shorter chain is still a chain …
    report = verify_chain(env.engine, anchor=anchor)  # … but the anchor kept elsewhere is gone
    assert not report.ok and report.first_bad_seq == 6 and "gone" in report.reason
    with pytest.raises(ValueError, match="bad anchor"):
        verify_chain(env.engine, anchor="6:abc")


def _rewrite_chain(con: sqlite3.Connection, key: bytes | None) -> None:
    """What an attacker with write access does after an edit: recompute every hash from there on."""
    prev = GENESIS
    cols = [c.name for c in audit_log.columns]
    rows = con.execute(f"SELECT {', '.join(cols)} FROM audit_log ORDER BY seq").fetchall()
    engine = sa.create_engine("sqlite://")
    for values in rows:
        fields = dict(zip(cols, values))
        fields["at"] = dt.datetime.fromisoformat(fields["at"])
        fields["params"] = sa.JSON().result_processor(engine.dialect, None)(fields["params"])
        fields["prev_hash"] = prev
        digest = entry_hash(fields, key)
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, fields["seq"]))
        prev = digest


def test_a_rewritten_chain_is_caught_by_the_key_or_the_anchor(env) -> None:
    key = b"kept-outside-the-database"
    log = _fill(env.engine, 5, key=key)
    anchor = log.verify().anchor
    con = _sqlite(env)
    _drop_guards(con)
    con.execute("UPDATE audit_log SET rows_returned = 0 WHERE seq = 2")
    _rewrite_chain(con, key=None)  # the attacker does not have the key
    report = verify_chain(env.engine, key=key)
    assert not report.ok and report.first_bad_seq == 1
    assert verify_chain(env.engine).ok  # without the key the forgery would have passed …
    report = verify_chain(env.engine, anchor=anchor)  # … except against an anchor kept elsewhere
    assert not report.ok and report.first_bad_seq == 5


def test_params_survive_the_json_round_trip(env) -> None:
    log = AuditLog(env.engine)
    log.append("x", params={"b": [1, 2.5, float("nan")], "a": {"z": None, "đ": "Đ"}, "when": dt.date(2025, 7, 1),
                            "tags": {"y", "x"}})
    [entry] = log.tail()
    assert entry.params == {"a": {"z": None, "đ": "Đ"}, "b": [1, 2.5, "nan"], "when": "2025-07-01",
                            "tags": ["x", "y"]}
    assert log.verify().ok


# -- concurrency -------------------------------------------------------------------------------
def _append_many(url: str, n: int, label: str) -> None:
    engine = sa.create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    log = AuditLog(engine)
    for i in range(n):
        log.append("concurrent", agency_code=label, params={"i": i})
    engine.dispose()


def _hammer(url: str, workers: int, per_worker: int, processes: bool) -> None:
    if processes:
        ctx = multiprocessing.get_context("spawn")
        jobs = [ctx.Process(target=_append_many, args=(url, per_worker, f"p{w}")) for w in range(workers)]
    else:
        jobs = [threading.Thread(target=_append_many, args=(url, per_worker, f"t{w}")) for w in range(workers)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=120)
        if processes:
            assert job.exitcode == 0


def _assert_linear(engine, total: int) -> None:
    report = verify_chain(engine)
    assert report.ok, report
    assert report.checked == total and report.head_seq == total


def test_concurrent_appends_stay_one_chain_on_sqlite(env) -> None:
    _hammer(env.url, workers=4, per_worker=25, processes=False)
    _hammer(env.url, workers=2, per_worker=25, processes=True)
    _assert_linear(env.engine, 150)


# -- PostgreSQL --------------------------------------------------------------------------------
@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[sa.Engine]:
    """A throw-away database on the real PostgreSQL server."""
    base = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"kho_access_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    engine = sa.create_engine(url)
    create_access_schema(engine)
    create_access_schema(engine)  # idempotent
    yield engine
    engine.dispose()
    with admin.connect() as con:
        con.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def test_postgres_refuses_update_delete_truncate(pg_engine) -> None:
    _fill(pg_engine, 3)
    for statement in ("UPDATE audit_log SET rows_returned = 0 WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 3",
                      "TRUNCATE audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with pg_engine.begin() as con:
                con.exec_driver_sql(statement)
    assert verify_chain(pg_engine).ok and verify_chain(pg_engine).checked == 3


def test_postgres_chain_catches_edits_made_past_the_trigger(pg_engine) -> None:
    _fill(pg_engine, 5)
    with pg_engine.begin() as con:  # a superuser can switch the guard off; the chain still tells
        con.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        con.exec_driver_sql("""UPDATE audit_log SET params = '{"i": "tampered"}' WHERE seq = 3""")
        con.exec_driver_sql("DELETE FROM audit_log WHERE seq = 5")
        con.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
    report = verify_chain(pg_engine)
    assert not report.ok and report.first_bad_seq == 3 and "edited" in report.reason


def test_postgres_concurrent_appends_stay_one_chain(pg_engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    _hammer(url, workers=4, per_worker=25, processes=False)
    _hammer(url, workers=3, per_worker=20, processes=True)
    _assert_linear(pg_engine, 160)
    with pg_engine.connect() as con:
        labels = dict(con.execute(sa.select(audit_log.c.agency_code, sa.func.count()).group_by(audit_log.c.agency_code)).all())
    assert labels == {**{f"t{w}": 25 for w in range(4)}, **{f"p{w}": 20 for w in range(3)}}


def test_the_app_on_postgres_authenticates_and_audits(pg_engine, base_catalogue, tmp_path, monkeypatch) -> None:
    """The whole path on PostgreSQL: catalogue, tokens, grants, masking and the audit chain."""
    import duckdb

    from api.access.agencies import add_agency
    from api.access.grants import add_grant
    from api.access.tokens import issue_token
    from catalog.store import CatalogStore, DatasetMeta
    from orchestration.lib.publish import PublishedModel, publish_model
    from tests.access.conftest import DATASETS, Env
    from tests.catalog.fixtures import NoUpstream, checks

    url = pg_engine.url.render_as_string(hide_password=False)
    store = CatalogStore(url)
    store.create_schema()
    published = tmp_path / "published"
    published.mkdir()
    con = duckdb.connect()
    spec = DATASETS["shared_ds"]
    con.execute(f"CREATE TABLE shared_ds AS {spec['sql']}")
    meta = DatasetMeta(name="shared_ds", title_vi="t", title_en="t", access_level="shared", owner_code="o",
                       owner_name="o", primary_key=["id"])
    rows = con.execute("SELECT count(*) FROM shared_ds").fetchone()[0]
    publish_model(con, store, published, PublishedModel(meta, '"main"."shared_ds"',
                                                        {c: {"pii": k} for c, k in spec["pii"].items()}),
                  NoUpstream(), checks("shared_ds", rows))
    add_agency(pg_engine, "000.00.05.H11", "Sở Y tế")
    add_grant(pg_engine, "000.00.05.H11", "shared_ds", personal_data=True, granted_by="test")
    token = issue_token(pg_engine, "000.00.05.H11").token
    monkeypatch.setenv("KHO_CATALOG_URL", url)
    monkeypatch.setenv("KHO_PUBLISHED_DIR", str(published))
    world = Env(home=tmp_path, url=url, published_dir=published, engine=store.engine, monkeypatch=monkeypatch)
    try:
        client = world.client()
        response = client.get("/api/v1/datasets/shared_ds/rows", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.json()["rows"][0]["cccd"] == "011000000001"
        assert client.get("/api/v1/datasets/shared_ds/rows").status_code == 404
        [entry] = AuditLog(pg_engine).tail()
        assert entry.agency_code == "000.00.05.H11" and entry.rows_returned == 2
        assert verify_chain(pg_engine).ok
    finally:
        world.close()
