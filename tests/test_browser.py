"""The chat in a real browser (headless Chromium) at a desk (1400×900) and on a phone (390×844): a list answer
leads with its count, shows compact rows and its sources; a citation opens its unit; an earlier answer's
sources reopen; CSV and Excel downloads hold every row and column; the copy is clean text; feedback is written
per answer; the question shows at once and typing while waiting is kept; retry, undo and one clear; and the
page is Chinese in an English browser."""

from __future__ import annotations

import csv
import re
import threading

import pytest
from browser_support import (
    DESK,
    PHONE,
    answers,
    ask,
    chromium,  # noqa: F401  (the fixture)
    downloaded,
    find,
    find_all,
    needs_chromium,
    on_screen,
    open_page,
    rect,
    wait,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]

LIST_QUESTION = "税务局牵头负责哪些任务？"
LOOKUP_QUESTION = "带外线的供水工程要多少个工作日办完？"


@pytest.fixture(scope="module")
def tax_rows(shared_assistant):
    answer = shared_assistant.ask(LIST_QUESTION)
    assert len(answer.rows) == 19  # the seed notice: 19 rows led by 广西税务局
    return answer


def test_desk_list_answer_leads_with_its_count_beside_its_sources(chromium, chat_server, tax_rows):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
    assert "政策问答助手" in driver.title
    answer = ask(driver, LIST_QUESTION)

    lead = answer.find_element("css selector", ".conclusion")
    assert lead.text == "共 19 项" and on_screen(driver, lead)
    rows = answer.find_elements("css selector", "li.row")
    assert len(rows) == 19 and sum(r.is_displayed() for r in rows) == 5
    summary = answer.find_element("css selector", "details.more-rows summary")
    assert "展开全部 19 项" in summary.text
    summary.click()
    wait(driver, lambda d: all(r.is_displayed() for r in rows), 5)
    assert rows[0].text.startswith("任务7") and "2022年11月30日" in rows[0].text and "牵头" in rows[0].text

    chat, sources = rect(driver, find(driver, "#chat")), rect(driver, find(driver, "#sources-section"))
    assert sources["left"] >= chat["right"] - 1 and abs(sources["top"] - chat["top"]) < 40  # side by side
    panel = find(driver, "#sources-panel")
    assert len(panel.find_elements("css selector", "table.task-table tbody tr")) == 19
    assert panel.find_elements("css selector", f"tr#{tax_rows.citations[0].ref}")
    for column in ("完成时限", "牵头单位", "配合单位"):  # every column shown, none cut off
        cells = panel.find_elements("css selector", f"tbody td[data-label='{column}']")
        assert len(cells) == 19 and cells[0].is_displayed()
        assert rect(driver, cells[0])["right"] <= rect(driver, panel)["right"] + 1
    assert driver.execute_script("const p = arguments[0]; return p.scrollWidth <= p.clientWidth + 1;", panel)

    # CSV and Excel: every row, every column, the document of each row
    find(driver, "#download-csv").click()
    find(driver, "#download-xlsx").click()
    csv_path, xlsx_path = downloaded(chromium.downloads, ".csv"), downloaded(chromium.downloads, ".xlsx")
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    from openpyxl import load_workbook

    sheet = [[c.value for c in r] for r in load_workbook(xlsx_path).active.iter_rows()]
    from assistant.app.downloads import table as expected_table

    headers, values = expected_table(tax_rows.rows)
    assert {"文档", "单元", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位"} <= set(headers)
    assert table[0] == headers and sheet[0] == headers
    assert len(table) == len(sheet) == 1 + 19
    assert [r[headers.index("单元")] for r in table[1:]] == [r["label"] for r in tax_rows.rows]  # 任务7
    assert [("" if c is None else str(c)) for c in sheet[1]] == [str(v) for v in values[0]]
    assert [r[headers.index("配合单位")] for r in table[1:]] == [r["support"] for r in tax_rows.rows]
    assert all(r[headers.index("文档")] == f"《{tax_rows.rows[0]['doc_title']}》" for r in table[1:])

    # 复制: clean text, every row in full with its 配合单位
    driver.execute_cdp_cmd("Browser.grantPermissions", {
        "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"], "origin": chat_server.url.rstrip("/")})
    answer.find_element("css selector", "a.copy-link").click()
    wait(driver, lambda d: d.execute_script("return window.__assistantLastCopy || ''"), 10)
    copied = driver.execute_async_script(
        "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(window.__assistantLastCopy));")
    assert copied.startswith(f"问题：{LIST_QUESTION}")
    for bad in ("**", "<", "|", "…"):
        assert bad not in copied
    for row in tax_rows.rows:
        assert f"{row['task']}｜完成时限：{row['deadline']}｜牵头单位：{row['lead']}｜配合单位：{row['support'] or '—'}" in copied


