"""Connections to the real services integration tests use (PostgreSQL, MariaDB, Redis on 127.0.0.1).

On a laptop without them the tests skip with a clear reason; under CI (CI=true) a missing service is a
failure, never a skip.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get("KHO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("KHO_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("KHO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

PORTS = {"postgresql": 5432, "mysql": 3306, "redis": 6379}


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str) -> None:
    """Skip (laptop) or fail (CI) when the named service is not listening on 127.0.0.1."""
    port = PORTS[name]
    if _reachable(port):
        return
    message = f"{name} is not reachable on 127.0.0.1:{port}; start it (see README, 'Services')"
    if os.environ.get("CI"):
        pytest.fail(f"CI requires {name}: {message}")
    pytest.skip(message)
