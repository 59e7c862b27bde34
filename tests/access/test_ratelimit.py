"""Rate limits per IP (anonymous), per token and per IP for rejected tokens; in-process by default and
shared through Redis by several app instances when KHO_REDIS_URL is set."""

from __future__ import annotations

import pytest

from api.access.config import AccessConfig, Rate
from api.access.ratelimit import InProcessLimiter, RedisLimiter
from api.access.tokens import issue_token
from tests.access.conftest import PERSONAS, unique_prefix


# -- the rate grammar and the bucket -----------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("300/minute", Rate(300, 60)), ("10/s", Rate(10, 1)), ("5000/2h", Rate(5000, 7200)),
    (" 7 / day ", Rate(7, 86400)), ("off", None), ("0", None),
])
def test_rate_parse(text: str, expected: Rate | None) -> None:
    assert Rate.parse(text) == expected


@pytest.mark.parametrize("text", ["lots", "10/fortnight", "-1/minute", "1.5/minute", "minute"])
def test_rate_parse_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="bad rate"):
        Rate.parse(text)


def test_config_from_env() -> None:
    config = AccessConfig.from_env({"KHO_REDIS_URL": "redis://r:6379/1", "KHO_RATE_LIMIT_ANONYMOUS": "off",
                                    "KHO_RATE_LIMIT_TOKEN": "50/second", "KHO_AUDIT_KEY": "k"})
    assert config.redis_url == "redis://r:6379/1" and config.anonymous_rate is None
    assert config.token_rate == Rate(50, 1) and config.audit_key == b"k" and config.token_pepper is None
    assert AccessConfig.from_env({}) == AccessConfig()


def test_bucket_bursts_then_refills() -> None:
    now = [1000.0]
    limiter = InProcessLimiter(clock=lambda: now[0])
    rate = Rate(3, 60)  # one request back every 20 s
    assert [limiter.hit("k", rate).allowed for _ in range(4)] == [True, True, True, False]
    denied = limiter.hit("k", rate)
    assert not denied.allowed and denied.remaining == 0 and 19.9 < denied.retry_after <= 20
    assert denied.retry_after_header == "20"
    now[0] += 20
    assert limiter.hit("k", rate).allowed and not limiter.hit("k", rate).allowed
    now[0] += 3600
    assert [limiter.hit("k", rate).allowed for _ in range(4)] == [True, True, True, False]  # capped at 3
    assert limiter.hit("other", rate).allowed  # buckets are per key


def test_in_process_memory_is_bounded() -> None:
    limiter = InProcessLimiter(max_keys=10)
    for i in range(100):
        limiter.hit(f"ip:{i}", Rate(1, 60))
    assert len(limiter._buckets) == 10


