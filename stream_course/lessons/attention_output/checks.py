"""Lesson 06 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes an attention output. The visible checks compare the student's functions
with what GPT-2's own attention modules returned during a full forward pass (read with hooks), on
the pattern and values that GPT-2's eager attention produced in that same pass
(``synthetic.attention_seen``). When an answer misses, known mistakes are recognised from the
model itself, run with one thing changed: without its bias or with it once per head, called
without its causal mask, with its scaling set to 1 or to 1/√d, with 12 heads, with c_proj's weight
transposed. The hidden tests' cases below are inputs only; their references and verdicts come
from the grader's answer key (source/06_attention_output/answer_key.py).
"""

from __future__ import annotations

import functools

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    compare,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import (
    ODD,
    attention_implementation,
    attention_seen,
    first_and_last,
    hooked,
    synthetic_gpt2,
    token_ids,
)

# What both exercises may not call: PyTorch's fused attention and transformers' GPT-2 modules.
BANNED = (
    "scaled_dot_product_attention",
    "MultiheadAttention",
    "multi_head_attention_forward",
    *forbidden.GPT2_MODULES,
)
ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 06: every right style stays within 2.1e-6
SENTENCE = "Each head writes its own slice of the residual stream."
SMALL_SEED, ODD_SEED = 61, 62  # the hidden tests' random models (synthetic.py)
VISIBLE_SEED = 63  # the visible checks' random models

collect = collector("attention_output")

# Known mistakes, one message each; the visible checks and the answer key both use them.
MISTAKES = {
    "merged_without_transpose": (
        "the heads were merged without a transpose. pattern @ v is (B, H, T, d_head); reshaping "
        "it straight to (B, T, d) mixes positions and heads. Transpose to (B, T, H, d_head) "
        "first (.transpose(1, 2)), then reshape to (B, T, H·d_head).",
        "head를 transpose 없이 합쳤습니다. pattern @ v는 (B, H, T, d_head)라서 곧바로 (B, T, d)로 "
        "reshape하면 위치와 head가 뒤섞입니다. 먼저 .transpose(1, 2)로 (B, T, H, d_head)를 만든 "
        "다음 (B, T, H·d_head)로 reshape하세요.",
    ),
    "bias_per_head": (
        "the c_proj bias was added once per head (H times). A head's share z_h @ W_O[h] has no "
        "bias of its own: add c_proj's bias once, to the sum of the heads.",
        "c_proj의 bias를 head마다 한 번씩(H번) 더했습니다. head 하나의 몫 z_h @ W_O[h]에는 bias가 "
        "따로 없습니다. head들을 모두 더한 결과에 c_proj의 bias를 한 번만 더하세요.",
    ),
    "no_bias": (
        "the c_proj bias is missing: c_proj computes merged @ weight + bias.",
        "c_proj의 bias가 빠졌습니다. c_proj는 merged @ weight + bias를 계산합니다.",
    ),
    "linear_convention": (
        "c_proj was applied with nn.Linear's convention (x @ weight.T, which F.linear computes). "
        "GPT-2's Conv1D stores its weight as (in, out): merged @ weight + bias. c_proj is square, "
        "so both run without an error.",
        "c_proj를 nn.Linear 방식(F.linear가 계산하는 x @ weight.T)으로 적용했습니다. GPT-2의 "
        "Conv1D는 weight를 (in, out)으로 저장하므로 merged @ weight + bias입니다. c_proj는 정사각 "
        "행렬이라 두 방식 모두 오류 없이 돌아갑니다.",
    ),
    "pattern_transposed": (
        "the pattern was transposed (pattern.transpose(-1, -2) @ v). Row t of the pattern holds "
        "query t's weights over the keys, so z = pattern @ v, as it is.",
        "pattern을 전치했습니다(pattern.transpose(-1, -2) @ v). pattern의 t번째 행이 query t가 "
        "key들에 준 weight이므로 z = pattern @ v를 그대로 계산하세요.",
    ),
    "no_mask": (
        "the causal mask is missing: every position also attends to the positions after it. "
        "Before the softmax, fill the scores above the diagonal with -inf (or a large negative "
        "number).",
        "causal mask가 빠졌습니다. 모든 위치가 자기 뒤의 위치까지 보고 있습니다. softmax 전에 "
        "대각선 위쪽의 score를 -inf(또는 아주 큰 음수)로 채우세요.",
    ),
    "no_scale": (
        "the scores are not scaled: divide q @ kᵀ by √d_head before the softmax.",
        "score를 scale하지 않았습니다. softmax 전에 q @ kᵀ를 √d_head로 나누세요.",
    ),
    "scale_by_d_model": (
        "the scores were divided by √d, the model's width. GPT-2 divides by √d_head, with "
        "d_head = d / n_head.",
        "score를 모델의 폭 d의 제곱근 √d로 나눴습니다. GPT-2는 √d_head로 나눕니다"
        "(d_head = d / n_head).",
    ),
    "hard_coded_heads": (
        "this is what 12 heads would give. Use the n_head argument (d_head = d // n_head), not a "
        "fixed 12: GPT-2 base has 12 heads, other models do not.",
        "head 12개로 계산한 결과입니다. 12로 고정하지 말고 인자로 받은 n_head를 쓰세요"
        "(d_head = d // n_head). GPT-2 base는 head가 12개지만 다른 모델은 그렇지 않습니다.",
    ),
    "mask_after_softmax": (
        "the mask was applied after the softmax, so the rows no longer sum to 1. Mask the "
        "scores first, then take the softmax.",
        "softmax 뒤에 mask를 적용해서 행의 합이 더 이상 1이 아닙니다. score에 먼저 mask를 "
        "적용한 다음 softmax를 계산하세요.",
    ),
    "softmax_over_queries": (
        "the softmax runs over the queries (dim=-2). Each query's weights over the keys must sum "
        "to 1: softmax(dim=-1).",
        "softmax를 query 차원(dim=-2)에서 계산했습니다. query마다 key들에 대한 weight의 합이 "
        "1이어야 하므로 softmax(dim=-1)을 쓰세요.",
    ),
    "qkv_order": (
        "q, k and v were taken in the wrong order. c_attn's 3·d outputs are [q | k | v], in "
        "that order.",
        "q, k, v를 잘못된 순서로 나눴습니다. c_attn의 출력 3·d개는 [q | k | v] 순서입니다.",
    ),
    "split_without_transpose": (
        "the heads were split without a transpose: a direct view to (B, n_head, T, d_head) mixes "
        "positions and heads. View as (B, T, n_head, d_head), then .transpose(1, 2).",
        "transpose 없이 head를 나눴습니다. (B, n_head, T, d_head)로 곧바로 view하면 위치와 head가 "
        "뒤섞입니다. (B, T, n_head, d_head)로 view한 다음 .transpose(1, 2)를 하세요.",
    ),
}

