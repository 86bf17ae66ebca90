"""Lesson 06 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References: what ``h[i].attn`` itself returned during the forward pass in which the case's inputs
were read (``case.context["expected"]``, hooked when the cases were built). The hints below
compute known mistakes from the case's inputs, with one attention written out here that each
mistake changes in one place, so that a miss that matches one is named.
"""

from __future__ import annotations

import math

import torch

from stream_course.checks.toolkit import compare
from stream_course.lessons.attention_output.checks import ATOL, RTOL, hint


def merge_heads(z: torch.Tensor, transpose: bool = True) -> torch.Tensor:
    """(B, H, T, d_head) -> (B, T, H·d_head), head-major; without the transpose, as the mistake
    does it."""
    batch, n_head, length, d_head = z.shape
    if transpose:
        z = z.transpose(1, 2)
    return z.reshape(batch, length, n_head * d_head)


def output_of(
    pattern: torch.Tensor,
    v: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    *,
    transpose_heads: bool = True,
    bias_times: int | str = 1,
    linear: bool = False,
    transpose_pattern: bool = False,
) -> torch.Tensor:
    """The attention output, right with the defaults; each keyword makes one known mistake."""
    if transpose_pattern:
        pattern = pattern.transpose(-1, -2)
    merged = merge_heads(pattern @ v, transpose_heads)
    projected = merged @ (weight.T if linear else weight)
    times = pattern.shape[1] if bias_times == "per head" else bias_times
    return projected + times * bias


def attention_of(
    x: torch.Tensor,
    c_attn_weight: torch.Tensor,
    c_attn_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
    n_head: int,
    *,
    heads: int | None = None,
    order: tuple[int, int, int] = (0, 1, 2),
    transpose_split: bool = True,
    scale: str = "d_head",
    causal: bool = True,
    mask_after_softmax: bool = False,
    softmax_dim: int = -1,
    **output_mistakes,
) -> torch.Tensor:
    """GPT-2's causal self-attention, right with the defaults; each keyword makes one known
    mistake (``output_mistakes`` go to ``output_of``)."""
    batch, length, d = x.shape
    n_head = heads or n_head
    d_head = d // n_head
    qkv = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (qkv[i] for i in order)

    def split(t: torch.Tensor) -> torch.Tensor:
        if transpose_split:
            return t.reshape(batch, length, n_head, d_head).transpose(1, 2)
        return t.reshape(batch, n_head, length, d_head)

    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(-1, -2)
    scores = scores / {"d_head": math.sqrt(d_head), "d": math.sqrt(d), "none": 1.0}[scale]
    future = torch.ones(length, length, dtype=torch.bool).triu(1)
    if causal and not mask_after_softmax:
        scores = scores.masked_fill(future, float("-inf"))
    pattern = scores.softmax(dim=softmax_dim)
    if mask_after_softmax:
        pattern = pattern.masked_fill(future, 0.0)
    return output_of(pattern, v, c_proj_weight, c_proj_bias, **output_mistakes)


def _output_hint(key: str, **mistake):
    return hint(key, lambda *inputs: output_of(*inputs, **mistake))


def _attention_hint(key: str, **mistake):
    return hint(key, lambda *inputs: attention_of(*inputs, **mistake))


# Hints of the final projection, shared by both exercises.
PROJECTION_MISTAKES = {
    "merged_without_transpose": {"transpose_heads": False},
    "bias_per_head": {"bias_times": "per head"},
    "no_bias": {"bias_times": 0},
    "linear_convention": {"linear": True},
    "pattern_transposed": {"transpose_pattern": True},
}

OUTPUT_HINTS = [_output_hint(key, **mistake) for key, mistake in PROJECTION_MISTAKES.items()]

ATTENTION_HINTS = [
    _attention_hint("no_mask", causal=False),
    _attention_hint("no_scale", scale="none"),
    _attention_hint("scale_by_d_model", scale="d"),
    _attention_hint("hard_coded_heads", heads=12),
    _attention_hint("mask_after_softmax", mask_after_softmax=True),
    _attention_hint("softmax_over_queries", softmax_dim=-2),
    _attention_hint("qkv_order", order=(1, 0, 2)),
    _attention_hint("qkv_order", order=(0, 2, 1)),
    _attention_hint("qkv_order", order=(2, 1, 0)),
    _attention_hint("split_without_transpose", transpose_split=False),
    *[_attention_hint(key, **mistake) for key, mistake in PROJECTION_MISTAKES.items()],
]


def _judge(name: str, hints):
    def judge(answers, cases, model, tokenizer) -> None:
        for outcome, case in zip(answers[name], cases, strict=True):
            compare(
                outcome.get(case.label),
                case.context["expected"],
                case.label,
                atol=ATOL,
                rtol=RTOL,
                hints=hints,
                inputs=case.args,
            )

    return judge


JUDGES = {
    "test_attention_output": _judge("attention_output", OUTPUT_HINTS),
    "test_self_attention": _judge("self_attention", ATTENTION_HINTS),
}
