"""No shared or private dataset in any anonymous output of the catalogue (DESIGN §9)."""

from __future__ import annotations

import json

import requests

ANONYMOUS_URLS = [
    "/api/3/action/package_list", "/api/3/action/current_package_list_with_resources?limit=100",
    "/api/3/action/package_search?rows=1000&include_private=true",
    '/api/3/action/package_search?rows=0&facet.field=["organization","groups","tags","res_format"]',
    "/api/3/action/package_search?q=ho+so+thu+tuc&include_private=true",
    "/api/3/action/organization_list?all_fields=true&include_extras=true",
    "/api/3/action/organization_show?id=van-phong-ubnd-tinh&include_datasets=true",
    "/api/3/action/organization_show?id=cong-an-tinh&include_datasets=true",
    "/api/3/action/group_list?all_fields=true", "/api/3/action/group_show?id=dan-cu&include_datasets=true",
    "/api/3/action/tag_list?all_fields=true",
    "/catalog.ttl", "/catalog.jsonld", "/catalog.rdf",
    "/", "/dataset", "/dataset?q=ho+so", "/dataset?q=cong+dan", "/organization", "/organization/cong-an-tinh",
    "/group", "/group/dan-cu", "/quality", "/developers",
]


def test_nothing_shared_or_private_leaks_to_anonymous_callers(server, catalogue):
    secrets = ["/dataset/dossiers", "/dataset/citizens", "Hồ sơ thủ tục hành chính", "Cơ sở dữ liệu công dân",
               "Applicant ID number", "Nguyễn Văn An", "Đề án 06", "dữ liệu dùng chung"]
    for name in ("dossiers", "citizens"):
        secrets.append(catalogue.store.get_dataset(name)["id"])
        secrets += [r["id"] for r in catalogue.store.resources_for(name, catalogue.info["versions"][name])]
    for url in ANONYMOUS_URLS:
        response = requests.get(server.url + url, timeout=30)
        assert response.status_code == 200, url
        text = response.content.decode("utf-8")
        if response.headers["content-type"].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, (url, secret)
