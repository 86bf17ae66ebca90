"""Lesson 04 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References come from the model, never from code here: for ``conv1d``, what GPT-2's Conv1D module
returned during the forward pass (``case.context["expected"]``, read with hooks); for
``qkv_heads``, the q, k and v that GPT-2's attention function received in that pass
(``case.context["expected"]``, stream_course.synthetic.attention_seen). Each hint computes one
known mistake, so that a miss that matches it is named.
"""

from __future__ import annotations

from stream_course.checks.toolkit import Hint, compare
from stream_course.lessons.qkv.checks import (
    ATOL,
    MISTAKES,
    QKV,
    RTOL,
    check_heads_shape,
    check_order,
    check_scaled_q,
    explain_raised,
    unpack_qkv,
)


def hint(key: str, wrong) -> Hint:
    return Hint(*MISTAKES[key], wrong)


def value(outcome, name: str):
    """The recorded result; a known exception is named before the toolkit's general message."""
    if outcome.raised is not None:
        explain_raised(name, outcome.raised.get("type", ""), outcome.raised.get("message", ""))
    return outcome.get(name)


# --- conv1d: known mistakes ------------------------------------------------------------------


def linear_convention(x, weight, bias):
    return x @ weight.T + bias  # F.linear(x, weight, bias); raises unless weight is square


def conv1d_no_bias(x, weight, bias):
    return x @ weight


CONV1D_HINTS = [
    hint("linear_convention", linear_convention),
    hint("no_bias", conv1d_no_bias),
]


def judge_conv1d(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["conv1d"], cases, strict=True):
        compare(
            value(outcome, case.label),
            case.context["expected"],
            case.label,
            atol=ATOL,
            rtol=RTOL,
            hints=CONV1D_HINTS,
            inputs=case.args,
        )


# --- qkv_heads: known mistakes (each returns the wrong (q, k, v)) ------------------------------


def _blocks(x, weight, bias, with_bias: bool = True):
    y = x @ weight + bias if with_bias else x @ weight
    return y.split(x.shape[-1], dim=-1)


def _heads(t, n_head):
    batch, length, d = t.shape
    return t.view(batch, length, n_head, d // n_head).transpose(1, 2)


def qkv_no_bias(x, weight, bias, n_head):
    return tuple(_heads(t, n_head) for t in _blocks(x, weight, bias, with_bias=False))


def heads_without_transpose(x, weight, bias, n_head):
    batch, length, d = x.shape
    return tuple(t.reshape(batch, n_head, length, d // n_head) for t in _blocks(x, weight, bias))


def heads_not_transposed(x, weight, bias, n_head):
    """view(B, T, n_head, d_head) and no transpose: only a shape match when T == n_head."""
    batch, length, d = x.shape
    return tuple(t.reshape(batch, length, n_head, d // n_head) for t in _blocks(x, weight, bias))


def per_head_layout(x, weight, bias, n_head):
    batch, length, d = x.shape
    y = (x @ weight + bias).view(batch, length, n_head, 3, d // n_head)
    return tuple(y[:, :, :, part].transpose(1, 2) for part in range(3))


QKV_MISTAKES = [
    ("no_bias", qkv_no_bias),
    ("heads_without_transpose", heads_without_transpose),
    ("heads_without_transpose", heads_not_transposed),
    ("per_head_layout", per_head_layout),
]


def qkv_hints(part: int) -> list[Hint]:
    """Hints for q (part 0), k (1) or v (2): each mistake's tensor in that place."""
    return [
        hint(key, lambda *inputs, wrong=wrong: wrong(*inputs)[part]) for key, wrong in QKV_MISTAKES
    ]


HINTS_BY_PART = [qkv_hints(part) for part in range(3)]


def judge_qkv_heads(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["qkv_heads"], cases, strict=True):
        expected = case.context["expected"]
        n_head = case.args[3]
        tensors = unpack_qkv(value(outcome, case.label), case.label)
        for tensor, reference, part in zip(tensors, expected, QKV, strict=True):
            check_heads_shape(tensor, reference, f"{case.label}: {part}", n_head)
        check_order(tensors, expected, case.label)
        check_scaled_q(tensors[0], expected[0], f"{case.label}: q")
        for tensor, reference, part, hints in zip(
            tensors, expected, QKV, HINTS_BY_PART, strict=True
        ):
            compare(
                tensor,
                reference,
                f"{case.label}: {part}",
                atol=ATOL,
                rtol=RTOL,
                hints=hints,
                inputs=case.args,
            )


JUDGES = {
    "test_conv1d": judge_conv1d,
    "test_qkv_heads": judge_qkv_heads,
    "test_qkv_heads_odd": judge_qkv_heads,
}
