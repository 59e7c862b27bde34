"""The CKAN actions Kho implements. Parameters, defaults, caps, result shapes and errors follow CKAN
2.10/2.11 (reference/ckan.md §2–§3); visibility follows `api.access` (an outsider gets "Not found" for a
shared or private dataset, exactly as for one that does not exist).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from api.access import MaskedColumnError, Principal, audit_access, masked_columns
from catalog import search as searching
from catalog import vocab
from catalog.ckan import validate as v
from catalog.ckan.errors import NotAuthorized, NotFound, SearchError, SearchQueryError, ValidationError
from catalog.rows import ROWS_DEFAULT, ROWS_MAX, RowQuery, RowQueryError, RowReader, records_as
from catalog.service import Catalog, CatalogIndex, ckan_date
from catalog.text import fold

CKAN_VERSION = "2.10.10"  # the CKAN release whose Action API this one follows
ROWS_MAX_SEARCH = 1000  # ckan.search.rows_max
GROUP_LIST_MAX = 1000  # ckan.group_and_organization_list_max
GROUP_LIST_ALL_FIELDS_MAX = 25  # ckan.group_and_organization_list_all_fields_max
FACETS_LIMIT = 50  # search.facets.limit
VALID_SEARCH_PARAMS = {
    "q", "fq", "fq_list", "sort", "rows", "start", "fl", "facet", "facet.field", "facet.limit", "facet.mincount",
    "include_private", "include_drafts", "include_deleted", "use_default_schema", "qf", "wt", "bf", "boost", "tie",
    "defType", "mm", "df", "extras", "facet.query", "facet.sort", "q.op",
}
DATASTORE_PARAMS = {"resource_id", "id", "filters", "q", "full_text", "distinct", "plain", "language", "limit",
                    "offset", "fields", "sort", "include_total", "total_estimation_threshold", "records_format"}
TAG_RE = re.compile(r"^[\w \-.]+$", re.UNICODE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ActionContext:
    request: Request
    principal: Principal
    catalog: Catalog
    base_url: str
    api_version: int = 3
    rows: RowReader | None = None
    _index: CatalogIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> CatalogIndex:
        if self._index is None:
            self._index = self.catalog.index(self.base_url)
        return self._index

    def refresh(self) -> CatalogIndex:
        self._index = None
        return self.index


Action = Callable[[ActionContext, dict[str, Any]], Any]
ACTIONS: dict[str, tuple[Action, bool]] = {}


def action(side_effect_free: bool = True) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[fn.__name__] = (fn, side_effect_free)
        return fn
    return register


def _package_or_404(ctx: ActionContext, name_or_id: str) -> dict[str, Any]:
    name = ctx.index.resolve(name_or_id)
    if name is None or not ctx.index.can_see(ctx.principal, name):
        raise NotFound("Dataset not found")
    return ctx.index.packages[name]


# -- site ------------------------------------------------------------------------------------------

@action()
def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's name, description, URL, default locale, extensions and CKAN compatibility level."""
    prov = vocab.province()
    return {
        "site_title": f"Kho dữ liệu tỉnh {prov.name}",
        "site_description": (f"Cổng dữ liệu mở và dữ liệu dùng chung của tỉnh {prov.name}. "
                             f"Open and shared data of {prov.label_en}."),
        "site_url": ctx.base_url,
        "error_emails_to": None,
        "locale_default": "vi",
        "extensions": ["kho_catalog", "datastore", "dcat", "structured_data"],
        "ckan_version": CKAN_VERSION,
    }


@action()
def site_read(ctx: ActionContext, data: dict[str, Any]) -> bool:
    """Return True (CKAN 2.10; removed in 2.11)."""
    return True


@action()
def help_show(ctx: ActionContext, data: dict[str, Any]) -> str:
    """Return the help string of an action."""
    name = v.required(data, "name")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return (ACTIONS[name][0].__doc__ or "").strip()


# -- datasets --------------------------------------------------------------------------------------

@action()
def package_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's public (open) datasets, ordered by name; optional limit and offset."""
    limit = v.integer(data, "limit", None)
    offset = v.integer(data, "offset", 0) or 0
    names = ctx.index.public_names()
    return names[offset:offset + limit] if limit else names[offset:]


