"""The offline stand-in: GPT-2's exact ids, GPT-2's shapes, meaningful neighbours, reproducible."""

import hashlib
import os
import subprocess
import sys

import pytest
import tiktoken
from tiktoken.load import load_tiktoken_bpe

from stream_course.standin import (
    END_OF_TEXT,
    GPT2_SPLIT_PATTERN,
    STANDIN_NAME,
    build_standin,
    gpt2_ranks_file,
)

# GPT-2 facts checked against the real GPT-2 tokenizer (the course brief's verified list).
GPT2_IDS = {
    "The": [464],
    " cat": [3797],
    " sat": [3332],
    " dog": [3290],
    " computer": [3644],
    "computer": [33215],
    "The cat sat": [464, 3797, 3332],
    "Hello world": [15496, 995],
    "!": [0],
    END_OF_TEXT: [50256],
}

MIXED_TEXT = (
    "The cat sat on the mat. It's 3:45pm, and we've got 1,234,567 tokens!\n\n"
    "    def f(x):\n\treturn x**2  # indented code\n"
    "임베딩은 token id를 dense vector로 바꿉니다. 한국어도 byte 단위로 쪼개집니다.\n"
    "Ünïcödé, emoji 🤗🚀, CJK 變換器, spaces   between   words   \r\n"
)


@pytest.mark.parametrize(("text", "ids"), GPT2_IDS.items())
def test_tokenizer_gives_gpt2_ids(tokenizer, text, ids):
    assert tokenizer.encode(text) == ids


def test_copied_snippet_ids_decode_to_the_third_dog(tokenizer):
    assert tokenizer.decode([464, 2368, 3290]) == "The third dog"


def test_tokenizer_matches_tiktoken_gpt2_encoding(tokenizer):
    ranks = load_tiktoken_bpe(str(gpt2_ranks_file()))
    reference = tiktoken.Encoding(
        "gpt2",
        pat_str=GPT2_SPLIT_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={END_OF_TEXT: 50256},
    )
    ids = tokenizer.encode(MIXED_TEXT)
    assert ids == reference.encode(MIXED_TEXT)
    assert tokenizer.decode(ids) == MIXED_TEXT
    assert len(tokenizer) == 50257


def test_standin_has_gpt2_shapes_and_tied_head(model):
    assert type(model).__name__ == "GPT2LMHeadModel"
    assert tuple(model.transformer.wte.weight.shape) == (50257, 768)
    assert tuple(model.transformer.wpe.weight.shape) == (1024, 768)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()


@pytest.mark.parametrize(
    ("word", "expected_any"),
    [
        (" computer", {" computers", " laptop", "PC"}),
        (" king", {" kings", " Queen", " queen"}),
        (" Seoul", {" Korea", " Tokyo", " Beijing"}),
    ],
)
def test_standin_neighbours_carry_meaning(model, tokenizer, answer_key, word, expected_any):
    (query,) = tokenizer.encode(word)
    index = answer_key("01_word_embedding").NeighborIndex(model.transformer.wte.weight)
    ids, sims = index.query(query, 10)
    tokens = {tokenizer.decode([i]) for i in ids}
    assert tokens & expected_any, tokens
    assert len(set(sims.tolist())) == 10  # the seeded noise leaves no exact ties


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path):
    digests = []
    for name in ("first", "second"):
        out = tmp_path / name
        out.mkdir()
        build_standin(out)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()})
    assert digests[0] == digests[1]
    assert "model.safetensors" in digests[0]


def _load_in_subprocess(tmp_path, **env):
    code = (
        "from stream_course.models import load_model\n"
        "model, tokenizer = load_model()\n"
        "print('LOADED', type(model).__name__, tokenizer.encode(' computer'))\n"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in ("STREAM_MODEL", "HF_HUB_OFFLINE")
    }
    environment.update(HF_HOME=str(tmp_path / "hf-home"), **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=300
    )


def test_unreachable_hub_gives_bilingual_notice_and_standin(tmp_path, standin_dir):
    # A closed local port stands for "no network": the real connection attempt fails at once.
    result = _load_in_subprocess(tmp_path, HF_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 0, result.stderr
    assert "cannot be reached" in result.stdout and "연결할 수 없어" in result.stdout
    assert "NOT GPT-2's weights" in result.stdout
    assert "LOADED GPT2LMHeadModel [3644]" in result.stdout
    assert "Traceback" not in result.stderr


def test_env_var_selects_a_checkpoint_folder(tmp_path, standin_dir):
    result = _load_in_subprocess(tmp_path, STREAM_MODEL=str(standin_dir))
    assert result.returncode == 0, result.stderr
    assert "LOADED GPT2LMHeadModel [3644]" in result.stdout
    assert "cannot be reached" not in result.stdout


def test_env_var_names_the_standin(tmp_path, standin_dir):
    result = _load_in_subprocess(tmp_path, STREAM_MODEL=STANDIN_NAME)
    assert "LOADED GPT2LMHeadModel [3644]" in result.stdout, result.stderr
