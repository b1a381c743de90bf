"""Write assistant/data/slug_words.json: toneless pinyin → the Chinese word it most likely writes, for reading
file names that spell a document's place and kind in pinyin (chizhou-xinfangju-renwuqingdan → 池州 信访局 任务清单).

    pip install pypinyin   # only to regenerate the table; the assistant itself does not need it
    .venv/bin/python scripts/make_slug_words.py

Words: every place of assistant/data/places.json (names and short names) and jieba's dictionary words of two to
six characters above a frequency floor. One pinyin written by several words keeps a place first, then the most
frequent word, as a pinyin input method does.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
MIN_FREQ = 300  # jieba frequency floor: everyday and administrative words, not rare names
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,6}$")


# Words of documents' titles and of the bodies that issue them, ahead of everyday words spelt alike.
DOCUMENT_WORDS = [
    "要点", "工作要点", "方案", "实施方案", "行动方案", "工作方案", "意见", "实施意见", "指导意见", "若干意见", "措施",
    "若干措施", "清单", "任务清单", "责任清单", "分解表", "任务分解表", "分工", "任务分工", "分工方案", "通知", "条例",
    "办法", "实施办法", "规定", "细则", "规划", "纲要", "计划", "行动计划", "报告", "工作报告", "政府工作报告", "决定",
    "批复", "公告", "营商", "营商环境", "优化营商环境", "放管服", "政务", "政务公开", "政务服务", "信访", "审批",
    "行政审批", "办事", "程序", "程序表", "办事程序", "一览表", "目录", "事项", "工商", "市场监管", "发改", "发展改革",
    "财政", "税务", "人社", "住建", "自然资源", "生态环境", "商务", "交通运输", "农业农村", "卫生健康", "应急管理",
    "大数据", "公安", "司法", "民政", "教育", "科技", "工信", "文旅", "医保", "统计", "审计", "人民政府", "办公厅",
    "办公室", "管委会", "深化", "改革", "专项", "整治", "专项整治", "招投标", "招标投标", "信用", "社会信用", "体系",
    "建设", "试点", "推广", "创新", "就业", "促进", "保障", "生态", "环境保护", "重点", "任务", "工作", "年度",
]
# Single characters that end a name (信访 + 局, 程序 + 表): read only at the end of a longer word.
SUFFIXES = ["局", "厅", "委", "办", "处", "科", "室", "部", "署", "院", "市", "省", "县", "区", "表", "书", "单"]


def domain_words() -> list[str]:
    text = (ROOT / "assistant" / "data" / "domain_words_zh.txt").read_text("utf-8")
    return [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#") and _CJK.match(w.strip())]


def key(word: str) -> str:
    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore")).lower()


def main() -> None:
    places = json.loads((ROOT / "assistant" / "data" / "places.json").read_text("utf-8"))
    table: dict[str, tuple[int, str]] = {}  # pinyin → (priority, word); lower priority wins

    def offer(word: str, priority: int) -> None:
        k = key(word)
        if k and (k not in table or priority < table[k][0]):
            table[k] = (priority, word)

    for name, short in places["provinces"]:
        offer(short, 0)
        offer(name, 0)
    for name, short, _ in places["cities"]:
        offer(short, 1)
        offer(name, 1)
    for word in DOCUMENT_WORDS + domain_words():
        offer(word, 2)
    dictionary = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    for line in dictionary.read_text("utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if _CJK.match(word) and int(freq) >= MIN_FREQ:
            offer(word, 10_000_000 - int(freq))  # more frequent first, after places and policy words
    for name, _, _ in places["counties"]:
        offer(name, 20_000_000)  # a county only where no word is spelt alike (营商, not 颍上)
        if len(name) > 2 and name[-1] in "县区市旗":
            offer(name[:-1], 20_000_001)
    out = {k: w for k, (_, w) in sorted(table.items())}
    suffixes = {key(c): c for c in SUFFIXES}
    (ROOT / "assistant" / "data" / "slug_words.json").write_text(
        json.dumps({"_comment": __doc__.split("\n\n")[0].replace("\n", " "), "suffixes": suffixes, "words": out},
                   ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"{len(out)} 个拼音词 → assistant/data/slug_words.json")


if __name__ == "__main__":
    main()