def test_phone_answer_then_its_sources_with_nothing_in_between(chromium, chat_server, tax_rows):
    driver = chromium.driver
    chromium.size(*PHONE, phone=True)
    open_page(driver, chat_server.url)
    assert driver.execute_script("return innerWidth") == PHONE[0]
    answer = ask(driver, LIST_QUESTION)
    lead = answer.find_element("css selector", ".conclusion")
    assert lead.text == "共 19 项" and on_screen(driver, lead)  # the first screen shows the count
    # compact rows: the date stays on one line, nothing is wider than the phone
    for date in answer.find_elements("css selector", "li.row .row-date")[:5]:
        box, line = rect(driver, date), driver.execute_script(
            "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", date)
        assert box["height"] < 1.6 * line and box["width"] > 60
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]

    # the sources come right after the question box: no filters, feedback row or examples in between
    ask_row, sources = rect(driver, find(driver, "#ask-row")), rect(driver, find(driver, "#sources-section"))
    assert 0 <= sources["top"] - ask_row["bottom"] < 80
    for css in ("#filters", ".example-group", "#feedback-row"):
        for el in find_all(driver, css):
            if el.is_displayed():
                assert rect(driver, el)["top"] < ask_row["top"] or rect(driver, el)["top"] >= sources["top"], css
    answer.find_element("css selector", "a.sources-link").click()
    wait(driver, lambda d: 0 <= rect(d, find(d, "#sources-section"))["top"] < PHONE[1] / 2, 10,
         "查看来源 did not bring the sources on screen")
    panel = find(driver, "#sources-panel")
    assert len(panel.find_elements("css selector", "table.task-table tbody tr")) == 19
    assert driver.execute_script("const p = arguments[0]; return p.scrollWidth <= p.clientWidth + 1;", panel)
    cell = panel.find_element("css selector", "tbody tr td[data-label='配合单位']")
    assert cell.is_displayed() and rect(driver, cell)["right"] <= PHONE[0]  # 配合单位 is not cut off

    # a long list stays short: 175 rows fold after the first five
    driver.execute_script("window.scrollTo(0, 0)")
    long = ask(driver, "11月30日前要完成的任务有哪些")
    assert re.match(r"共 \d{3} 项", long.find_element("css selector", ".conclusion").text)
    assert rect(driver, long)["height"] < 1500


def test_a_citation_opens_its_unit_and_earlier_sources_reopen(chromium, chat_server):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    first = ask(driver, LIST_QUESTION)
    second = ask(driver, LOOKUP_QUESTION)
    assert second.find_element("css selector", ".conclusion").text == "12个工作日"
    marker = [a for a in second.find_elements("css selector", "a.cite") if a.text == "措施（三十二）"][0]
    marker.click()
    dialog = wait(driver, lambda d: (find(d, "#unit-dialog").get_attribute("open") is not None
                                     and find_all(d, "#unit-dialog .unit-detail") and find(d, "#unit-dialog")), 10)
    text = dialog.text
    assert "措施（三十二）" in text and "2022年广西优化营商环境行动方案" in text and "巩固提升供水供气改革成果" in text
    marks = [m.text for m in dialog.find_elements("css selector", "mark")]
    assert any("12个工作日" in m for m in marks)
    find(driver, "#unit-dialog .ud-close").click()
    wait(driver, lambda d: find(d, "#unit-dialog").get_attribute("open") is None, 5)

    # a compact row opens the full row: its task, deadline, lead and support
    first.find_elements("css selector", "li.row a.cite")[0].click()
    wait(driver, lambda d: "配合单位" in find(d, "#unit-dialog").text, 10)
    assert "任务7" in find(driver, "#unit-dialog").text and "自治区市场监管局" in find(driver, "#unit-dialog").text
    find(driver, "#unit-dialog .ud-close").click()

    assert LOOKUP_QUESTION in find(driver, "#sources-panel .sources-head").text
    first.find_element("css selector", "a.sources-link").click()
    wait(driver, lambda d: LIST_QUESTION in find(d, "#sources-panel .sources-head").text, 10)
    assert len(find_all(driver, "#sources-panel table.task-table tbody tr")) == 19
    assert find(driver, "#download-csv").is_displayed()


def test_feedback_is_written_with_the_answer_it_rates(chromium, chat_server, shared_assistant):
    from assistant.app.feedback import read_feedback

    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    ask(driver, LIST_QUESTION)
    ask(driver, LOOKUP_QUESTION)
    rated_before = len(read_feedback(chat_server.feedback_file))
    # 👍 on the first (earlier) answer, then a comment on it
    likes = find_all(driver, "#chat button[aria-label='赞']")
    assert len(likes) == 2
    likes[0].click()
    wait(driver, lambda d: "已记录反馈" in find(d, "#feedback-status").text, 10)
    find(driver, "#feedback-comment textarea").send_keys("列得很全")
    find(driver, "#feedback-submit").click()
    wait(driver, lambda d: "已记录您的意见" in find(d, "#feedback-status").text, 10)
    # 👎 on the second
    find_all(driver, "#chat button[aria-label='踩']")[1].click()
    wait(driver, lambda d: len(read_feedback(chat_server.feedback_file)) >= rated_before + 3, 10)

    up, comment, down = read_feedback(chat_server.feedback_file)[rated_before:rated_before + 3]
    first, second = shared_assistant.ask(LIST_QUESTION), shared_assistant.ask(LOOKUP_QUESTION)
    for record, verdict, question, answer, note in ((up, "up", LIST_QUESTION, first, ""),
                                                    (comment, "up", LIST_QUESTION, first, "列得很全"),
                                                    (down, "down", LOOKUP_QUESTION, second, "")):
        assert record["verdict"] == verdict and record["comment"] == note
        assert record["question"] == question and record["answer"] == answer.answer
        assert record["refs"] == [f"{c.doc}:{c.ref}" for c in answer.citations]


