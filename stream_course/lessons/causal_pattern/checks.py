"""Lesson 05 checks, student side: the visible self-check and the inputs of the hidden tests.

No function here computes an attention pattern. The visible check compares the student's
``causal_pattern`` with the weights GPT-2's own eager attention returned during a forward pass
(``stream_course.synthetic.attention_seen``), for the very q and k that attention received. When
an answer misses, ``diagnose`` reads the answer itself (is it causal, do its rows sum to 1, ...)
to say which step is probably wrong; it never builds the right pattern. The hidden tests' cases
below are inputs only; their references and verdicts come from the grader's answer key
(source/05_causal_pattern/answer_key.py).
"""

from __future__ import annotations

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    as_tensor,
    compare,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import ODD, attention_seen, synthetic_gpt2, token_ids

# What causal_pattern may not call: PyTorch's fused attentions and GPT-2's own modules.
BANNED = (
    "scaled_dot_product_attention",
    "MultiheadAttention",
    "multi_head_attention_forward",
    *forbidden.GPT2_MODULES,
)
# Every right style is within ~1e-7 of eager attention (LESSON_TRACK, lesson 05).
ATOL, RTOL = 1e-5, 1e-4
SENTENCE = "Each token may look back at the tokens before it, never ahead."
# Seeds of the random models: the visible check's, and the hidden tests' (one per model).
VISIBLE_SEED = 501
SMALL_SEED, ODD_SEED, SIXTEEN_SEED, LONG_SEED, WIDE_SEED, LOUD_SEED = 511, 512, 516, 513, 514, 515
# Heads of width 16: neither 64 (GPT-2's) nor 8 (SMALL's and ODD's), so a scale fixed at
# 1/sqrt(64) = 1/8 and a division by d_head cannot be told apart from each other on them.
SIXTEEN = {"n_embd": 64, "n_head": 4}

collect = collector("causal_pattern")


def layer_indices(model, layers) -> list[int]:
    """Layer indices, negative ones counted from the end (-1 is the last layer)."""
    count = model.config.n_layer
    return sorted({i % count for i in layers})


def pattern_cases(model, ids: torch.Tensor, layers, where: str) -> list[Case]:
    """One case per layer: the q and k that GPT-2's eager attention received during a full
    forward pass of ``ids`` (``attention_seen``). ``context["expected"]`` is the attention
    weights it returned, ``context["scaling"]`` the factor it multiplied q·kᵀ by: the answer
    key's reference and a check on it, never sent anywhere."""
    with torch.no_grad(), attention_seen(model) as seen:
        model.transformer(ids)  # no logits needed
    cases = []
    for layer in layer_indices(model, layers):
        q, k, _, weights = seen[layer]
        attention = model.transformer.h[layer].attn
        label = f"causal_pattern(q, k) on {where}, layer {layer} (q {tuple(q.shape)})"
        context = {"expected": weights, "scaling": attention.scaling}
        cases.append(Case(label, (q, k), context=context))
    return cases


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- reading a wrong answer ---------------------------------------------------------------------

TIPS = (
    "The steps, in order: scores = q @ k.transpose(-2, -1) / sqrt(d_head) with d_head = "
    "q.shape[-1]; set the scores of future keys (column j > row i) to -inf or a large negative "
    "number BEFORE the softmax; softmax over the last dimension (the keys).",
    "순서대로: scores = q @ k.transpose(-2, -1) / sqrt(d_head), 여기서 d_head = q.shape[-1]입니다. "
    "softmax 전에 미래 key(열 j > 행 i)의 score를 -inf나 아주 큰 음수로 바꾸고, 마지막 차원"
    "(key)에 대해 softmax를 합니다.",
)
# The toolkit's message when no known mistake matched (then ``diagnose`` adds what it can).
DEVIATION = "differs from the reference by up to"


