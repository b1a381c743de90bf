#!/usr/bin/env bash
# One command to run the tests: set up .venv/ and the browser, then pytest (real model, index, server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Headless Chromium for the browser test, from Debian's packages (a test tool's own download fails here).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[test] 安装 chromium 与 chromium-driver"
    # A failed install only skips the browser test (with its reason); it must not stop the other tests.
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
      || echo "[test] chromium 安装失败：浏览器测试将被跳过" >&2
  else
    echo "[test] 未安装 chromium/chromedriver，且无 root 权限：浏览器测试将被跳过" >&2
  fi
fi
exec .venv/bin/python -m pytest -q "$@"
