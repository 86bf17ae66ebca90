"""Lesson 05 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

The reference is what GPT-2's eager attention returned for the case's q and k during a full
forward pass (``case.context["expected"]``, recorded by ``attention_seen`` when the cases were
built; the same tensor as ``output_attentions``). Each hint below computes one known mistake from
q and k, so that a miss that matches it is named; a miss that matches none is read by
``checks.diagnose`` (causal? rows summing to 1? ...).
"""

from __future__ import annotations

import math

import torch

from stream_course.checks.toolkit import Hint
from stream_course.lessons.causal_pattern.checks import compare_pattern


def reference(case) -> torch.Tensor:
    q, k = case.args
    expected = case.context["expected"]
    # GPT2Attention.scaling multiplies q·kᵀ in eager attention (LESSON_TRACK §0.4).
    assert math.isclose(case.context["scaling"], q.shape[-1] ** -0.5), "grader: scaling"
    assert expected.shape == (*q.shape[:-1], k.shape[-2]), "grader: weights' shape"
    return expected


# --- known mistakes: each takes (q, k) and returns what that mistake returns --------------------


def _future(length: int) -> torch.Tensor:
    """True where key j lies after query i (j > i)."""
    return torch.ones(length, length, dtype=torch.bool).triu(1)


def _scores(q, k, scale: float) -> torch.Tensor:
    return q @ k.transpose(-2, -1) * scale


def _masked_softmax(scores, hidden, dim: int = -1, fill: float = float("-inf")):
    return scores.masked_fill(hidden, fill).softmax(dim)


def _d(q) -> int:
    return q.shape[-1]


def scaled_by(scale_of):
    """The right mask and softmax, a wrong scale: ``scale_of(q, k)``."""
    return lambda q, k: _masked_softmax(_scores(q, k, scale_of(q, k)), _future(q.shape[-2]))


def masks_the_past(q, k):
    past = _future(q.shape[-2]).T  # True where j < i
    return _masked_softmax(_scores(q, k, _d(q) ** -0.5), past)


def masks_the_diagonal(q, k):
    hidden = torch.ones(q.shape[-2], q.shape[-2], dtype=torch.bool).triu(0)
    return _masked_softmax(_scores(q, k, _d(q) ** -0.5), hidden, fill=-1e9)


def zeroed_after_softmax(q, k):
    return _scores(q, k, _d(q) ** -0.5).softmax(-1).masked_fill(_future(q.shape[-2]), 0.0)


def softmax_over_queries(q, k):
    return _masked_softmax(_scores(q, k, _d(q) ** -0.5), _future(q.shape[-2]), dim=-2)


def no_mask(q, k):
    return _scores(q, k, _d(q) ** -0.5).softmax(-1)


def filled_with_zero(q, k):
    return _masked_softmax(_scores(q, k, _d(q) ** -0.5), _future(q.shape[-2]), fill=0.0)


def keys_times_queries(q, k):
    scores = k @ q.transpose(-2, -1) * _d(q) ** -0.5
    return _masked_softmax(scores, _future(q.shape[-2]))


