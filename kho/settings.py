"""Where Kho keeps things, from environment variables with embedded defaults.

Everything the pipeline and the server write lives under one folder, KHO_HOME (default `./var`):

    var/sources/      the simulated sector systems (SQLite files, CSV/Excel drops, defect manifest)
    var/warehouse/    the pipeline's working DuckDB file (only the pipeline opens it)
    var/published/    immutable published versions: <dataset>/<version>/{data.parquet, schema.json}
    var/catalog.sqlite  catalogue metadata (datasets, versions, the "current" pointer)
    var/dagster/      Dagster instance storage (runs, event logs, schedules)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

#: The repository root: dbt_project.yml, dagster.yaml and the registry live here.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    home: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(home=Path(os.environ.get("KHO_HOME", "var")).resolve())

    @property
    def sources_dir(self) -> Path:
        return Path(os.environ.get("KHO_SOURCES_DIR", self.home / "sources")).resolve()

    @property
    def warehouse_path(self) -> Path:
        return Path(os.environ.get("KHO_WAREHOUSE", self.home / "warehouse" / "kho.duckdb")).resolve()

    @property
    def published_dir(self) -> Path:
        return Path(os.environ.get("KHO_PUBLISHED_DIR", self.home / "published")).resolve()

    @cached_property
    def catalog_url(self) -> str:
        return os.environ.get("KHO_CATALOG_URL", f"sqlite:///{self.home / 'catalog.sqlite'}")

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME", self.home / "dagster")).resolve()

    # -- production mode (docs/operations.md) ------------------------------------------------------
    @property
    def environment(self) -> str:
        """KHO_ENV: `development` (default, embedded) or `production` (stricter validation)."""
        return os.environ.get("KHO_ENV", "development").strip().lower()

    @property
    def redis_url(self) -> str | None:
        return os.environ.get("KHO_REDIS_URL") or None

    @property
    def log_format(self) -> str:
        return os.environ.get("KHO_LOG_FORMAT", "json").strip().lower()

    @property
    def log_level(self) -> str:
        return os.environ.get("KHO_LOG_LEVEL", "INFO").strip().upper()

    @property
    def workers(self) -> int:
        return int(os.environ.get("KHO_WORKERS", "1"))

    def problems(self) -> list[str]:
        """Everything wrong with the configuration (empty when valid); `validate()` raises on any."""
        return validate_environment(self, os.environ)

    def validate(self) -> "Settings":
        found = self.problems()
        if found:
            raise SettingsError(found)
        return self

    def ensure_dirs(self) -> None:
        for path in (self.sources_dir, self.warehouse_path.parent, self.published_dir, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    return Settings.from_env()


class SettingsError(ValueError):
    """The environment does not make a valid configuration; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid Kho configuration:\n" + "\n".join(f"  - {p}" for p in problems))


_ENVIRONMENTS = {"development", "production"}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
#: Secrets production refuses to run without (docs/security.md), and their minimum length.
_PRODUCTION_SECRETS = {"KHO_TOKEN_PEPPER": 32, "KHO_AUDIT_KEY": 32}


def validate_environment(settings: Settings, environ) -> list[str]:
    """Check every KHO_* setting the server and CLI read; production (KHO_ENV=production) also requires
    PostgreSQL for the catalogue, Redis for rate limits, and the token pepper and audit key."""
    from urllib.parse import urlsplit

    problems: list[str] = []
    env = settings.environment
    if env not in _ENVIRONMENTS:
        problems.append(f"KHO_ENV={env!r}: expected one of {', '.join(sorted(_ENVIRONMENTS))}")
    url = settings.catalog_url
    try:
        import sqlalchemy as sa

        backend = sa.engine.make_url(url).get_backend_name()
    except Exception:  # noqa: BLE001 - any parse failure is a configuration problem
        backend = None
        problems.append("KHO_CATALOG_URL is not a database URL (sqlite:///… or postgresql+psycopg://…)")
    if backend is not None and backend not in {"sqlite", "postgresql"}:
        problems.append(f"KHO_CATALOG_URL: {backend} is not supported (SQLite or PostgreSQL)")
    redis_url = settings.redis_url
    if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
        problems.append("KHO_REDIS_URL must start with redis://, rediss:// or unix://")
    if settings.log_format not in {"json", "text"}:
        problems.append(f"KHO_LOG_FORMAT={settings.log_format!r}: expected json or text")
    if settings.log_level not in _LOG_LEVELS:
        problems.append(f"KHO_LOG_LEVEL={settings.log_level!r}: expected one of {', '.join(sorted(_LOG_LEVELS))}")
    try:
        if settings.workers < 1:
            problems.append("KHO_WORKERS must be at least 1")
    except ValueError:
        problems.append(f"KHO_WORKERS={environ.get('KHO_WORKERS')!r} is not a whole number")
    metrics = environ.get("KHO_METRICS", "token").strip().lower()
    if metrics not in {"token", "public", "off", "0", "1", "true", "false", "yes", "no"}:
        problems.append(f"KHO_METRICS={metrics!r}: expected token (default), public or off")
    site = environ.get("KHO_SITE_URL")
    if site and urlsplit(site).scheme not in {"http", "https"}:
        problems.append("KHO_SITE_URL must be an http(s):// URL")
    for name in ("KHO_RATE_LIMIT_ANONYMOUS", "KHO_RATE_LIMIT_TOKEN", "KHO_RATE_LIMIT_AUTH_FAILURES"):
        value = environ.get(name)
        if value is not None:
            from api.access.config import Rate

            try:
                Rate.parse(value)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    if env == "production":
        if backend == "sqlite":
            problems.append("production needs the catalogue on PostgreSQL: set KHO_CATALOG_URL=postgresql+psycopg://…")
        if not redis_url:
            problems.append("production needs Redis for rate limits shared by the workers: set KHO_REDIS_URL")
        for name, length in _PRODUCTION_SECRETS.items():
            if len(environ.get(name, "")) < length:
                problems.append(f"production needs {name} (a random secret of at least {length} characters)")
        if settings.log_format != "json":
            problems.append("production logs must be JSON lines: KHO_LOG_FORMAT=json")
    return problems
