#!/usr/bin/env bash
# One command to run the tests: set up .venv/ and the system tools the tests use, then pytest (real model,
# index, documents, server and browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages (a test tool's own browser download fails here): headless Chromium for the browser tests,
# LibreOffice and a CJK font to turn generated .docx files into real PDFs (and .doc/.xls) for the reader tests.
need=()
command -v chromium >/dev/null && command -v chromedriver >/dev/null || need+=(chromium chromium-driver)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
# Calc makes the .xls the spreadsheet tests read (and converts HTML-exported .xls files).
if command -v dpkg >/dev/null && ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 && ! dpkg -s libreoffice-calc >/dev/null 2>&1; then
  need+=(libreoffice-calc-nogui)
fi
# OpenCV (used by the OCR engine) needs these shared libraries, absent from slim images.
.venv/bin/python -c "import cv2" >/dev/null 2>&1 || need+=(libgl1 libglib2.0-0)
# PostgreSQL: the store tests start a throwaway server from Debian's binaries (initdb, pg_ctl).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[test] 安装 ${need[*]}"
    # A failed install only skips the tests that need these tools (with their reason); it must not stop the rest.
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need[@]}" >/dev/null; } || echo "[test] 安装失败：相关测试将被跳过" >&2
  else
    echo "[test] 缺少 ${need[*]}，且无 root 权限：相关测试将被跳过" >&2
  fi
fi
exec .venv/bin/python -m pytest -q "$@"
