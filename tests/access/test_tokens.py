"""Tokens: issued once, stored hashed, expire, revoke; every bad token is a clear 401, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from api.access.agencies import AccessError, add_agency
from api.access.models import tokens
from api.access.tokens import (
    TokenError,
    authenticate,
    expire_token,
    issue_token,
    list_tokens,
    parse_token,
    revoke_token,
)
from tests.access.conftest import PERSONAS, utc

AGENCY = PERSONAS["outsider"][0]


def _auth(engine, raw, **kw):
    with engine.begin() as con:
        return authenticate(con, raw, **kw)


def test_issued_token_format_and_only_its_hash_is_stored(env) -> None:
    issued = issue_token(env.engine, AGENCY, "agency", label="test")
    token_id, secret = parse_token(issued.token)
    assert issued.token == f"kho_{issued.id}_{secret}" and token_id == issued.id
    assert len(secret) == 43 and issued.expires_at is not None
    with env.engine.connect() as con:
        row = con.execute(sa.select(tokens).where(tokens.c.id == issued.id)).mappings().one()
    assert row["hash_scheme"] == "sha256" and len(row["secret_hash"]) == 64
    assert secret not in str(dict(row))
    # Not anywhere in the database file either (nor its write-ahead log).
    env.engine.dispose()
    for path in env.home.glob("catalog.sqlite*"):
        data = path.read_bytes()
        assert secret.encode() not in data and issued.token.encode() not in data


def test_two_tokens_differ(env) -> None:
    a, b = (issue_token(env.engine, AGENCY) for _ in range(2))
    assert a.id != b.id and a.token != b.token


def test_authenticate_checks_the_secret(env) -> None:
    issued = issue_token(env.engine, AGENCY, "steward")
    info = _auth(env.engine, issued.token)
    assert (info.id, info.agency_code, info.role) == (issued.id, AGENCY, "steward")
    assert info.last_used_at is None  # the row read before the refresh
    assert list_tokens(env.engine, agency_code=AGENCY)[-1].last_used_at is not None
    token_id, secret = parse_token(issued.token)
    wrong = f"kho_{token_id}_{'A' * 43}"
    with pytest.raises(TokenError, match="invalid token"):
        _auth(env.engine, wrong)
    with pytest.raises(TokenError, match="invalid token"):
        _auth(env.engine, f"kho_{'0' * 16}_{secret}")
    for malformed in ("", "kho_", "Bearer x", f"kho_{token_id}_{secret}x", f"kho_{token_id.upper()}_{secret}"):
        with pytest.raises(TokenError, match="malformed token"):
            _auth(env.engine, malformed)


def test_pepper_makes_the_hash_an_hmac(env) -> None:
    issued = issue_token(env.engine, AGENCY, pepper=b"server-secret")
    with env.engine.connect() as con:
        scheme = con.execute(sa.select(tokens.c.hash_scheme).where(tokens.c.id == issued.id)).scalar_one()
    assert scheme == "hmac-sha256"
    assert _auth(env.engine, issued.token, pepper=b"server-secret").id == issued.id
    for pepper in (None, b"another-secret"):
        with pytest.raises(TokenError, match="invalid token"):
            _auth(env.engine, issued.token, pepper=pepper)


def test_expiry(env) -> None:
    issued = issue_token(env.engine, AGENCY, expires_in=dt.timedelta(days=1))
    assert _auth(env.engine, issued.token, now=utc(hours=23)).id == issued.id
    with pytest.raises(TokenError, match="expired"):
        _auth(env.engine, issued.token, now=utc(days=1, seconds=1))
    expire_token(env.engine, issued.id)
    with pytest.raises(TokenError, match=f"token {issued.id} expired"):
        _auth(env.engine, issued.token)
    assert [t.status() for t in list_tokens(env.engine, agency_code=AGENCY) if t.id == issued.id] == ["expired"]
    expire_token(env.engine, issued.id, utc(days=30))  # an admin may extend it again
    assert _auth(env.engine, issued.token).id == issued.id


def test_revocation_is_final(env) -> None:
    issued = issue_token(env.engine, AGENCY)
    revoked = revoke_token(env.engine, issued.id, revoked_by="admin")
    assert revoked.status() == "revoked" and revoked.revoked_by == "admin"
    with pytest.raises(TokenError, match="revoked"):
        _auth(env.engine, issued.token)
    expire_token(env.engine, issued.id, utc(days=30))
    with pytest.raises(TokenError, match="revoked"):
        _auth(env.engine, issued.token)
    with pytest.raises(AccessError, match="already revoked"):
        revoke_token(env.engine, issued.id)
    with pytest.raises(AccessError, match="no token"):
        revoke_token(env.engine, "0123456789abcdef")
    with pytest.raises(AccessError, match="bad token id"):
        revoke_token(env.engine, "nope")


def test_list_shows_status_and_filters(env) -> None:
    active = issue_token(env.engine, AGENCY)
    gone = issue_token(env.engine, AGENCY)
    revoke_token(env.engine, gone.id)
    statuses = {t.id: t.status() for t in list_tokens(env.engine, agency_code=AGENCY)}
    assert statuses[active.id] == "active" and statuses[gone.id] == "revoked"
    assert gone.id not in {t.id for t in list_tokens(env.engine, active_only=True)}


def test_issue_validates(env) -> None:
    with pytest.raises(AccessError, match="unknown agency"):
        issue_token(env.engine, "999.99.99.H99")
    with pytest.raises(AccessError, match="bad role"):
        issue_token(env.engine, AGENCY, "anonymous")
    with pytest.raises(AccessError, match="positive"):
        issue_token(env.engine, AGENCY, expires_in=dt.timedelta(0))
    with pytest.raises(AccessError, match="bad rate"):
        issue_token(env.engine, AGENCY, rate_limit="lots")
    with pytest.raises(AccessError, match="already exists"):
        add_agency(env.engine, AGENCY, "again")
    with pytest.raises(AccessError, match="bad agency code"):
        add_agency(env.engine, "no spaces please", "x")


# -- over HTTP ---------------------------------------------------------------------------------
def _assert_401(response, fragment: str) -> None:
    assert response.status_code == 401, response.text
    assert fragment in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer realm="kho"')


@pytest.mark.parametrize(("header", "fragment"), [
    ("Bearer", "empty bearer token"),
    ("Bearer ", "empty bearer token"),
    ("bearer    ", "empty bearer token"),
    ("Bearer not-a-token", "malformed token"),
    ("Basic dXNlcjpwYXNz", "unsupported Authorization scheme 'Basic'"),
    ("Token kho_0123456789abcdef_" + "a" * 43, "unsupported Authorization scheme"),
    ("Bearer kho_0123456789abcdef_" + "a" * 43, "invalid token"),
    ("Bearer kho_0123456789abcdef_short", "malformed token"),
    ("Bearer kho_0123456789abcdef_" + "a" * 43 + " extra", "malformed token"),
])
def test_bad_authorization_headers_are_401(env, header: str, fragment: str) -> None:
    client = env.client()
    _assert_401(client.get("/api/v1/datasets", headers={"Authorization": header}), fragment)


def test_several_authorization_headers_are_refused(env) -> None:
    client = env.client()
    response = client.get("/api/v1/datasets", headers=[("Authorization", env.headers("owner")["Authorization"]),
                                                       ("Authorization", "Bearer x")])
    _assert_401(response, "one Authorization header")


def test_expired_and_revoked_tokens_are_refused_on_the_running_app(env) -> None:
    client = env.client()
    headers = env.headers("granted")
    assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 200
    expire_token(env.engine, env.token_ids["granted"])
    _assert_401(client.get("/api/v1/datasets/private_ds", headers=headers), "expired")
    # a public page too: a caller who sends a token is never silently treated as anonymous
    _assert_401(client.get("/api/v1/datasets", headers=headers), "expired")

    headers = env.headers("owner")
    assert client.get("/api/v1/datasets/private_ds/rows", headers=headers).status_code == 200
    revoke_token(env.engine, env.token_ids["owner"])
    _assert_401(client.get("/api/v1/datasets/private_ds/rows", headers=headers), "revoked")


def test_ckan_style_headers_are_accepted(env) -> None:
    client = env.client()
    token = env.tokens["owner"]
    for headers in ({"Authorization": token}, {"X-CKAN-API-Key": token}):
        assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 200
    _assert_401(client.get("/api/v1/datasets", headers={"X-CKAN-API-Key": "kho_nope"}), "malformed")


def test_token_in_query_string_is_not_accepted(env) -> None:
    client = env.client()
    response = client.get(f"/api/v1/datasets/private_ds?token={env.tokens['owner']}")
    assert response.status_code == 404  # treated as anonymous: tokens in URLs end up in logs


def test_errors_are_shaped_for_each_door(env) -> None:
    client = env.client()
    bad = {"Authorization": "Bearer kho_nope"}
    ckan = client.get("/api/3/action/package_list", headers=bad)
    assert ckan.status_code == 401
    assert ckan.json()["success"] is False and ckan.json()["error"]["__type"] == "Authorization Error"
    graphql = client.post("/graphql", json={"query": "{__typename}"}, headers=bad)
    assert graphql.status_code == 401
    assert graphql.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


def test_authentication_outage_is_503_not_500(env) -> None:
    client = env.client()
    with env.engine.begin() as con:
        con.exec_driver_sql("DROP TABLE access_grants")
    response = client.get("/api/v1/datasets", headers=env.headers("owner"))
    assert response.status_code == 503
    assert "try again" in response.json()["detail"]
    assert client.get("/api/v1/datasets").status_code == 200  # anonymous access does not need the store