# The usual causes, named with the words of MISTAKES, for a miss that no hint explains.
ATTENTION_OUTPUT_TIPS = (
    "The usual causes: the heads merged without a transpose (z = pattern @ v is (B, H, T, "
    "d_head): .transpose(1, 2), then .reshape(B, T, H·d_head)); the pattern transposed (use "
    "pattern @ v as it is, not pattern.transpose(-1, -2) @ v); c_proj with nn.Linear's "
    "convention (Conv1D's weight is (in, out): merged @ weight + bias); the c_proj bias missing "
    "or added once per head (add it once).",
    "흔한 원인: head를 transpose 없이 합침(z = pattern @ v는 (B, H, T, d_head)이므로 "
    ".transpose(1, 2) 다음 .reshape(B, T, H·d_head)); pattern을 전치함(pattern.transpose(-1, -2) "
    "@ v가 아니라 pattern @ v 그대로); c_proj를 nn.Linear 방식으로 적용함(Conv1D의 weight는 "
    "(in, out): merged @ weight + bias); c_proj의 bias가 빠졌거나 head마다 더함(한 번만 더함).",
)
SELF_ATTENTION_TIPS = (
    "The usual causes: q, k and v split in the wrong order (c_attn's output is [q | k | v]); "
    "the heads split without a transpose (view (B, T, n_head, d_head), then .transpose(1, 2)), "
    "with a fixed 12 instead of n_head; scores not divided by √d_head; the mask applied after "
    "the softmax, or a softmax over the queries (dim=-2) instead of the keys (dim=-1); then, in "
    "attention_output, the heads merged without a transpose, the pattern transposed "
    "(pattern.transpose(-1, -2) @ v), or c_proj with nn.Linear's convention.",
    "흔한 원인: q, k, v를 잘못된 순서로 나눔(c_attn의 출력은 [q | k | v]); transpose 없이 head를 "
    "나눔((B, T, n_head, d_head)로 view한 다음 .transpose(1, 2)), n_head 대신 12로 고정함; score를 "
    "√d_head로 나누지 않음; softmax 뒤에 mask를 적용함, 또는 key 차원(dim=-1)이 아니라 query "
    "차원(dim=-2)에서 softmax를 계산함; 그리고 attention_output에서 head를 transpose 없이 "
    "합침, pattern을 전치함(pattern.transpose(-1, -2) @ v), c_proj를 nn.Linear 방식으로 적용함.",
)


