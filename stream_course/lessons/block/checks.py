"""Lesson 08 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes a transformer block. The visible checks compare the student's
``transformer_block`` with what GPT-2's own blocks returned during a full, causal forward pass
(``h[i]``'s input and output, read with hooks: a block called on its own is not causal,
LESSON_TRACK §0.3). When an answer misses, known mistakes are recognised from the model itself
run with one thing changed: its LayerNorms, attention and MLP put together in a wrong order (post-LN,
a residual left out, ln_1 and ln_2 swapped, the MLP fed the block's input), the block called
without its causal mask, or one setting changed for one call (12 heads, c_proj transposed, ReLU
or erf GELU, LayerNorm without its weight and bias or with another eps). Each of those computes a
mistake, never the answer. The hidden tests' cases below are inputs only; their references and
verdicts come from the grader's answer key (source/08_block/answer_key.py).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    compare,
    fail,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import (
    EMBEDDINGS,
    ODD,
    attention_implementation,
    first_and_last,
    hooked,
    rescaled_gpt2,
    synthetic_gpt2,
    token_ids,
)

# Torch built-ins are allowed from this lesson on (F.layer_norm, F.scaled_dot_product_attention,
# F.gelu); transformers' GPT-2 modules are not, nor loading the weights into a module of the
# model (load_state_dict) or reaching into the notebook's model (model.transformer...).
BANNED = (*forbidden.GPT2_MODULES, "load_state_dict", "transformer")
ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 08: right styles stay within 2% of the allowance
SENTENCE = "Every block reads the stream, adds what attention found, then adds the MLP's part."
SMALL_SEED, WIDE_SEED, ODD_SEED, WIDE_ODD_SEED, QUIET_SEED = 81, 82, 83, 84, 85  # hidden tests
QUIET_SMALL_SEED = 86
VISIBLE_SEED = 88  # the visible checks' random models

collect = collector("block")

# Known mistakes, one message each; the visible checks and the answer key both use them.
MISTAKES = {
    "post_ln": (
        "this is a post-LN block: LayerNorm after the residual add, ln_1(x + attn(x)), as in the "
        "original Transformer. GPT-2 is pre-LN: the LayerNorm goes inside the branch and the "
        "stream is never normalised: x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)).",
        "post-LN block입니다. 원래 Transformer처럼 residual을 더한 뒤에 LayerNorm을 "
        "적용했습니다(ln_1(x + attn(x))). GPT-2는 pre-LN입니다. LayerNorm은 branch 안에만 있고 "
        "stream 자체는 정규화하지 않습니다: x = x + attn(ln_1(x)), 그다음 x = x + mlp(ln_2(x)).",
    ),
    "no_attn_residual": (
        "the attention's residual is missing: h = attn(ln_1(x)) replaces the stream. The block "
        "adds to it: h = x + attn(ln_1(x)).",
        "attention의 residual이 빠졌습니다. h = attn(ln_1(x))가 stream을 덮어씁니다. block은 "
        "stream에 더합니다: h = x + attn(ln_1(x)).",
    ),
    "no_mlp_residual": (
        "the MLP's residual is missing: the block returns mlp(ln_2(h)) alone. It returns "
        "h + mlp(ln_2(h)), with h = x + attn(ln_1(x)).",
        "MLP의 residual이 빠졌습니다. block이 mlp(ln_2(h))만 돌려줍니다. h = x + attn(ln_1(x))일 "
        "때 h + mlp(ln_2(h))를 돌려줘야 합니다.",
    ),
    "ln_swapped": (
        "ln_1 and ln_2 are swapped: ln_1 (params['ln_1.weight'], ['ln_1.bias']) normalises the "
        "attention's input, ln_2 the MLP's.",
        "ln_1과 ln_2가 뒤바뀌었습니다. ln_1(params['ln_1.weight'], ['ln_1.bias'])은 attention의 "
        "입력을, ln_2는 MLP의 입력을 정규화합니다.",
    ),
    "ln_1_twice": (
        "ln_1 is used twice: the MLP's input is normalised with ln_2's own weight and bias "
        "(params['ln_2.weight'], ['ln_2.bias']).",
        "ln_1을 두 번 썼습니다. MLP의 입력은 ln_2의 weight와 bias(params['ln_2.weight'], "
        "['ln_2.bias'])로 정규화합니다.",
    ),
    "residual_from_normalized": (
        "the residual starts from the normalised vector: x = ln_1(x); x = x + attn(x) adds to "
        "ln_1(x), not to the stream. Keep x as it is and add to it: x + attn(ln_1(x)) (the same "
        "for ln_2 and the MLP).",
        "residual이 정규화된 vector에서 시작합니다. x = ln_1(x); x = x + attn(x)는 stream이 아니라 "
        "ln_1(x)에 더합니다. x는 그대로 두고 거기에 더하세요: x + attn(ln_1(x))(ln_2와 MLP도 "
        "같습니다).",
    ),
    "mlp_on_block_input": (
        "the MLP reads the block's input x, not the updated stream: x + attn(ln_1(x)) + "
        "mlp(ln_2(x)) (a 'parallel' block). In GPT-2 the MLP comes after attention: h = x + "
        "attn(ln_1(x)), then h + mlp(ln_2(h)).",
        "MLP가 갱신된 stream이 아니라 block의 입력 x를 읽습니다: x + attn(ln_1(x)) + "
        "mlp(ln_2(x))('병렬' block). GPT-2에서는 MLP가 attention 다음에 옵니다: h = x + "
        "attn(ln_1(x)), 그다음 h + mlp(ln_2(h)).",
    ),
    "no_mask": (
        "the causal mask is missing: every position also attends to the positions after it. "
        "Mask the scores above the diagonal before the softmax (or pass is_causal=True to "
        "F.scaled_dot_product_attention).",
        "causal mask가 빠졌습니다. 모든 위치가 자기 뒤의 위치까지 보고 있습니다. softmax 전에 "
        "대각선 위쪽 score를 가리세요(또는 F.scaled_dot_product_attention에 is_causal=True를 "
        "주세요).",
    ),
    "hard_coded_heads": (
        "this is what 12 heads would give. Split the heads with the n_head argument "
        "(d_head = d // n_head), not a fixed 12: GPT-2 base has 12 heads, other models do not.",
        "head 12개로 계산한 결과입니다. 12로 고정하지 말고 인자로 받은 n_head로 head를 나누세요"
        "(d_head = d // n_head). GPT-2 base는 head가 12개지만 다른 모델은 그렇지 않습니다.",
    ),
    "no_scale": (
        "the attention scores are not scaled: divide q @ kᵀ by √d_head before the softmax.",
        "attention score를 scale하지 않았습니다. softmax 전에 q @ kᵀ를 √d_head로 나누세요.",
    ),
    "linear_convention": (
        "attn.c_proj was applied with nn.Linear's convention (x @ weight.T, which F.linear "
        "computes). GPT-2's Conv1D stores its weight as (in, out): z @ weight + bias. c_proj is "
        "square, so both run without an error.",
        "attn.c_proj를 nn.Linear 방식(F.linear가 계산하는 x @ weight.T)으로 적용했습니다. GPT-2의 "
        "Conv1D는 weight를 (in, out)으로 저장하므로 z @ weight + bias입니다. c_proj는 정사각 "
        "행렬이라 두 방식 모두 오류 없이 돌아갑니다.",
    ),
    "erf_gelu": (
        "the MLP's GELU is the exact erf form (F.gelu's default). GPT-2 uses the tanh "
        "approximation: F.gelu(h, approximate='tanh'), or your gelu_new from lesson 07.",
        "MLP의 GELU가 erf로 계산한 정확한 형태(F.gelu의 기본값)입니다. GPT-2는 tanh 근사를 "
        "씁니다: F.gelu(h, approximate='tanh') 또는 07 레슨의 gelu_new를 쓰세요.",
    ),
    "relu": (
        "the MLP uses ReLU. GPT-2's activation is GELU in its tanh form: "
        "F.gelu(h, approximate='tanh').",
        "MLP에 ReLU를 썼습니다. GPT-2의 activation은 tanh 형태의 GELU입니다: "
        "F.gelu(h, approximate='tanh').",
    ),
    "no_activation": (
        "the MLP has no activation between c_fc and c_proj: apply GELU (tanh form) to "
        "h @ W_fc + b_fc.",
        "MLP의 c_fc와 c_proj 사이에 activation이 없습니다. h @ W_fc + b_fc에 GELU(tanh 형태)를 "
        "적용하세요.",
    ),
    "ln_without_affine": (
        "the LayerNorms lack their weight and bias: after standardising, multiply by "
        "params['ln_1.weight'] and add params['ln_1.bias'] (ln_2's for the MLP).",
        "LayerNorm에 weight와 bias가 빠졌습니다. 표준화한 다음 params['ln_1.weight']를 곱하고 "
        "params['ln_1.bias']를 더하세요(MLP 쪽은 ln_2의 것).",
    ),
    "ln_without_bias": (
        "the LayerNorms lack their bias: add params['ln_1.bias'] (ln_2's for the MLP) after "
        "multiplying by the weight.",
        "LayerNorm에 bias가 빠졌습니다. weight를 곱한 다음 params['ln_1.bias'](MLP 쪽은 ln_2의 "
        "것)를 더하세요.",
    ),
    "eps": (
        "LayerNorm's eps is not GPT-2's: it is 1e-5 (config.layer_norm_epsilon), inside the "
        "square root, √(var + 1e-5). It matters when the stream is quiet (variance near 1e-5).",
        "LayerNorm의 eps가 GPT-2의 값이 아닙니다. eps는 1e-5(config.layer_norm_epsilon)이고 제곱근 "
        "안에 들어갑니다: √(var + 1e-5). stream의 분산이 1e-5 근처로 작을 때 차이가 납니다.",
    ),
    "unbiased_variance": (
        "the LayerNorms use the unbiased variance (torch.var's default, dividing by d - 1). "
        "LayerNorm divides by d: x.var(-1, unbiased=False, keepdim=True), or F.layer_norm.",
        "LayerNorm에 불편 분산(torch.var의 기본값, d - 1로 나눔)을 썼습니다. LayerNorm은 d로 "
        "나눕니다: x.var(-1, unbiased=False, keepdim=True) 또는 F.layer_norm을 쓰세요.",
    ),
}

TIPS = (
    "The usual causes: GPT-2's block is pre-LN, h = x + attn(ln_1(x)), then h + mlp(ln_2(h)), "
    "with ln_1 for attention and ln_2 for the MLP, and the MLP reading h, not x; LayerNorm with "
    "its weight and bias, the biased variance and eps = 1e-5; causal attention with n_head "
    "heads (not 12) and scores divided by √d_head; Conv1D weights (in, out): z @ W + b, no "
    "transpose; GELU in the tanh form (F.gelu(h, approximate='tanh')).",
    "흔한 원인: GPT-2의 block은 pre-LN입니다. h = x + attn(ln_1(x)), 그다음 h + mlp(ln_2(h))이고, "
    "attention에는 ln_1, MLP에는 ln_2를 쓰며 MLP는 x가 아니라 h를 읽습니다. LayerNorm에는 weight와 "
    "bias, 편향 분산, eps = 1e-5를 씁니다. attention은 causal이고 head는 12가 아니라 n_head개, "
    "score는 √d_head로 나눕니다. Conv1D weight는 (in, out)이라 transpose 없이 z @ W + b입니다. "
    "GELU는 tanh 형태입니다(F.gelu(h, approximate='tanh')).",
)


def hint(key: str, wrong: Callable) -> Hint:
    return Hint(*MISTAKES[key], wrong)


def explain_error(name: str, kind: str, message: str, d: int, n_head: int) -> None:
    """Name the likely mistake behind an exception, if it is a known one."""
    if "is invalid for input of size" in message or "must be divisible" in message:
        fail(
            f"{name} raised {kind} ({message}). The heads do not fit: this model has d = {d} "
            f"and n_head = {n_head}. Split the heads with the n_head argument (d_head = d // "
            "n_head), not a fixed 12 or a fixed d_head = 64: GPT-2 base has 12 heads, other "
            "models do not.",
            f"{name}에서 {kind} 발생({message}). head가 맞지 않습니다. 이 모델은 d = {d}, n_head = "
            f"{n_head}입니다. 12나 d_head = 64로 고정하지 말고 인자로 받은 n_head로 head를 "
            "나누세요(d_head = d // n_head). GPT-2 base는 head가 12개지만 다른 모델은 그렇지 "
            "않습니다.",
        )
    if "cannot be multiplied" in message or "size of tensor a" in message:
        fail(
            f"{name} raised {kind} ({message}). GPT-2's Conv1D stores its weights as (in, out): "
            "c_attn's weight is (d, 3·d), c_fc's (d, 4·d), and each layer computes x @ weight + "
            "bias. nn.Linear's convention (F.linear, x @ weight.T) expects (out, in): do not "
            "transpose.",
            f"{name}에서 {kind} 발생({message}). GPT-2의 Conv1D는 weight를 (in, out)으로 "
            "저장합니다. c_attn의 weight는 (d, 3·d), c_fc의 weight는 (d, 4·d)이고, 층마다 x @ "
            "weight + bias를 계산합니다. nn.Linear 방식(F.linear, x @ weight.T)은 (out, in)을 "
            "기대하므로 transpose하지 마세요.",
        )
    if "same dtype" in message or "expected scalar type" in message:
        fail(
            f"{name} raised {kind} ({message}): a float64 tensor met a float32 one. Keep the "
            "inputs' dtype, float32 (no .double()).",
            f"{name}에서 {kind} 발생({message}). float64 tensor와 float32 tensor가 만났습니다. "
            "입력의 dtype(float32)을 유지하세요(.double() 없이).",
        )
    if kind == "KeyError":
        fail(
            f"{name} raised KeyError ({message}). params is the block's state_dict: its keys "
            "are 'ln_1.weight', 'attn.c_attn.weight', 'mlp.c_fc.bias', ... (print(params.keys())); "
            "there is no 'attn.bias' in transformers 5.",
            f"{name}에서 KeyError 발생({message}). params는 block의 state_dict이고 key는 "
            "'ln_1.weight', 'attn.c_attn.weight', 'mlp.c_fc.bias' 같은 이름입니다"
            "(print(params.keys())). transformers 5에는 'attn.bias'가 없습니다.",
        )


# --- reading GPT-2's blocks during a forward pass ------------------------------------------------


def capture_blocks(
    model, ids: torch.Tensor, layers
) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """Per layer index: (what ``h[i]`` received, what it returned) during one full, causal
    forward pass of ``ids`` (hooks; the model's own mask and attention implementation)."""
    names = {i: f"transformer.h.{i}" for i in layers}
    training = model.training
    model.eval()
    try:
        with torch.no_grad(), hooked(model, list(names.values())) as seen:
            model.transformer(ids)
    finally:
        model.train(training)
    return {i: (seen[n][0].detach().clone(), seen[n][1].detach().clone()) for i, n in names.items()}


def block_params(model, layer: int) -> dict[str, torch.Tensor]:
    """A detached copy of ``h[layer].state_dict()``: what the exercise receives as ``params``."""
    return {k: v.detach().clone() for k, v in model.transformer.h[layer].state_dict().items()}


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- the model's own block with one thing changed (hints of the visible checks) ----------------


def _causal_mask(x: torch.Tensor) -> torch.Tensor:
    """The additive mask GPT2Model hands its blocks: 0 on and below the diagonal, the lowest
    float above it, (1, 1, T, T)."""
    length = x.shape[-2]
    return torch.full((length, length), torch.finfo(x.dtype).min).triu(1)[None, None]


# Wrong arrangements of the block's own modules (ln_1, ln_2, attention with its causal mask,
# mlp): each is one known mistake.
def _post_ln(ln_1, ln_2, attn, mlp, x):
    h = ln_1(x + attn(x))
    return ln_2(h + mlp(h))


def _no_attn_residual(ln_1, ln_2, attn, mlp, x):
    a = attn(ln_1(x))
    return a + mlp(ln_2(a))


def _no_mlp_residual(ln_1, ln_2, attn, mlp, x):
    return mlp(ln_2(x + attn(ln_1(x))))


def _ln_swapped(ln_1, ln_2, attn, mlp, x):
    h = x + attn(ln_2(x))
    return h + mlp(ln_1(h))


def _ln_1_twice(ln_1, ln_2, attn, mlp, x):
    h = x + attn(ln_1(x))
    return h + mlp(ln_1(h))


def _residual_from_normalized(ln_1, ln_2, attn, mlp, x):
    n = ln_1(x)
    n = ln_2(n + attn(n))
    return n + mlp(n)


def _mlp_on_block_input(ln_1, ln_2, attn, mlp, x):
    return x + attn(ln_1(x)) + mlp(ln_2(x))


ARRANGEMENTS = {
    "post_ln": _post_ln,
    "no_attn_residual": _no_attn_residual,
    "no_mlp_residual": _no_mlp_residual,
    "ln_swapped": _ln_swapped,
    "ln_1_twice": _ln_1_twice,
    "residual_from_normalized": _residual_from_normalized,
    "mlp_on_block_input": _mlp_on_block_input,
}


def _arranged(model, layer: int, x: torch.Tensor, arrangement: Callable) -> torch.Tensor:
    block = model.transformer.h[layer]
    mask = _causal_mask(x)
    with torch.no_grad(), attention_implementation(model, "eager"):
        return arrangement(
            block.ln_1, block.ln_2, lambda h: block.attn(h, attention_mask=mask)[0], block.mlp, x
        )


def _without_mask(model, layer: int, x: torch.Tensor) -> torch.Tensor:
    """``h[layer]`` called on its own with eager attention and no mask: not causal
    (LESSON_TRACK §0.3), which is what a block without its causal mask returns."""
    with torch.no_grad(), attention_implementation(model, "eager"):
        return model.transformer.h[layer](x)


@contextlib.contextmanager
def _set(target, **values) -> Iterator[None]:
    before = {key: getattr(target, key) for key in values}
    try:
        for key, value in values.items():
            setattr(target, key, value)
        yield
    finally:
        for key, value in before.items():
            setattr(target, key, value)


@contextlib.contextmanager
def _scaled(*tensors_and_values) -> Iterator[None]:
    """Parameters overwritten in place for the time of one call, restored afterwards."""
    saved = [(t, t.detach().clone()) for t, _ in tensors_and_values]
    try:
        with torch.no_grad():
            for tensor, value in tensors_and_values:
                tensor.copy_(value(tensor).clone())  # a view of itself (w.T) needs a copy
        yield
    finally:
        with torch.no_grad():
            for tensor, value in saved:
                tensor.copy_(value)


def _changed(model, layer: int, x: torch.Tensor, key: str, setting=None) -> torch.Tensor:
    """``h[layer]`` on ``x`` with its causal mask and one thing changed for that call."""
    block = model.transformer.h[layer]
    norms = (block.ln_1, block.ln_2)
    d = x.shape[-1]
    if key == "hard_coded_heads":
        change = _set(block.attn, head_dim=d // 12, scaling=(d // 12) ** -0.5)
    elif key == "no_scale":
        change = _set(block.attn, scaling=1.0)
    elif key == "linear_convention":
        change = _scaled((block.attn.c_proj.weight, lambda w: w.T))
    elif key in ("erf_gelu", "relu", "no_activation"):
        act = {
            "erf_gelu": torch.nn.GELU(),
            "relu": torch.nn.ReLU(),
            "no_activation": torch.nn.Identity(),
        }
        change = _set(block.mlp, act=act[key])
    elif key == "ln_without_affine":
        change = _scaled(
            *[(n.weight, torch.ones_like) for n in norms],
            *[(n.bias, torch.zeros_like) for n in norms],
        )
    elif key == "ln_without_bias":
        change = _scaled(*[(n.bias, torch.zeros_like) for n in norms])
    elif key == "eps":
        change = contextlib.ExitStack()
        for n in norms:
            change.enter_context(_set(n, eps=setting))
    elif key == "unbiased_variance":
        # (x - mean) / √(var·d/(d-1) + eps) is LayerNorm with weight·√((d-1)/d), eps·(d-1)/d
        change = contextlib.ExitStack()
        factor = (d - 1) / d
        for n in norms:
            change.enter_context(_set(n, eps=n.eps * factor))
        change.enter_context(_scaled(*[(n.weight, lambda w: w * math.sqrt(factor)) for n in norms]))
    else:
        raise KeyError(key)
    with torch.no_grad(), attention_implementation(model, "eager"), change:
        return block(x, attention_mask=_causal_mask(x))


def model_hints(model, layer: int, x: torch.Tensor) -> list[Hint]:
    """Known mistakes, each computed by the model's own block with one thing changed (lazily:
    only when an answer misses)."""
    heads, d = model.config.n_head, model.config.n_embd
    hints = [
        hint(key, lambda a=arrangement: _arranged(model, layer, x, a))
        for key, arrangement in ARRANGEMENTS.items()
    ]
    hints.append(hint("no_mask", lambda: _without_mask(model, layer, x)))
    keys = ["no_scale", "linear_convention", "erf_gelu", "relu", "no_activation"]
    keys += ["ln_without_affine", "ln_without_bias", "unbiased_variance"]
    if heads != 12 and d % 12 == 0:
        keys.insert(0, "hard_coded_heads")
    hints += [hint(key, lambda k=key: _changed(model, layer, x, k)) for key in keys]
    hints += [
        hint("eps", lambda e=e: _changed(model, layer, x, "eps", e)) for e in (0.0, 1e-6, 1e-12)
    ]
    return hints


# --- the visible self-checks ------------------------------------------------------------------


@contextlib.contextmanager
def _tips() -> Iterator[None]:
    """A deviation that no known mistake explains gets the usual causes appended."""
    try:
        yield
    except CheckFailure as failure:
        if "differs from the reference" in str(failure):
            raise CheckFailure(f"{failure}{say(*TIPS)}") from None
        raise


def verify(got, expected: torch.Tensor, name: str, hints=(), inputs=()) -> None:
    with _tips():
        compare(got, expected, name, atol=ATOL, rtol=RTOL, hints=hints, inputs=inputs)


def _call(transformer_block, x, params, n_head, name: str):
    """The student's block on copies of its inputs; fails on in-place changes (of x or of
    any tensor in params) and explains known errors."""
    copies = {k: v.clone() for k, v in params.items()}
    try:
        got = unchanged(transformer_block, x, copies, n_head, name=name)
    except CheckFailure as failure:
        text = str(failure)
        for kind in ("RuntimeError", "ValueError", "TypeError", "KeyError", "IndexError"):
            if f"raised {kind}: " in text:
                raised = text.split(f"raised {kind}: ", 1)[1].split("\n", 1)[0]
                explain_error(name, kind, raised, x.shape[-1], n_head)
        raise
    for key, value in params.items():
        if not (key in copies and torch.equal(copies[key], value)):
            fail(
                f"{name} changed params[{key!r}] in place. Leave the weights as they are and "
                "compute new tensors.",
                f"{name}이(가) params[{key!r}]를 제자리에서(in-place) 바꿨습니다. weight는 그대로 "
                "두고 새 tensor를 만들어 계산하세요.",
            )
    return got


def _check(transformer_block, runs) -> None:
    forbidden.check_written_by_hand(transformer_block, BANNED, "transformer_block")
    for where, on, ids, layers in runs:
        captured = capture_blocks(on, ids, layers)
        heads = on.config.n_head
        for layer in layers:
            x, expected = captured[layer]
            label = f"transformer_block on {where}, h[{layer}] (x {tuple(x.shape)}, n_head={heads})"
            got = _call(transformer_block, x, block_params(on, layer), heads, label)
            verify(got, expected, label, model_hints(on, layer, x))


def quiet_gpt2(seed: int, **shape):
    """A re-drawn model whose embeddings are 100 times smaller: the stream entering block 0 has a
    variance near LayerNorm's eps (1e-5), where eps matters."""
    return rescaled_gpt2(seed, 0.01, EMBEDDINGS, **shape)


def wide_gpt2(seed: int, **shape):
    """A re-drawn model whose c_fc weights are doubled: the MLP's pre-activations spread to where
    the tanh and erf forms of GELU differ most (lesson 07)."""
    return rescaled_gpt2(seed, 2, ("*.c_fc.weight",), **shape)


@visible_check
def check_transformer_block(transformer_block, model) -> None:
    """Against the lesson model's first and last block, and those of a small random model (4
    heads, ln_1 ≠ ln_2, non-zero biases): your function gets what ``h[i]`` received during a
    full forward pass, the block's ``state_dict()`` and ``n_head``; its result is compared with
    what ``h[i]`` returned. ``transformer_block`` may not call GPT-2's modules (checked first)."""
    small = synthetic_gpt2(VISIBLE_SEED)
    _check(
        transformer_block,
        [
            (
                "the lesson model",
                model,
                token_ids(VISIBLE_SEED, 1, 8, model.config.vocab_size),
                first_and_last(model),
            ),
            (
                "a random model (4 heads, non-zero biases)",
                small,
                token_ids(VISIBLE_SEED, 2, 6, small.config.vocab_size),
                first_and_last(small),
            ),
        ],
    )
    passed("transformer_block matches GPT-2's blocks (lesson model, small random model)")


@visible_check
def check_transformer_block_odd(transformer_block, model) -> None:
    """Against the first and last block of a random model with 6 heads and 3 layers, on three
    sequences of 5 tokens and on single tokens (T = 1), and the first block of a model whose
    stream is quiet (variance near eps)."""
    odd = synthetic_gpt2(VISIBLE_SEED + 1, **ODD)
    quiet = quiet_gpt2(VISIBLE_SEED + 2, **ODD)
    vocab = odd.config.vocab_size
    _check(
        transformer_block,
        [
            (
                "a random model (6 heads, 3 layers)",
                odd,
                token_ids(VISIBLE_SEED, 3, 5, vocab),
                first_and_last(odd),
            ),
            (
                "the same model, one token",
                odd,
                token_ids(VISIBLE_SEED + 1, 2, 1, vocab),
                first_and_last(odd),
            ),
            (
                "a random model with a quiet stream",
                quiet,
                token_ids(VISIBLE_SEED + 2, 2, 6, vocab),
                [0],
            ),
        ],
    )
    passed("transformer_block matches GPT-2's blocks (6 heads, 3 layers, T = 1)")


def check_everything(transformer_block, model) -> None:
    """Both self-checks (the lesson's last cell)."""
    check_transformer_block(transformer_block, model)
    check_transformer_block_odd(transformer_block, model)


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def _cases(where: str, on, ids: torch.Tensor, layers) -> list[Case]:
    """One case per layer: x = what ``h[i]`` received during a full forward pass of ``ids``,
    params = a copy of its state_dict, n_head. ``context["expected"]`` is what ``h[i]`` returned:
    the answer key's reference, never sent anywhere."""
    captured = capture_blocks(on, ids, layers)
    heads = on.config.n_head
    cases = []
    for layer in layers:
        x, expected = captured[layer]
        label = f"transformer_block on {where}, h[{layer}] (x {tuple(x.shape)}, n_head={heads})"
        args = (x, block_params(on, layer), heads)
        cases.append(Case(label, args, context={"expected": expected}))
    return cases


def block_cases(model, tokenizer) -> list[Case]:
    """The lesson model's first and last block on a sentence; every block of a small re-drawn
    model (4 heads, 2 layers) on two sequences and on one token, and of one whose MLP
    pre-activations are wider (erf and tanh GELU differ most there); the first block of one
    whose stream is quiet (eps matters there, whatever the lesson model is)."""
    small, wide = synthetic_gpt2(SMALL_SEED), wide_gpt2(WIDE_SEED)
    quiet = quiet_gpt2(QUIET_SMALL_SEED)
    vocab = small.config.vocab_size
    return [
        *_cases("the lesson model", model, sentence_ids(tokenizer), first_and_last(model)),
        *_cases(f"random model {SMALL_SEED}", small, token_ids(SMALL_SEED, 2, 8, vocab), [0, 1]),
        *_cases(
            f"random model {SMALL_SEED}, one token",
            small,
            token_ids(SMALL_SEED + 10, 1, 1, vocab),
            [0, 1],
        ),
        *_cases(
            f"random model {WIDE_SEED} (wide MLP)", wide, token_ids(WIDE_SEED, 2, 16, vocab), [0, 1]
        ),
        *_cases(
            f"random model {QUIET_SMALL_SEED} (quiet stream)",
            quiet,
            token_ids(QUIET_SMALL_SEED, 2, 6, vocab),
            [0],
        ),
    ]


def block_odd_cases(model, tokenizer) -> list[Case]:
    """Every block of a re-drawn model with 6 heads and 3 layers (three sequences of 5 tokens),
    its first and last block on single tokens (T = 1), every block of a 6-head model with a wider
    MLP, and the first and last block of one whose stream is quiet (variance near eps)."""
    odd, wide, quiet = (
        synthetic_gpt2(ODD_SEED, **ODD),
        wide_gpt2(WIDE_ODD_SEED, **ODD),
        quiet_gpt2(QUIET_SEED, **ODD),
    )
    vocab = odd.config.vocab_size
    return [
        *_cases(
            f"random model {ODD_SEED} (6 heads)", odd, token_ids(ODD_SEED, 3, 5, vocab), [0, 1, 2]
        ),
        *_cases(
            f"random model {ODD_SEED}, one token",
            odd,
            token_ids(ODD_SEED + 10, 2, 1, vocab),
            [0, 2],
        ),
        *_cases(
            f"random model {WIDE_ODD_SEED} (6 heads, wide MLP)",
            wide,
            token_ids(WIDE_ODD_SEED, 2, 12, vocab),
            [0, 1, 2],
        ),
        *_cases(
            f"random model {QUIET_SEED} (6 heads, quiet stream)",
            quiet,
            token_ids(QUIET_SEED, 2, 6, vocab),
            [0, 2],
        ),
    ]


PARTS = {
    "test_transformer_block": Part(
        answers=("transformer_block",), calls="transformer_block", cases=block_cases
    ),
    "test_transformer_block_odd": Part(
        answers=("transformer_block",), calls="transformer_block", cases=block_odd_cases
    ),
}
