"""Pages a crawler flattened, back into paragraphs, before the structure is read.

Two shapes come from web archives: a header block of labelled lines ("标题: …", "发布时间: …", "文号: …",
"发布机构: …", "原文链接: …", then a "==== 正文 ====" rule), and the page's text on one very long line in
which a space stands where the page had a paragraph break (between two Chinese characters or after sentence
punctuation), while numbered headings may also follow a sentence end directly ("…。六、深入开展…").
The header's title and 文号 become ordinary lines for the metadata layer; the rest of its labels are dropped;
a long line is cut at those breaks. Nothing is cut inside brackets.
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import Block, Paragraph
from assistant.ingest.runon_table import runon_table
from assistant.textutil import fold

_LONG = 600  # a "paragraph" longer than this with breaks inside is a flattened page
_HEADER_LABEL = re.compile(r"^\s*(标题|发布时间|发布日期|文号|发布机构|栏目|原文链接|本地目录|来源|页面链接)\s*[:：]\s*(.*)$")
_HEADER_NOTE = re.compile(r"^\s*(页面链接.*|=+\s*正文\s*=+|=+)\s*$")
_CJK = r"\u4e00-\u9fff"
# A space between two Chinese characters, or after sentence punctuation / a closing bracket, before text.
_SPACE_BREAK = re.compile(
    rf"(?<=[{_CJK}。；;：:！？）)”])\s+(?=[{_CJK}（(“《]|\d{{1,2}}\s*[.、．](?!\d)|\d{{1,2}}\*)")
# A numbered heading straight after a sentence end: "…。六、" "…。（二）" "…。3." (not "3.5").
_NUMBER_BREAK = re.compile(r"(?<=[。；;！？:：])(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.、．](?!\d))")
_SIGNED = re.compile(r"\s(?P<date>\d{4}年\d{1,2}月\d{1,2}日)(?=\s*[\u4e00-\u9fff])(?!\s*(?:前|起|至|以来|印发))")
# Page chrome left at the start or end of the text.
_CHROME = re.compile(r"^(首页|当前位置|时间\s*[:：]|来源\s*[:：]|微信|微博|QQ空间|附件下载|打印本页|关闭窗口)")


def archive_header(blocks: list[Block]) -> list[Block]:
    """The header block of an archived page → its title and 文号 as lines; other labels and rules dropped."""
    out: list[Block] = []
    in_header = True
    for block in blocks:
        if in_header and isinstance(block, Paragraph):
            m = _HEADER_LABEL.match(block.text)
            if m:
                label, value = m.group(1), m.group(2).strip()
                if label == "标题" and value:
                    out.append(Paragraph(value))
                elif label == "文号" and value:
                    out.append(Paragraph(value))
                elif label in ("发布时间", "发布日期") and value:
                    out.append(Paragraph(f"发布时间：{value}"))
                continue
            if _HEADER_NOTE.match(block.text):
                continue
        in_header = in_header and not out[3:]  # only the first lines of a file can be its header
        out.append(block)
    return out


def _outside_brackets(text: str, positions: list[int]) -> list[int]:
    depth, keep, k = 0, [], 0
    positions = sorted(set(positions))
    for i, ch in enumerate(text):
        while k < len(positions) and positions[k] == i:
            if depth == 0:
                keep.append(i)
            k += 1
        if ch in "（(〔【[《“":
            depth += 1
        elif ch in "）)〕】]》”":
            depth = max(0, depth - 1)
    return keep


def split_flattened(text: str) -> list[str]:
    """One flattened page line → its paragraphs (the line itself when it is not one)."""
    folded = fold(text)
    cuts: list[int] = []
    for m in _SPACE_BREAK.finditer(folded):
        cuts.append(m.start())
    for m in _NUMBER_BREAK.finditer(folded):
        cuts.append(m.start())
    for m in _SIGNED.finditer(folded):  # "…办公室 2015年8月31日 标题": the signing date is a line of its own
        cuts += [m.start("date"), m.end("date")]
    cuts = _outside_brackets(folded, cuts)
    if not cuts:
        return [text] if not _CHROME.match(text) else []
    pieces, last = [], 0
    for cut in cuts + [len(text)]:
        piece = text[last:cut].strip()
        if piece:
            pieces.append(piece)
        last = cut
    return [p for p in pieces if not _CHROME.match(p)]


def _flattened(text: str) -> list[Block]:
    """A long line's paragraphs, with a task table run together inside it as a Table block."""
    at = text.find("序号")
    found = runon_table(text[at:]) if at >= 0 else None
    if found is None:
        return [Paragraph(p) for p in split_flattened(text)]
    _, table, after = found
    out: list[Block] = [Paragraph(p) for p in split_flattened(text[:at])]
    out.append(table)
    if after:
        out.extend(Paragraph(p) for p in split_flattened(after) if p)
    return out


def reflow(blocks: list[Block] | tuple[Block, ...]) -> list[Block]:
    out: list[Block] = []
    for block in archive_header(list(blocks)):
        if isinstance(block, Paragraph) and len(block.text) >= _LONG and "\t" not in block.text:
            out.extend(_flattened(block.text))
        else:
            out.append(block)
    return out