def hint(key: str, wrong) -> Hint:
    return Hint(*MISTAKES[key], wrong)


# --- reading GPT-2's attention during a forward pass ---------------------------------------------


def capture_attention(model, ids: torch.Tensor, *, layers=None) -> dict[int, dict]:
    """Per layer index: ``x`` (what ``h[i].ln_1`` returned, the attention's input), ``pattern``
    and ``v`` (what GPT-2's eager attention returned and received), ``output`` (what ``h[i].attn``
    returned, before the residual add), all read during one full, causal forward pass of ``ids``."""
    layers = range(model.config.n_layer) if layers is None else layers
    names = {i: (f"transformer.h.{i}.ln_1", f"transformer.h.{i}.attn") for i in layers}
    with (
        torch.no_grad(),
        hooked(model, [n for pair in names.values() for n in pair]) as outputs,
        attention_seen(model) as seen,
    ):
        model.transformer(ids)
    captured = {}
    for i, (ln_1, attn) in names.items():
        _, _, v, pattern = seen[i]
        captured[i] = {
            "x": outputs[ln_1][1].detach().clone(),
            "pattern": pattern,
            "v": v,
            "output": outputs[attn][1][0].detach().clone(),  # GPT2Attention returns (out, weights)
        }
    return captured


def _weights(model, layer: int) -> dict[str, torch.Tensor]:
    """Detached copies of ``h[layer].attn``'s c_attn and c_proj parameters, in the order the
    exercises take them."""
    attn = model.transformer.h[layer].attn
    return {
        "c_attn_weight": attn.c_attn.weight.detach().clone(),
        "c_attn_bias": attn.c_attn.bias.detach().clone(),
        "c_proj_weight": attn.c_proj.weight.detach().clone(),
        "c_proj_bias": attn.c_proj.bias.detach().clone(),
    }


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- the model's own output with one thing changed (hints of the visible checks) --------------


def _without_mask(model, layer: int, x: torch.Tensor) -> torch.Tensor:
    """``h[layer].attn`` called on its own with eager attention and no mask: not causal
    (LESSON_TRACK §0.3), which is what an attention without its causal mask returns."""
    with torch.no_grad(), attention_implementation(model, "eager"):
        return model.transformer.h[layer].attn(x)[0]


def _varied(
    model, layer: int, ids: torch.Tensor, *, transpose_c_proj: bool = False, **attributes
) -> torch.Tensor:
    """``h[layer].attn``'s output in a full forward pass of ``ids`` with one thing changed for
    the time of that pass: attributes of the module (``scaling``, ``head_dim``), or c_proj's
    weight transposed (what nn.Linear's convention computes)."""
    attn = model.transformer.h[layer].attn
    name = f"transformer.h.{layer}.attn"
    before = {key: getattr(attn, key) for key in attributes}
    weight = attn.c_proj.weight
    try:
        for key, value in attributes.items():
            setattr(attn, key, value)
        with torch.no_grad():
            if transpose_c_proj:
                weight.copy_(weight.T.clone())
            with hooked(model, [name]) as outputs:
                model.transformer(ids)
    finally:
        with torch.no_grad():
            if transpose_c_proj:
                weight.copy_(weight.T.clone())
        for key, value in before.items():
            setattr(attn, key, value)
    return outputs[name][1][0]


