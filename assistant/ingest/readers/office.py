"""Word 97 `.doc`, WPS `.wps` (the same binary format) and Excel 97 `.xls`: converted by LibreOffice headless
into the OOXML format whose reader we have, in a temporary folder that is removed afterwards, within a time
limit. Without LibreOffice the reason says what to install."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from assistant.ingest.readers._base import Extracted, fail

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_TIMEOUT_S = 180
_NO_SOFFICE = "需要安装 LibreOffice 才能读取 {ext} 文件（Debian/Ubuntu：apt-get install {package}），或用 Word/WPS 另存为 {target} 再导入"
_PACKAGES = {"docx": "libreoffice-writer-nogui", "xlsx": "libreoffice-calc-nogui"}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, data: bytes, target: str) -> bytes:
    """The bytes of `data` (a file named like `path`) converted by LibreOffice to `target` ("docx", "xlsx")."""
    ext = path.suffix.lower()
    program = soffice()
    if program is None:
        raise fail(path, _NO_SOFFICE.format(ext=ext, package=_PACKAGES[target], target=f".{target}"))
    with tempfile.TemporaryDirectory(prefix="assistant-office-") as tmp:
        folder = Path(tmp)
        # An ASCII name: LibreOffice and some file systems stumble on others; the extension picks the filter.
        source = folder / f"source{ext}"
        source.write_bytes(data)
        out = folder / "out"
        command = [program, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--norestore",
                   "--convert-to", target, "--outdir", str(out), str(source)]
        _run(path, command)
        result = out / f"source.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise fail(path, f"LibreOffice 无法转换此文件，文件可能已损坏或不是有效的 {ext} 文件")
        return result.read_bytes()


def _run(path: Path, command: list[str]) -> None:
    """Run LibreOffice in its own process group, so a timeout ends every process it started."""
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise fail(path, f"无法启动 LibreOffice（{exc.strerror or type(exc).__name__}）", exc) from exc
    try:
        process.wait(timeout=_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise fail(path, f"LibreOffice 转换超时（超过 {_TIMEOUT_S} 秒），文件可能已损坏", exc) from exc


def read_doc(path: Path, data: bytes) -> Extracted:
    """.doc / .wps: a Word 97 binary file converted to .docx and read as one (a file that is already a .docx
    under another name is read directly)."""
    from assistant.ingest.readers.docx import read_docx

    if data.startswith(b"PK\x03\x04"):
        return read_docx(path, data)
    if not data.startswith(_OLE_MAGIC):
        raise fail(path, f"文件已损坏或不是有效的 Word/WPS 文档（{path.suffix.lower()}）")
    return read_docx(path, convert(path, data, "docx"))
