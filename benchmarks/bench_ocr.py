"""OCR benchmark (not a test): real regulation pages rendered at 150 dpi, recognised by the reader's engine
(rapidocr-onnxruntime, PP-OCRv4, CPU), compared with the page's own text layer.

    .venv/bin/python benchmarks/bench_ocr.py [--pdf FILE] [--pages N] [--dpi 150]

Prints per page and overall: character error rate (edit distance / source characters, whitespace removed on
both sides), seconds per page (recognition only, wall clock and CPU time — on a shared machine the CPU time is the
cost; the wall clock depends on what else runs; rendering and the one-off model load are printed apart) and
the process's peak memory. Target: CER ≤ 2%.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_PDF = ROOT / "tests" / "data" / "library" / "guangdong-2022-regulation.pdf"
_SPACE = re.compile(r"\s+")


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _threads() -> int:
    from assistant.ingest.readers.ocr import _engine

    return _engine().text_det.infer.session.get_session_options().intra_op_num_threads


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()

    import pdfplumber
    import pypdfium2

    from assistant.ingest.readers._text import fix_radicals
    from assistant.ingest.readers.ocr import _engine, recognise

    started = time.perf_counter()
    _engine()
    load_s = time.perf_counter() - started
    print(f"模型加载 {load_s:.1f} 秒，内存峰值 {peak_mb():.0f} MB")

    document = pypdfium2.PdfDocument(args.pdf.read_bytes())
    total_errors = total_chars = 0
    seconds: list[float] = []
    cpu: list[float] = []
    with pdfplumber.open(args.pdf) as pdf:
        count = min(args.pages, len(pdf.pages))
        for index in range(count):
            source = _SPACE.sub("", fix_radicals(pdf.pages[index].extract_text() or ""))
            t0 = time.perf_counter()
            image = document[index].render(scale=args.dpi / 72).to_pil()
            render_s = time.perf_counter() - t0
            t1, c1 = time.perf_counter(), time.process_time()
            lines = recognise(image, index, 72 / args.dpi)
            ocr_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
            recognised = _SPACE.sub("", "".join(line.text for line in lines))
            errors = edit_distance(recognised, source)
            total_errors += errors
            total_chars += len(source)
            seconds.append(ocr_s)
            cpu.append(cpu_s)
            print(f"第 {index + 1} 页 {image.width}×{image.height}：{len(source)} 字，错 {errors} 字，"
                  f"CER {errors / max(len(source), 1):.2%}，识别 {ocr_s:.1f} 秒（CPU {cpu_s:.1f} 秒；渲染 {render_s:.2f} 秒）")
    document.close()
    cer = total_errors / max(total_chars, 1)
    print(f"共 {count} 页 {total_chars} 字（{args.dpi} dpi）：CER {cer:.2%}（目标 ≤ 2%），"
          f"每页 {sum(seconds) / len(seconds):.1f} 秒（最快 {min(seconds):.1f}，最慢 {max(seconds):.1f}；"
          f"CPU 每页 {sum(cpu) / len(cpu):.1f} 秒，{_threads()} 线程，负载 {os.getloadavg()[0]:.1f}/{os.cpu_count()} 核），"
          f"内存峰值 {peak_mb():.0f} MB")
    return 0 if cer <= 0.02 else 1


if __name__ == "__main__":
    raise SystemExit(main())