def test_question_shows_at_once_input_kept_retry_undo_and_one_clear(chromium, chat_server, shared_assistant,
                                                                      monkeypatch):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    find(driver, "#ask").click()  # nothing typed: a Chinese toast, on screen
    toast = wait(driver, lambda d: [t for t in find_all(d, ".toast-body") if "请输入问题" in t.text], 10)[0]
    assert on_screen(driver, toast) and not re.search(r"[A-Za-z]{3,}", toast.text)

    release = threading.Event()
    real_ask = shared_assistant.ask

    def slow_ask(*args, **kwargs):  # hold the answer until the page has been checked
        release.wait(30)
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(shared_assistant, "ask", slow_ask)
    box = find(driver, "#question textarea")
    box.send_keys(LOOKUP_QUESTION)
    find(driver, "#ask").click()
    wait(driver, lambda d: "正在检索" in find(d, "#chat").text, 5, "no 正在检索… while waiting")
    assert LOOKUP_QUESTION in find(driver, "#chat .question").text and not answers(driver)
    box.send_keys("那配合的呢？")
    find(driver, "#ask").click()  # still answering: the new question waits in the box
    wait(driver, lambda d: [t for t in find_all(d, ".toast-body") if "还在回答" in t.text], 10)
    release.set()
    wait(driver, lambda d: answers(d) and not find_all(d, "#chat .pending"), 60)
    assert box.get_attribute("value") == "那配合的呢？"
    monkeypatch.setattr(shared_assistant, "ask", real_ask)

    find(driver, "#chat button[aria-label='重试']").click()  # the same question again
    wait(driver, lambda d: answers(d) and not find_all(d, "#chat .pending") and
         len(find_all(d, "#chat .question")) == 1, 60)
    assert len(answers(driver)) == 1
    find(driver, "#chat button[aria-label='撤销']").click()  # back into the box, answer gone
    wait(driver, lambda d: not answers(d) and box.get_attribute("value") == LOOKUP_QUESTION, 10)

    ask(driver, "")  # the question is already in the box
    assert "引用" in find(driver, "#sources-panel").text
    clears = [b for b in find_all(driver, "#chat button[aria-label='清空对话']") if b.is_displayed()]
    assert len(clears) == 1 and not [b for b in find_all(driver, "button") if b.text.strip() == "清空对话"]
    clears[0].click()
    wait(driver, lambda d: not find_all(d, "#chat .question") and "提问后" in find(d, "#sources-panel").text, 10)
    for css in ("#download-csv", "#download-xlsx", "#feedback-row"):  # hidden again (Gradio drops them)
        assert not [el for el in find_all(driver, css) if el.is_displayed()], css


def test_the_page_is_chinese_in_an_english_browser(chromium, chat_server):
    driver = chromium.driver
    chromium.size(*DESK)
    open_page(driver, chat_server.url)
    assert driver.execute_script("return navigator.userAgent") and driver.execute_script(
        "return document.documentElement.lang") == "zh-CN"
    ask(driver, LIST_QUESTION)
    english = driver.execute_script("""
        const out = [];
        document.querySelectorAll('[aria-label], [title], [placeholder]').forEach((e) => {
          for (const a of ['aria-label', 'title', 'placeholder']) {
            const v = e.getAttribute(a);
            if (v && /[A-Za-z]{3,}/.test(v) && !/[\\u4e00-\\u9fff]/.test(v)) out.push(a + '=' + v);
          }
        });
        return out;""")
    assert english == [], english
    footer = find(driver, "footer").text
    # Gradio's API page is English: the footer links the project's Chinese API page (接口文档) or nothing
    assert "Use via API" not in footer and "通过 API 使用" not in footer
    # Gradio's own toasts (the server gone, a file too big) are put in Chinese as they appear
    driver.execute_script("""
        const t = document.createElement('div'); t.className = 'toast-body'; t.id = 'fake-toast';
        t.innerHTML = '<div class="toast-title">Error</div>'
          + '<div class="toast-text">Connection to the server was lost. Attempting reconnection...</div>';
        document.body.appendChild(t);""")
    wait(driver, lambda d: "与服务器的连接中断，正在尝试重新连接" in find(d, "#fake-toast").text, 5)
    assert "错误" in find(driver, "#fake-toast").text
    driver.execute_script("document.getElementById('fake-toast').remove()")
