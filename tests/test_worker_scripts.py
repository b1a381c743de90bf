"""Reading files in worker processes from a user's own script: multiprocessing re-runs a script's top level in
every new process, so a script without `if __name__ == "__main__":` that reads a library would read again in each
worker (and hang or fail). Workers are started without the script; this checks it with a real script."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"


def test_a_script_without_a_main_guard_reads_files_in_parallel(tmp_path):
    files = [DATA / "excerpts" / name for name in sorted(p.name for p in (DATA / "excerpts").glob("*.txt"))[:3]]
    script = tmp_path / "read_them.py"
    script.write_text(textwrap.dedent(f"""
        from assistant.config import load_settings
        from assistant.ingest.budget import Budget
        from assistant.ingest.worker import read_documents

        budget = Budget.from_settings(load_settings())
        jobs = [(path, "doc-%d" % i, budget) for i, path in enumerate({[str(f) for f in files]!r})]
        for report in read_documents(jobs, workers=2):
            print("READ" if report.document is not None else "FAILED", report.path, report.error)
    """), "utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(("READ", "FAILED"))]
    assert len(lines) == len(files) and all(line.startswith("READ") for line in lines), done.stdout + done.stderr[-2000:]
