"""The validated settings object: every KHO_* value is checked, production demands PostgreSQL, Redis and
the server secrets, and `kho config check` / `kho serve` refuse an invalid configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kho.settings import Settings, SettingsError, get_settings
from tests.ops.conftest import point_env_at

PG = "postgresql+psycopg://kho:secret-pw@db.internal:5432/kho"


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    point_env_at(monkeypatch, tmp_path)
    return monkeypatch


def test_defaults_are_valid(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = get_settings()
    assert settings.validate() is settings
    assert settings.environment == "development" and settings.redis_url is None
    assert settings.log_format == "json" and settings.log_level == "INFO" and settings.workers == 1
    assert settings.home == tmp_path.resolve()  # the existing properties keep working
    assert settings.catalog_url.startswith("sqlite:///")


def test_every_problem_is_listed(clean: pytest.MonkeyPatch) -> None:
    for name, value in {"KHO_ENV": "prod", "KHO_CATALOG_URL": "mysql://x@h/db", "KHO_REDIS_URL": "http://h",
                        "KHO_LOG_FORMAT": "xml", "KHO_LOG_LEVEL": "LOUD", "KHO_WORKERS": "two",
                        "KHO_SITE_URL": "ftp://x", "KHO_RATE_LIMIT_TOKEN": "many"}.items():
        clean.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env().validate()
    text = "\n".join(caught.value.problems)
    for fragment in ("KHO_ENV", "mysql is not supported", "KHO_REDIS_URL", "KHO_LOG_FORMAT", "KHO_LOG_LEVEL",
                     "KHO_WORKERS", "KHO_SITE_URL", "KHO_RATE_LIMIT_TOKEN"):
        assert fragment in text
    assert len(caught.value.problems) == 8


def test_production_requirements(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("KHO_ENV", "production")
    problems = "\n".join(Settings.from_env().problems())
    for fragment in ("PostgreSQL", "KHO_REDIS_URL", "KHO_TOKEN_PEPPER", "KHO_AUDIT_KEY"):
        assert fragment in problems
    clean.setenv("KHO_CATALOG_URL", PG)
    clean.setenv("KHO_REDIS_URL", "redis://cache.internal:6379/0")
    clean.setenv("KHO_TOKEN_PEPPER", "p" * 32)
    clean.setenv("KHO_AUDIT_KEY", "short")
    assert Settings.from_env().problems() == [
        "production needs KHO_AUDIT_KEY (a random secret of at least 32 characters)"]
    clean.setenv("KHO_AUDIT_KEY", "a" * 40)
    Settings.from_env().validate()


def test_config_check_cli(clean: pytest.MonkeyPatch) -> None:
    from kho.cli import app

    runner = CliRunner()
    clean.setenv("KHO_CATALOG_URL", PG)
    clean.setenv("KHO_TOKEN_PEPPER", "p" * 32)
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "Configuration valid" in result.output
    assert "secret-pw" not in result.output and "p" * 32 not in result.output  # secrets never printed
    clean.setenv("KHO_ENV", "production")
    result = runner.invoke(app, ["config", "check", "--json"])
    assert result.exit_code == 1 and '"valid": false' in result.output
    result = runner.invoke(app, ["serve", "--port", "1"])  # refuses before binding anything
    assert result.exit_code == 1 and "KHO_REDIS_URL" in result.output
