"""Lesson 09 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References: GPT-2's own ``last_hidden_state`` of the forward pass in which the case's ``x``
(``hidden_states[0]``) was read (``case.context["expected"]``, LESSON_TRACK §0.7: it already has
ln_f applied). The hints below compute known mistakes from the case's inputs, with one stack
written out here that each mistake changes in one place, so that a miss that matches one is named.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from stream_course.checks.toolkit import Hint
from stream_course.lessons.stack import checks
from stream_course.lessons.stack.checks import EPS_MISTAKES, hint

EPS = 1e-5  # GPT2Config.layer_norm_epsilon


def layer_norm_of(x, weight, bias, eps=EPS, *, eps_outside=False, unbiased=False):
    """LayerNorm over the last dimension, right with the defaults; each keyword one mistake."""
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=unbiased)
    scale = var.sqrt() + eps if eps_outside else (var + eps).sqrt()
    out = (x - mean) / scale
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def block_of(x: torch.Tensor, p: dict, n_head: int) -> torch.Tensor:
    """One pre-LN GPT-2 block (lesson 08): x + attn(ln_1(x)), then + mlp(ln_2(·))."""
    batch, length, d = x.shape
    d_head = d // n_head
    h = F.layer_norm(x, (d,), p["ln_1.weight"], p["ln_1.bias"], EPS)
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(batch, length, n_head, d_head).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-1, -2) / math.sqrt(d_head)
    future = torch.ones(length, length, dtype=torch.bool).triu(1)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    z = (pattern @ v).transpose(1, 2).reshape(batch, length, d)
    x = x + z @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    h = F.layer_norm(x, (d,), p["ln_2.weight"], p["ln_2.bias"], EPS)
    hidden = F.gelu(h @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"], approximate="tanh")
    return x + hidden @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]


def stack_of(
    x: torch.Tensor,
    blocks: list[dict],
    weight: torch.Tensor,
    bias: torch.Tensor,
    n_head: int,
    *,
    chain: bool = True,
    reverse: bool = False,
    first: int | None = None,
    heads: int | None = None,
    ln_f: str = "once",
    params: str = "ln_f",
    **norm_mistakes,
) -> torch.Tensor:
    """GPT-2's stack then ln_f, right with the defaults; each keyword makes one known mistake.
    ``ln_f``: "once", "none", "twice", "every" (after every block), "every and end".
    ``params``: "ln_f", "swapped", "none", "no bias", "ln_2" / "ln_1" (the last block's).
    ``norm_mistakes`` (eps, eps_outside, unbiased) go to ``layer_norm_of``."""
    order = blocks[::-1] if reverse else blocks
    order = order[:first] if first is not None else order
    w, b = {
        "ln_f": (weight, bias),
        "swapped": (bias, weight),
        "none": (None, None),
        "no bias": (weight, None),
        "ln_2": (blocks[-1]["ln_2.weight"], blocks[-1]["ln_2.bias"]),
        "ln_1": (blocks[-1]["ln_1.weight"], blocks[-1]["ln_1.bias"]),
    }[params]

    def final(h):
        return layer_norm_of(h, w, b, **norm_mistakes)

    h = x
    for p in order:
        h = block_of(h if chain else x, p, heads or n_head)
        if ln_f in ("every", "every and end"):
            h = final(h)
    if ln_f in ("once", "every and end"):
        h = final(h)
    if ln_f == "twice":
        h = final(final(h))
    return h


def _stack_hint(key: str, **mistake) -> Hint:
    return hint(key, lambda *inputs: stack_of(*inputs, **mistake))


STACK_HINTS = [
    _stack_hint("not_chained", chain=False),
    _stack_hint("no_ln_f", ln_f="none"),
    _stack_hint("ln_f_twice", ln_f="twice"),
    _stack_hint("ln_f_every_block", ln_f="every"),
    _stack_hint("ln_f_every_block", ln_f="every and end"),
    _stack_hint("reversed", reverse=True),
    _stack_hint("ln_f_swapped", params="swapped"),
    _stack_hint("ln_f_no_affine", params="none"),
    _stack_hint("ln_f_no_bias", params="no bias"),
    _stack_hint("ln_f_block_params", params="ln_2"),
    _stack_hint("ln_f_block_params", params="ln_1"),
    *[_stack_hint("ln_f_eps", eps=eps) for eps in EPS_MISTAKES],
    _stack_hint("ln_f_eps_outside", eps_outside=True),
    _stack_hint("ln_f_unbiased", unbiased=True),
]


def _case_hints(case, model) -> list[Hint]:
    """Hints that depend on the case: 12 heads, the first k blocks only, and the lesson model's
    position embeddings added again (what a stack that reads the notebook's wpe computes)."""
    x, blocks, _, _, n_head = case.args
    n_layer, d = len(blocks), x.shape[-1]
    hints = []
    if n_head != 12 and d % 12 == 0:
        hints.append(hint("hard_coded_heads", lambda *i: stack_of(*i, heads=12), n_head=n_head))
    for k in range(1, n_layer):
        wrong = functools.partial(stack_of, first=k)
        hints.append(Hint(*checks.first_blocks_message(k, n_layer), wrong))
    wpe = model.transformer.wpe.weight.detach()
    if wpe.shape[-1] == d and x.shape[1] <= wpe.shape[0]:
        hints.append(hint("wpe_again", lambda x, *rest: stack_of(x + wpe[: x.shape[1]], *rest)))
    return hints


def judge_stack(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["gpt2_stack"], cases, strict=True):
        x, blocks, _, _, n_head = case.args
        if outcome.raised is not None:
            raised = outcome.raised
            kind, message = raised.get("type", "Exception"), raised.get("message", "")
            checks.explain_raised(case.label, kind, message, n_head, len(blocks), x.shape[-1])
        checks.verify(
            outcome.get(case.label),
            case.context["expected"],
            case.label,
            hints=[*STACK_HINTS, *_case_hints(case, model)],
            inputs=case.args,
        )


JUDGES = {
    "test_gpt2_stack": judge_stack,
    "test_gpt2_stack_odd": judge_stack,
}
