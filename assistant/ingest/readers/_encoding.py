"""Turning the bytes of a text file (txt, md, html) into str.

Chinese government files come as UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030. GB18030
decodes almost any byte string without error (Big5 text included, as mojibake), so a successful decode is
only accepted when the result looks like Chinese text; otherwise charset-normalizer is asked.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Names pages declare, mapped to the codec that decodes everything they can contain.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs"}
# C0 controls other than tab/newline/carriage return/form feed; text files do not contain them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_HAN = re.compile("[\u4e00-\u9fff]")


class DecodeFailure(Exception):
    """The bytes are not text in any encoding we accept; the message is the Chinese reason."""


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Raises DecodeFailure with a Chinese reason."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec)), codec
            except UnicodeDecodeError as exc:
                raise DecodeFailure(f"文件以 {codec.upper()} 标记开头，但内容不是有效的 {codec.upper()} 编码") from exc

    declared_codec = _codec_name(declared) if declared else None
    if declared_codec:
        try:
            return _checked(data.decode(declared_codec)), declared_codec
        except (UnicodeDecodeError, DecodeFailure):
            pass  # the declaration is wrong more often than one thinks: detect below

    if b"\x00" in data:
        return _checked(_decode_utf16_without_bom(data)), "utf-16"

    utf8 = _try_decode(data, "utf-8")
    if utf8 is not None:
        return _checked(utf8), "utf-8"

    gb_text = _try_decode(data, "gb18030")
    if gb_text is not None and _looks_like_chinese(gb_text):
        return gb_text, "gb18030"

    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.chaos < 0.3:
        text = str(best)
        if not _CONTROL.search(text):
            return text, best.encoding

    if gb_text is not None and not _PRIVATE_USE.search(gb_text):
        return gb_text, "gb18030"
    raise DecodeFailure("无法识别文件的文字编码（已尝试 UTF-8、UTF-16、GB18030/GBK），文件可能不是文本文件")


def _codec_name(declared: str) -> str | None:
    name = declared.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _checked(text: str) -> str:
    if _CONTROL.search(text):
        raise DecodeFailure("文件含有控制字符或二进制内容，不是文本文件")
    return text


def _decode_utf16_without_bom(data: bytes) -> str:
    """UTF-16 without BOM: NULs fall on one parity (the high byte of ASCII, newlines included). Chinese text
    has few of them, so the byte order is chosen by what decodes into ordinary text, not by a NUL ratio."""
    best, best_score = None, 0.0
    for codec in ("utf-16-le", "utf-16-be"):
        text = _try_decode(data, codec)
        if text is None or _CONTROL.search(text):
            continue
        score = _plain_share(text)
        if score > best_score:
            best, best_score = text, score
    if best is not None and best_score >= 0.9:
        return best
    raise DecodeFailure("文件含有二进制内容（NUL 字节），不是文本文件")


_PLAIN = re.compile("[\u0020-\u007e\t\n\r\u00a0-\u00ff\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2000-\u206f]")


def _plain_share(text: str) -> float:
    """The share of characters that ordinary Chinese or Latin text is made of."""
    sample = text[:20000]
    return len(_PLAIN.findall(sample)) / max(1, len(sample))


def _try_decode(data: bytes, codec: str) -> str | None:
    """Strict decoding; a file cut inside its last character (archived excerpts are) keeps the rest."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data", "incomplete multibyte sequence"):
            try:
                return data[: exc.start].decode(codec)
            except UnicodeDecodeError:
                return None
        return None


def _looks_like_chinese(text: str) -> bool:
    """GB18030 decoding of non-GB bytes gives private-use characters, controls and rare ideographs."""
    if _PRIVATE_USE.search(text) or _CONTROL.search(text):
        return False
    han = _HAN.findall(text)
    if not han:
        return False
    common = sum(1 for ch in han if _in_gb2312(ch))
    return common / len(han) >= 0.9


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False
