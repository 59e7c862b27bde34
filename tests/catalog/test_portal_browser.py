"""The portal in headless Chromium: search, dataset page, download, language switch, keyboard use,
no-JavaScript use and the steward dashboard. Screenshots go to tests/output/ (gitignored)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _require_browser() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    message = "headless Chromium is not installed: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(f"CI requires the browser: {message}")
    pytest.skip(message)


def make_driver(tmp: Path, javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not download anything
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp / 'profile'}", "--window-size=1280,1600", "--lang=vi"):
        options.add_argument(arg)
    prefs = {"download.default_directory": str(tmp / "downloads"), "download.prompt_for_download": False}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)  # a key press starts a navigation; lookups wait for the next page
    (tmp / "downloads").mkdir(exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp / "downloads")})
    return driver


@pytest.fixture(scope="module")
def lineage_manifest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A small dbt manifest: motcua.ho_so → stg → int → dossier_kpis_monthly."""
    target = tmp_path_factory.mktemp("dbt-target")
    nodes = {
        "model.kho.stg_motcua__dossiers": {"resource_type": "model", "name": "stg_motcua__dossiers",
                                           "path": "staging/motcua/stg_motcua__dossiers.sql"},
        "model.kho.int_dossiers_deduplicated": {"resource_type": "model", "name": "int_dossiers_deduplicated",
                                                "path": "intermediate/int_dossiers_deduplicated.sql"},
        "model.kho.dossier_kpis_monthly": {"resource_type": "model", "name": "dossier_kpis_monthly",
                                           "path": "published/dossier_kpis_monthly.sql"},
    }
    sources = {"source.kho.motcua.ho_so": {"resource_type": "source", "name": "ho_so", "source_name": "motcua"}}
    parent_map = {"model.kho.stg_motcua__dossiers": ["source.kho.motcua.ho_so"],
                  "model.kho.int_dossiers_deduplicated": ["model.kho.stg_motcua__dossiers"],
                  "model.kho.dossier_kpis_monthly": ["model.kho.int_dossiers_deduplicated"]}
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes, "sources": sources, "parent_map": parent_map}))
    saved = os.environ.get("KHO_DBT_TARGET_DIR")
    os.environ["KHO_DBT_TARGET_DIR"] = str(target)
    yield
    if saved is None:
        os.environ.pop("KHO_DBT_TARGET_DIR", None)
    else:
        os.environ["KHO_DBT_TARGET_DIR"] = saved


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, server, lineage_manifest):
    _require_browser()
    tmp = tmp_path_factory.mktemp("chromium")
    driver = make_driver(tmp)
    driver.download_dir = tmp / "downloads"
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, output_dir: Path, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 6000))
    driver.save_screenshot(str(output_dir / f"{name}.png"))
    driver.set_window_size(1280, 1600)


def external_requests(driver, base: str) -> list[str]:
    entries = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [e for e in entries if not e.startswith(base)]


def test_search_from_the_home_page(browser, server, output_dir):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.delete_all_cookies()
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert "Kho dữ liệu" in browser.find_element(By.TAG_NAME, "h1").text
    assert external_requests(browser, server.url) == []
    shot(browser, output_dir, "portal_home_vi")
    box = browser.find_element(By.ID, "q")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Tìm tập dữ liệu"
    box.send_keys("dien bien ho so", Keys.ENTER)
    results = browser.find_elements(By.CSS_SELECTOR, "#results .card h3 a")
    titles = [r.text for r in results]
    assert titles[0] == "Chỉ số giải quyết thủ tục hành chính theo tháng"
    assert "Danh mục dịch vụ công" in titles[:2]
    assert "Hồ sơ thủ tục hành chính" not in titles  # shared: not for anonymous visitors
    assert "cho “dien bien ho so”" in browser.find_element(By.CSS_SELECTOR, ".results-count").text
    shot(browser, output_dir, "portal_search")


