"""Hostile files, built at test time, are refused or read within the reading budget, by a worker process whose
peak memory stays under the limit; the library is left as it was (issue 20)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hostile_files as H
from assistant.config import load_settings
from assistant.ingest.budget import Budget
from assistant.ingest.worker import read_document

ROOT = Path(__file__).resolve().parents[1]
BUDGET = Budget()  # the defaults of assistant/config.py


def test_defaults_come_from_settings():
    settings = load_settings()
    assert Budget.from_settings(settings) == BUDGET
    raised = Budget.from_settings(settings, large=True)
    assert raised.unpacked_mb > BUDGET.unpacked_mb and raised.pages > BUDGET.pages
    # Sized for a 300-page PDF and a 5,000-row table, with room.
    assert BUDGET.pages >= 3 * 300 and BUDGET.units >= 3 * 5000


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


def _refused(report, words: str):
    assert report.document is None, report
    assert words in str(report.error), report.error
    assert report.peak_mb < BUDGET.memory_mb
    print(f"\n{Path(report.path).name}: {report.seconds:.2f} s, peak {report.peak_mb:.0f} MB — {report.error}")


def test_zip_bomb_is_refused_from_its_directory(folder):
    report = read_document(H.zip_bomb_docx(folder, BUDGET.unpacked_mb + 10), "bomb", BUDGET)
    _refused(report, f"解压后超过 {BUDGET.unpacked_mb} MB 上限")
    assert report.seconds < 5


def test_entity_bombs_are_refused_or_read_small(folder):
    for path in (H.entity_bomb_docx(folder), H.entity_bomb_html(folder)):
        report = read_document(path, "laughs", BUDGET)
        print(f"\n{path.name}: {report.seconds:.2f} s, peak {report.peak_mb:.0f} MB — {report.error or '已读取'}")
        assert report.peak_mb < 500, report  # never expanded
        if report.document is not None:
            text = "".join(u.text for u in report.document.units)
            assert text.count("哈") < 1000


def test_100_mb_of_a_real_regulation_is_refused_at_once(folder):
    report = read_document(H.big_text(folder, 100), "big", BUDGET)
    _refused(report, "字上限")
    assert report.seconds < 5


def test_50_mb_html_is_refused_at_once(folder):
    report = read_document(H.big_html(folder, 50, "h50.html"), "big", BUDGET)
    _refused(report, "字上限")


def test_2000_blank_pages_are_refused_by_the_page_count(folder):
    report = read_document(H.blank_pdf(folder, 2000), "blank", BUDGET)
    _refused(report, f"共 2000 页，超过 {BUDGET.pages} 页上限")


def test_time_and_memory_limits_stop_the_worker(folder):
    page = H.big_html(folder, 3, "h3.html")
    slow = read_document(page, "slow", Budget(seconds=1))
    assert "读取超过 1 秒上限" in str(slow.error), slow
    fed = read_document(page, "fed", BUDGET)
    assert fed.document is not None and 0 < fed.peak_mb < BUDGET.memory_mb
    cap = int(fed.peak_mb * 0.8)  # less than the page needs
    hungry = read_document(page, "hungry", Budget(memory_mb=cap))
    assert f"读取时内存超过 {cap} MB 上限" in str(hungry.error), hungry


def test_large_files_flag_raises_the_limit(folder):
    report = read_document(H.blank_pdf(folder, 2000), "blank", BUDGET.raised())
    assert "页上限" not in str(report.error)  # now read: a blank PDF has no text layer
    assert "文字层" in str(report.error)


@pytest.mark.slow
def test_30_mb_html_is_read_or_refused_within_budget(folder):
    report = read_document(H.big_html(folder, 30, "h30.html"), "big30", BUDGET)
    print(f"\nh30.html: {report.seconds:.1f} s, peak {report.peak_mb:.0f} MB — {report.error or '已读取'}")
    assert report.seconds < BUDGET.seconds and report.peak_mb < BUDGET.memory_mb
    if report.document is not None:
        assert len(report.document.units) <= BUDGET.units


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_refusals_leave_the_library_as_it_was(folder, tmp_path):
    """Through the command line: each hostile file refused with its Chinese reason; `library list` unchanged;
    the links to /etc/passwd and to an outside folder skipped with a message; no outside content in any unit."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret-regulation.md").write_text("# 外部保密条例\n\n第一条 外部文件内容甲乙丙丁戊己。\n", encoding="utf-8")
    adding = tmp_path / "adding"
    adding.mkdir()
    (adding / "national-2019-online-government-services-provisions.md").write_bytes(
        (H.DATA / "national-2019-online-government-services-provisions.md").read_bytes())
    (adding / "passwd.txt").symlink_to("/etc/passwd")
    (adding / "elsewhere").symlink_to(outside, target_is_directory=True)
    (adding / "secret.md").symlink_to(outside / "secret-regulation.md")
    (adding / ".hidden.md").write_text("# 隐藏\n\n第一条 隐藏。\n", encoding="utf-8")
    args = ["--library", str(tmp_path / "docs"), "--index-dir", str(tmp_path / "index")]
    added = run_cli(*args, "library", "add", str(adding), "--no-index")
    assert added.returncode == 0, added.stderr
    for name in ("passwd.txt", "elsewhere", "secret.md"):
        assert f"跳过链接：{name}" in added.stdout, added.stdout
    assert "跳过隐藏文件：.hidden.md" in added.stdout
    before = run_cli(*args, "library", "list", "--json").stdout
    assert [d["doc"] for d in json.loads(before)] == ["national-2019-online-government-services-provisions"]

    bombs = [H.zip_bomb_docx(folder, BUDGET.unpacked_mb + 10), H.big_text(folder, 100), H.blank_pdf(folder, 2000)]
    refused = run_cli(*args, "library", "add", *map(str, bombs), "--no-index")
    assert "解压后超过 200 MB 上限" in refused.stderr and "页上限" in refused.stderr and "字上限" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run_cli(*args, "library", "list", "--json").stdout == before
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == [
        "national-2019-online-government-services-provisions.md"]
    shown = run_cli(*args, "corpus", "--json", "--compact").stdout
    assert "root:x:0" not in shown and "甲乙丙丁戊己" not in shown
