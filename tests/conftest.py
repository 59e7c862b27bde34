import pytest

from tests.services import MYSQL_URL, POSTGRES_URL, REDIS_URL, require_service


@pytest.fixture(scope="session")
def postgres_url() -> str:
    require_service("postgresql")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def mysql_url() -> str:
    require_service("mysql")
    return MYSQL_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    require_service("redis")
    return REDIS_URL
