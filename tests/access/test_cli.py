"""`kho agency|token|grant|audit`: an admin's whole round trip, against a running app."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from api.access.audit import AuditLog
from kho.cli import app

runner = CliRunner()
AGENCY = "000.00.42.H11"


def kho(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"kho {' '.join(args)} → {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def test_admin_round_trip(env) -> None:
    client = env.client()
    kho("agency", "add", AGENCY, "Sở Tài nguyên và Môi trường", "--by", "ops")
    assert AGENCY in kho("agency", "list").stdout
    kho("agency", "add", AGENCY, "again", code=1)

    issued = kho("token", "issue", "--agency", AGENCY, "--role", "agency", "--expires-days", "30",
                 "--label", "LGSP")
    token = issued.stdout.strip()
    assert token.startswith("kho_") and "cannot be shown again" in issued.stderr
    token_id = token.split("_")[1]
    listing = kho("token", "list", "--agency", AGENCY).stdout
    assert token_id in listing and "active" in listing and token.split("_", 2)[2] not in listing
    headers = {"Authorization": f"Bearer {token}"}

    assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 404
    kho("grant", "add", "--agency", AGENCY, "--dataset", "private_ds")
    rows = client.get("/api/v1/datasets/private_ds/rows", headers=headers).json()["rows"]
    assert rows and all(r["so_dien_thoai"] is None for r in rows)
    kho("grant", "add", "--agency", AGENCY, "--dataset", "private_ds", "--personal-data")
    rows = client.get("/api/v1/datasets/private_ds/rows", headers=headers).json()["rows"]
    assert all(r["so_dien_thoai"] for r in rows)
    grants = kho("grant", "list", "--agency", AGENCY, "--all").stdout
    assert grants.count("private_ds") == 2  # the replaced grant stays as history
    kho("grant", "add", "--agency", AGENCY, "--dataset", "no_such_ds", code=1)
    kho("grant", "add", "--agency", AGENCY, "--dataset", "future_ds", "--allow-unknown")
    kho("grant", "revoke", "--agency", AGENCY, "--dataset", "private_ds")
    assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 404
    kho("grant", "revoke", "--agency", AGENCY, "--dataset", "private_ds", code=1)

    kho("token", "expire", token_id)
    assert client.get("/api/v1/datasets", headers=headers).status_code == 401
    kho("token", "expire", token_id, "--days", "5")
    assert client.get("/api/v1/datasets", headers=headers).status_code == 200
    kho("token", "revoke", token_id)
    assert "revoked" in kho("token", "list", "--agency", AGENCY).stdout
    assert client.get("/api/v1/datasets", headers=headers).status_code == 401
    kho("token", "revoke", token_id, code=1)

    # administrative changes are in the chain too, with the operator and never a secret
    actions = [e.action for e in AuditLog(env.engine).tail(100)]
    assert actions[0] == "admin.agency.add" and "admin.token.issue" in actions and "admin.token.revoke" in actions
    assert "GET /api/v1/datasets/private_ds/rows" in actions
    tail = kho("audit", "tail", "-n", "100", "--json").stdout
    entries = [json.loads(line) for line in tail.splitlines()]
    assert entries[0]["params"]["operator"] == "ops"
    assert token.split("_", 2)[2] not in tail


def test_token_issue_validates(env) -> None:
    kho("token", "issue", "--agency", "999.99.99.H99", code=1)
    kho("token", "issue", "--agency", "000.00.09.H11", "--role", "root", code=1)
    kho("token", "issue", "--agency", "000.00.09.H11", "--expires-days", "0", code=1)
    kho("token", "revoke", "not-an-id", code=1)


def test_audit_verify_and_tail(env) -> None:
    client = env.client()
    for persona in ("owner", "granted", "admin"):
        client.get("/api/v1/datasets/private_ds/rows?_size=2", headers=env.headers(persona))
    verified = kho("audit", "verify")
    anchor = verified.stdout.strip()
    assert anchor.startswith("3:") and "intact" in verified.stderr
    kho("audit", "verify", "--anchor", anchor)
    tail = kho("audit", "tail", "--agency", "000.00.00.H11").stdout
    assert "private_ds" in tail and "admin" in tail
    assert len(kho("audit", "tail", "-n", "2", "--json").stdout.splitlines()) == 2

    env.engine.dispose()
    con = sqlite3.connect(env.url.removeprefix("sqlite:///"), isolation_level=None)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET rows_returned = 0 WHERE seq = 2")
    con.close()
    failed = kho("audit", "verify", code=1)
    assert "NOT intact" in failed.stderr and "entry 2" in failed.stderr
    kho("audit", "verify", "--anchor", "nonsense", code=1)


@pytest.mark.parametrize("group", ["agency", "token", "grant", "audit"])
def test_help(group: str) -> None:
    assert "Usage" in kho(group, "--help").stdout
