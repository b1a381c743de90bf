"""The 文库 tab in a real browser: the documents, an outline entry that opens its unit, the task table filtered
by lead, the document picker that scopes the chat; and adding a document from the browser, refused unless
the server allows it (`serve --allow-upload`), and checked like `library add` when it does."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from browser_support import (
    DESK,
    PHONE,
    ask,
    chromium,  # noqa: F401  (the fixture)
    find,
    find_all,
    needs_chromium,
    open_page,
    open_tab,
    rect,
    select_option,
    wait,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
SMALL_DOC = ROOT / "tests" / "data" / "library" / "excerpts" / "03-xiamen-2019-yingshang-ruogancuoshi.txt"


def test_library_view_filters_the_task_table_and_scopes_the_chat(chromium, chat_server, seed_doc):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    open_tab(driver, "文库")
    count = wait(driver, lambda d: find(d, "#task-count").text.startswith("共 199 项") and find(d, "#task-count"), 20)
    docs = find(driver, "#library-docs").text
    assert seed_doc.title in docs and "桂政办发〔2022〕40号" in docs
    # every column on the page at 1400 (配合单位 too), rows wrapped short
    table = find(driver, "#task-table table")
    assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", table)
    assert rect(driver, find_all(driver, "#task-table th")[-1])["right"] <= DESK[0]
    assert [th.text for th in find_all(driver, "#task-table th")][-1] == "配合单位"
    heights = sorted(rect(driver, r)["height"] for r in find_all(driver, "#task-table tbody tr"))
    median = heights[len(heights) // 2]
    print(f"\n[figures] seed task table at 1400: {len(heights)} rows, median row height {median:.0f} px")
    assert median < 120
    cells = find_all(driver, "#task-table tbody tr:first-child td")
    assert all(rect(driver, a)["right"] <= rect(driver, b)["left"] + 1 for a, b in zip(cells, cells[1:]))

    select_option(driver, "#tasks-lead", "广西税务局")
    wait(driver, lambda d: count.text.startswith("共 19 项"), 20, "the lead filter did not apply")
    table = find(driver, "#task-table")
    wait(driver, lambda d: "广西税务局" in table.text and "降低企业开办成本" in table.text, 10)
    assert "7个事项1个工作日办结" not in table.text  # task 1 is led by others
    select_option(driver, "#tasks-category", "纳税")
    expected = [t for t in seed_doc.tasks if "广西税务局" in t.lead and t.category == "纳税"]
    wait(driver, lambda d: count.text.startswith(f"共 {len(expected)} 项"), 20)
    assert find(driver, "#tasks-csv").is_displayed() and f"{len(expected)} 行" in find(driver, "#tasks-csv").text

    # the outline: an entry opens its unit
    entry = [a for a in find_all(driver, "#outline a.cite") if a.text.startswith("措施（三十二）")][0]
    entry.click()
    wait(driver, lambda d: "巩固提升供水供气改革成果" in find(d, "#unit-dialog").text, 10)
    find(driver, "#unit-dialog .ud-close").click()

    # the picker scopes the chat
    find(driver, "#scope-to-doc").click()
    wait(driver, lambda d: find(d, "#question textarea").is_displayed() and "广西方案" in find(d, "#filters-line").text, 10)


def test_library_view_on_a_phone(chromium, chat_server):
    driver = chromium.driver
    chromium.size(*PHONE, phone=True)
    open_page(driver, chat_server.url)
    open_tab(driver, "文库")
    wait(driver, lambda d: find(d, "#task-count").text.startswith("共 199 项"), 20)
    assert find(driver, "#outline details").get_attribute("open") is None  # folded: the table comes first
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]


def _post_file(url: str, path: Path) -> int:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_upload_is_refused_when_not_enabled(chromium, chat_server):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    open_tab(driver, "文库")
    note = wait(driver, lambda d: find_all(d, "#upload-off"), 10)[0]
    assert "--allow-upload" in note.text
    assert not find_all(driver, "#upload-files") and not find_all(driver, "#upload-button")
    assert _post_file(chat_server.url, SMALL_DOC) == 413  # the server takes no file at all


@pytest.fixture(scope="module")
def upload_server(shared_assistant, tmp_path_factory):
    """A second chat with uploads on, over a copy of the library (the project's corpus/ is never touched); the
    seed's vectors come from the session's index, so only an added document is encoded."""
    from conftest import ChatServer, free_port

    from assistant.answering.service import Assistant
    from assistant.app.chat_app import build_app, launch_app
    from assistant.config import load_settings
    from assistant.library.catalog import Library
    from assistant.retrieval.chunks import library_chunks
    from assistant.retrieval.encoder import Encoder
    from assistant.retrieval.index_store import text_sha

    base = tmp_path_factory.mktemp("upload")
    folder = base / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder)
    settings = load_settings(library=folder, index_dir=base / "index", feedback_file=base / "feedback.jsonl")
    library = Library(settings)
    library.sync()
    model = Encoder(settings, progress=False).model_id
    shas = [text_sha(c.text) for c in library_chunks(list(library.documents.values()))]
    library.store.cache_vectors(model, shared_assistant.library.store.cached_vectors(model, shas))
    assistant = Assistant(settings, progress=False, library=library)
    assistant.warm_up()
    app = build_app(assistant, allow_upload=True, max_upload_bytes=1024 * 1024)
    port = free_port()
    launch_app(app, host="127.0.0.1", port=port, prevent_thread_lock=True)
    try:
        yield ChatServer(f"http://127.0.0.1:{port}/", settings.feedback_file, app), assistant, folder
    finally:
        app.close()


def test_upload_works_when_enabled_and_a_bad_file_changes_nothing(chromium, upload_server, tmp_path):
    server, assistant, folder = upload_server
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, server.url)
    open_tab(driver, "文库")
    find(driver, "#upload .label-wrap").click()
    before = (sorted(assistant.docs), sorted(p.name for p in folder.iterdir()))

    bad = tmp_path / "扫描件.pdf"
    bad.write_bytes(b"%PDF-1.4\n%garbage that is no pdf at all\n")
    files = wait(driver, lambda d: find_all(d, "#upload-files input[type=file]"), 10)[0]
    files.send_keys(str(bad))
    wait(driver, lambda d: "扫描件" in find(d, "#upload-files").text, 20)
    find(driver, "#upload-button").click()
    status = wait(driver, lambda d: "文库没有变化" in find(d, "#upload-status").text and find(d, "#upload-status"), 60)
    assert "无法读取文件 扫描件.pdf" in status.text
    assert (sorted(assistant.docs), sorted(p.name for p in folder.iterdir())) == before

    find(driver, "#upload-files button[aria-label='清除']").click()
    files = wait(driver, lambda d: find_all(d, "#upload-files input[type=file]"), 10)[0]
    files.send_keys(str(SMALL_DOC))
    wait(driver, lambda d: "xiamen" in find(d, "#upload-files").text, 20)
    find(driver, "#upload-button").click()
    wait(driver, lambda d: "导入完成" in find(d, "#upload-status").text, 120, "the good file was not added")
    assert f"已导入：{SMALL_DOC.name}" in find(driver, "#upload-status").text
    assert SMALL_DOC.name in {p.name for p in folder.iterdir()} and len(assistant.docs) == 2
    wait(driver, lambda d: "厦门" in find(d, "#library-docs").text, 10)
    assert "2 份文件" in find(driver, "#page-head").text

    open_tab(driver, "问答")  # the new document answers at once
    answer = ask(driver, "文库里有哪些文件？")
    assert "厦门" in answer.text
