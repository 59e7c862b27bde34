"""`kho agency|token|grant|audit …`: administer consumers, tokens and grants; verify the audit log.

Everything works on the catalogue database (`KHO_CATALOG_URL`, default `$KHO_HOME/catalog.sqlite`).
Administrative changes are themselves written to the audit log (action `admin.…`, role `cli`, with the
operating system user as operator), never with a token secret.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from api.access.agencies import AccessError, add_agency, list_agencies
from api.access.audit import AuditLog
from api.access.config import AccessConfig
from api.access.grants import add_grant, list_grants, revoke_grant
from api.access.models import create_access_schema, utcnow
from api.access.tokens import TOKEN_ROLES, expire_token, issue_token, list_tokens, revoke_token

access_app = typer.Typer(add_completion=False)
agency_app = typer.Typer(help="Consumer agencies, identified by their electronic identifier code (mã định danh).",
                         no_args_is_help=True)
token_app = typer.Typer(help="API tokens: issue (shown once), list, expire, revoke.", no_args_is_help=True)
grant_app = typer.Typer(help="Grants of datasets to agencies, with or without personal data.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log of data access: verify, tail.", no_args_is_help=True)
access_app.add_typer(agency_app, name="agency")
access_app.add_typer(token_app, name="token")
access_app.add_typer(grant_app, name="grant")
access_app.add_typer(audit_app, name="audit")

out = Console()
err = Console(stderr=True)

Operator = Annotated[Optional[str], typer.Option("--by", help="Who is acting (default: your OS user name)")]


def _store():
    from catalog.store import CatalogStore
    from kho.settings import get_settings

    store = CatalogStore(get_settings().catalog_url)
    store.create_schema()  # as the API does at start: the catalogue is usable before the first pipeline run
    create_access_schema(store.engine)
    return store


def _operator(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _record(engine, action: str, operator: str, dataset: str | None = None, **details) -> None:
    AuditLog(engine, AccessConfig.from_env().audit_key).append(
        f"admin.{action}", role="cli", dataset=dataset, params={"operator": operator, **details})


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/]")
    raise typer.Exit(1)


def _when(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


def _emit(headers: list[str], rows: list[list[str]]) -> None:
    """A table on a terminal; tab-separated lines (header first) when piped, for scripts."""
    if out.is_terminal:
        table = Table(*headers)
        for row in rows:
            table.add_row(*row)
        out.print(table)
    else:
        for row in [headers, *rows]:
            typer.echo("\t".join(row))


# -- agencies --------------------------------------------------------------------------------
@agency_app.command("add")
def agency_add(code: Annotated[str, typer.Argument(help="Electronic identifier code, e.g. 000.00.15.H11")],
               name: Annotated[str, typer.Argument(help="Agency name, e.g. 'Sở Y tế tỉnh Điện Biên'")],
               by: Operator = None) -> None:
    """Register a consumer agency."""
    store = _store()
    try:
        agency = add_agency(store.engine, code, name)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "agency.add", _operator(by), agency=agency.code, name=agency.name)
    err.print(f"[green]Agency {agency.code}[/] ({agency.name}) registered.")


@agency_app.command("list")
def agency_list() -> None:
    """List registered agencies."""
    _emit(["code", "name", "registered (UTC)"],
          [[a.code, a.name, _when(a.created_at)] for a in list_agencies(_store().engine)])


# -- tokens ----------------------------------------------------------------------------------
@token_app.command("issue")
def token_issue(
    agency: Annotated[str, typer.Option(help="Agency code the token acts for")],
    role: Annotated[str, typer.Option(help="agency | steward | admin")] = "agency",
    expires_days: Annotated[int, typer.Option(help="Days until the token expires (1–3650)")] = 90,
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'LGSP gateway'")] = "",
    rate: Annotated[Optional[str], typer.Option(help="Own rate limit, e.g. 6000/minute (default: server's)")] = None,
    by: Operator = None,
) -> None:
    """Issue a token. It is printed once, on standard output, and cannot be shown again."""
    if role not in TOKEN_ROLES:
        _fail(f"bad role {role!r}; choose one of {', '.join(TOKEN_ROLES)}")
    if not 1 <= expires_days <= 3650:
        _fail("--expires-days must be between 1 and 3650")
    store = _store()
    operator = _operator(by)
    try:
        issued = issue_token(store.engine, agency, role, expires_in=dt.timedelta(days=expires_days), label=label,
                             created_by=operator, rate_limit=rate, pepper=AccessConfig.from_env().token_pepper)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "token.issue", operator, token_id=issued.id, agency=agency, role=role,
            expires_at=issued.expires_at.isoformat(timespec="seconds"))
    err.print(f"[green]Token {issued.id}[/] issued to {agency} as {role}, expires {_when(issued.expires_at)} UTC.\n"
              "[yellow]Copy it now: only its hash is stored, it cannot be shown again.[/] "
              "Use it as 'Authorization: Bearer <token>'.")
    typer.echo(issued.token)


@token_app.command("list")
def token_list(agency: Annotated[Optional[str], typer.Option(help="Only this agency's tokens")] = None,
               active: Annotated[bool, typer.Option("--active", help="Only active tokens")] = False) -> None:
    """List tokens (never their secrets)."""
    now = utcnow()
    _emit(["id", "agency", "role", "status", "label", "created", "expires", "last used", "rate"],
          [[info.id, info.agency_code, info.role, info.status(now), info.label, _when(info.created_at),
            _when(info.expires_at), _when(info.last_used_at), info.rate_limit or "default"]
           for info in list_tokens(_store().engine, agency_code=agency, active_only=active)])


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="Token id (see kho token list)")],
                 by: Operator = None) -> None:
    """Revoke a token for good: it is refused (401) from the next request on."""
    store = _store()
    operator = _operator(by)
    try:
        info = revoke_token(store.engine, token_id, revoked_by=operator)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "token.revoke", operator, token_id=info.id, agency=info.agency_code)
    err.print(f"[green]Token {info.id}[/] of {info.agency_code} revoked.")


@token_app.command("expire")
def token_expire(token_id: Annotated[str, typer.Argument(help="Token id (see kho token list)")],
                 days: Annotated[int, typer.Option(help="Expire this many days from now (0 = now)")] = 0,
                 by: Operator = None) -> None:
    """Set a token's expiry: now, or in N days."""
    if not 0 <= days <= 3650:
        _fail("--days must be between 0 and 3650")
    store = _store()
    at = utcnow() + dt.timedelta(days=days)
    try:
        info = expire_token(store.engine, token_id, at)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "token.expire", _operator(by), token_id=info.id, agency=info.agency_code,
            expires_at=at.isoformat(timespec="seconds"))
    err.print(f"[green]Token {info.id}[/] of {info.agency_code} expires {_when(info.expires_at)} UTC "
              f"({info.status()}).")


