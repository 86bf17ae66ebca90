"""Seeded synthetic GPT-2 models for hidden tests: every parameter re-drawn.

With transformers' own initialisation every bias is 0 and every LayerNorm is 1/0, so a missing
bias, a swapped LayerNorm or a repeated ln_f passes unnoticed (LESSON_TRACK §1). These models draw
every parameter again ("rescaled init"), deterministically from a seed, so the student's kernel
and the grader build the very same model. They are inputs, not answers.
"""

from __future__ import annotations

import contextlib
import fnmatch
import math
from collections.abc import Iterator

import torch

# Shapes of the hidden tests' models: a small one, and one whose n_head and n_layer are not 12.
SMALL = {"vocab_size": 101, "n_positions": 32, "n_embd": 32, "n_head": 4, "n_layer": 2}
ODD = {"vocab_size": 211, "n_positions": 48, "n_embd": 48, "n_head": 6, "n_layer": 3}


def synthetic_gpt2(seed: int, **shape):
    """A ``GPT2LMHeadModel`` in eval mode with eager attention (attention weights are returned),
    every parameter re-drawn from ``seed``: wte ~ N(0, 0.5²), wpe ~ N(0, 0.25²), LayerNorm
    gains ~ N(1, 0.3²), biases ~ N(0, 0.1²), Conv1D weights (in, out) ~ N(0, 1/in), ln_f scaled
    so that logits keep a standard deviation of about 3 at any width."""
    from transformers import GPT2Config, GPT2LMHeadModel

    dims = {**SMALL, **shape}
    eos = dims["vocab_size"] - 1  # GPT2Config's default 50256 would lie outside a small vocab
    config = GPT2Config(**dims, bos_token_id=eos, eos_token_id=eos, attn_implementation="eager")
    with quiet_transformers():
        model = GPT2LMHeadModel(config).eval()
    generator = torch.Generator().manual_seed(seed)
    d = config.n_embd
    scale = 3 / (0.5 * math.sqrt(d))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("wte.weight"):
                value = 0.5 * noise
            elif name.endswith("wpe.weight"):
                value = 0.25 * noise
            elif name.startswith("transformer.ln_f."):
                value = (1 + 0.3 * noise if name.endswith("weight") else 0.3 * noise) * scale
            elif ".ln_" in name and name.endswith("weight"):
                value = 1 + 0.3 * noise
            elif name.endswith("bias"):
                value = 0.1 * noise
            else:  # Conv1D weights, stored (in, out)
                value = noise / math.sqrt(parameter.shape[0])
            parameter.copy_(value)
    return model


# The keys of one block's state_dict() (h[i].state_dict()), in order: the causal mask is not one.
BLOCK_KEYS = (
    "ln_1.weight",
    "ln_1.bias",
    "attn.c_attn.weight",
    "attn.c_attn.bias",
    "attn.c_proj.weight",
    "attn.c_proj.bias",
    "ln_2.weight",
    "ln_2.bias",
    "mlp.c_fc.weight",
    "mlp.c_fc.bias",
    "mlp.c_proj.weight",
    "mlp.c_proj.bias",
)


def first_and_last(model) -> list[int]:
    """The indices of the first and the last block (one index for a one-block model)."""
    return sorted({0, model.config.n_layer - 1})


# Parameter names for rescaled_gpt2 (shell-style patterns).
EMBEDDINGS = ("*.wte.weight", "*.wpe.weight")


def rescaled_gpt2(seed: int, factor: float, names: tuple[str, ...], **shape):
    """``synthetic_gpt2(seed, **shape)`` with every parameter whose name matches one of ``names``
    (``"*.wte.weight"``, ``"*.c_proj.*"``) multiplied by ``factor``: a model whose activations
    sit where one mistake shows, such as a stream whose variance is near LayerNorm's eps."""
    model = synthetic_gpt2(seed, **shape)
    with torch.no_grad():
        for name, parameter in model.named_parameters():  # wte once, though lm_head shares it
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in names):
                parameter.mul_(factor)
    return model


def token_ids(seed: int, batch: int, length: int, vocab_size: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab_size, (batch, length), generator=generator)


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' logging at ERROR for the time of the block: building a model from a config
    and a first loss (LESSON_TRACK §0.13) log warnings that say nothing to a student."""
    from transformers.utils import logging

    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)


@contextlib.contextmanager
def hooked(model, names: list[str]) -> Iterator[dict]:
    """Record ``(input, output)`` of the named submodules (e.g. "transformer.h.0.ln_1") during
    the forward passes inside the block: hooks see the values of a full, causal forward pass
    (a block called directly is not causal, LESSON_TRACK §0.3)."""
    seen: dict[str, tuple] = {}
    modules = dict(model.named_modules())
    handles = [
        modules[name].register_forward_hook(
            lambda module, args, output, name=name: seen.__setitem__(
                name, (args[0].detach().clone() if args else None, output)
            )
        )
        for name in names
    ]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


_SPY = "stream_spy"  # an attention implementation that records what eager attention receives
_spied: dict[int, tuple] = {}


def _spy(module, query, key, value, attention_mask, **kwargs):
    from transformers.models.gpt2.modeling_gpt2 import eager_attention_forward

    output, weights = eager_attention_forward(module, query, key, value, attention_mask, **kwargs)
    _spied[module.layer_idx] = tuple(t.detach().clone() for t in (query, key, value, weights))
    return output, weights


def _register_spy() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    if _SPY not in AttentionInterface._global_mapping:
        AttentionInterface.register(_SPY, _spy)
        # Without a mask function of its own, create_causal_mask returns None and the
        # attention runs without its causal mask (LESSON_TRACK §0.5).
        AttentionMaskInterface.register(_SPY, eager_mask)


@contextlib.contextmanager
def attention_seen(model) -> Iterator[dict]:
    """Record, per layer index, ``(q, k, v, weights)`` as GPT-2's attention function receives and
    returns them (eager attention: q, k, v (B, H, T, d_head), unscaled; weights (B, H, T, T),
    after the causal mask and softmax) during the forward passes inside the block. The model's
    attention implementation is restored afterwards."""
    _register_spy()
    _spied.clear()
    seen: dict[int, tuple] = {}
    with attention_implementation(model, _SPY):
        try:
            yield seen
        finally:
            seen.update(_spied)
            _spied.clear()


@contextlib.contextmanager
def attention_implementation(model, name: str) -> Iterator[None]:
    """``model`` runs its attention with transformers' implementation ``name`` ("eager" returns
    attention weights; sdpa returns none) inside the block, and as before afterwards."""
    before = model.config._attn_implementation
    model.set_attn_implementation(name)
    try:
        yield
    finally:
        model.set_attn_implementation(before)
