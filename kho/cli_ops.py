"""`kho backup`, `kho restore`, `kho config`: operating Kho in production (docs/operations.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

ops_app = typer.Typer(add_completion=False)
config_app = typer.Typer(help="The configuration read from KHO_* environment variables.", no_args_is_help=True)
ops_app.add_typer(config_app, name="config")

out = Console()
err = Console(stderr=True)

_SECRETS = ("KHO_TOKEN_PEPPER", "KHO_AUDIT_KEY")


@ops_app.command()
def backup(
    archive: Annotated[Path, typer.Argument(help="Archive to write, e.g. kho-2025-07-01.tar.gz")],
) -> None:
    """Back up the catalogue metadata and every published version into one archive (safe while running).

    The archive holds every catalogue table (also token hashes, grants and the audit log), the published
    version folders and their CSV copies, and a manifest with row counts and SHA-256 of every file.
    """
    from catalog.mount import catalog_cache_dir
    from kho.backup import BackupError, create_backup
    from kho.settings import get_settings

    settings = get_settings()
    try:
        report = create_backup(settings.catalog_url, settings.published_dir, archive,
                               cache_dir=catalog_cache_dir(settings),
                               progress=lambda msg: err.print(f"  {msg}", markup=False, highlight=False))
    except BackupError as exc:
        err.print(f"[red]Backup failed:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    rows = sum(report.tables.values())
    out.print(f"Backup written to {report.path}: {rows:,} catalogue rows in {len(report.tables)} tables "
              f"(schema revision {report.revision}), {report.files} published files "
              f"({report.bytes / 1e6:,.1f} MB).", highlight=False)


@ops_app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="Archive written by `kho backup`", exists=True, dir_okay=False)],
) -> None:
    """Restore a backup into an empty KHO_HOME, then verify the audit chain.

    Checks every file's SHA-256 before writing anything, and the row counts after. Exit 1: not restored;
    exit 2: restored, but the audit chain does not verify.
    """
    from api.access.config import AccessConfig
    from catalog.mount import catalog_cache_dir
    from kho.backup import BackupError, restore_backup
    from kho.settings import get_settings

    settings = get_settings()
    try:
        report = restore_backup(archive, settings.catalog_url, settings.published_dir,
                                audit_key=AccessConfig.from_env().audit_key, cache_dir=catalog_cache_dir(settings),
                                progress=lambda msg: err.print(f"  {msg}", markup=False, highlight=False))
    except BackupError as exc:
        err.print(f"[red]Restore failed:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    rows = sum(report.tables.values())
    out.print(f"Restored {rows:,} catalogue rows in {len(report.tables)} tables and {report.files} published "
              f"files into {settings.home}.", highlight=False)
    if not report.audit_ok:
        err.print(f"[red]The restored audit log does NOT verify:[/] {report.audit_reason}", highlight=False)
        raise typer.Exit(2)
    out.print(f"Audit log intact: {report.audit_entries} entries; anchor {report.audit_head or '(empty log)'}",
              highlight=False)


@config_app.command("check")
def config_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the effective settings as JSON")] = False,
) -> None:
    """Validate the configuration and print the effective settings (secrets and passwords hidden).

    Exits 1 listing every problem; KHO_ENV=production also requires PostgreSQL, Redis and the secrets.
    """
    from kho.settings import get_settings

    settings = get_settings()
    problems = settings.problems()
    effective = {
        "KHO_ENV": settings.environment,
        "KHO_HOME": str(settings.home),
        "KHO_CATALOG_URL": _hide_password(settings.catalog_url),
        "KHO_PUBLISHED_DIR": str(settings.published_dir),
        "KHO_REDIS_URL": _hide_password(settings.redis_url) if settings.redis_url else None,
        "KHO_LOG_FORMAT": settings.log_format,
        "KHO_LOG_LEVEL": settings.log_level,
        "DAGSTER_HOME": str(settings.dagster_home),
        **{name: ("set" if os.environ.get(name) else "not set") for name in _SECRETS},
    }
    if as_json:
        out.print_json(json.dumps({"valid": not problems, "problems": problems, "settings": effective}))
    else:
        for key, value in effective.items():
            out.print(f"{key:<18} {value}", highlight=False, markup=False)
        for problem in problems:
            err.print(f"[red]✗[/] {problem}", highlight=False)
        if not problems:
            out.print(f"[green]Configuration valid[/] ({settings.environment}).")
    if problems:
        raise typer.Exit(1)


def _hide_password(url: str) -> str:
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return url.replace(f":{parts.password}@", ":***@") if parts.password else url
