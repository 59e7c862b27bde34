"""GraphiQL and Swagger UI in a real headless browser: both render from the vendored files, make no
request beyond this server, and GraphiQL runs a query against /graphql."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from tests.catalog.test_portal_browser import _require_browser, make_driver

pytestmark = pytest.mark.browser


@pytest.fixture
def server(world):
    from api.app import create_app
    from kho.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(create_app(Settings(home=world.home)), host="127.0.0.1", port=port,
                                             log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not instance.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def _driver(tmp_path: Path):
    _require_browser()
    return make_driver(tmp_path)


def _external_requests(driver, base: str) -> list[str]:
    """Every resource the page loaded (scripts, styles, fonts, images, fetches) from anywhere but this server."""
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [url for url in urls if not url.startswith(base) and not url.startswith("data:")]


def test_graphiql_runs_a_query(server: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as condition
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _driver(tmp_path)
    try:
        driver.get(f"{server}/graphql")
        wait = WebDriverWait(driver, 30)
        wait.until(condition.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-container")))
        wait.until(condition.element_to_be_clickable((By.CSS_SELECTOR, ".graphiql-execute-button"))).click()
        wait.until(lambda d: "services_aggregate" in d.find_element(By.CSS_SELECTOR, ".result-window").text)
        assert _external_requests(driver, server) == []
        severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe
    finally:
        driver.quit()


def test_swagger_ui_renders_the_api(server: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _driver(tmp_path)
    try:
        driver.get(f"{server}/docs")
        WebDriverWait(driver, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 10)
        paths = [e.text.replace("\u200b", "") for e in driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")]
        assert "/api/v1/datasets/{name}/rows.csv" in paths and "/graphql" in paths, paths
        assert _external_requests(driver, server) == []
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
