"""Finding the document inside a government web page: what is article, what is site furniture.

Two steps. (1) Remove what never is content: scripts and styles, hidden elements, and elements that say
they are navigation (nav/aside/footer tags, ARIA roles, class or id words such as nav, menu, breadcrumb,
footer, share, sidebar, related). (2) Ask trafilatura, a maintained main-text extractor, which text is
the article, and take the deepest element that holds nearly all of that text. Trafilatura's own output is
not used as the result: it drops short lines (signatures, dates) and flattens tables, and the element it
points at is then read in full by our own walker.
"""

from __future__ import annotations

import copy
import re

import trafilatura
from lxml import etree

_JUNK_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas head select option button input textarea"
    " map audio video".split()
)
_BOILERPLATE_TAGS = frozenset({"nav", "aside", "footer"})
_BOILERPLATE_ROLES = frozenset("navigation banner contentinfo complementary search menu menubar".split())
# Words in class/id that name site furniture, matched as whole words of the attribute ("main-nav" → nav).
# Deliberately not "position"/"print"/"location": CSS utility classes use them on content too.
_BOILERPLATE_WORDS = frozenset(
    "nav navbar navigation menu submenu topmenu breadcrumb breadcrumbs crumb crumbs bread dqwz footer foot"
    " copyright share sharing bdshare social sidebar side related relate friendlink friendlinks links toolbar"
    " topbar banner advert ads login search pager pagination skip".split()
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Elements whose own text we match against the extractor's output (leaves among them).
_BLOCKISH = frozenset(
    "p div td th li dd dt h1 h2 h3 h4 h5 h6 pre blockquote section article caption center table tr ul ol dl"
    " form main".split()
)
_SPACE = re.compile(r"\s+")
# The container must hold this share of the text trafilatura recognised as the article.
_CONTAINER_SHARE = 0.8


def prune(root: etree._Element) -> None:
    """Remove scripts, hidden elements and navigation in place (never an element holding most text)."""
    for el in [el for el in root.iter() if _is_junk(el)]:
        _drop(el)
    total = len(_compact(root.text_content())) or 1
    for el in [el for el in root.iter() if el.tag not in ("html", "body") and _is_boilerplate(el)]:
        # A wrapper misnamed "side" or "foot" may hold the whole article: keep it then.
        if len(_compact(el.text_content())) < 0.5 * total:
            _drop(el)


def main_content(root: etree._Element, page_title: str = "") -> tuple[etree._Element, list[etree._Element]]:
    """(the element holding the article, headings just before it that belong to it, e.g. the title).

    `page_title` is the page's <title>; gov sites put the document's title there (plus column and site).
    """
    body = root.find("body")
    body = body if body is not None else root
    article = _article_text(root)
    if not article:
        return body, []

    weights: dict[etree._Element, int] = {}
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag.lower() not in _BLOCKISH or _has_block_descendant(el):
            continue
        text = _compact(el.text_content())
        if len(text) >= 4 and text in article:
            weights[el] = len(text)
    total = sum(weights.values())
    if total == 0:
        return body, []

    held = _held_weights(body, weights)
    container = body
    while True:
        child = next((c for c in container if held.get(c, 0) >= _CONTAINER_SHARE * total), None)
        if child is None:
            break
        container = child
    return container, _leading_headings(container, body, article + _compact(page_title))


def _article_text(root: etree._Element) -> str:
    try:
        text = trafilatura.extract(
            copy.deepcopy(root),
            include_tables=True,
            favor_recall=True,
            deduplicate=False,
            include_comments=False,
            output_format="txt",
        )
    except Exception:  # the extractor is a heuristic helper; without it we read the whole body
        return ""
    return _compact(text or "")


def _held_weights(body: etree._Element, weights: dict[etree._Element, int]) -> dict[etree._Element, int]:
    held: dict[etree._Element, int] = {}
    for el, weight in weights.items():
        node = el
        while node is not None:
            held[node] = held.get(node, 0) + weight
            if node is body:
                break
            node = node.getparent()
    return held


def _leading_headings(container: etree._Element, body: etree._Element, known: str) -> list[etree._Element]:
    """h1–h3 elements that come before the container inside its near ancestors and whose text is article
    text or part of the page's <title>: gov pages put the notice's title above the body's div (and
    trafilatura moves titles out of the text, into its metadata)."""
    if container is body:
        return []
    scope = container
    for _ in range(3):
        parent = scope.getparent()
        if parent is None or parent is body:
            break
        scope = parent
    out = []
    for el in scope.iter():
        if el is container:
            break  # only what comes before the container in document order
        if el.tag in ("h1", "h2", "h3") and (text := _compact(el.text_content())) and text in known:
            out.append(el)
    return out


def _has_block_descendant(el: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and d.tag.lower() in _BLOCKISH for d in el.iterdescendants())


def _is_junk(el: etree._Element) -> bool:
    if not isinstance(el.tag, str):  # comments and processing instructions
        return True
    return el.tag.lower() in _JUNK_TAGS or _is_hidden(el)


def _is_boilerplate(el: etree._Element) -> bool:
    if el.tag.lower() in _BOILERPLATE_TAGS:
        return True
    if (el.get("role") or "").lower() in _BOILERPLATE_ROLES:
        return True
    words = _WORD_SPLIT.split(f"{el.get('class', '')} {el.get('id', '')}".lower())
    return any(word in _BOILERPLATE_WORDS for word in words)


def _is_hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or (el.get("aria-hidden") or "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
    )


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    previous = el.getprevious()
    if tail and previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif tail:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _compact(text: str) -> str:
    """Text without whitespace or table rules, for comparing our elements with the extractor's output."""
    return _SPACE.sub("", text).replace("|", "")