def diagnose(got: torch.Tensor) -> tuple[str, str]:
    """What a (B, H, T, T) answer of the right shape and dtype probably got wrong, read from the
    answer alone: weight on future keys, a zero diagonal, rows that do not sum to 1, columns that
    do. If none of these shows, the mask and softmax look right and the scale is left."""
    got = got.detach().float()
    length = got.shape[-1]
    diagonal = got.diagonal(dim1=-2, dim2=-1)
    future = got.triu(1).abs().amax().item() if length > 1 else 0.0
    past = got.tril(-1).abs().amax().item() if length > 1 else 0.0
    rows, columns = got.sum(-1), got.sum(-2)
    if length > 1 and diagonal[..., 1:].abs().amax().item() < 1e-8:
        return (
            "the tokens after the first give weight 0 to themselves: the diagonal is masked too. "
            "Token i may look at keys 0 … i, itself included: mask only j > i "
            "(triu(..., diagonal=1)).",
            "첫 token 뒤의 token들이 자기 자신에게 weight 0을 줍니다. 대각선까지 mask했습니다. token i는 자기 "
            "자신을 포함해 key 0 … i를 볼 수 있습니다. j > i만 mask하세요(triu(..., diagonal=1)).",
        )
    if future > 1e-6 and past < 1e-8:
        return (
            "the weights sit on and above the diagonal: the mask is in the wrong direction (it "
            "hides the past, j < i, and keeps the future). Mask j > i: triu(..., diagonal=1), or "
            "keep tril.",
            "weight가 대각선과 그 위에 있습니다. mask 방향이 반대입니다(과거 j < i를 가리고 미래를 "
            "남김). j > i를 mask하세요: triu(..., diagonal=1), 또는 tril을 남기세요.",
        )
    if future > 1e-6:
        return (
            "future keys (j > i) get weight. Is the mask missing, or filled with 0 (a 0/1 tril "
            "multiplied into the scores)? A score of 0 still gives exp(0) = 1; masked scores "
            "must be -inf (or a large negative number) before the softmax.",
            "미래 key(j > i)가 weight를 받습니다. mask가 빠졌거나 0으로 채웠나요(score에 0/1 tril을 "
            "곱함)? score 0도 exp(0) = 1이 됩니다. mask할 score는 softmax 전에 -inf(또는 아주 큰 "
            "음수)여야 합니다.",
        )
    if not torch.allclose(rows, torch.ones_like(rows), atol=1e-4):
        if torch.allclose(columns, torch.ones_like(columns), atol=1e-4):
            return (
                "the columns sum to 1, not the rows: the softmax runs over the queries (dim=-2). "
                "Each query's weights over the keys must sum to 1: softmax(dim=-1).",
                "행이 아니라 열의 합이 1입니다. softmax를 query 방향(dim=-2)으로 했습니다. query "
                "하나가 key들에 주는 weight의 합이 1이어야 합니다: softmax(dim=-1).",
            )
        return (
            "the rows do not sum to 1. Zeroing the future after the softmax leaves rows that "
            "sum to less than 1: mask the scores before the softmax instead.",
            "행의 합이 1이 아닙니다. softmax 뒤에 미래를 0으로 만들면 행의 합이 1보다 작아집니다. "
            "softmax 전에 score를 mask하세요.",
        )
    return (
        "the pattern is causal and every row sums to 1, so the mask and the softmax look right: "
        "check the scores. They are q @ kᵀ (row = query, column = key; not k @ qᵀ) divided by "
        "sqrt(d_head), d_head = q.shape[-1] (not a fixed 64, not d_head itself, not the "
        "sequence length).",
        "pattern이 causal이고 행의 합도 모두 1이니 mask와 softmax는 맞아 보입니다. score를 "
        "확인하세요. score는 q @ kᵀ(행 = query, 열 = key. k @ qᵀ가 아님)를 sqrt(d_head)로 나눈 "
        "값이고, d_head = q.shape[-1]입니다(고정된 64도, d_head 자체도, sequence 길이도 아닙니다).",
    )


def compare_pattern(got, expected: torch.Tensor, name: str, **hinted) -> None:
    """``got`` against attention weights GPT-2 returned; a plain miss is explained by
    ``diagnose`` (``hinted``: the answer key's hints and inputs, tried first)."""
    try:
        compare(got, expected, name, atol=ATOL, rtol=RTOL, **hinted)
    except CheckFailure as failure:
        if DEVIATION not in str(failure):
            raise
        raise CheckFailure(f"{failure}{say(*diagnose(as_tensor(got, name)))}") from None


# --- the visible self-check ---------------------------------------------------------------------


