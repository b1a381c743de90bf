"""Tables with columns beyond the seed table's seven, in a real browser at a desk (1400×900) and on a phone
(390×844): two real excerpts — a 分解表 with a 责任领导 column and an approval table with 审批类别 / 办事流程 /
审报提交材料 / 承诺时限 — answer a question on each extra column and show every column, under the document's
own headers, in the 文库 table; the 文库 count and downloads follow its search; the page holds no English an
English-language browser would show; an over-long question stays in the box; the answer's actions are big
enough to tap on a phone. Figures (row heights, button sizes) are printed for the record (`-s`)."""

from __future__ import annotations

import csv
import shutil
import statistics
from pathlib import Path

import pytest
from browser_support import (
    DESK,
    PHONE,
    ask,
    chromium,  # noqa: F401  (the fixture)
    downloaded,
    find,
    find_all,
    needs_chromium,
    open_page,
    open_tab,
    rect,
    select_option,
    wait,
)
from conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]

ROOT = Path(__file__).resolve().parents[1]
EXCERPTS = ROOT / "tests" / "data" / "library" / "excerpts"
LEADERS = EXCERPTS / "08-liaozhong-2024-zhengfugongzuobaogao-renwufenjiebiao.txt"  # 责任领导
APPROVALS = EXCERPTS / "11-gongshang-xingzhengshenpi-banshichengxubiao.txt"  # 审批类别 办事流程 审报提交材料 承诺时限

# Words a Chinese page may show as they are: file formats and the product's own command names.
ALLOWED_LATIN = {"CSV", "Excel", "XLSX", "PDF", "Word", "txt", "md", "docx", "pdf", "html", "assistant", "serve",
                 "allow", "upload", "library", "add", "MB", "KB", "API"}


@pytest.fixture(scope="module")
def columns_server(tmp_path_factory):
    """The chat over a library of the two excerpts (real model, real index, a real server)."""
    from assistant.answering.service import Assistant
    from assistant.app.chat_app import build_app, launch_app
    from assistant.config import load_settings

    root = tmp_path_factory.mktemp("columns")
    folder = root / "library"
    folder.mkdir()
    for path in (LEADERS, APPROVALS):
        shutil.copy(path, folder / path.name)
    assistant = Assistant(load_settings(library=folder, index_dir=root / "index"), progress=False)
    assistant.warm_up()
    app = build_app(assistant, feedback_file=root / "feedback.jsonl")
    port = free_port()
    launch_app(app, host="127.0.0.1", port=port, prevent_thread_lock=True)
    try:
        yield f"http://127.0.0.1:{port}/", assistant
    finally:
        app.close()


def _title(assistant, path: Path) -> tuple[str, str]:
    doc = next(d for d in assistant.docs.values() if Path(d.source).name == path.name)
    return doc.doc, f"{doc.short_name or doc.doc}：{doc.title}"


def _english(driver) -> list[str]:
    """Latin words a person could see or hear: text of displayed elements, titles, placeholders, aria-labels."""
    found = driver.execute_script("""
        const out = [];
        const shown = (el) => { for (let e = el; e; e = e.parentElement) {
            const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return false; }
            return true; };
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const p = n.parentElement;
          if (!p || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'CODE'].includes(p.tagName.toUpperCase()) || p.closest('svg')) continue;
          if (/[A-Za-z]{2,}/.test(n.nodeValue) && shown(p))
            out.push('text: ' + n.nodeValue.trim() + ' @' + p.tagName + '.' + (p.className || '') + '<'
                     + (p.parentElement ? p.parentElement.className : ''));
        }
        document.querySelectorAll('[aria-label], [title], [placeholder], [alt]').forEach((e) => {
          if (!shown(e)) return;
          for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
            const v = e.getAttribute(a);
            if (v && /[A-Za-z]{2,}/.test(v)) out.push(a + ': ' + v);
          }
        });
        return out;""")
    import re

    return [f for f in found
            if any(w not in ALLOWED_LATIN for w in re.findall(r"[A-Za-z]{2,}", f.split(": ", 1)[1].split(" @")[0]))]


