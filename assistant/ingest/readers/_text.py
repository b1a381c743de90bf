"""Text clean-up shared by every reader: only what file formats force on us, nothing about the document.

Readers keep what the document says: no Traditional→Simplified, no full-width/half-width changes. They only
undo artefacts of the container: zero-width characters, non-breaking spaces, runs of layout whitespace, pinyin
glosses a mirror site inserted after characters, and (for PDF) radical code points that some fonts map
ideographs to.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and formatting characters that editors and web pages leave in text (BOM included).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
# Any whitespace run except tab (tabs are cell separators in .txt files and are handled by the caller).
_SPACES_NO_TAB = re.compile(r"[^\S\t]+")
_SPACES = re.compile(r"\s+")
_SPACE_AROUND_TAB = re.compile(r" *\t *")
# Kangxi radicals and CJK radical supplements: PDF fonts often map 一, 二, 人… to these look-alikes.
_RADICALS = re.compile("[\u2e80-\u2ef3\u2f00-\u2fd5]")

# A paragraph that ends with one of these (optionally followed by closing quotes/brackets) ends a sentence.
_SENTENCE_END = re.compile(r"[。！？；!?;…\.][”’」』》）\)】〕\"']*$")
_ASCII_WORD_END = re.compile(r"[A-Za-z0-9%\.,;:\)\]]$")
_ASCII_WORD_START = re.compile(r"^[A-Za-z0-9\(\[]")


# A pinyin gloss a mirror site put after a character ("政發(fā)", "環(huán)境"): a bracketed syllable with a tone
# mark right after an ideograph. Not the document's text.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])[(（]\s*(?=[^)）]*[{_TONED}])[a-zü{_TONED}]+(?:\s+[a-zü{_TONED}]+)*\s*[)）]")


def clean_line(text: str, keep_tabs: bool = False) -> str:
    """One line of text: invisible characters removed, whitespace runs collapsed to one space, stripped.

    With keep_tabs, tabs survive (and are not stripped at the ends) because they separate table cells.
    """
    text = _GLOSS.sub("", text.translate(_INVISIBLE))
    if keep_tabs:
        text = _SPACES_NO_TAB.sub(" ", text)
        return _SPACE_AROUND_TAB.sub("\t", text).strip(" ")
    return _SPACES.sub(" ", text).strip()


def fix_radicals(text: str) -> str:
    """Map radical look-alikes (⼀ U+2F00) back to the ideographs they stand for (一 U+4E00)."""
    return _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def join_wrapped(head: str, tail: str) -> str:
    """Join two pieces of one paragraph that a line wrap separated.

    Chinese has no spaces between words, so CJK pieces join directly; two ASCII words keep one space.
    """
    if not head:
        return tail
    if not tail:
        return head
    if head.endswith(" ") or tail.startswith(" "):
        return head.rstrip() + " " + tail.lstrip()
    if _ASCII_WORD_END.search(head) and _ASCII_WORD_START.search(tail):
        return head + " " + tail
    return head + tail


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()))


def join_cell_paragraphs(paragraphs: list[str]) -> str:
    """The text of a table cell made of several paragraphs or lines.

    Word and PDF cells break lines where the column is narrow, not where the author did: a paragraph that
    does not end a sentence is continued directly; after sentence punctuation a newline is kept.
    """
    out = ""
    for part in (p.strip() for p in paragraphs):
        if not part:
            continue
        if not out:
            out = part
        elif ends_sentence(out):
            out += "\n" + part
        else:
            out = join_wrapped(out, part)
    return out.strip()
