"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver), at a desk's and a
phone's size, with small helpers to drive the chat page."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESK = (1400, 900)
PHONE = (390, 844)

needs_chromium = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason=f"需要 {CHROMIUM} 与 {CHROMEDRIVER}（Debian 包 chromium、chromium-driver；scripts/test.sh 以 root 运行时会安装）",
)

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # An English browser on purpose: the page must be Chinese whatever the browser's language.
    "--lang=en-US",
    "--window-size=1400,900",
)


class Chromium:
    """One headless Chromium; `size` switches between the desk and the phone viewport (CSS pixels)."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        os.environ.setdefault("SE_AVOID_STATS", "true")
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.downloads = tempfile.mkdtemp(prefix="chromium-downloads-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": self.downloads})

    def size(self, width: int, height: int, phone: bool = False) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 2 if phone else 1, "mobile": phone})
        self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": phone})

    def quit(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium():
    pytest.importorskip("selenium")
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.quit()


# --- driving the page ------------------------------------------------------------------------------------


def wait(driver, condition, timeout: float = 60, message: str = ""):
    """Poll `condition` until it is truthy; an element re-rendered meanwhile (stale) just means "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (StaleElementReferenceException, NoSuchElementException)
    return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(condition, message)


def find(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def find_all(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait(driver, lambda d: find_all(d, "#question textarea") and find_all(d, "#unit-dialog"), 60,
         "the page did not load")


def answers(driver) -> list:
    return find_all(driver, "#chat .answer")


def ask(driver, question: str, timeout: float = 90):
    """Type a question, press 提问, wait for its answer; returns the answer element."""
    before = len(answers(driver))
    box = find(driver, "#question textarea")
    box.send_keys(question)
    find(driver, "#ask").click()
    wait(driver, lambda d: len(answers(d)) > before and not find_all(d, "#chat .pending"), timeout,
         f"no answer to {question}")
    time.sleep(0.3)  # the page scrolls the new answer into view on the next frame
    return answers(driver)[-1]


def rect(driver, element) -> dict:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height};",
        element)


def on_screen(driver, element) -> bool:
    """In the viewport and in the visible part of every scrolling box around it."""
    return driver.execute_script("""
        const el = arguments[0];
        const r = el.getBoundingClientRect();
        if (r.height === 0 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (/(auto|scroll|hidden)/.test(s.overflowY)) {
                const b = p.getBoundingClientRect();
                if (r.bottom <= b.top || r.top >= b.bottom) return false;
            }
        }
        return true;""", element)


def select_option(driver, dropdown_css: str, text: str) -> None:
    """Pick `text` in a Gradio dropdown by typing it and choosing the option."""
    from selenium.webdriver.common.keys import Keys

    box = find(driver, f"{dropdown_css} input")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text)
    option = wait(driver, lambda d: [o for o in find_all(d, "li[data-testid='dropdown-option']")
                                     if o.text.strip().lstrip("✓").strip() == text], 10,
                  f"no option {text}")[0]
    option.click()


def open_tab(driver, name: str) -> None:
    tab = wait(driver, lambda d: [t for t in find_all(d, "#tabs button[role='tab']") if t.text.strip() == name], 10)
    tab[0].click()


def downloaded(folder: str, suffix: str, timeout: float = 20) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [f for f in os.listdir(folder) if f.endswith(suffix)]
        if done:
            return os.path.join(folder, done[0])
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}: {os.listdir(folder)}")