def test_desk_every_column_answers_and_shows_in_the_library(chromium, columns_server):
    url, assistant = columns_server
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, url)

    # a question on each extra column
    materials = ask(driver, "个体工商户冠名预先核准要交哪些材料")
    assert "审报提交材料" in materials.text and "企业名称预先核准登记申请书" in materials.text
    time_limit = ask(driver, "其他企业冠名的预先核准要多久")
    assert find(driver, "#chat .answer:last-of-type .conclusion").text == "2个工作日" or "2个工作日" in time_limit.text
    assert "承诺时限" in time_limit.text
    kind = ask(driver, "个体工商户冠名的注销核准是什么审批类别")
    assert "审批类别" in kind.text and "终审" in kind.text
    process = ask(driver, "其他企业冠名的变更核准办事流程是什么")
    assert "办事流程" in process.text and "核准(股长)" in process.text
    leader = ask(driver, "辽中区分解表里冯冬昌负责哪些任务")
    assert leader.find_element("css selector", ".conclusion").text == "共 3 项"
    assert "责任领导" in leader.text
    english = _english(driver)
    assert english == [], english

    # the 文库 shows each document's own columns, fitting the page
    open_tab(driver, "文库")
    _, approvals = _title(assistant, APPROVALS)
    select_option(driver, "#library-doc", approvals)
    wait(driver, lambda d: "审报提交材料" in find(d, "#task-table").text, 20)
    headers = [th.text for th in find_all(driver, "#task-table th")]
    assert headers == ["序号", "行政审批事项", "审批类别", "办事流程", "审报提交材料", "承诺时限"]
    assert "指标名称" not in find(driver, "#task-table").text  # an approval type is not an indicator
    category = find(driver, "#tasks-category")
    assert "审批类别" in category.text
    table = find(driver, "#task-table table")
    assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", table)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= DESK[0]
    assert rect(driver, find_all(driver, "#task-table th")[-1])["right"] <= DESK[0]
    heights = [rect(driver, r)["height"] for r in find_all(driver, "#task-table tbody tr")]
    print(f"\n[figures] approvals table at 1400: {len(heights)} rows, median row height "
          f"{statistics.median(heights):.0f} px")
    english = _english(driver)
    assert english == [], english

    # the count and the downloads follow a search
    _, leaders = _title(assistant, LEADERS)
    select_option(driver, "#library-doc", leaders)
    wait(driver, lambda d: "责任领导" in [th.text for th in find_all(d, "#task-table th")], 20)
    total = len(find_all(driver, "#task-table tbody tr"))
    search = find(driver, "#tasks-search input, #tasks-search textarea")
    search.send_keys("冯冬昌")
    wait(driver, lambda d: find(d, "#task-count").text.startswith("共 3 项"), 20, "the count did not follow")
    assert len(find_all(driver, "#task-table tbody tr")) == 3 < total
    csv_button = find(driver, "#tasks-csv")
    assert "3 行" in csv_button.text
    csv_button.click()
    path = downloaded(chromium.downloads, ".csv")
    assert "冯冬昌" in Path(path).name and "3项" in Path(path).name
    with open(path, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and all(r["责任领导"] == "冯冬昌" for r in rows)
    assert rows[0]["文档"].startswith("《") and rows[0]["单元"].startswith("任务")
    assert "文档编号" not in rows[0] and not any(v.startswith("task-") for v in rows[0].values())


def test_phone_long_question_kept_buttons_big_enough_cards(chromium, columns_server):
    url, assistant = columns_server
    driver = chromium.driver
    chromium.size(*PHONE, phone=True)
    open_page(driver, url)

    # an over-long question stays in the box, with the reason shown
    box = find(driver, "#question textarea")
    long = "个体工商户冠名预先核准要交哪些材料" * 40
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                          box, long)
    find(driver, "#ask").click()
    wait(driver, lambda d: any("问题过长" in t.text for t in find_all(d, ".toast-body")), 10, "no message")
    assert find(driver, "#question textarea").get_attribute("value") == long
    assert not find_all(driver, "#chat .answer")
    driver.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'))", box)

    ask(driver, "辽中区分解表里冯冬昌负责哪些任务")
    actions = {}
    for label in ("重试", "撤销", "赞", "踩"):
        buttons = [b for b in find_all(driver, f"#chat button[aria-label='{label}']") if b.is_displayed()]
        assert buttons, label
        actions[label] = rect(driver, buttons[-1])
    for css, label in (("a.copy-link", "复制"), ("a.sources-link", "来源")):
        links = [a for a in find_all(driver, f"#chat .answer {css}") if a.is_displayed()]
        assert links, label
        actions[label] = rect(driver, links[-1])
    small = {k: (round(v["width"]), round(v["height"])) for k, v in actions.items()
             if v["width"] < 40 or v["height"] < 40}
    print("\n[figures] phone answer actions (w×h px): "
          + ", ".join(f"{k} {v['width']:.0f}×{v['height']:.0f}" for k, v in actions.items()))
    assert small == {}, small
    tiny = driver.execute_script("""
        return [...document.querySelectorAll('button, a[href], [role=button], input[type=checkbox]')]
          .filter((b) => { const r = b.getBoundingClientRect(); const s = getComputedStyle(b);
                           return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; })
          .map((b) => { const r = b.getBoundingClientRect();
                        return [b.getAttribute('aria-label') || b.textContent.trim().slice(0, 12), r.width, r.height]; })
          .filter(([, w, h]) => w < 24 || h < 24);""")
    assert tiny == [], tiny
    english = _english(driver)
    assert english == [], english

    # 文库 on a phone: a card per row, every column in it, nothing wider than the phone
    open_tab(driver, "文库")
    _, approvals = _title(assistant, APPROVALS)
    select_option(driver, "#library-doc", approvals)
    wait(driver, lambda d: find_all(d, "#task-table td[data-label='审报提交材料']"), 20)
    rows = find_all(driver, "#task-table tbody tr")
    assert rows and driver.execute_script("return getComputedStyle(arguments[0]).display", rows[0]) == "block"
    labels = [td.get_attribute("data-label") for td in rows[0].find_elements("css selector", "td")]
    assert "承诺时限" in labels and "审报提交材料" in labels
    assert all(rect(driver, td)["right"] <= PHONE[0] for td in rows[0].find_elements("css selector", "td"))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    english = _english(driver)
    assert english == [], english
