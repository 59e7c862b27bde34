"""Rate limits: token buckets per key (`ip:<address>`, `token:<id>`, `authfail:<address>`).

A bucket holds up to `rate.limit` requests and refills at `rate.limit / rate.period` per second, so a
client may burst `limit` requests and then sustain the rate. `InProcessLimiter` keeps buckets in memory
(one worker); `RedisLimiter` keeps them in Redis, updated atomically by a Lua script using Redis's own
clock, so every worker and every app instance pointed at the same Redis shares the same buckets. If Redis
becomes unreachable the limiter falls back to in-process buckets (logged) rather than failing requests.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from api.access.config import AccessConfig, Rate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float  # seconds until one request is allowed again (0 when allowed)

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


class Limiter(Protocol):
    def hit(self, key: str, rate: Rate, cost: int = 1) -> Decision: ...

    def close(self) -> None: ...


class InProcessLimiter:
    """Token buckets in this process's memory, at most `max_keys` of them (least recently used go)."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, at)
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def hit(self, key: str, rate: Rate, cost: int = 1) -> Decision:
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.pop(key, (float(rate.limit), now))
            tokens = min(float(rate.limit), tokens + max(0.0, now - at) * rate.per_second)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        retry = 0.0 if allowed else (cost - tokens) / rate.per_second
        return Decision(allowed, rate.limit, int(tokens), retry)

    def close(self) -> None:
        self._buckets.clear()


_TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisLimiter:
    """Token buckets in Redis, shared by every worker using the same URL and key prefix."""

    def __init__(self, url: str, prefix: str = "kho:ratelimit:", fallback: InProcessLimiter | None = None,
                 socket_timeout: float = 0.5):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        self._script = self._redis.register_script(_TOKEN_BUCKET_LUA)
        self._prefix = prefix
        self._fallback = fallback or InProcessLimiter()
        self._last_warning = 0.0
        self._errors = (redis.RedisError, OSError)

    def hit(self, key: str, rate: Rate, cost: int = 1) -> Decision:
        try:
            allowed, tokens = self._script(keys=[self._prefix + key], args=[rate.per_second, rate.limit, cost])
        except self._errors as exc:
            now = time.monotonic()
            if now - self._last_warning > 60:
                self._last_warning = now
                log.warning("Redis rate limiter unavailable (%s); using per-process limits meanwhile", exc)
            return self._fallback.hit(key, rate, cost)
        tokens = float(tokens)
        retry = 0.0 if allowed else (cost - tokens) / rate.per_second
        return Decision(bool(allowed), rate.limit, int(tokens), retry)

    def close(self) -> None:
        self._redis.close()


def build_limiter(config: AccessConfig) -> InProcessLimiter | RedisLimiter:
    if config.redis_url:
        return RedisLimiter(config.redis_url, prefix=config.rate_limit_prefix)
    return InProcessLimiter()
