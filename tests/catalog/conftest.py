"""Fixtures of the catalogue tests: a published fixture catalogue, a live uvicorn server on a free
127.0.0.1 port (a real HTTP server, stopped at the end), and API tokens of the real access layer."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.access.agencies import add_agency
from api.access.tokens import issue_token
from catalog.mount import catalog_cache_dir
from catalog.resources import finish_pending
from catalog.store import CatalogStore
from kho.settings import Settings
from tests.catalog.fixtures import CONG_AN, VPUB, build_catalogue

OUTPUT = Path(__file__).resolve().parents[1] / "output"
#: the catalogue tests hammer one server from one address: no rate limits there
TEST_ENV = {"KHO_RATE_LIMIT_ANONYMOUS": "off", "KHO_RATE_LIMIT_TOKEN": "off", "KHO_RATE_LIMIT_AUTH_FAILURES": "off"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The Kho app served by uvicorn in a background thread."""

    def __init__(self, settings: Settings):
        from api.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="kho-test-server", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@dataclass
class Catalogue:
    settings: Settings
    store: CatalogStore
    info: dict[str, Any]


@pytest.fixture(scope="session")
def test_env() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in TEST_ENV}
    os.environ.update(TEST_ENV)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory, test_env: None) -> Catalogue:
    home = tmp_path_factory.mktemp("kho-catalogue")
    settings = Settings(home=home)
    store = CatalogStore(settings.catalog_url)
    info = build_catalogue(store, settings.published_dir)
    finish_pending(store, settings.published_dir, catalog_cache_dir(settings))
    return Catalogue(settings, store, info)


@pytest.fixture(scope="session")
def server(catalogue: Catalogue) -> Iterator[LiveServer]:
    with LiveServer(catalogue.settings) as live:
        yield live


@pytest.fixture(scope="session")
def tokens(server: LiveServer, catalogue: Catalogue) -> dict[str, str]:
    """Real API tokens: a steward, an agency without grants, and the police (owner of `citizens`)."""
    engine = catalogue.store.engine
    add_agency(engine, "000.00.99.H17", "Sở Khoa học và Công nghệ")
    add_agency(engine, VPUB[0], VPUB[1])
    add_agency(engine, CONG_AN[0], CONG_AN[1])
    return {
        "steward": issue_token(engine, VPUB[0], role="steward").token,
        "agency": issue_token(engine, "000.00.99.H17", role="agency").token,
        "police": issue_token(engine, CONG_AN[0], role="agency").token,
    }


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