def test_search_filters(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/dataset")
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, ".facets a") if a.text.startswith("Giáo dục"))
    link.click()
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#results .card h3 a")]
    assert len(titles) == 1 and "trường học" in titles[0].lower()
    browser.find_element(By.CSS_SELECTOR, ".active-filters a.chip").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results .card")) == 5


def test_dataset_page_preview_chart_download_and_api_examples(browser, server, output_dir, catalogue):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/dataset?q=dien+bien+ho+so")
    browser.find_element(By.CSS_SELECTOR, "#results .card h3 a").click()
    assert browser.current_url.endswith("/dataset/dossier_kpis_monthly")
    assert browser.find_element(By.ID, "dataset-title").text == "Chỉ số giải quyết thủ tục hành chính theo tháng"
    facts = browser.find_element(By.CSS_SELECTOR, ".facts").text
    assert "Văn phòng UBND tỉnh" in facts and "Hằng ngày" in facts and "01/01/2024 – 01/12/2024" in facts
    assert len(browser.find_elements(By.CSS_SELECTOR, "#preview-table tbody tr")) == 20
    assert "Số hồ sơ tiếp nhận" in browser.find_element(By.CSS_SELECTOR, "#preview-table thead").text
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.get_attribute("role") == "img" and "theo tháng" in chart.find_element(By.TAG_NAME, "title") \
        .get_attribute("textContent")
    assert "Đúng: 100/100" in browser.find_element(By.CSS_SELECTOR, ".downloads").text
    code = browser.find_element(By.ID, "code-python").text
    rid = next(r["id"] for r in catalogue.store.resources_for("dossier_kpis_monthly",
                                                              catalogue.info["versions"]["dossier_kpis_monthly"])
               if r["format"] == "CSV")
    assert f'resource_id="{rid}"' in code and "RemoteCKAN" in code
    assert server.url in browser.find_element(By.ID, "code-curl").text
    shell = [e for e in browser.find_elements(By.CSS_SELECTOR, "pre code") if e.text.startswith("curl '")]
    assert shell
    for example in shell:  # the examples work as they are
        url = example.text.split("'")[1]
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 200, (url, answer.text[:300])
    assert requests.get(f"{server.url}/api/3/action/datastore_search?resource_id={rid}&limit=5",
                        timeout=30).json()["result"]["records"]
    assert external_requests(browser, server.url) == []
    shot(browser, output_dir, "portal_dataset_vi")

    # the copy button (the only JavaScript) puts the example on the clipboard
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": server.url,
                                                         "permissions": ["clipboardReadWrite",
                                                                         "clipboardSanitizedWrite"]})
    button = browser.find_element(By.CSS_SELECTOR, "button[data-copy=code-curl]")
    assert button.is_displayed()
    button.click()
    deadline = time.monotonic() + 5
    while button.text != "Đã sao chép" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert button.text == "Đã sao chép"

    # downloading the CSV gives the published rows
    browser.find_element(By.ID, "download-csv").click()
    target = browser.download_dir
    deadline = time.monotonic() + 15
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [p for p in target.iterdir() if p.suffix == ".csv"]
        if files:
            break
        time.sleep(0.1)
    assert files, "the CSV was not downloaded"
    lines = files[0].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("agency_id,agency_name,month_start_on,received") and len(lines) == 37


def test_language_switch(browser, server, output_dir):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/dataset/dossier_kpis_monthly")
    switch = browser.find_element(By.ID, "lang-switch")
    assert switch.text == "English"
    switch.click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "dataset-title").text == "Monthly administrative-procedure KPIs"
    assert "Dossiers received" in browser.find_element(By.CSS_SELECTOR, "#preview-table thead").text
    assert "Daily" in browser.find_element(By.CSS_SELECTOR, ".facts").text
    shot(browser, output_dir, "portal_dataset_en")
    browser.get(server.url + "/")  # the choice is remembered
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Search datasets" in browser.find_element(By.CSS_SELECTOR, "label[for=q]").text
    browser.find_element(By.ID, "lang-switch").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"