@action()
def current_package_list_with_resources(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return dataset dicts with their resources, most recently modified first (limit default 10)."""
    limit = v.integer(data, "limit", None)
    offset = v.integer(data, "offset", None)
    if offset is None:
        page = v.integer(data, "page", None, minimum=1)
        offset = (page - 1) * limit if page and limit else 0
    result = _search(ctx, {"q": "", "rows": limit, "start": offset,
                           "include_private": ctx.principal.is_privileged})
    return result["results"]


@action()
def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset and its resources (id or name)."""
    name_or_id = v.required(data, "id", "name_or_id")
    return _package_or_404(ctx, name_or_id)


def _search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(k for k in data if k not in VALID_SEARCH_PARAMS and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    rows = v.integer(data, "rows", 10, maximum=ROWS_MAX_SEARCH)
    start = v.integer(data, "start", 0)
    facet_on = v.boolean(data, "facet", True)
    facet_limit = v.integer(data, "facet.limit", FACETS_LIMIT, minimum=None)
    facet_mincount = v.integer(data, "facet.mincount", 1, minimum=None)
    facet_fields = v.string_list(data, "facet.field") or []
    include_private = v.boolean(data, "include_private", False)
    v.boolean(data, "include_drafts", False)
    v.boolean(data, "include_deleted", False)
    fl = data.get("fl")
    if isinstance(fl, str):
        fl = [f for f in re.split(r"[\s,]+", fl) if f]
    q = data.get("q") or ""
    fq = data.get("fq") or ""
    fq_list = v.string_list(data, "fq_list") or []
    sort = data.get("sort") or None
    if not isinstance(q, str) or not isinstance(fq, str) or (sort is not None and not isinstance(sort, str)):
        raise ValidationError({k: ["Must be a string"] for k in ("q", "fq", "sort")
                               if data.get(k) is not None and not isinstance(data.get(k), str)})
    index = ctx.index
    principal = ctx.principal
    try:
        result = searching.search(
            index.docs, q=q, fq=[fq, *fq_list], sort=sort, start=start, rows=rows,
            facet_fields=facet_fields if facet_on else [], facet_limit=facet_limit, facet_mincount=facet_mincount,
            allowed=lambda name: index.listed(principal, name, include_private), inverted=index.inverted,
        )
    except searching.SearchError as exc:
        raise SearchError(str(exc)) from exc
    except searching.SearchQueryError as exc:
        raise SearchQueryError(str(exc)) from exc
    results = [index.packages[n] for n in result.names]
    if fl and fl != ["*"] and "data_dict" not in fl and "validated_data_dict" not in fl:
        results = [{k: pkg[k] for k in fl if k in pkg} for pkg in results]
    facets = {f: dict(items) for f, items in result.facets.items()}
    search_facets = {}
    for f, items in result.facets.items():
        entries = [{"name": value, "display_name": _facet_display(index, f, value), "count": count}
                   for value, count in items]
        entries.sort(key=lambda e: e["display_name"], reverse=True)
        search_facets[f] = {"title": f, "items": entries}
    return {"count": result.count, "facets": facets, "results": results, "sort": result.sort,
            "search_facets": search_facets}


def _facet_display(index: CatalogIndex, fieldname: str, value: str) -> str:
    if fieldname == "organization" and value in index.organizations:
        return index.organizations[value]["title"] or value
    if fieldname == "groups" and value in index.groups:
        return index.groups[value]["title_vi"] or value
    if fieldname == "license_id" and value in index.licenses:
        return index.licenses[value]["title"]
    return value


@action()
def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: q (free text folded for diacritics, or a fielded Lucene query), fq, fq_list,
    sort, rows (default 10, capped at 1000), start, fl, facet.field, facet.limit, facet.mincount,
    include_private."""
    return _search(ctx, data)


# -- organizations and groups -------------------------------------------------------------------

def _group_dict(ctx: ActionContext, row: dict[str, Any], is_org: bool, count: int | None,
                include_extras: bool = False) -> dict[str, Any]:
    title = row["title"] if is_org else row["title_vi"]
    out = {
        "id": row["id"], "name": row["name"], "title": title, "display_name": title or row["name"],
        "description": row["description"], "image_url": "", "image_display_url": "",
        "created": ckan_date(row["created_at"]), "type": "organization" if is_org else "group",
        "is_organization": is_org, "approval_status": "approved", "state": "active", "num_followers": 0,
    }
    if count is not None:
        out["package_count"] = count
    if include_extras:
        if is_org:
            extras = {"code": row["code"], "email": row.get("email"), "url": row.get("url")}
        else:
            topic = vocab.TOPICS_BY_NAME.get(row["name"])
            extras = {"title_en": row["title_en"], "eu_theme": row.get("eu_theme"),
                      "eu_theme_uri": topic.eu_theme_uri if topic else None}
        out["extras"] = [{"key": k, "value": val} for k, val in sorted(extras.items()) if val]
    return out


def _group_list(ctx: ActionContext, data: dict[str, Any], is_org: bool) -> list[Any]:
    all_fields = v.boolean(data, "all_fields", False)
    limit = v.integer(data, "limit", GROUP_LIST_ALL_FIELDS_MAX if all_fields else GROUP_LIST_MAX)
    offset = v.integer(data, "offset", 0) or 0
    include_count = v.boolean(data, "include_dataset_count", True)
    include_extras = v.boolean(data, "include_extras", False)
    sort = (data.get("sort") or "title asc").strip()
    wanted = v.string_list(data, "organizations" if is_org else "groups")
    q = data.get("q")
    index = ctx.index
    rows = list(index.organizations.values() if is_org else index.groups.values())
    counts = (index.organization_counts if is_org else index.group_counts)(ctx.principal)
    if not is_org:
        rows = [r for r in rows if counts.get(r["name"])]  # topics with no visible dataset are not listed
    if wanted:
        rows = [r for r in rows if r["name"] in wanted or r["id"] in wanted]
    if q:
        needle = fold(str(q))
        rows = [r for r in rows if needle in fold(" ".join(str(r.get(k) or "") for k in
                                                            ("name", "title", "title_vi", "title_en", "description")))]
    bits = sort.split()
    field_name = bits[0] if bits else "title"
    direction = bits[1].lower() if len(bits) > 1 else ("desc" if field_name in ("packages", "package_count") else "asc")
    if (field_name not in ("name", "title", "packages", "package_count") or direction not in ("asc", "desc")
            or len(bits) > 2):
        raise ValidationError({"message": f"Cannot sort by field `{field_name}`"})
    if field_name == "name":
        key = lambda r: r["name"]
    elif field_name == "title":
        key = lambda r: fold(r["title"] if is_org else r["title_vi"])
    else:
        key = lambda r: counts.get(r["name"], 0)
    rows.sort(key=lambda r: r["name"])
    rows.sort(key=key, reverse=direction == "desc")
    rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
    if not all_fields:
        return [r["name"] for r in rows]
    return [_group_dict(ctx, r, is_org, counts.get(r["name"], 0) if include_count else None, include_extras)
            for r in rows]


@action()
def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the owning agencies: names, or dicts with all_fields (limit 1000, or 25 with all_fields)."""
    return _group_list(ctx, data, is_org=True)


@action()
def group_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the topics (groups): names, or dicts with all_fields (limit 1000, or 25 with all_fields)."""
    return _group_list(ctx, data, is_org=False)


def _group_show(ctx: ActionContext, data: dict[str, Any], is_org: bool) -> dict[str, Any]:
    key = v.required(data, "id")
    index = ctx.index
    table = index.organizations if is_org else index.groups
    by_id = index.org_by_id if is_org else index.group_by_id
    row = table.get(key) or by_id.get(key)
    if row is None:
        raise NotFound("Organization not found" if is_org else "Group not found")
    include_datasets = v.boolean(data, "include_datasets", False)
    include_count = v.boolean(data, "include_dataset_count", True)
    include_extras = v.boolean(data, "include_extras", True)
    counts = (index.organization_counts if is_org else index.group_counts)(ctx.principal)
    out = _group_dict(ctx, row, is_org, counts.get(row["name"], 0) if include_count else None, include_extras)
    out.update({"groups": [], "users": [], "tags": []})
    if include_datasets:
        fq = f'organization:"{row["name"]}"' if is_org else f'groups:"{row["name"]}"'
        result = _search(ctx, {"fq": fq, "rows": 1000, "include_private": True})
        out["packages"] = result["results"]
    return out


@action()
def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return an organization (owning agency); include_datasets lists its datasets the caller may see."""
    return _group_show(ctx, data, is_org=True)


@action()
def group_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a group (topic); include_datasets lists its datasets the caller may see."""
    return _group_show(ctx, data, is_org=False)


@action()
def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the tags of the datasets the caller may list; query/q filters (diacritics folded)."""
    if data.get("vocabulary_id"):
        raise NotFound("Could not find vocabulary")
    query = data.get("query") or data.get("q")
    all_fields = v.boolean(data, "all_fields", False)
    index = ctx.index
    include_private = ctx.principal.is_authenticated
    used: set[str] = set()
    for name, pkg in index.packages.items():
        if index.listed(ctx.principal, name, include_private):
            used.update(t["name"] for t in pkg["tags"])
    names = sorted(used, key=lambda n: (fold(n), n))
    if query:
        needle = fold(str(query))
        names = [n for n in names if needle in fold(n)]
    if all_fields:
        return [{"id": index.tags[n]["id"], "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


@action()
def license_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the licences datasets may carry (CKAN's default register; values are strings)."""
    out = []
    for lic in vocab.LICENSES:
        row = ctx.index.licenses.get(lic.id)
        item = lic.ckan_dict()
        if row:
            item["title"] = row["title"]
        out.append(item)
    return out


@action()
def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource (one distribution of a dataset's current version) by id."""
    rid = v.required(data, "id")
    entry = ctx.index.resources.get(rid)
    if entry is None or not ctx.index.can_see(ctx.principal, entry[0]):
        raise NotFound("Resource was not found.")
    return entry[1]


# -- datastore -------------------------------------------------------------------------------------

@action()
def datastore_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search a resource's rows: filters, q, fields, sort, distinct, limit (default 100, max 32000),
    offset, include_total, records_format (objects | lists | csv | tsv)."""
    unknown = sorted(k for k in data if k not in DATASTORE_PARAMS)
    if unknown:
        raise ValidationError({k: [f"The input field {k} was not expected."] for k in unknown})
    rid = v.required(data, "id", "resource_id")
    resource = ctx.catalog.store.get_resource(rid)
    if resource is None or not ctx.index.can_see(ctx.principal, resource["dataset"]):
        raise NotFound(f'Resource "{rid}" was not found.')
    version = ctx.catalog.store.get_version(resource["dataset"], resource["version"])
    if version is None or version.status != "published" or not version.path:
        raise NotFound(f'Resource "{rid}" was not found.')
    dataset = ctx.index.datasets[resource["dataset"]]

    filters = v.json_if_string(data, "filters") or {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Not a json object"]})
    q = data.get("q")
    if isinstance(q, str) and q.strip().startswith("{"):
        q = v.json_if_string(data, "q")
    if q is not None and not isinstance(q, str | dict):
        raise ValidationError({"q": ["Must be a string or a json object"]})
    if isinstance(q, dict) and not all(isinstance(val, str) for val in q.values()):
        raise ValidationError({"q": ["Must be a string or a json object of strings"]})
    if data.get("full_text") and not q:
        q = str(data["full_text"])
    fields = v.string_list(data, "fields", comma=True)
    sort = data.get("sort")
    if isinstance(sort, list):
        sort = ", ".join(str(s) for s in sort)
    if sort is not None and not isinstance(sort, str):
        raise ValidationError({"sort": ["Must be a string or a list of strings"]})
    limit = v.integer(data, "limit", ROWS_DEFAULT, maximum=ROWS_MAX)
    offset = v.integer(data, "offset", 0)
    include_total = v.boolean(data, "include_total", True)
    distinct = v.boolean(data, "distinct", False)
    v.boolean(data, "plain", True)
    records_format = data.get("records_format") or "objects"
    if records_format not in ("objects", "lists", "csv", "tsv"):
        raise ValidationError({"records_format": ["Value must be one of ['objects', 'lists', 'csv', 'tsv']"]})

    columns = version.schema.get("columns", [])
    masked = masked_columns(ctx.principal, dataset, columns)
    path = str(ctx.catalog.published_dir / version.path / "data.parquet")
    language = "en" if str(data.get("language", "")).lower().startswith("en") else "vi"
    try:
        result = ctx.rows.search(path, columns, masked, RowQuery(
            filters=filters, q=q, fields=fields, sort=sort, limit=limit, offset=offset,
            include_total=include_total, distinct=distinct), language=language)
    except RowQueryError as exc:
        raise ValidationError(exc.errors) from exc
    except MaskedColumnError as exc:
        raise NotAuthorized(str(exc)) from exc
    audit_access(ctx.request, dataset["name"], version.version, params=data, rows_returned=len(result.records),
                 action="datastore_search")

    link_params = {k: (json.dumps(val, ensure_ascii=False) if isinstance(val, dict | list) else val)
                   for k, val in data.items() if k not in ("offset", "id")}
    link_params["resource_id"] = rid
    base = "/api/3/action/datastore_search"
    links = {"start": f"{base}?{urlencode(link_params)}",
             "next": f"{base}?{urlencode({**link_params, 'offset': offset + limit})}"}
    if offset:
        links["prev"] = f"{base}?{urlencode({**link_params, 'offset': max(offset - limit, 0)})}"
    out: dict[str, Any] = {
        "include_total": include_total, "limit": limit, "offset": offset, "records_format": records_format,
        "resource_id": rid, "total_estimation_threshold": None,
        "fields": result.fields, "records": records_as(records_format, result.fields, result.records),
        "_links": links,
    }
    if filters:
        out["filters"] = filters
    if q:
        out["q"] = q
    if sort:
        out["sort"] = sort
    if distinct:
        out["distinct"] = True
    if include_total:
        out["total"] = result.total
        out["total_was_estimated"] = False
    if masked:
        out["masked_fields"] = sorted(masked)
    return out


# -- steward writes --------------------------------------------------------------------------------

_READ_ONLY = {"id", "metadata_created", "metadata_modified", "num_tags", "num_resources", "organization",
              "license_title", "license_url", "isopen", "creator_user_id", "relationships_as_object",
              "relationships_as_subject", "revision_id", "author", "author_email", "version", "type", "state"}
_EXTRA_KEYS = {"title_en": "title_en", "notes_en": "description_en", "update_frequency": "update_frequency",
               "theme": "theme", "contact_name": "contact_name", "contact_email": "contact_email",
               "documentation": "documentation_url"}


@action(side_effect_free=False)
def package_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Edit a dataset's descriptive metadata (stewards and admins, with an API token): title, notes,
    tags, groups, license_id, maintainer, maintainer_email, url and the extras title_en, notes_en,
    update_frequency, theme, contact_name, contact_email, documentation. Access level, owner and
    resources come from the pipeline and cannot be patched."""
    name_or_id = v.required(data, "id")
    if not ctx.principal.is_privileged:
        who = ctx.principal.agency_code or ""
        raise NotAuthorized(f"User {who} not authorized to edit package {name_or_id}".replace("  ", " "))
    pkg = _package_or_404(ctx, name_or_id)
    ds = ctx.index.datasets[pkg["name"]]
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}

    for key, value in data.items():
        if key in _READ_ONLY or key in ("name_or_id",):
            continue
        if key == "name":
            if value != pkg["name"]:
                errors["name"] = ["Dataset names are stable identifiers and cannot be changed"]
        elif key == "private":
            if v.boolean(data, "private", pkg["private"]) != pkg["private"]:
                errors["private"] = ["The access level is declared with the dataset (meta.kho.access_level) "
                                     "and cannot be changed here"]
        elif key == "owner_org":
            if value not in (pkg["owner_org"], (pkg["organization"] or {}).get("name")):
                errors["owner_org"] = ["The owning agency is declared with the dataset and cannot be changed here"]
        elif key == "resources":
            if not isinstance(value, list) or [r.get("id") for r in value if isinstance(r, dict)] != \
                    [r["id"] for r in pkg["resources"]]:
                errors["resources"] = ["Resources are the published files of the dataset and cannot be edited"]
        elif key == "title":
            if not isinstance(value, str) or not value.strip():
                errors["title"] = ["Missing value"]
            else:
                changes["title_vi"] = value.strip()
        elif key == "notes":
            changes["description_vi"] = "" if value is None else str(value)
        elif key == "tags":
            names = []
            for tag in value if isinstance(value, list) else [None]:
                tag_name = tag.get("name") if isinstance(tag, dict) else tag
                if not isinstance(tag_name, str) or not (1 <= len(tag_name.strip()) <= 100):
                    errors.setdefault("tags", []).append("Tag names must be between 1 and 100 characters")
                elif not TAG_RE.match(tag_name.strip()):
                    errors.setdefault("tags", []).append(
                        f'Tag "{tag_name}" must be alphanumeric characters or symbols: -_.')
                else:
                    names.append(tag_name.strip())
            changes["keywords"] = names
        elif key == "groups":
            groups = value if isinstance(value, list) else None
            wanted = [g.get("name") or g.get("id") if isinstance(g, dict) else g for g in groups or []]
            if groups is None or len(wanted) > 1:
                errors["groups"] = ["A dataset belongs to exactly one topic (group)"]
            elif wanted:
                group = ctx.index.groups.get(wanted[0]) or ctx.index.group_by_id.get(wanted[0])
                topic = vocab.TOPICS_BY_NAME.get(group["name"] if group else wanted[0])
                if group is None and topic is None:
                    errors["groups"] = ["That group name or ID does not exist."]
                else:
                    changes["theme"] = group["name"] if group else topic.name
        elif key == "license_id":
            lic = vocab.LICENSES_BY_ID.get(value) if isinstance(value, str) else None
            if lic is None:
                errors["license_id"] = ["License not found"]
            elif ds["access_level"] == "open" and not lic.is_open:
                errors["license_id"] = ["Open data must carry an open licence (Decree 47/2020)"]
            elif ds["access_level"] != "open" and lic.is_open:
                errors["license_id"] = ["Shared and private data cannot carry an open licence"]
            else:
                changes["license_id"] = value
        elif key == "maintainer":
            changes["contact_name"] = None if value in (None, "") else str(value)
        elif key in ("maintainer_email",):
            if value not in (None, "") and not (isinstance(value, str) and EMAIL_RE.match(value)):
                errors["maintainer_email"] = [f"Email {value} is not a valid format"]
            else:
                changes["contact_email"] = value or None
        elif key == "url":
            changes["documentation_url"] = value or None
        elif key == "notes_en" or key == "title_en":
            changes[_EXTRA_KEYS[key]] = str(value or "")
        elif key == "extras":
            if not isinstance(value, list):
                errors["extras"] = ["Not a list"]
                continue
            current = {e["key"]: e["value"] for e in pkg["extras"]}
            for extra in value:
                if not isinstance(extra, dict) or "key" not in extra:
                    errors.setdefault("extras", []).append("Each extra needs a key and a value")
                    continue
                k, val = extra["key"], extra.get("value")
                if k in _EXTRA_KEYS:
                    target = _EXTRA_KEYS[k]
                    if target == "contact_email" and val and not EMAIL_RE.match(str(val)):
                        errors.setdefault("extras", []).append(f"Email {val} is not a valid format")
                    elif target == "update_frequency" and val and vocab.frequency(str(val)) is None:
                        errors.setdefault("extras", []).append(
                            f"Unknown update_frequency {val!r}; use one of {sorted(vocab.FREQUENCIES)}")
                    else:
                        changes[target] = val if val not in ("",) else None
                elif current.get(k) != val:
                    errors.setdefault("extras", []).append(f"Extra {k!r} is computed by Kho and cannot be edited")
        else:
            errors[key] = ["This field cannot be edited"]

    if errors:
        raise ValidationError(errors)
    if changes:
        ctx.catalog.store.patch_dataset(pkg["name"], changes)
    return ctx.refresh().packages[pkg["name"]]
