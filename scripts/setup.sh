#!/usr/bin/env bash
# Create or reuse .venv/ and install the project into it. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] 创建虚拟环境 .venv/"
  "$PY" -m venv .venv
fi
# Reinstall only when the dependency list changed; the stamp holds pyproject.toml's hash.
stamp=.venv/.assistant-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] 安装依赖（首次约需几分钟）"
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first and pinned: this version is the CPU build on local disk; anything else pulls CUDA.
  .venv/bin/python -m pip install -q torch==2.13.0
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi
test -x .venv/bin/assistant
