"""Loading the lesson model: real GPT-2 from the hub, or the offline stand-in.

Students get ``from_pretrained("gpt2")``. ``STREAM_MODEL`` picks another checkpoint (a hub id, a
local folder, or ``stream-gpt2-standin``) for instructors and CI. When the hub cannot be reached
and the model is not cached, the lesson says so in both languages and goes on with the stand-in.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from stream_course.standin import STANDIN_NAME, ensure_standin

DEFAULT_MODEL = "gpt2"
MODEL_ENV = "STREAM_MODEL"

OFFLINE_NOTICE = """\
[Stream] The Hugging Face hub cannot be reached, so '{name}' cannot be downloaded.
         Using the offline stand-in instead: GPT-2's real tokenizer (same token ids) with token
         embeddings derived from MiniLM. It is NOT GPT-2's weights; neighbours will differ.
[Stream] Hugging Face hub에 연결할 수 없어 '{name}'을(를) 내려받지 못했습니다.
         대신 오프라인 대체 모델을 씁니다: GPT-2 tokenizer는 그대로(token id 동일)이고,
         token embedding은 MiniLM에서 가져왔습니다. GPT-2의 실제 weight가 아니므로 이웃 단어가 다를 수 있습니다.
         To get GPT-2 / GPT-2를 쓰려면: connect to the internet and run the cell again / 인터넷에 연결한 뒤 셀을 다시 실행하세요."""


# Loaded ahead of time by a warm grading parent (stream_course.grader.warm_kernels): name -> (model,
# tokenizer, what loading printed). A forked kernel takes its private copy-on-write copy once.
_preloaded: dict[str, tuple] = {}


def preload(name: str | None = None) -> None:
    """Load a model now so that the next ``load_model`` of the same name, in this process or a
    fork of it, returns it at once (and prints what loading it printed)."""
    name = name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model, tokenizer = load_model(name)
    _preloaded[name] = (model, tokenizer, printed.getvalue())


def load_model(name: str | None = None):
    """Return ``(model, tokenizer)`` in eval mode.

    ``name`` defaults to $STREAM_MODEL, else ``"gpt2"``.
    """
    name = name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    if name in _preloaded:
        model, tokenizer, printed = _preloaded.pop(name)
        print(printed, end="")
        return model, tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local_only = False
    if name == STANDIN_NAME:
        source = str(ensure_standin())
    elif Path(name).is_dir() or _hub_reachable():
        source = name
    elif _is_cached(name):
        source, local_only = name, True  # offline, but downloaded before: no retries
    else:
        print(OFFLINE_NOTICE.format(name=name))
        source = str(ensure_standin())
    model = AutoModelForCausalLM.from_pretrained(source, local_files_only=local_only)
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
    model.eval()
    return model, tokenizer


def _is_cached(name: str) -> bool:
    """True when the checkpoint's config is in the local hub cache (no network needed)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except ValueError:  # not a valid repo id
        return False


def _hub_reachable(timeout: float = 3.0) -> bool:
    """One quick TCP connection instead of the hub client's 25 s of retries when offline."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    endpoint = urlparse(constants.ENDPOINT)
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False
