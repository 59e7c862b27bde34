"""Configuration of access control, read from the environment (all optional).

    KHO_REDIS_URL              redis://host:6379/0 — share rate limits across workers (default: in-process)
    KHO_RATE_LIMIT_ANONYMOUS   requests per client IP without a token, e.g. "300/minute" ("off" disables)
    KHO_RATE_LIMIT_TOKEN       requests per token, e.g. "1200/minute" (a token may carry its own limit)
    KHO_RATE_LIMIT_AUTH_FAILURES  rejected tokens per client IP before answering 429, e.g. "30/minute"
    KHO_RATE_LIMIT_PREFIX      Redis key prefix (default "kho:ratelimit:")
    KHO_TOKEN_PEPPER           server secret mixed into token hashes (HMAC-SHA256) — keep it out of the DB
    KHO_AUDIT_KEY              server secret keying the audit hash chain (HMAC-SHA256) — keep it out of the DB

Periods are `second`, `minute`, `hour` or `day` (also `s`, `min`, `h`, `d`); `N/minute` means a bucket
of N requests refilled at N per minute, so a client may burst N requests and then sustain N a minute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+\s*)?([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """A token-bucket rate: `limit` requests per `period` seconds, bursting up to `limit`."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError(f"a rate needs a positive limit and period, got {self.limit}/{self.period}s")

    @property
    def per_second(self) -> float:
        return self.limit / self.period

    @classmethod
    def parse(cls, text: str) -> "Rate | None":
        """`"300/minute"`, `"10/s"`, `"5000/2h"`; `"off"`, `"none"` or `"0"` → None (no limit)."""
        if text.strip().lower() in ("off", "none", "0", "unlimited", ""):
            return None
        match = _RATE_RE.match(text.lower())
        if not match or match.group(3) not in _PERIODS:
            raise ValueError(f"bad rate {text!r}; write it like '300/minute', '10/second' or 'off'")
        multiple = int(match.group(2)) if match.group(2) else 1
        return cls(limit=int(match.group(1)), period=float(multiple * _PERIODS[match.group(3)]))

    def __str__(self) -> str:
        for name, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if self.period == seconds:
                return f"{self.limit}/{name}"
        return f"{self.limit}/{self.period:g}s"


@dataclass(frozen=True)
class AccessConfig:
    redis_url: str | None = None
    anonymous_rate: Rate | None = Rate(300, 60)
    token_rate: Rate | None = Rate(1200, 60)
    auth_failure_rate: Rate | None = Rate(30, 60)
    rate_limit_prefix: str = "kho:ratelimit:"
    token_pepper: bytes | None = None
    audit_key: bytes | None = None
    #: Path prefixes not counted against rate limits (tokens are still checked there).
    exempt_prefixes: tuple[str, ...] = ("/static/", "/favicon.ico", "/healthz", "/readyz")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "AccessConfig":
        env = os.environ if environ is None else environ
        default = cls()

        def rate(name: str, fallback: Rate | None) -> Rate | None:
            value = env.get(name)
            return fallback if value is None else Rate.parse(value)

        def secret(name: str) -> bytes | None:
            value = env.get(name)
            return value.encode("utf-8") if value else None

        return cls(
            redis_url=env.get("KHO_REDIS_URL") or None,
            anonymous_rate=rate("KHO_RATE_LIMIT_ANONYMOUS", default.anonymous_rate),
            token_rate=rate("KHO_RATE_LIMIT_TOKEN", default.token_rate),
            auth_failure_rate=rate("KHO_RATE_LIMIT_AUTH_FAILURES", default.auth_failure_rate),
            rate_limit_prefix=env.get("KHO_RATE_LIMIT_PREFIX", default.rate_limit_prefix),
            token_pepper=secret("KHO_TOKEN_PEPPER"),
            audit_key=secret("KHO_AUDIT_KEY"),
        )