def test_keyboard_and_labels(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/dataset")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip"
    active.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    unlabelled = browser.execute_script("""
        return [...document.querySelectorAll('input:not([type=hidden]), select')]
          .filter(el => !(el.id && document.querySelector('label[for="' + el.id + '"]'))
                        && !el.getAttribute('aria-label'))
          .map(el => el.outerHTML)""")
    assert unlabelled == []
    headers = browser.execute_script(
        "return [...document.querySelectorAll('th')].every(th => th.getAttribute('scope'))")
    assert headers


def test_pages_work_without_javascript(tmp_path, server, lineage_manifest):
    _require_browser()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = make_driver(tmp_path, javascript=False)
    try:
        driver.get(server.url + "/")
        driver.find_element(By.ID, "q").send_keys("truong hoc", Keys.ENTER)
        first = driver.find_element(By.CSS_SELECTOR, "#results .card h3 a")
        first.click()
        assert len(driver.find_elements(By.CSS_SELECTOR, "#preview-table tbody tr")) == 20
        # without JavaScript the copy buttons stay hidden; the code is still there to select
        assert not driver.find_element(By.CSS_SELECTOR, "button.copy").is_displayed()
        assert driver.find_element(By.ID, "code-curl").text.startswith("curl")
    finally:
        driver.quit()


def test_quality_dashboard(browser, server, output_dir, tokens):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/quality")
    rows = browser.find_elements(By.CSS_SELECTOR, "#quality-table tbody tr")
    names = [r.find_element(By.CSS_SELECTOR, "th code").text for r in rows]
    assert sorted(names) == ["admin_units", "dossier_kpis_monthly", "enterprises", "public_services", "schools"]
    kpis = rows[names.index("dossier_kpis_monthly")]
    cells = [c.text for c in kpis.find_elements(By.TAG_NAME, "td")]
    assert cells[:4] == ["100", "100", "100", "100"]
    assert kpis.find_element(By.CSS_SELECTOR, "svg.spark")  # scores over time
    assert cells[6] == "2"  # the latest run failed two checks
    assert cells[7] == "1"  # one rejected version
    assert "Bị từ chối" in cells[9]
    assert "Chưa có số liệu độ mới" in browser.find_element(By.ID, "sources-h").find_element(By.XPATH, "..").text
    shot(browser, output_dir, "portal_dashboard_public")

    kpis.find_element(By.CSS_SELECTOR, "th a").click()
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "finished_not_before_received" in page and "unique_dossier_code" in page
    assert "finished_not_before_received (Đúng) · staging.stg_motcua__dossiers: finished_at < received_at" in page
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history-table tbody tr")) == 3
    lineage = browser.find_element(By.ID, "lineage").text
    for label in ("motcua.ho_so", "stg_motcua__dossiers", "int_dossiers_deduplicated", "dossier_kpis_monthly"):
        assert label in lineage
    detail = browser.find_element(By.CSS_SELECTOR, "table.checks details")
    detail.find_element(By.TAG_NAME, "summary").click()
    assert "HS-7" in detail.text
    shot(browser, output_dir, "portal_quality_dossier_kpis")


def test_steward_dashboard_shows_every_dataset(tmp_path, server, output_dir, tokens, lineage_manifest):
    _require_browser()
    from selenium.webdriver.common.by import By

    driver = make_driver(tmp_path)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                               {"headers": {"Authorization": f"Bearer {tokens['steward']}"}})
        driver.get(server.url + "/quality")
        names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#quality-table tbody th code")]
        assert "citizens" in names and "dossiers" in names
        assert driver.find_elements(By.ID, "docs-h")
        shot(driver, output_dir, "portal_dashboard_steward")
        driver.get(server.url + "/dataset/dossiers")
        assert "Họ tên người nộp" in driver.find_element(By.CSS_SELECTOR, "#preview-table thead").text
        assert "Nguyễn Văn An" in driver.find_element(By.CSS_SELECTOR, "#preview-table tbody").text
    finally:
        driver.quit()