HINTS = [
    Hint(
        "the scores are not scaled: divide q @ kᵀ by sqrt(d_head), d_head = q.shape[-1]. "
        "Without it the scores grow with the head width and the softmax gets too sharp.",
        "score의 배율을 맞추지 않았습니다. q @ kᵀ를 sqrt(d_head)로 나누세요(d_head = q.shape[-1]). "
        "그러지 않으면 head 폭에 따라 score가 커지고 softmax가 지나치게 뾰족해집니다.",
        scaled_by(lambda q, k: 1.0),
    ),
    Hint(
        "the scores are divided by d_head, not by its square root: divide by sqrt(d_head) "
        "(math.sqrt(q.shape[-1]) or q.shape[-1] ** 0.5).",
        "score를 d_head의 제곱근이 아니라 d_head로 나눴습니다. sqrt(d_head)로 나누세요"
        "(math.sqrt(q.shape[-1]) 또는 q.shape[-1] ** 0.5).",
        scaled_by(lambda q, k: 1.0 / _d(q)),
    ),
    Hint(
        "the scores are multiplied by sqrt(d_head): divide by it instead.",
        "score에 sqrt(d_head)를 곱했습니다. 곱하지 말고 나누세요.",
        scaled_by(lambda q, k: math.sqrt(_d(q))),
    ),
    Hint(
        "the scores are divided by 8 = sqrt(64) whatever the heads' width: GPT-2 base has "
        "d_head 64, other models do not. Read d_head from q.shape[-1].",
        "head 폭과 상관없이 score를 8 = sqrt(64)로 나눴습니다. GPT-2 base의 d_head는 64이지만 "
        "다른 모델은 다릅니다. d_head는 q.shape[-1]에서 읽으세요.",
        scaled_by(lambda q, k: 1.0 / 8.0),
    ),
    Hint(
        "the scores are divided by sqrt(T), the sequence length (q.shape[-2]): the scale is "
        "sqrt(d_head), d_head = q.shape[-1].",
        "score를 sequence 길이 T(q.shape[-2])의 제곱근으로 나눴습니다. 배율은 sqrt(d_head)이고, "
        "d_head = q.shape[-1]입니다.",
        scaled_by(lambda q, k: q.shape[-2] ** -0.5),
    ),
    Hint(
        "the mask is in the wrong direction: it hides the past (j < i) and lets each token see "
        "the future. Hide the keys after the query, j > i: triu(ones, diagonal=1) as the mask "
        "(or keep tril).",
        "mask 방향이 반대입니다. 과거(j < i)를 가리고 미래를 보게 했습니다. query보다 뒤에 있는 key, "
        "j > i를 가리세요: mask로 triu(ones, diagonal=1)(또는 tril을 남기기).",
        masks_the_past,
    ),
    Hint(
        "the diagonal is masked too: each token may look at itself. Mask only j > i, "
        "triu(ones, diagonal=1), not diagonal=0. (The first token then sees nothing at all.)",
        "대각선까지 mask했습니다. token은 자기 자신을 볼 수 있습니다. j > i만 mask하세요: "
        "diagonal=0이 아니라 triu(ones, diagonal=1). (그러면 첫 token은 아무것도 볼 수 없게 됩니다.)",
        masks_the_diagonal,
    ),
    Hint(
        "the future is zeroed after the softmax, so each row sums to less than 1. Mask the "
        "scores before the softmax (-inf there gives exactly 0 after it), or renormalise.",
        "softmax 뒤에 미래를 0으로 만들어서 행의 합이 1보다 작습니다. softmax 전에 score를 "
        "mask하세요(-inf는 softmax 뒤에 정확히 0이 됩니다). 아니면 다시 정규화하세요.",
        zeroed_after_softmax,
    ),
    Hint(
        "the softmax runs over the queries (dim=-2): the columns sum to 1. Each query's row of "
        "weights over the keys must sum to 1: softmax(dim=-1).",
        "softmax를 query 방향(dim=-2)으로 했습니다. 그래서 열의 합이 1입니다. query마다 key에 "
        "주는 weight의 행이 합 1이어야 합니다: softmax(dim=-1).",
        softmax_over_queries,
    ),
    Hint(
        "there is no causal mask: every token looks at the future too. Set the scores of keys "
        "j > i to -inf before the softmax.",
        "causal mask가 없습니다. 모든 token이 미래까지 봅니다. softmax 전에 j > i인 key의 score를 "
        "-inf로 바꾸세요.",
        no_mask,
    ),
    Hint(
        "the future scores are 0 instead of -inf (filled with 0, or multiplied by a 0/1 tril). "
        "exp(0) = 1, so the future still gets weight: use -inf or a large negative number.",
        "미래의 score가 -inf가 아니라 0입니다(0으로 채웠거나 0/1 tril을 곱함). exp(0) = 1이라 "
        "미래가 여전히 weight를 받습니다. -inf나 아주 큰 음수를 쓰세요.",
        filled_with_zero,
    ),
    Hint(
        "the scores are k @ qᵀ, transposed: row i must hold query i against every key, q @ kᵀ.",
        "score가 k @ qᵀ로 전치되어 있습니다. 행 i에는 query i와 모든 key의 점수, 즉 q @ kᵀ가 "
        "들어가야 합니다.",
        keys_times_queries,
    ),
]


def judge_causal_pattern(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["causal_pattern"], cases, strict=True):
        compare_pattern(
            outcome.get(case.label),
            reference(case),
            case.label,
            hints=HINTS,
            inputs=case.args,
        )


JUDGES = {
    "test_causal_pattern": judge_causal_pattern,
    "test_causal_pattern_edges": judge_causal_pattern,
}