# -- grants ----------------------------------------------------------------------------------
@grant_app.command("add")
def grant_add(
    agency: Annotated[str, typer.Option(help="Agency code")],
    dataset: Annotated[str, typer.Option(help="Dataset name")],
    personal_data: Annotated[bool, typer.Option("--personal-data", help="Also unmask personal-data columns")] = False,
    allow_unknown: Annotated[bool, typer.Option("--allow-unknown",
                                                help="Grant a dataset the catalogue does not know yet")] = False,
    by: Operator = None,
) -> None:
    """Grant a dataset to an agency (replaces an active grant with another personal-data flag)."""
    store = _store()
    if not allow_unknown and store.get_dataset(dataset) is None:
        _fail(f"the catalogue has no dataset {dataset!r}; check the name, or pass --allow-unknown to grant it "
              "ahead of its first publication")
    operator = _operator(by)
    try:
        grant = add_grant(store.engine, agency, dataset, personal_data=personal_data, granted_by=operator)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "grant.add", operator, dataset=dataset, agency=agency, personal_data=personal_data)
    err.print(f"[green]Grant {grant.id}[/]: {agency} may read {dataset} "
              f"{'including' if personal_data else 'without'} personal data.")


@grant_app.command("list")
def grant_list(agency: Annotated[Optional[str], typer.Option(help="Only this agency")] = None,
               dataset: Annotated[Optional[str], typer.Option(help="Only this dataset")] = None,
               all_: Annotated[bool, typer.Option("--all", help="Include revoked grants")] = False) -> None:
    """List grants."""
    _emit(["id", "agency", "dataset", "personal data", "granted by", "granted", "revoked"],
          [[str(g.id), g.agency_code, g.dataset, "yes" if g.personal_data else "no", g.granted_by or "—",
            _when(g.created_at), _when(g.revoked_at)]
           for g in list_grants(_store().engine, agency_code=agency, dataset=dataset, include_revoked=all_)])


@grant_app.command("revoke")
def grant_revoke(agency: Annotated[str, typer.Option(help="Agency code")],
                 dataset: Annotated[str, typer.Option(help="Dataset name")],
                 by: Operator = None) -> None:
    """Revoke an agency's grant on a dataset."""
    store = _store()
    operator = _operator(by)
    try:
        grant = revoke_grant(store.engine, agency, dataset, revoked_by=operator)
    except AccessError as exc:
        _fail(str(exc))
    _record(store.engine, "grant.revoke", operator, dataset=dataset, agency=agency, grant_id=grant.id)
    err.print(f"[green]Grant {grant.id}[/] of {dataset} to {agency} revoked.")


# -- audit -----------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(anchor: Annotated[Optional[str], typer.Option(
        help="'<seq>:<hash>' printed by an earlier verify; also detects deletion of the newest entries")] = None
                 ) -> None:
    """Verify the audit log's hash chain; exit status 1 if it was tampered with."""
    log = AuditLog(_store().engine, AccessConfig.from_env().audit_key)
    try:
        report = log.verify(anchor)
    except ValueError as exc:
        _fail(str(exc))
    if not report.ok:
        err.print(f"[red bold]Audit log NOT intact[/] at entry {report.first_bad_seq}: {report.reason}. "
                  f"{report.checked} entries before it verified.")
        raise typer.Exit(1)
    if report.head_seq is None:
        err.print("[green]Audit log intact[/]: it is empty.")
        return
    err.print(f"[green]Audit log intact[/]: {report.checked} entries, chain head {report.head_seq}. "
              "Keep this anchor outside the database and pass it as --anchor next time:")
    typer.echo(report.anchor)


@audit_app.command("tail")
def audit_tail(n: Annotated[int, typer.Option("-n", "--lines", help="How many entries")] = 20,
               agency: Annotated[Optional[str], typer.Option(help="Only this agency")] = None,
               dataset: Annotated[Optional[str], typer.Option(help="Only this dataset")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False) -> None:
    """Show the newest audit entries (who, what, which dataset, filters, rows, when)."""
    entries = AuditLog(_store().engine).tail(n, agency_code=agency, dataset=dataset)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry.as_json(), ensure_ascii=False))
        return
    _emit(["seq", "at (UTC)", "agency", "role", "token", "action", "dataset", "version", "params", "rows", "status"],
          [[str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.agency_code or "—", e.role or "—", e.token_id or "—",
            e.action, e.dataset or "—", e.version or "—",
            json.dumps(e.params, ensure_ascii=False) if e.params else "",
            "—" if e.rows_returned is None else str(e.rows_returned), str(e.status or "")] for e in entries])
