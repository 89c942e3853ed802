"""Per-IP rate limits on pre-qualification submissions, with memory and Redis storage."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

REDIS_URL = "redis://127.0.0.1:6379/15"
LIMIT = "3 per minute"


def _ip() -> str:
    # A fresh address per test keeps the counters of parallel or earlier runs apart.
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


def _exercise(app: Flask) -> None:
    ip, other_ip = _ip(), _ip()
    client = app.test_client()
    codes = [client.post("/start", environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    # The budget is shared by every pre-qualification POST, not per page.
    resp = client.post("/start/step/1", data={}, environ_base={"REMOTE_ADDR": ip})
    assert resp.status_code == 429
    assert "Retry-After" in resp.headers
    # Reading pages is not limited, and other addresses keep their own budget.
    assert client.get("/start", environ_base={"REMOTE_ADDR": ip}).status_code == 200
    other = app.test_client()
    assert other.post("/start", environ_base={"REMOTE_ADDR": other_ip}).status_code == 302


@pytest.fixture
def limited(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_ENABLED"] = True
    app_config["PREQUAL_RATE_LIMIT"] = LIMIT
    return app_config


def test_rate_limit_with_memory_storage(limited: dict[str, Any], loaded: Flask) -> None:
    _exercise(loaded)


def test_rate_limit_off_in_tests_by_default(loaded: Flask) -> None:
    client = loaded.test_client()
    assert all(client.post("/start").status_code == 302 for _ in range(25))


def _redis_reachable() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture
def redis_storage(limited: dict[str, Any]) -> Iterator[str]:
    if not _redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    limited["RATELIMIT_STORAGE_URI"] = REDIS_URL
    _flush()
    yield REDIS_URL
    _flush()


def _flush() -> None:
    """Remove the limiter's keys for the prequal scope (nothing else in the database)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match="*LIMITER/*/prequal/*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_rate_limit_with_redis_storage(redis_storage: str, loaded: Flask) -> None:
    from recommender.extensions import limiter

    assert type(limiter.storage).__name__.lower().startswith("redis")
    _exercise(loaded)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert list(client.scan_iter(match="*LIMITER/*/prequal/*")), "counters live in Redis"
    finally:
        client.close()