def _model_hints(on, layer: int, ids, expected, bias, *, x=None) -> list[Hint]:
    """Known mistakes, each computed by the model itself with one thing changed (lazily: only
    when an answer misses): c_proj's weight transposed, the bias left out or added per head, and
    with ``x`` (self_attention) no mask, no scaling, scaling by √d and 12 heads."""
    d, heads = on.config.n_embd, on.config.n_head
    hints = []
    if x is not None:
        hints += [
            hint("no_mask", lambda: _without_mask(on, layer, x)),
            hint("no_scale", lambda: _varied(on, layer, ids, scaling=1.0)),
            hint("scale_by_d_model", lambda: _varied(on, layer, ids, scaling=d**-0.5)),
        ]
        if heads != 12 and d % 12 == 0:
            twelve = {"head_dim": d // 12, "scaling": (d // 12) ** -0.5}
            hints.append(hint("hard_coded_heads", lambda: _varied(on, layer, ids, **twelve)))
    return [
        *hints,
        hint("linear_convention", lambda: _varied(on, layer, ids, transpose_c_proj=True)),
        hint("no_bias", lambda: expected - bias),
        hint("bias_per_head", lambda: expected + (heads - 1) * bias),
    ]


def _compare_with_tips(got, expected, label: str, hints: list[Hint], tips) -> None:
    """``compare``; a deviation that no known mistake explains gets the usual causes appended."""
    try:
        compare(got, expected, label, atol=ATOL, rtol=RTOL, hints=hints)
    except CheckFailure as failure:
        if "differs from the reference" in str(failure):
            raise CheckFailure(f"{failure}{say(*tips)}") from None
        raise


# --- the visible self-checks ------------------------------------------------------------------


def _visible_models(model, seed: int, shape: dict, batch: int, length: int) -> list[tuple]:
    """(where, model, ids, layers): the lesson model's first and last layer on random ids, then a
    small re-drawn model (every bias non-zero) at its first and last layer."""
    synthetic = synthetic_gpt2(seed, **shape)
    heads = synthetic.config.n_head
    return [
        (
            "the lesson model",
            model,
            token_ids(seed, 1, 8, model.config.vocab_size),
            first_and_last(model),
        ),
        (
            f"a random model ({heads} heads, non-zero biases)",
            synthetic,
            token_ids(seed, batch, length, synthetic.config.vocab_size),
            first_and_last(synthetic),
        ),
    ]


@visible_check
def check_attention_output(attention_output, model) -> None:
    """Against the lesson model's own first and last attention modules, and those of a small
    random model whose c_proj bias is not zero: your function gets the pattern and values GPT-2's
    eager attention used in a forward pass, with the module's c_proj weight and bias, and its
    result is compared with what the module returned. The only attention computed here is the
    model's own, which ``attention_output`` may not call (checked first, from its source)."""
    forbidden.check_written_by_hand(attention_output, BANNED, "attention_output")
    for where, on, ids, layers in _visible_models(model, VISIBLE_SEED, {}, 2, 6):
        captured = capture_attention(on, ids, layers=layers)
        for layer in layers:
            seen, weights = captured[layer], _weights(on, layer)
            args = (seen["pattern"], seen["v"], weights["c_proj_weight"], weights["c_proj_bias"])
            label = f"attention_output on {where}, h[{layer}]"
            got = unchanged(attention_output, *args, name=label)
            hints = _model_hints(on, layer, ids, seen["output"], weights["c_proj_bias"])
            _compare_with_tips(got, seen["output"], label, hints, ATTENTION_OUTPUT_TIPS)
    passed("attention_output matches GPT-2's attention modules")


@visible_check
def check_self_attention(self_attention, model) -> None:
    """Against the lesson model's own first and last attention modules, and those of a random
    model with 6 heads and non-zero biases: your function gets what ``h[i].ln_1`` returned in a
    forward pass, with the module's weights and ``n_head``, and its result is compared with what
    ``h[i].attn`` returned. On a miss, the module itself run with one thing changed (no mask,
    no scaling, 12 heads, c_proj transposed, ...) names a mistake; no attention is computed here
    other than the model's own."""
    forbidden.check_written_by_hand(self_attention, BANNED, "self_attention")
    for where, on, ids, layers in _visible_models(model, VISIBLE_SEED + 1, ODD, 2, 5):
        captured = capture_attention(on, ids, layers=layers)
        heads = on.config.n_head
        for layer in layers:
            seen, weights = captured[layer], _weights(on, layer)
            label = f"self_attention on {where}, h[{layer}]"
            got = unchanged(self_attention, seen["x"], *weights.values(), heads, name=label)
            hints = _model_hints(
                on, layer, ids, seen["output"], weights["c_proj_bias"], x=seen["x"]
            )
            _compare_with_tips(got, seen["output"], label, hints, SELF_ATTENTION_TIPS)
    passed("self_attention matches GPT-2's attention modules")


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


Run = tuple[str, object, dict, list[int]]  # (where, model, captured, layers)


def _run(where: str, on, ids: torch.Tensor, layers: list[int] | None = None) -> Run:
    layers = list(range(on.config.n_layer)) if layers is None else layers
    return where, on, capture_attention(on, ids, layers=layers), layers


@functools.cache
def _synthetic_runs() -> tuple[Run, ...]:
    """The re-drawn models' forward passes: every layer of a 6-head, 3-layer model (3 sequences
    of 5 tokens) and of a 4-head one (2 of 8), every bias non-zero; one token alone (T = 1) on
    each. They depend on seeds only, so both parts (and the grader's judging of both) share one
    build per process; each call still gets fresh copies of the inputs (record.run_case)."""
    odd, small = synthetic_gpt2(ODD_SEED, **ODD), synthetic_gpt2(SMALL_SEED)
    odd_vocab, small_vocab = odd.config.vocab_size, small.config.vocab_size
    last_odd = [odd.config.n_layer - 1]
    return (
        _run(f"random model {ODD_SEED} (6 heads)", odd, token_ids(ODD_SEED, 3, 5, odd_vocab)),
        _run(f"random model {SMALL_SEED}", small, token_ids(SMALL_SEED, 2, 8, small_vocab)),
        _run(
            f"random model {ODD_SEED}, one token",
            odd,
            token_ids(ODD_SEED + 10, 1, 1, odd_vocab),
            last_odd,
        ),
        _run(
            f"random model {SMALL_SEED}, one token",
            small,
            token_ids(SMALL_SEED + 10, 2, 1, small_vocab),
        ),
    )


def _captures(model, tokenizer) -> list[Run]:
    """The hidden tests' forward passes: the lesson model's first and last layer on a sentence,
    then the re-drawn models' (``_synthetic_runs``)."""
    lesson_run = _run("the lesson model", model, sentence_ids(tokenizer), first_and_last(model))
    return [lesson_run, *_synthetic_runs()]


def attention_output_cases(model, tokenizer) -> list[Case]:
    cases = []
    for where, on, captured, layers in _captures(model, tokenizer):
        for layer in layers:
            seen, weights = captured[layer], _weights(on, layer)
            args = (seen["pattern"], seen["v"], weights["c_proj_weight"], weights["c_proj_bias"])
            label = (
                f"attention_output on {where}, h[{layer}] (pattern "
                f"{tuple(seen['pattern'].shape)}, v {tuple(seen['v'].shape)})"
            )
            cases.append(Case(label, args, context={"expected": seen["output"]}))
    return cases


def self_attention_cases(model, tokenizer) -> list[Case]:
    cases = []
    for where, on, captured, layers in _captures(model, tokenizer):
        for layer in layers:
            seen, weights = captured[layer], _weights(on, layer)
            args = (seen["x"], *weights.values(), on.config.n_head)
            label = (
                f"self_attention on {where}, h[{layer}] (x {tuple(seen['x'].shape)}, "
                f"n_head={on.config.n_head})"
            )
            cases.append(Case(label, args, context={"expected": seen["output"]}))
    return cases


PARTS = {
    "test_attention_output": Part(
        answers=("attention_output",), calls="attention_output", cases=attention_output_cases
    ),
    "test_self_attention": Part(
        answers=("self_attention",), calls="self_attention", cases=self_attention_cases
    ),
}
