#!/usr/bin/env bash
# One command to run the assistant: set up .venv/, then start the chat server (builds the index if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/assistant serve "$@"
