"""The page in a real browser: headless Chromium types a question, submits it, and sees the answer with its
citation markers, the sources panel, and a 👍 that lands in the feedback file."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason=f"需要 {CHROMIUM} 与 {CHROMEDRIVER}（Debian 包 chromium、chromium-driver；scripts/test.sh 以 root 运行时会安装）",
    ),
]

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
    "--lang=zh-CN",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_question_in_the_browser_gets_a_cited_answer(browser, chat_server, shared_assistant):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90)
    browser.get(chat_server.url)
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
    assert "政策问答助手" in browser.title

    question = "哪些任务由税务局牵头？"
    box.send_keys(question)
    browser.find_element(By.CSS_SELECTOR, "#ask").click()

    def answered(driver):
        text = driver.find_element(By.CSS_SELECTOR, "#chat").text
        return text if "引用（" in text else False

    chat_text = wait.until(answered)
    expected = shared_assistant.ask(question)
    assert question in chat_text
    first_line = expected.answer.strip().splitlines()[0]
    assert re.sub(r"[*\s]", "", first_line)[:12] in re.sub(r"[*\s]", "", chat_text)
    assert re.search(r"\[任务\d+\]", chat_text), chat_text[:500]

    sources = browser.find_element(By.CSS_SELECTOR, "#sources-panel")
    assert "具体任务" in sources.text and "牵头单位" in sources.text
    first_ref = expected.citations[0].ref
    assert sources.find_elements(By.CSS_SELECTOR, f"tr#{first_ref}")

    # 👍 records the answer in the feedback file
    browser.find_element(By.CSS_SELECTOR, "#feedback-comment textarea").send_keys("列得很全")
    browser.find_element(By.CSS_SELECTOR, "#feedback-up").click()
    wait.until(lambda d: "已记录反馈" in d.find_element(By.CSS_SELECTOR, "#feedback-status").text)
    from assistant.app.feedback import read_feedback

    records = [r for r in read_feedback(chat_server.feedback_file) if r["question"] == question]
    assert records and records[-1]["verdict"] == "up" and records[-1]["comment"] == "列得很全"
    assert records[-1]["refs"] == [f"{c.doc}:{c.ref}" for c in expected.citations]