# -- over HTTP ---------------------------------------------------------------------------------
def _assert_429(response, fragment: str) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"] == "rate_limited" and fragment in body["detail"] and "Retry after" in body["detail"]
    assert int(response.headers["retry-after"]) >= 1 and body["retry_after"] == int(response.headers["retry-after"])
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_anonymous_requests_are_limited_per_ip(env) -> None:
    client = env.client(KHO_RATE_LIMIT_ANONYMOUS="3/hour")
    responses = [client.get("/api/v1/datasets") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0"]
    assert responses[0].headers["x-ratelimit-limit"] == "3"
    _assert_429(client.get("/api/v1/datasets"), "requests without a token from your address (testclient)")
    # a token is its own bucket: agencies behind one gateway IP are not limited by anonymous traffic
    assert client.get("/api/v1/datasets", headers=env.headers("owner")).status_code == 200
    assert client.get("/static/x.css").status_code == 404  # exempt paths are never limited


def test_tokens_are_limited_per_token(env) -> None:
    client = env.client(KHO_RATE_LIMIT_TOKEN="2/hour")
    owner, outsider = env.headers("owner"), env.headers("outsider")
    assert [client.get("/api/v1/datasets", headers=owner).status_code for _ in range(2)] == [200, 200]
    _assert_429(client.get("/api/v1/datasets/private_ds/rows", headers=owner),
                f"token {env.token_ids['owner']}")
    assert client.get("/api/v1/datasets", headers=outsider).status_code == 200
    assert client.get("/api/v1/datasets").status_code == 200  # anonymous bucket untouched


def test_a_token_may_carry_its_own_limit(env) -> None:
    gateway = issue_token(env.engine, PERSONAS["owner"][0], rate_limit="5/hour").token
    client = env.client(KHO_RATE_LIMIT_TOKEN="1/hour")
    headers = {"Authorization": f"Bearer {gateway}"}
    assert [client.get("/api/v1/datasets", headers=headers).status_code for _ in range(6)] == [200] * 5 + [429]


def test_rejected_tokens_are_limited_per_ip(env) -> None:
    client = env.client(KHO_RATE_LIMIT_AUTH_FAILURES="2/hour")
    bad = {"Authorization": "Bearer kho_0123456789abcdef_" + "a" * 43}
    assert [client.get("/api/v1/datasets", headers=bad).status_code for _ in range(2)] == [401, 401]
    _assert_429(client.get("/api/v1/datasets", headers=bad), "rejected tokens from your address")
    assert client.get("/api/v1/datasets", headers=env.headers("owner")).status_code == 200  # valid tokens pass


def test_429_shapes_per_door(env) -> None:
    client = env.client(KHO_RATE_LIMIT_ANONYMOUS="1/hour")
    client.get("/api/v1/datasets")
    ckan = client.get("/api/3/action/package_list")
    assert ckan.status_code == 429 and ckan.json()["error"]["__type"] == "Rate Limit Error"
    assert "retry-after" in ckan.headers
    graphql = client.post("/graphql", json={"query": "{__typename}"})
    assert graphql.status_code == 429 and graphql.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_in_process_limits_are_per_instance(env) -> None:
    """Without Redis two workers each allow the full rate (which is why Redis exists)."""
    a = env.client(KHO_RATE_LIMIT_ANONYMOUS="3/hour")
    b = env.client(KHO_RATE_LIMIT_ANONYMOUS="3/hour")
    assert [c.get("/api/v1/datasets").status_code for c in (a, b, a, b, a, b)] == [200] * 6
    assert a.get("/api/v1/datasets").status_code == b.get("/api/v1/datasets").status_code == 429


# -- Redis -------------------------------------------------------------------------------------
@pytest.fixture
def redis_prefix(redis_url: str):
    import redis

    prefix = unique_prefix()
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_redis_limits_are_shared_by_two_app_instances(env, redis_url: str, redis_prefix: str) -> None:
    settings = dict(KHO_REDIS_URL=redis_url, KHO_RATE_LIMIT_PREFIX=redis_prefix, KHO_RATE_LIMIT_ANONYMOUS="5/hour",
                    KHO_RATE_LIMIT_TOKEN="4/hour")
    a, b = env.client(**settings), env.client(**settings)
    statuses = [c.get("/api/v1/datasets").status_code for c in (a, b, a, b, a)]
    assert statuses == [200] * 5
    _assert_429(b.get("/api/v1/datasets"), "requests without a token")
    _assert_429(a.get("/api/v1/datasets"), "requests without a token")
    headers = env.headers("granted")
    statuses = [c.get("/api/v1/datasets/private_ds/rows", headers=headers).status_code for c in (a, b, b, a)]
    assert statuses == [200] * 4
    _assert_429(b.get("/api/v1/datasets/private_ds/rows", headers=headers), f"token {env.token_ids['granted']}")
    assert a.get("/api/v1/datasets/private_ds/rows", headers=env.headers("owner")).status_code == 200


def test_redis_limiter_buckets_expire(redis_url: str, redis_prefix: str) -> None:
    import redis

    limiter = RedisLimiter(redis_url, prefix=redis_prefix)
    rate = Rate(2, 10)
    assert [limiter.hit("k", rate).allowed for _ in range(3)] == [True, True, False]
    denied = limiter.hit("k", rate)
    assert 0 < denied.retry_after <= 5 and denied.remaining == 0
    ttl = redis.Redis.from_url(redis_url).pttl(f"{redis_prefix}k")
    assert 0 < ttl <= 11_000  # an idle bucket disappears once it would be full again
    limiter.close()


def test_redis_outage_falls_back_to_in_process_limits(env) -> None:
    client = env.client(KHO_REDIS_URL="redis://127.0.0.1:1/0", KHO_RATE_LIMIT_ANONYMOUS="2/hour")
    assert [client.get("/api/v1/datasets").status_code for _ in range(3)] == [200, 200, 429]
