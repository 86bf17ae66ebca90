"""Lesson 08 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References: what ``h[i]`` itself returned during the full forward pass in which the case's input
was read (``case.context["expected"]``, hooked when the cases were built; a block called on its
own would not be causal). The hints below compute known mistakes from the case's inputs, with one
block written out here that each mistake changes in one place, so that a miss that matches one is
named.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from stream_course.lessons.block.checks import explain_error, hint, verify


def _layer_norm(x, params, name, *, eps=1e-5, affine=True, bias=True, unbiased=False):
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=unbiased)
    y = (x - mean) / torch.sqrt(var + eps)
    if not affine:
        return y
    return y * params[f"{name}.weight"] + (params[f"{name}.bias"] if bias else 0)


def block_of(
    x: torch.Tensor,
    params: dict,
    n_head: int,
    *,
    arrangement: str = "pre_ln",
    norms: tuple[str, str] = ("ln_1", "ln_2"),
    heads: int | None = None,
    causal: bool = True,
    scale: bool = True,
    linear_c_proj: bool = False,
    activation: str = "tanh",
    **norm_mistakes,
) -> torch.Tensor:
    """GPT-2's block, right with the defaults; each keyword makes one known mistake."""
    batch, length, d = x.shape
    n_head = heads or n_head
    d_head = d // n_head

    def ln(h, name):
        return _layer_norm(h, params, name, **norm_mistakes)

    def attn(h):
        qkv = h @ params["attn.c_attn.weight"] + params["attn.c_attn.bias"]
        q, k, v = (
            t.reshape(batch, length, n_head, d_head).transpose(1, 2) for t in qkv.split(d, -1)
        )
        scores = q @ k.transpose(-1, -2) / (math.sqrt(d_head) if scale else 1.0)
        if causal:
            future = torch.ones(length, length, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        z = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, d)
        weight = params["attn.c_proj.weight"]
        return z @ (weight.T if linear_c_proj else weight) + params["attn.c_proj.bias"]

    act = {
        "tanh": lambda h: F.gelu(h, approximate="tanh"),
        "erf": F.gelu,
        "relu": torch.relu,
        "none": lambda h: h,
    }[activation]

    def mlp(h):
        hidden = act(h @ params["mlp.c_fc.weight"] + params["mlp.c_fc.bias"])
        return hidden @ params["mlp.c_proj.weight"] + params["mlp.c_proj.bias"]

    first, second = norms
    if arrangement == "post_ln":
        h = ln(x + attn(x), first)
        return ln(h + mlp(h), second)
    if arrangement == "no_attn_residual":
        a = attn(ln(x, first))
        return a + mlp(ln(a, second))
    if arrangement == "residual_from_normalized":
        n = ln(x, first)
        n = ln(n + attn(n), second)
        return n + mlp(n)
    h = x + attn(ln(x, first))
    if arrangement == "no_mlp_residual":
        return mlp(ln(h, second))
    if arrangement == "mlp_on_block_input":
        return h + mlp(ln(x, second))
    return h + mlp(ln(h, second))


def _hint(key: str, **mistake):
    return hint(key, lambda *inputs: block_of(*inputs, **mistake))


HINTS = [
    _hint("post_ln", arrangement="post_ln"),
    _hint("no_attn_residual", arrangement="no_attn_residual"),
    _hint("no_mlp_residual", arrangement="no_mlp_residual"),
    _hint("ln_swapped", norms=("ln_2", "ln_1")),
    _hint("ln_1_twice", norms=("ln_1", "ln_1")),
    _hint("residual_from_normalized", arrangement="residual_from_normalized"),
    _hint("mlp_on_block_input", arrangement="mlp_on_block_input"),
    _hint("no_mask", causal=False),
    _hint("hard_coded_heads", heads=12),
    _hint("no_scale", scale=False),
    _hint("linear_convention", linear_c_proj=True),
    _hint("erf_gelu", activation="erf"),
    _hint("relu", activation="relu"),
    _hint("no_activation", activation="none"),
    _hint("ln_without_affine", affine=False),
    _hint("ln_without_bias", bias=False),
    _hint("unbiased_variance", unbiased=True),
    _hint("eps", eps=0.0),
    _hint("eps", eps=1e-6),
    _hint("eps", eps=1e-12),
]


def judge_block(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["transformer_block"], cases, strict=True):
        x, _, n_head = case.args
        if outcome.raised is not None:
            raised = outcome.raised
            explain_error(
                case.label, raised.get("type", ""), raised.get("message", ""), x.shape[-1], n_head
            )
        verify(
            outcome.get(case.label),
            case.context["expected"],
            case.label,
            hints=HINTS,
            inputs=case.args,
        )


JUDGES = {
    "test_transformer_block": judge_block,
    "test_transformer_block_odd": judge_block,
}
