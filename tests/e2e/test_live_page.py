"""The live-updates example page (examples/live) in a real browser: Debian's chromium, headless, driven by
selenium. An item created through the API appears on the page without a reload."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.system import System

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# As the machine notes say: without the background-networking switches chromium keeps dialling Google's hosts.
SWITCHES = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make setup installs them as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for switch in SWITCHES:
        options.add_argument(switch)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_shows_a_new_item_without_a_reload(system: System, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    if system.runtime is None or not system.outputs.get("live_updates_url"):
        pytest.skip("the page is served by make local on the moto engine")
    assert isinstance(browser, WebDriver)
    browser.get(system.runtime.live_page_url)
    wait = WebDriverWait(browser, 20)
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "status"), "live"))
    name = f"page-{uuid.uuid4().hex[:8]}"
    before = browser.execute_script("return performance.timeOrigin")

    status, created = system.request("POST", "/items", {"name": name, "status": "PENDING", "amount": 7})
    assert status == 201
    row = wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-id="{created["id"]}"]'))
    )
    assert [cell.text for cell in row.find_elements(By.TAG_NAME, "td")] == [created["id"], name, "PENDING", "7", "1"]

    status, _ = system.request(
        "PUT", f"/items/{created['id']}", {"name": name, "status": "PAID", "amount": 7}, {"If-Match": '"1"'}
    )
    assert status == 200
    wait.until(lambda _: row.get_attribute("data-version") == "2")
    assert row.find_elements(By.TAG_NAME, "td")[2].text == "PAID"
    assert browser.execute_script("return performance.timeOrigin") == before  # the same page: never reloaded
