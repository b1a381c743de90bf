"""Make the README's screenshots: the chat answering a list question, at a desk (1400×900) and on a phone
(390 wide; the answer and, below it, its sources), and the 文库 task table at a desk searched for a word.

    .venv/bin/python docs/make_screenshots.py      # needs Debian's chromium and chromium-driver

Uses the default library and index (built if missing) and a throwaway feedback file.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTION = "税务局牵头负责哪些任务？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    from browser_support import DESK, PHONE, Chromium, ask, find, open_page, open_tab, wait

    from assistant.answering.service import Assistant
    from assistant.app.chat_app import build_app, launch_app

    assistant = Assistant(progress=True)
    assistant.warm_up()
    app = build_app(assistant, feedback_file=Path(tempfile.mkdtemp()) / "feedback.jsonl")
    port = free_port()
    launch_app(app, host="127.0.0.1", port=port, prevent_thread_lock=True)
    url = f"http://127.0.0.1:{port}/"
    browser = Chromium()
    try:
        driver = browser.driver
        browser.size(*DESK)
        open_page(driver, url)
        ask(driver, QUESTION)
        time.sleep(0.5)
        driver.save_screenshot(str(HERE / "screenshot-desktop.png"))

        open_tab(driver, "文库")
        wait(driver, lambda d: find(d, "#task-count").text.startswith("共 "), 30)
        find(driver, "#tasks-search input, #tasks-search textarea").send_keys("海关")
        wait(driver, lambda d: "海关" in find(d, "#task-count").text or not find(d, "#task-count").text
             .startswith("共 199"), 30)
        time.sleep(0.5)
        driver.execute_script("document.getElementById('tasks-column').scrollIntoView({block: 'start'})")
        time.sleep(0.3)
        driver.save_screenshot(str(HERE / "screenshot-library.png"))

        browser.size(*PHONE, phone=True)
        open_page(driver, url)
        ask(driver, QUESTION)
        time.sleep(0.5)
        sources = find(driver, "#sources-section")
        bottom = driver.execute_script("return arguments[0].getBoundingClientRect().top + scrollY + 640", sources)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": PHONE[0], "height": bottom, "scale": 1}})
        (HERE / "screenshot-phone.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.quit()
        app.close()
    print(f"已生成：{HERE / 'screenshot-desktop.png'}、{HERE / 'screenshot-phone.png'}、{HERE / 'screenshot-library.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