@visible_check
def check_causal_pattern(causal_pattern, model) -> None:
    """Against the weights of GPT-2's own eager attention: the lesson model's first and last
    layer, and a small random model with 6 heads of width 8. Each gets the q and k that attention
    received in a forward pass. It cannot hand you the answer: the only attention computed here
    is the model's own, which ``causal_pattern`` may not call (checked first, from its source)."""
    forbidden.check_written_by_hand(causal_pattern, BANNED, "causal_pattern")
    small = synthetic_gpt2(VISIBLE_SEED, **ODD)
    cases = [
        *pattern_cases(
            model,
            token_ids(VISIBLE_SEED, 1, 8, model.config.vocab_size),
            (0, -1),
            "the lesson model",
        ),
        *pattern_cases(
            small,
            token_ids(VISIBLE_SEED, 2, 8, small.config.vocab_size),
            (0,),
            "a small random model (6 heads, d_head 8)",
        ),
    ]
    for case in cases:
        got = unchanged(causal_pattern, *case.args, name="causal_pattern")
        try:
            compare_pattern(got, case.context["expected"], case.label)
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}{say(*TIPS)}") from None
    passed("causal_pattern matches GPT-2's attention weights")


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def loud_gpt2(seed: int, factor: float, **shape):
    """A re-drawn model whose queries are ``factor`` times larger (the q columns of every c_attn
    and their bias): scores spread over tens of units, where a weak mask shows. Still moderate
    enough that no allowed weight underflows in float32."""
    model = synthetic_gpt2(seed, **shape)
    d = model.config.n_embd
    with torch.no_grad():
        for block in model.transformer.h:
            block.attn.c_attn.weight[:, :d] *= factor
            block.attn.c_attn.bias[:d] *= factor
    return model


def pattern_case_list(model, tokenizer) -> list[Case]:
    """GPT-2's own attention: the lesson model's first and last layer (B2 T8, and the sentence),
    then every layer of three re-drawn models: 4 heads of width 16, GPT-2's small test shape
    (4 heads of width 8), and 6 heads of width 8 in 3 layers."""
    vocab = model.config.vocab_size
    cases = [
        *pattern_cases(model, token_ids(5001, 2, 8, vocab), (0, -1), "the lesson model"),
        *pattern_cases(model, sentence_ids(tokenizer), (0,), "the lesson model, a sentence"),
    ]
    for seed, synthetic, where in (
        (SIXTEEN_SEED, synthetic_gpt2(SIXTEEN_SEED, **SIXTEEN), "(4 heads, d_head 16)"),
        (SMALL_SEED, synthetic_gpt2(SMALL_SEED), "(4 heads, d_head 8)"),
        (ODD_SEED, synthetic_gpt2(ODD_SEED, **ODD), "(6 heads, d_head 8, 3 layers)"),
    ):
        where = f"random model {seed} {where}"
        ids = token_ids(seed, 2, 8, synthetic.config.vocab_size)
        cases += pattern_cases(synthetic, ids, range(synthetic.config.n_layer), where)
    return cases


def edge_cases(model, tokenizer) -> list[Case]:
    """Heads of width 20 and 16, with queries 2 and 3 times larger than usual (scores spread over
    tens of units); T = 20; T = 1 (the pattern is [[1]])."""
    long = synthetic_gpt2(LONG_SEED)
    odd = synthetic_gpt2(ODD_SEED, **ODD)
    wide = loud_gpt2(WIDE_SEED, 2.0, n_embd=40, n_head=2)
    loud = loud_gpt2(LOUD_SEED, 3.0, n_embd=48, n_head=3)
    vocab = model.config.vocab_size

    def ids(seed: int, batch: int, length: int, on) -> torch.Tensor:
        return token_ids(seed, batch, length, on.config.vocab_size)

    return [
        *pattern_cases(
            wide, ids(5104, 2, 6, wide), (0, -1), f"random model {WIDE_SEED} (d_head 20, q × 2)"
        ),
        *pattern_cases(
            loud, ids(5105, 1, 12, loud), (0, -1), f"random model {LOUD_SEED} (d_head 16, q × 3)"
        ),
        *pattern_cases(long, ids(5101, 1, 20, long), (0, -1), f"random model {LONG_SEED}, T = 20"),
        *pattern_cases(model, token_ids(5102, 2, 1, vocab), (0,), "the lesson model, T = 1"),
        *pattern_cases(odd, ids(5103, 1, 1, odd), (-1,), f"random model {ODD_SEED}, T = 1"),
    ]


PARTS = {
    "test_causal_pattern": Part(
        answers=("causal_pattern",), calls="causal_pattern", cases=pattern_case_list
    ),
    "test_causal_pattern_edges": Part(
        answers=("causal_pattern",), calls="causal_pattern", cases=edge_cases
    ),
}
