"""API tokens: random, shown once, stored hashed, with expiry and revocation.

A token reads `kho_<id>_<secret>`: `id` is 16 hex digits (public, the lookup key), `secret` 43 URL-safe
characters (256 random bits). The database keeps only a hash of `id:secret` — SHA-256, or HMAC-SHA256
keyed by `KHO_TOKEN_PEPPER` when that server secret is set, so a stolen database alone does not let anyone
test candidate secrets. A presented token is looked up by id and its hash compared in constant time.
A high-entropy random secret needs no slow password hash: guessing 256 bits is not feasible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from api.access.agencies import AccessError, require_agency
from api.access.config import Rate
from api.access.models import tokens, utcnow

TOKEN_ROLES = ("agency", "steward", "admin")
TOKEN_RE = re.compile(r"^kho_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
ID_RE = re.compile(r"^[0-9a-f]{16}$")
DEFAULT_LIFETIME = dt.timedelta(days=90)
#: `last_used_at` is refreshed at most this often, so authenticating is not a write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class TokenError(Exception):
    """A presented token that does not authenticate; `str(exc)` is safe to show the client."""


@dataclass(frozen=True)
class IssuedToken:
    """The result of issuing: `token` is the only copy of the secret — show it once, never store it."""

    id: str
    token: str
    agency_code: str
    role: str
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class TokenInfo:
    id: str
    agency_code: str
    role: str
    label: str
    rate_limit: str | None
    created_at: dt.datetime
    created_by: str | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    last_used_at: dt.datetime | None

    def status(self, now: dt.datetime | None = None) -> str:
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def rate(self) -> Rate | None:
        return Rate.parse(self.rate_limit) if self.rate_limit else None


_INFO_COLUMNS = [tokens.c[name] for name in TokenInfo.__dataclass_fields__]


def hash_secret(token_id: str, secret: str, pepper: bytes | None) -> tuple[str, str]:
    """(hash scheme, hex digest) of a token's secret bound to its id."""
    material = f"{token_id}:{secret}".encode()
    if pepper:
        return "hmac-sha256", hmac.new(pepper, material, hashlib.sha256).hexdigest()
    return "sha256", hashlib.sha256(material).hexdigest()


def _digest(scheme: str, token_id: str, secret: str, pepper: bytes | None) -> str | None:
    material = f"{token_id}:{secret}".encode()
    if scheme == "sha256":
        return hashlib.sha256(material).hexdigest()
    if scheme == "hmac-sha256" and pepper:
        return hmac.new(pepper, material, hashlib.sha256).hexdigest()
    return None  # hashed with a pepper this server does not have


