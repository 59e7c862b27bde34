"""`kho backup` / `kho restore`: the archive round-trips the catalogue (SQLite → SQLite, SQLite → PostgreSQL,
PostgreSQL → SQLite) and the published versions; the restored API serves the same datasets, versions and
rows to the same tokens, and the audit chain still verifies and keeps growing."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from api.access.audit import AuditLog, verify_chain
from kho.backup import BackupError, all_tables, create_backup, read_manifest, restore_backup
from tests.ops.conftest import DATASETS, World, build_world, client_for, point_env_at

PERSONAS = ("anonymous", "owner", "admin")


def served(home: Path, tokens: dict[str, str]) -> dict[str, Any]:
    """What the API serves, persona by persona: listing, each dataset, its versions, rows of every version."""
    seen: dict[str, Any] = {}
    with client_for(home) as client:
        for persona in PERSONAS:
            headers = {"Authorization": f"Bearer {tokens[persona]}"} if persona in tokens else {}
            listing = client.get("/api/v1/datasets", headers=headers)
            assert listing.status_code == 200, listing.text
            seen[f"{persona} list"] = listing.json()
            for name in DATASETS:
                one = client.get(f"/api/v1/datasets/{name}", headers=headers)
                seen[f"{persona} {name}"] = (one.status_code, one.json())
                versions = client.get(f"/api/v1/datasets/{name}/versions", headers=headers)
                seen[f"{persona} {name} versions"] = (versions.status_code, versions.json())
                rows = client.get(f"/api/v1/datasets/{name}/rows", headers=headers)
                seen[f"{persona} {name} rows"] = (rows.status_code, rows.json())
                package = client.get("/api/3/action/package_show", params={"id": name}, headers=headers)
                seen[f"{persona} {name} ckan"] = package.status_code
    return seen


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON-like documents differ (path: a != b), to make a failed comparison readable."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def audit_head(url: str) -> tuple[int, str] | None:
    engine = sa.create_engine(url)
    try:
        report = verify_chain(engine)
        assert report.ok, report.reason
        return AuditLog(engine).head()
    finally:
        engine.dispose()


def roundtrip(world: World, target_home: Path, target_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = served(world.home, world.tokens)  # also writes audit entries (owner and admin read rows)
    assert before["admin list"] and before["owner private_ds rows"][0] == 200
    assert before["anonymous private_ds"][0] == 404
    head = audit_head(world.url)
    assert head is not None and head[0] >= 6

    archive = world.home.parent / "backup" / "kho.tar.gz"
    report = create_backup(world.url, world.published_dir, archive, cache_dir=world.home / "cache" / "catalog")
    assert report.tables["dataset_versions"] == 4 and report.tables["audit_log"] == head[0]
    # data.parquet, schema.json, quality.json, datapackage.json per version, and the CSV copy
    assert report.files == 4 * 5, sorted(read_manifest(archive)["files"])

    target_home.mkdir(parents=True, exist_ok=True)
    point_env_at(monkeypatch, target_home, target_url)
    restored = restore_backup(archive, target_url, target_home / "published",
                              cache_dir=target_home / "cache" / "catalog")
    assert restored.audit_ok and restored.audit_entries == head[0]
    assert restored.audit_head == f"{head[0]}:{head[1]}"
    assert restored.tables == report.tables
    assert audit_head(target_url) == head

    after = served(target_home, world.tokens)  # the same tokens authenticate: only their hashes were stored
    assert differences(before, after) == []
    # the chain continues: the reads above were audited after the restored entries, and it still verifies
    new_head = audit_head(target_url)
    assert new_head is not None and new_head[0] > head[0]


def test_roundtrip_sqlite(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "restored"
    roundtrip(world, target, f"sqlite:///{target / 'catalog.sqlite'}", monkeypatch)
    assert sorted(p.name for p in (target / "published").iterdir()) == sorted(DATASETS)


def test_roundtrip_sqlite_to_postgresql(world: World, tmp_path: Path, pg_database: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    roundtrip(world, tmp_path / "restored", pg_database, monkeypatch)
    # the grants' serial sequence moved past the restored ids: a new grant gets a fresh id
    from api.access.grants import add_grant

    engine = sa.create_engine(pg_database)
    try:
        add_grant(engine, "000.00.00.H11", "shared_ds", personal_data=True, granted_by="test")
        with engine.connect() as con:
            assert con.execute(sa.text("SELECT count(*) FROM access_grants")).scalar() == 2
    finally:
        engine.dispose()


def test_roundtrip_postgresql_to_sqlite(tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "pg-home"
    home.mkdir()
    point_env_at(monkeypatch, home, pg_database)
    world = build_world(home, pg_database)
    target = tmp_path / "restored"
    roundtrip(world, target, f"sqlite:///{target / 'catalog.sqlite'}", monkeypatch)


def test_cli_backup_and_restore(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kho.cli import app

    served(world.home, world.tokens)
    runner = CliRunner()
    archive = tmp_path / "cli.tar.gz"
    result = runner.invoke(app, ["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and archive.exists()

    target = tmp_path / "cli-restored"
    target.mkdir()
    point_env_at(monkeypatch, target)
    result = runner.invoke(app, ["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Audit log intact" in result.output
    # a second restore into the now non-empty home is refused, nothing is touched
    result = runner.invoke(app, ["restore", str(archive)])
    assert result.exit_code == 1 and "empty" in result.output
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_restore_refuses_damaged_archive(world: World, tmp_path: Path) -> None:
    archive = tmp_path / "ok.tar.gz"
    create_backup(world.url, world.published_dir, archive)
    manifest = read_manifest(archive)
    victim = next(name for name in manifest["files"] if name.endswith("data.parquet"))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == victim:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    target = tmp_path / "t"
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(damaged, f"sqlite:///{target / 'catalog.sqlite'}", target / "published")
    assert not (target / "published").exists() or not any((target / "published").iterdir())
    assert not (target / "catalog.sqlite").exists() or not sa.inspect(
        sa.create_engine(f"sqlite:///{target / 'catalog.sqlite'}")).has_table("datasets")

    not_a_backup = tmp_path / "x.tar.gz"
    with tarfile.open(not_a_backup, "w:gz"):
        pass
    with pytest.raises(BackupError, match="not a Kho backup"):
        read_manifest(not_a_backup)


def test_restore_refuses_non_empty_catalogue(world: World, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    create_backup(world.url, world.published_dir, archive)
    with pytest.raises(BackupError, match="already holds datasets"):
        restore_backup(archive, world.url, tmp_path / "elsewhere")


def test_backup_covers_every_table(world: World, tmp_path: Path) -> None:
    """A table added by a migration but unknown to the backup would be silently lost: this fails first."""
    engine = sa.create_engine(world.url)
    present = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert present == {t.name for t in all_tables()}
    archive = tmp_path / "b.tar.gz"
    report = create_backup(world.url, world.published_dir, archive)
    assert set(report.tables) == present
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        tokens = tar.extractfile("catalog/access_tokens.jsonl").read().decode()
    assert {f"catalog/{t}.jsonl" for t in present} <= names
    for token in world.tokens.values():  # only hashes are stored, never a secret
        assert token.rsplit("_", 1)[1] not in tokens
    assert json.loads(tokens.splitlines()[0])["secret_hash"]


def test_restore_into_a_started_but_empty_installation(world: World, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The service was started once before the restore: schema and reference data exist, no datasets."""
    archive = tmp_path / "b.tar.gz"
    create_backup(world.url, world.published_dir, archive, cache_dir=world.home / "cache" / "catalog")
    target = tmp_path / "started"
    target.mkdir()
    point_env_at(monkeypatch, target)
    with client_for(target) as client:  # creates the schema, licences, the generation counter
        assert client.get("/api/v1/datasets").json()["count"] == 0
    url = f"sqlite:///{target / 'catalog.sqlite'}"
    report = restore_backup(archive, url, target / "published", cache_dir=target / "cache" / "catalog")
    assert report.audit_ok
    with client_for(target) as client:
        admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
        assert client.get("/api/v1/datasets", headers=admin).json()["count"] == 3
        assert len(client.get("/api/v1/datasets/open_ds/rows").json()["rows"]) == 4