def issue_token(
    engine: sa.Engine,
    agency_code: str,
    role: str = "agency",
    *,
    expires_in: dt.timedelta | None = DEFAULT_LIFETIME,
    label: str = "",
    created_by: str | None = None,
    rate_limit: str | None = None,
    pepper: bytes | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Create a token for an agency. `expires_in=None` means no expiry (discouraged)."""
    if role not in TOKEN_ROLES:
        raise AccessError(f"bad role {role!r}; choose one of {', '.join(TOKEN_ROLES)}")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise AccessError("a token's lifetime must be positive")
    if rate_limit is not None:
        try:
            rate_limit = str(Rate.parse(rate_limit) or "off")
        except ValueError as exc:
            raise AccessError(str(exc)) from None
        if rate_limit == "off":
            raise AccessError("a per-token rate limit cannot be 'off'; give a rate such as 6000/minute")
    now = now or utcnow()
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    scheme, digest = hash_secret(token_id, secret, pepper)
    expires_at = now + expires_in if expires_in is not None else None
    with engine.begin() as con:
        require_agency(con, agency_code)
        con.execute(tokens.insert().values(
            id=token_id, agency_code=agency_code, role=role, label=label, secret_hash=digest, hash_scheme=scheme,
            rate_limit=rate_limit, created_at=now, created_by=created_by, expires_at=expires_at,
        ))
    return IssuedToken(id=token_id, token=f"kho_{token_id}_{secret}", agency_code=agency_code, role=role,
                       expires_at=expires_at)


def parse_token(raw: str) -> tuple[str, str]:
    match = TOKEN_RE.match(raw.strip())
    if not match:
        raise TokenError("malformed token: expected 'kho_<16 hex digits>_<43 characters>' as issued by "
                         "`kho token issue`")
    return match.group(1), match.group(2)


_DUMMY_HASH = hashlib.sha256(b"kho-no-such-token").hexdigest()


def authenticate(
    con: sa.Connection, raw: str, *, pepper: bytes | None = None, now: dt.datetime | None = None
) -> TokenInfo:
    """The token's record if `raw` is a valid, unexpired, unrevoked token; TokenError otherwise.

    Refreshes `last_used_at` (at most every few minutes); the caller commits `con`."""
    token_id, secret = parse_token(raw)
    now = now or utcnow()
    row = con.execute(
        sa.select(*_INFO_COLUMNS, tokens.c.secret_hash, tokens.c.hash_scheme).where(tokens.c.id == token_id)
    ).mappings().first()
    if row is None:
        hmac.compare_digest(hashlib.sha256(f"{token_id}:{secret}".encode()).hexdigest(), _DUMMY_HASH)
        raise TokenError("invalid token")
    digest = _digest(row["hash_scheme"], token_id, secret, pepper)
    if digest is None or not hmac.compare_digest(digest, row["secret_hash"]):
        raise TokenError("invalid token")
    info = TokenInfo(**{name: row[name] for name in TokenInfo.__dataclass_fields__})
    if info.revoked_at is not None:
        raise TokenError(f"token {token_id} was revoked on {info.revoked_at:%Y-%m-%d %H:%M} UTC")
    if info.expires_at is not None and info.expires_at <= now:
        raise TokenError(f"token {token_id} expired on {info.expires_at:%Y-%m-%d %H:%M} UTC")
    if info.last_used_at is None or now - info.last_used_at >= LAST_USED_RESOLUTION:
        con.execute(tokens.update().where(tokens.c.id == token_id).values(last_used_at=now))
    return info


def list_tokens(engine: sa.Engine, agency_code: str | None = None, active_only: bool = False) -> list[TokenInfo]:
    query = sa.select(*_INFO_COLUMNS).order_by(tokens.c.created_at, tokens.c.id)
    if agency_code:
        query = query.where(tokens.c.agency_code == agency_code)
    with engine.connect() as con:
        rows = con.execute(query).mappings().all()
    infos = [TokenInfo(**r) for r in rows]
    return [t for t in infos if t.status() == "active"] if active_only else infos


def get_token(engine: sa.Engine, token_id: str) -> TokenInfo | None:
    with engine.connect() as con:
        row = con.execute(sa.select(*_INFO_COLUMNS).where(tokens.c.id == token_id)).mappings().first()
    return TokenInfo(**row) if row else None


def _require_id(token_id: str) -> None:
    if not ID_RE.match(token_id):
        raise AccessError(f"bad token id {token_id!r}: the 16 hex digits after 'kho_' (see `kho token list`)")


def revoke_token(engine: sa.Engine, token_id: str, revoked_by: str | None = None,
                 now: dt.datetime | None = None) -> TokenInfo:
    """Revoke a token for good (it answers 401 from the next request on)."""
    _require_id(token_id)
    with engine.begin() as con:
        done = con.execute(
            tokens.update().where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now or utcnow(), revoked_by=revoked_by)
        ).rowcount
    info = get_token(engine, token_id)
    if info is None:
        raise AccessError(f"no token {token_id}")
    if not done:
        raise AccessError(f"token {token_id} was already revoked on {info.revoked_at:%Y-%m-%d %H:%M} UTC")
    return info


def expire_token(engine: sa.Engine, token_id: str, at: dt.datetime | None = None) -> TokenInfo:
    """Set a token's expiry (now by default). Revoked tokens stay revoked whatever their expiry."""
    _require_id(token_id)
    with engine.begin() as con:
        done = con.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=at or utcnow())).rowcount
    if not done:
        raise AccessError(f"no token {token_id}")
    info = get_token(engine, token_id)
    assert info is not None
    return info
