"""Lesson 12 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes a forward pass, a greedy continuation or sampling probabilities. The
visible checks compare the student's functions with what transformers itself returns: the
model's own logits (``model(ids).logits``), ``model.generate`` (greedy, no EOS stop) and
transformers' own logits warpers (``TemperatureLogitsWarper``, ``TopKLogitsWarper``). When an
answer misses, known mistakes are recognised from the model itself run with one thing changed
(without ln_f, with 12 heads, without its causal mask, fed only the last token, ...) or from the
logits with one step changed (temperature after the softmax, top-k not renormalised, ...). The
hidden tests' cases below are inputs only; their references and verdicts come from the grader's
answer key (source/12_decoding/answer_key.py).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import torch
from torch import nn

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    clone_arguments,
    compare,
    fail,
    passed,
    require,
    say,
    snapshot,
    unchanged,
    visible_check,
)
from stream_course.synthetic import BLOCK_KEYS, ODD, SMALL, synthetic_gpt2, token_ids

# Nothing may make transformers do the work: its GPT-2 classes, generate, loading the weights
# into a model (load_state_dict, from_pretrained, torch.func.functional_call), its logits warpers.
WARPERS = (
    "LogitsProcessor",
    "LogitsProcessorList",
    "LogitsWarper",
    "TemperatureLogitsWarper",
    "TopKLogitsWarper",
    "TopPLogitsWarper",
    "MinPLogitsWarper",
    "TypicalLogitsWarper",
    "EpsilonLogitsWarper",
    "EtaLogitsWarper",
)
BANNED = (
    *forbidden.GPT2_MODULES,
    "GPT2Config",
    "generate",
    "GenerationConfig",
    "load_state_dict",
    "from_pretrained",
    "functional_call",
    "pipeline",
    *WARPERS,
)
FORWARD_ATOL = FORWARD_RTOL = 1e-4  # LESSON_TRACK, lesson 12: right styles stay within 1.5e-5
PROBS_ATOL, PROBS_RTOL = 1e-6, 1e-4  # right styles stay within 1.9e-7
MIN_GAP = 1e-3  # every greedy step of a case: top-1 logit − top-2 logit > MIN_GAP (no near-ties)
SENTENCE = "The model reads every word of this sentence, then guesses the next one."
VISIBLE_SENTENCE = "A state dict holds every weight the forward pass needs."
SMALL_SEED, ODD_SEED, ELEVEN_SEED, EOS_SEED = 1201, 1202, 1203, 1204  # hidden tests' models
VISIBLE_SEED = 1211  # the visible checks' random models start here
# 11 blocks: sorted as strings, the layer numbers run 0, 1, 10, 2, ... (GPT-2 base has 12).
ELEVEN = {"vocab_size": 53, "n_positions": 32, "n_embd": 16, "n_head": 2, "n_layer": 11}
# GPT-2's vocabulary size, so that the end-of-text id is GPT-2's (the last id).
FULL_VOCAB = {"vocab_size": 50257, "n_positions": 32, "n_embd": 32, "n_head": 4, "n_layer": 2}
EOS_BOOST = 3.0  # the EOS model's wte row of end-of-text, scaled: greedy meets EOS on its way

collect = collector("decoding")

MISTAKES = {
    # --- gpt2_forward ---
    "hard_coded_heads": (
        "this is what 12 heads would give. Split the heads with the n_head argument "
        "(d_head = d // n_head), not a fixed 12: GPT-2 base has 12 heads, other models do not.",
        "head 12개로 계산한 결과입니다. 12로 고정하지 말고 인자로 받은 n_head로 head를 나누세요"
        "(d_head = d // n_head). GPT-2 base는 head가 12개지만 다른 모델은 그렇지 않습니다.",
    ),
    "no_ln_f": (
        "ln_f is missing: after the last block, apply the final LayerNorm "
        "(transformer.ln_f.weight and .bias, eps 1e-5) once, then unembed.",
        "ln_f가 빠졌습니다. 마지막 block 다음에 마지막 LayerNorm(transformer.ln_f.weight와 "
        ".bias, eps 1e-5)을 한 번 적용한 다음 unembedding하세요.",
    ),
    "ln_f_twice": (
        "ln_f was applied twice: once after the last block is all (lesson 09).",
        "ln_f를 두 번 적용했습니다. 마지막 block 다음에 한 번만 적용합니다(09 레슨).",
    ),
    "no_mask": (
        "the attention is not causal: every position also sees the positions after it. Mask "
        "the scores above the diagonal (or pass is_causal=True to F.scaled_dot_product_attention).",
        "attention이 causal이 아닙니다. 모든 위치가 자기 뒤의 위치까지 보고 있습니다. 대각선 "
        "위쪽의 score를 가리세요(또는 F.scaled_dot_product_attention에 is_causal=True를 주세요).",
    ),
    "no_positions": (
        "the position embeddings are missing: the blocks start from "
        "wte[ids] + wpe[arange(T)] (lesson 02).",
        "position embedding이 빠졌습니다. block의 입력은 wte[ids] + wpe[arange(T)]입니다(02 레슨).",
    ),
    "layers_in_string_order": (
        "the blocks ran in the order of their names as strings (h.0, h.1, h.10, h.11, h.2, ...). "
        "Sort the layer numbers as integers: 0, 1, 2, ..., 10, 11.",
        "block을 이름의 문자열 순서(h.0, h.1, h.10, h.11, h.2, ...)로 실행했습니다. 층 번호를 "
        "정수로 정렬하세요: 0, 1, 2, ..., 10, 11.",
    ),
    "erf_gelu": (
        "the MLP uses the erf GELU (F.gelu's default). GPT-2 uses the tanh form: "
        "F.gelu(x, approximate='tanh') or your gelu_new from lesson 07.",
        "MLP가 erf GELU(F.gelu의 기본값)를 씁니다. GPT-2는 tanh 형태를 씁니다: "
        "F.gelu(x, approximate='tanh') 또는 07 레슨의 gelu_new.",
    ),
    "hard_coded_layers": (
        "a block's weight {key} was not found: is the number of layers hard-coded? This model "
        "has {n_layer} blocks, and the loop asked for more. Read n_layer from the keys (the "
        "block numbers i in 'transformer.h.<i>.…'), never a 12 typed in.",
        "block의 weight {key}를 찾지 못했습니다. 층 개수를 고정했나요? 이 모델은 block이 "
        "{n_layer}개인데 반복문이 더 많은 block을 찾았습니다. n_layer는 키"
        "('transformer.h.<i>.…'의 block 번호 i)에서 읽으세요. 12를 직접 쓰면 안 됩니다.",
    ),
    "lm_head_required": (
        "the state dict has no 'lm_head.weight' here: GPT-2 ties its output layer to wte, "
        "and save_pretrained leaves the copy out. Unembed with transformer.wte.weight "
        "(logits = h @ wteᵀ, lesson 10); never require lm_head.weight.",
        "여기서는 state dict에 'lm_head.weight'가 없습니다. GPT-2는 출력 층을 wte와 묶어 두었고"
        "(tied), save_pretrained는 그 사본을 저장하지 않습니다. transformer.wte.weight로 "
        "unembedding하세요(logits = h @ wteᵀ, 10 레슨). lm_head.weight를 요구하면 안 됩니다.",
    ),
    "no_prefix": (
        "the keys of model.state_dict() start with 'transformer.' ({key} is not one of them): "
        "'transformer.wte.weight', 'transformer.h.0.ln_1.weight', ..., 'transformer.ln_f.bias'.",
        "model.state_dict()의 키는 'transformer.'로 시작합니다({key}라는 키는 없습니다): "
        "'transformer.wte.weight', 'transformer.h.0.ln_1.weight', ..., 'transformer.ln_f.bias'.",
    ),
    # --- greedy_decode ---
    "last_token_only": (
        "each step fed only the last token to gpt2_forward. Greedy decoding feeds the whole "
        "sequence so far (prompt + every token chosen) and takes the argmax at the last position.",
        "매 단계에서 마지막 token 하나만 gpt2_forward에 넣었습니다. greedy decoding은 지금까지의 "
        "전체 sequence(prompt와 지금까지 고른 token 전부)를 넣고 마지막 위치의 argmax를 고릅니다.",
    ),
    "fixed_window": (
        "each step fed a fixed window of the last {window} tokens (the prompt's length) to "
        "gpt2_forward: the context must grow by one token per step, from the whole prompt on.",
        "매 단계에서 마지막 {window}개 token(prompt 길이)의 고정된 창만 gpt2_forward에 넣었습니다. "
        "context는 prompt 전체에서 시작해 단계마다 token 하나씩 늘어나야 합니다.",
    ),
    "eos_stop": (
        "the decoding stopped at the end-of-text token (id {eos}). This exercise has no EOS "
        "stop: return the prompt and exactly n_new new tokens, EOS or not.",
        "end-of-text token(id {eos})에서 decoding을 멈췄습니다. 이 연습에는 EOS 멈춤이 없습니다. "
        "EOS가 나오든 말든 prompt와 정확히 n_new개의 새 token을 돌려주세요.",
    ),
    # --- next_token_probs ---
    "temperature_after_softmax": (
        "the temperature was applied after the softmax (softmax(logits) / T). Divide the "
        "logits first: softmax(logits / T).",
        "softmax 뒤에 temperature를 적용했습니다(softmax(logits) / T). logits를 먼저 나누세요: "
        "softmax(logits / T).",
    ),
    "temperature_ignored": (
        "the temperature has no effect here: softmax(logits / T), with the division before the "
        "softmax (dividing the probabilities and renormalising cancels it).",
        "temperature가 효과가 없습니다. softmax 전에 나누어 softmax(logits / T)를 계산하세요"
        "(확률을 나눈 뒤 다시 정규화하면 나눗셈이 상쇄됩니다).",
    ),
    "temperature_multiplied": (
        "the logits were multiplied by the temperature: divide them, softmax(logits / T). "
        "T > 1 flattens the distribution, T < 1 sharpens it.",
        "logits에 temperature를 곱했습니다. 나누세요: softmax(logits / T). T > 1이면 분포가 "
        "평평해지고, T < 1이면 뾰족해집니다.",
    ),
    "not_renormalised": (
        "top-k zeroed the other probabilities but was not renormalised: the kept ones must sum "
        "to 1 again (filter the logits with -inf before the softmax, or divide by the sum).",
        "top-k로 나머지 확률을 0으로 만들었지만 다시 정규화하지 않았습니다. 남긴 확률의 합이 "
        "다시 1이어야 합니다(softmax 전에 logits를 -inf로 거르거나, 합으로 나누세요).",
    ),
    "exactly_k": (
        "exactly k entries were kept (torch.topk's indices), so a logit tied with the k-th "
        "largest was dropped. Keep every logit >= the k-th largest value, as transformers' "
        "TopKLogitsWarper does: ties with the k-th are kept.",
        "정확히 k개(torch.topk의 index)만 남겨서, k번째로 큰 logit과 값이 같은 logit이 "
        "빠졌습니다. transformers의 TopKLogitsWarper처럼 k번째로 큰 값 이상인 logit을 모두 "
        "남기세요. k번째 값과 같은(동점) logit도 남깁니다.",
    ),
    "top_k_ignored": (
        "top_k has no effect: keep only the logits >= the k-th largest (the others get "
        "probability exactly 0) when top_k is given.",
        "top_k가 효과가 없습니다. top_k가 주어지면 k번째로 큰 값 이상인 logit만 남기세요"
        "(나머지의 확률은 정확히 0).",
    ),
    "tiny_not_zero": (
        "the filtered entries hold tiny numbers, not exactly 0 (up to {largest:.1e}): a "
        "clamp(min=...) or an epsilon? Set the filtered logits to -inf before the softmax; "
        "their probabilities must be exactly 0, or a sampler can still pick them.",
        "걸러진 항목에 정확한 0이 아니라 아주 작은 수가 들어 있습니다(최대 {largest:.1e}). "
        "clamp(min=...)이나 epsilon을 썼나요? softmax 전에 걸러진 logit을 -inf로 두세요. "
        "확률이 정확히 0이어야 sampler가 그 token을 고를 수 없습니다.",
    ),
    "sampled_ids": (
        "this looks like sampled token ids, shape {shape} ({dtype}). next_token_probs returns "
        "the probabilities themselves, (B, V) floats; sample from them afterwards "
        "(torch.multinomial), outside this function.",
        "sampling한 token id로 보입니다(shape {shape}, {dtype}). next_token_probs는 확률 자체, "
        "즉 (B, V) 실수 tensor를 돌려줍니다. sampling(torch.multinomial)은 이 함수 밖에서 "
        "나중에 하세요.",
    ),
}

FORWARD_TIPS = (
    "The usual causes: x = wte[ids] + wpe[arange(T)]; every block in order (numbers read from "
    "the keys, sorted as ints), each x + attn(ln_1(x)) then + mlp(ln_2(·)) with a causal mask, "
    "n_head heads and the tanh GELU; ln_f once; logits = x @ wteᵀ. Conv1D weights are (in, out): "
    "x @ weight + bias.",
    "흔한 원인: x = wte[ids] + wpe[arange(T)]; 모든 block을 순서대로(번호는 키에서 읽어 정수로 "
    "정렬) 실행하고, block마다 x + attn(ln_1(x)), 이어서 + mlp(ln_2(·)) (causal mask, n_head개 "
    "head, tanh GELU); ln_f 한 번; logits = x @ wteᵀ. Conv1D weight는 (in, out)이므로 "
    "x @ weight + bias입니다.",
)
GREEDY_TIPS = (
    "The usual causes: gpt2_forward itself (run its self-check first); feeding less than the "
    "whole sequence so far; the argmax at a position other than the last (logits[:, -1]); the "
    "new token appended along the wrong dimension (torch.cat(..., dim=1), shape (B, 1)).",
    "흔한 원인: gpt2_forward 자체의 문제(그 자가 점검을 먼저 통과하세요); 지금까지의 전체 "
    "sequence보다 적게 넣음; 마지막이 아닌 위치에서 argmax를 구함(logits[:, -1]을 쓰세요); 새 "
    "token을 잘못된 차원으로 이어 붙임(torch.cat(..., dim=1), shape (B, 1)).",
)
PROBS_TIPS = (
    "The usual causes: softmax(logits / T) over the last dimension (the vocabulary); with top_k, "
    "the threshold is the k-th largest logit (torch.topk(...).values[..., -1:]), every logit >= "
    "it kept (ties too), the others set to -inf before the softmax, so they get exactly 0 and "
    "the kept ones sum to 1.",
    "흔한 원인: softmax(logits / T)는 마지막 차원(vocabulary)에서 계산합니다. top_k가 있으면 "
    "기준값은 k번째로 큰 logit(torch.topk(...).values[..., -1:])이고, 그 이상인 logit은 (동점도) "
    "모두 남기며, 나머지는 softmax 전에 -inf로 두어 확률이 정확히 0이 되고 남은 확률의 합이 "
    "1이 되게 합니다.",
)


def hint(mistake: str, wrong: Callable, **values) -> Hint:
    english, korean = MISTAKES[mistake]
    return Hint(english.format(**values), korean.format(**values), wrong)


def named(mistake: str, **values) -> tuple[str, str]:
    english, korean = MISTAKES[mistake]
    return english.format(**values), korean.format(**values)


@contextlib.contextmanager
def _appended(tips: tuple[str, str]) -> Iterator[None]:
    """A failure that no known mistake explains gets the usual causes appended."""
    try:
        yield
    except CheckFailure as failure:
        if "differs from the reference" in str(failure):
            raise CheckFailure(f"{failure}{say(*tips)}") from None
        raise


# --- state dicts --------------------------------------------------------------------------------


def state_dict_of(model, *, lm_head: bool = True, copy: bool = True) -> dict[str, torch.Tensor]:
    """Detached copies of ``model.state_dict()`` (keys prefixed 'transformer.', and
    'lm_head.weight', tied to wte); without 'lm_head.weight' when ``lm_head`` is False, as
    ``save_pretrained`` writes GPT-2. Tied tensors are copied once and stay shared.
    ``copy=False``: the model's own tensors, detached, for a hidden case (``run_case`` hands
    each call fresh copies and compares them with these afterwards): a copy of the lesson
    model's weights costs about 0.05 s per case, in every submission's kernel."""
    copies: dict[tuple, torch.Tensor] = {}
    result = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight" and not lm_head:
            continue
        storage = (tensor.data_ptr(), tuple(tensor.shape), tensor.stride())
        if storage not in copies:
            copies[storage] = tensor.detach().clone() if copy else tensor.detach()
        result[name] = copies[storage]
    return result


# --- the model with one thing changed (hints) ---------------------------------------------------


class _NoPositions(nn.Module):
    """A stand-in for wpe that adds nothing: the blocks get wte[ids] alone."""

    def __init__(self, width: int):
        super().__init__()
        self.width = width

    def forward(self, positions: torch.Tensor) -> torch.Tensor:
        return torch.zeros(*positions.shape, self.width)


_NO_MASK = "stream_no_causal_mask"


def _register_no_mask() -> None:
    """Eager attention registered without a mask function of its own: create_causal_mask then
    returns None and the attention runs without its causal mask (LESSON_TRACK §0.5)."""
    from transformers import AttentionInterface
    from transformers.models.gpt2.modeling_gpt2 import eager_attention_forward

    if _NO_MASK not in AttentionInterface._global_mapping:
        AttentionInterface.register(_NO_MASK, eager_attention_forward)


@contextlib.contextmanager
def changed(model, mistake: str) -> Iterator[None]:
    """The model with one known mistake built in, for the time of the block."""
    transformer = model.transformer
    if mistake == "hard_coded_heads":
        d = model.config.n_embd
        kept = [(b.attn.head_dim, b.attn.scaling) for b in transformer.h]
        try:
            for block in transformer.h:
                block.attn.head_dim, block.attn.scaling = d // 12, (d // 12) ** -0.5
            yield
        finally:
            for block, (head_dim, scaling) in zip(transformer.h, kept, strict=True):
                block.attn.head_dim, block.attn.scaling = head_dim, scaling
        return
    if mistake == "no_mask":
        _register_no_mask()
        before = model.config._attn_implementation
        model.set_attn_implementation(_NO_MASK)
        try:
            yield
        finally:
            model.set_attn_implementation(before)
        return
    if mistake == "erf_gelu":
        kept = [b.mlp.act for b in transformer.h]
        try:
            for block in transformer.h:
                block.mlp.act = nn.GELU()
            yield
        finally:
            for block, act in zip(transformer.h, kept, strict=True):
                block.mlp.act = act
        return
    swaps = {
        "no_ln_f": ("ln_f", nn.Identity()),
        "ln_f_twice": ("ln_f", nn.Sequential(transformer.ln_f, transformer.ln_f)),
        "no_positions": ("wpe", _NoPositions(model.config.n_embd)),
        "layers_in_string_order": (
            "h",
            nn.ModuleList([transformer.h[i] for i in sorted(range(len(transformer.h)), key=str)]),
        ),
    }
    name, replacement = swaps[mistake]
    kept = getattr(transformer, name)
    setattr(transformer, name, replacement)
    try:
        yield
    finally:
        setattr(transformer, name, kept)


def mistaken_logits(model, ids: torch.Tensor, mistake: str) -> torch.Tensor:
    """What the model returns for ``ids`` with one known mistake built in."""
    with torch.no_grad(), changed(model, mistake):
        return model(ids, use_cache=False).logits


def forward_mistakes(model) -> list[str]:
    """The known forward-pass mistakes that show on this model (12 heads only where n_head is
    not 12 and the width splits into 12; string order only with more than 10 blocks)."""
    config = model.config
    keys = ["no_ln_f", "ln_f_twice", "no_mask", "no_positions", "erf_gelu"]
    if config.n_head != 12 and config.n_embd % 12 == 0:
        keys.append("hard_coded_heads")
    if config.n_layer > 10:
        keys.append("layers_in_string_order")
    return keys


def forward_hints(model, ids: torch.Tensor) -> list[Hint]:
    """Known mistakes, each computed by the model itself with one thing changed (lazily: only
    when an answer misses)."""
    return [
        hint(key, lambda *_, key=key: mistaken_logits(model, ids, key))
        for key in forward_mistakes(model)
    ]


def explain_forward_error(name: str, message: str, n_layer: int) -> None:
    """Name the mistake behind a KeyError of gpt2_forward, if it is a known one."""
    key = message.strip().strip("'\"")
    parts = key.split(".")
    if "lm_head" in key:
        english, korean = named("lm_head_required")
    elif key.startswith(("transformer.h.", "h.")) and parts[-3].isdigit():
        if int(parts[-3]) < n_layer:
            return
        english, korean = named("hard_coded_layers", key=repr(key), n_layer=n_layer)
    elif key in BLOCK_KEYS:
        english, korean = named("hard_coded_layers", key=repr(key), n_layer=n_layer)
        english += (
            " (Or the block's dict kept the prefix 'transformer.h.<i>.' on its keys: strip it.)"
        )
        korean += (
            " (또는 block의 dict 키에 'transformer.h.<i>.' 접두사가 남아 있습니다. 떼어 내세요.)"
        )
    elif key.startswith(("wte.", "wpe.", "ln_f.")):
        english, korean = named("no_prefix", key=repr(key))
    else:
        return
    fail(f"{name}: {english}", f"{name}: {korean}")


def _call_forward(function, given: dict, args: tuple, name: str, n_layer: int):
    """``function(given, *args)``, ``given`` a copy of a model's state dict: in-place changes
    (toolkit.snapshot) and known KeyErrors named."""
    rest = clone_arguments(args)
    before = snapshot((given, rest))
    try:
        result = function(given, *rest)
    except CheckFailure:
        raise
    except Exception as error:
        if isinstance(error, KeyError):
            explain_forward_error(name, str(error), n_layer)
        fail(
            f"{name} raised {type(error).__name__}: {error}",
            f"{name} 호출 중 {type(error).__name__} 예외가 발생했습니다: {error}",
        )
    require(
        snapshot((given, rest)) == before,
        f"{name} changed its inputs in place (a weight of the state dict, its keys (pop, del) "
        "or ids: +=, .add_(), x[...] = ...). Compute new tensors, and build a new dict if you "
        "need one.",
        f"{name}이(가) 입력(state dict의 weight나 key(pop, del), 또는 ids)을 제자리에서(in-place) "
        "바꿨습니다(+=, .add_(), x[...] = ... 등). 새 tensor를 만들고, dict가 필요하면 새로 "
        "만드세요.",
    )
    return result


def verify_forward(got, expected: torch.Tensor, name: str, hints=()) -> None:
    with _appended(FORWARD_TIPS):
        compare(got, expected, name, atol=FORWARD_ATOL, rtol=FORWARD_RTOL, hints=hints)


# --- greedy decoding ----------------------------------------------------------------------------


def eos_gpt2(seed: int):
    """A re-drawn model with GPT-2's vocabulary size (end-of-text = 50256, as GPT-2's tokenizer
    says) whose wte row for end-of-text is scaled by EOS_BOOST: greedy decoding meets EOS."""
    model = synthetic_gpt2(seed, **FULL_VOCAB)
    with torch.no_grad():
        model.transformer.wte.weight[model.config.eos_token_id] *= EOS_BOOST
    return model


def transformers_greedy(model, ids: torch.Tensor, n_new: int) -> tuple[torch.Tensor, float]:
    """``model.generate`` greedy, without an EOS stop, and the smallest top-1 − top-2 logit gap
    over every step and row (how far the path is from a near-tie)."""
    eos = model.config.eos_token_id
    with torch.no_grad():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=n_new,
            eos_token_id=None,  # the keyword, not GenerationConfig (LESSON_TRACK §0.14)
            pad_token_id=eos,
            output_logits=True,
            return_dict_in_generate=True,
        )
    gaps = [(lambda top: (top[:, 0] - top[:, 1]).min())(s.topk(2).values) for s in out.logits]
    return out.sequences, float(torch.stack(gaps).min())


def greedy_case(model, prompts, n_new: int, *, meets_eos: bool = False):
    """The first prompt of ``prompts`` (an iterable of (B, T) ids) whose greedy path keeps a
    top-1/top-2 gap above MIN_GAP at every step (and, with ``meets_eos``, chooses end-of-text
    after a first ordinary token and before its last step): (prompt, generate's sequences)."""
    eos = model.config.eos_token_id
    for prompt in prompts:
        sequences, gap = transformers_greedy(model, prompt, n_new)
        new = sequences[:, prompt.shape[1] :]
        if meets_eos and not (bool((new[:, 0] != eos).all()) and bool((new[:, 1:-1] == eos).any())):
            continue
        if gap > MIN_GAP:
            return prompt, sequences
    raise RuntimeError("no prompt with a clear greedy path: widen the candidates")


def seeded_prompts(seed: int, batch: int, length: int, vocab: int, tries: int = 100):
    """Random prompts from the seeds seed, seed + 1, ...: the first that passes is used."""
    return (token_ids(seed + i, batch, length, vocab) for i in range(tries))


def sentence_prompts(tokenizer, sentence: str, length: int):
    """Windows of ``length`` tokens of ``sentence``, left to right."""
    ids = tokenizer.encode(sentence)
    return (torch.tensor([ids[i : i + length]]) for i in range(len(ids) - length + 1))


def _windowed_greedy(model, ids: torch.Tensor, n_new: int, window: int) -> torch.Tensor:
    """Greedy decoding with the mistake of feeding only the last ``window`` tokens each step."""
    sequence = ids
    with torch.no_grad():
        for _ in range(n_new):
            logits = model(sequence[:, -window:], use_cache=False).logits[:, -1]
            sequence = torch.cat([sequence, logits.argmax(dim=-1, keepdim=True)], dim=1)
    return sequence


def greedy_hints(model, ids: torch.Tensor, n_new: int) -> list[Hint]:
    hints = [hint("last_token_only", lambda *_: _windowed_greedy(model, ids, n_new, 1))]
    if ids.shape[1] > 1:
        window = ids.shape[1]
        hints.append(
            hint(
                "fixed_window",
                lambda *_: _windowed_greedy(model, ids, n_new, window),
                window=window,
            )
        )
    return hints


def verify_greedy(got, expected: torch.Tensor, prompt_length: int, eos: int, name: str, hints=()):
    """Token ids, exactly: shape first (an EOS stop, only the new tokens), then every id."""
    if isinstance(got, torch.Tensor) and got.dim() == 2 and got.shape[0] == expected.shape[0]:
        require(
            not got.is_floating_point(),
            f"{name} holds floats ({got.dtype}): return token ids, integers (argmax gives "
            "torch.int64).",
            f"{name}에 실수가 들어 있습니다({got.dtype}). token id, 즉 정수를 돌려주세요(argmax는 "
            "torch.int64를 줍니다).",
        )
        length, want = got.shape[1], expected.shape[1]
        n_new = want - prompt_length
        if prompt_length < length < want and torch.equal(got, expected[:, :length]):
            if bool((got[:, -1] == eos).all()):
                english, korean = named("eos_stop", eos=eos)
                fail(f"{name}: {english}", f"{name}: {korean}")
        if length == n_new and torch.equal(got, expected[:, prompt_length:]):
            fail(
                f"{name} returned only the {n_new} new tokens: return the prompt followed by "
                f"them, shape (B, T + n_new) = {tuple(expected.shape)}.",
                f"{name}이(가) 새 token {n_new}개만 돌려줬습니다. prompt 뒤에 새 token을 이어 "
                f"붙여서 shape (B, T + n_new) = {tuple(expected.shape)}로 돌려주세요.",
            )
    with _appended(GREEDY_TIPS):
        compare(got, expected, name, atol=0, rtol=0, hints=hints, dtype=None)


# --- sampling probabilities ---------------------------------------------------------------------


def spread_logits(seed: int, batch: int, vocab: int) -> torch.Tensor:
    """3·randn(batch, vocab) from ``seed``: logits as spread as GPT-2's (std ≈ 3)."""
    generator = torch.Generator().manual_seed(seed)
    return 3 * torch.randn(batch, vocab, generator=generator)


def with_tie(logits: torch.Tensor, row: int, k: int) -> torch.Tensor:
    """A copy of ``logits`` whose row ``row`` has its (k+1)-th largest logit set equal to its
    k-th largest: an exact tie at the top-k threshold."""
    tied = logits.clone()
    order = tied[row].argsort(descending=True)
    tied[row, order[k]] = tied[row, order[k - 1]]
    return tied


def _kept(logits: torch.Tensor, top_k: int | None) -> torch.Tensor:
    if top_k is None:
        return torch.ones_like(logits, dtype=torch.bool)
    return logits >= logits.topk(top_k, dim=-1).values[..., -1:]


def _renormalised(probs: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)


def _exactly_k(logits: torch.Tensor, t: float, k: int | None) -> torch.Tensor:
    """The mistake of keeping exactly k entries (torch.topk's indices): a tie is dropped."""
    if k is None:
        raise ValueError("no top-k")
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep.scatter_(-1, logits.topk(k, dim=-1).indices, True)
    return _renormalised((logits / t).softmax(-1), keep)


def _probs_hints() -> list[Hint]:
    """Known mistakes in next_token_probs, each computed from (logits, temperature, top_k)."""

    def soft(logits, scale):
        return (logits * scale).softmax(-1)

    return [
        hint(
            "temperature_after_softmax",
            lambda logits, t, k: soft(logits, 1) / t * _kept(logits, k),
        ),
        hint(
            "temperature_ignored",
            lambda logits, t, k: _renormalised(soft(logits, 1), _kept(logits, k)),
        ),
        hint(
            "temperature_multiplied",
            lambda logits, t, k: _renormalised(soft(logits, t), _kept(logits, k)),
        ),
        hint("not_renormalised", lambda logits, t, k: soft(logits, 1 / t) * _kept(logits, k)),
        hint("exactly_k", _exactly_k),
        hint("top_k_ignored", lambda logits, t, k: soft(logits, 1 / t)),
    ]


PROBS_HINTS = _probs_hints()


def verify_probs(got, expected: torch.Tensor, inputs: tuple, name: str) -> None:
    """(B, V) probabilities against the reference: sampled ids named, then values (with the
    known mistakes), then every filtered entry exactly 0."""
    if isinstance(got, torch.Tensor) and not got.is_floating_point():
        english, korean = named("sampled_ids", shape=tuple(got.shape), dtype=got.dtype)
        fail(f"{name}: {english}", f"{name}: {korean}")
    with _appended(PROBS_TIPS):
        compare(
            got,
            expected,
            name,
            atol=PROBS_ATOL,
            rtol=PROBS_RTOL,
            hints=PROBS_HINTS,
            inputs=inputs,
        )
    filtered = torch.as_tensor(got)[expected == 0]
    if bool((filtered != 0).any()):
        english, korean = named("tiny_not_zero", largest=float(filtered.abs().max()))
        fail(f"{name}: {english}", f"{name}: {korean}")


# --- the models of the checks -------------------------------------------------------------------


@functools.cache
def random_model(kind: str, seed: int):
    """A seeded model with every parameter re-drawn, built once per process: "small" (4 heads,
    2 blocks), "odd" (6 heads, 3 blocks), "eleven" (11 blocks), "eos" (GPT-2's vocabulary size,
    greedy meets end-of-text)."""
    if kind == "eos":
        return eos_gpt2(seed)
    return synthetic_gpt2(seed, **{"small": SMALL, "odd": ODD, "eleven": ELEVEN}[kind])


def describe_model(on) -> str:
    config = on.config
    return f"{config.n_head} heads, {config.n_layer} blocks"


def _dict_label(lm_head: bool) -> str:
    return "model.state_dict()" if lm_head else "without 'lm_head.weight'"


# --- the visible self-checks --------------------------------------------------------------------


@visible_check
def check_gpt2_forward(gpt2_forward, model) -> None:
    """Against the model's own logits, ``model(ids).logits``: the lesson model without
    'lm_head.weight' (as save_pretrained writes it), a random model with 6 heads and 3 blocks
    (every parameter re-drawn), and one with 11 blocks and its whole state dict. On a miss, the
    model run with one thing changed (no ln_f, 12 heads, no causal mask, ...) names the mistake.
    ``gpt2_forward`` may not call transformers' GPT-2 classes or load the weights into a model
    (checked first, from its source)."""
    forbidden.check_written_by_hand(gpt2_forward, BANNED, "gpt2_forward")
    vocab = model.config.vocab_size
    odd, eleven = random_model("odd", VISIBLE_SEED), random_model("eleven", VISIBLE_SEED + 1)
    runs = [  # one run on the lesson model: its state dict is the largest to copy and compare
        ("the lesson model", model, False, token_ids(VISIBLE_SEED + 1, 1, 8, vocab)),
        (
            f"a random model ({describe_model(odd)})",
            odd,
            False,
            token_ids(VISIBLE_SEED, 2, 7, odd.config.vocab_size),
        ),
        (
            f"a random model ({describe_model(eleven)})",
            eleven,
            True,
            token_ids(VISIBLE_SEED, 2, 6, eleven.config.vocab_size),
        ),
    ]
    for where, on, lm_head, ids in runs:
        label = f"gpt2_forward on {where}, {_dict_label(lm_head)}, ids {tuple(ids.shape)}"
        given = state_dict_of(on, lm_head=lm_head)
        args = (ids, on.config.n_head)
        got = _call_forward(gpt2_forward, given, args, label, on.config.n_layer)
        with torch.no_grad():
            expected = on(ids).logits
        verify_forward(got, expected, label, forward_hints(on, ids))
    passed("gpt2_forward matches model(ids).logits")


# (kind, model seed, prompt seed, batch, prompt length, meets end-of-text) of the greedy checks'
# random models; each prompt seed is the first of its run whose greedy path passes greedy_case.
VISIBLE_GREEDY = (
    ("odd", VISIBLE_SEED + 2, 1213, 2, 6, False),
    ("eos", VISIBLE_SEED + 4, 1222, 1, 4, True),
)
HIDDEN_GREEDY = (
    ("odd", ODD_SEED, 1202, 2, 6, False),
    ("small", SMALL_SEED, 1201, 1, 4, False),
    ("eos", EOS_SEED, 1205, 1, 4, True),
)


@functools.cache
def _random_greedy(kind, seed, prompt_seed, batch, length, meets_eos, n_new):
    """greedy_case on a random model: it depends on seeds only, so it is built once per process
    (the grader judges many notebooks); each case still gets its own state dict."""
    on = random_model(kind, seed)
    prompts = seeded_prompts(prompt_seed, batch, length, on.config.vocab_size)
    return greedy_case(on, prompts, n_new, meets_eos=meets_eos)


def _greedy_runs(model, lesson_prompts, lesson_new: int, runs, lengths) -> list[tuple]:
    """(where, model, lm_head, prompt, n_new, generate's sequences): the lesson model (its state
    dict without 'lm_head.weight'), then each random model of ``runs``."""
    prompt, sequences = greedy_case(model, lesson_prompts, lesson_new)
    built = [("the lesson model", model, False, prompt, lesson_new, sequences)]
    for (kind, seed, prompt_seed, batch, length, meets_eos), n_new in zip(
        runs, lengths, strict=True
    ):
        on = random_model(kind, seed)
        prompt, sequences = _random_greedy(kind, seed, prompt_seed, batch, length, meets_eos, n_new)
        where = f"random model {seed} ({describe_model(on)})"
        if meets_eos:
            where = f"{where}, whose greedy path meets end-of-text"
        lm_head = kind != "small"  # the small model's state dict comes without lm_head.weight
        built.append((where, on, lm_head, prompt, n_new, sequences))
    return built


@visible_check
def check_greedy_decode(greedy_decode, model) -> None:
    """Against ``model.generate`` (greedy, no EOS stop) on the lesson model (state dict without
    'lm_head.weight'), a random model with 6 heads and 3 blocks (2 prompts of 6 tokens) and a
    random model with GPT-2's vocabulary whose greedy path meets end-of-text. Every prompt is
    chosen so that no step is a near-tie (top-1 − top-2 logit > 1e-3). On a miss, the model fed
    only the last token or a fixed window names the mistake."""
    forbidden.check_written_by_hand(greedy_decode, BANNED, "greedy_decode")
    lesson_prompts = seeded_prompts(VISIBLE_SEED, 1, 4, model.config.vocab_size)
    for where, on, lm_head, prompt, n_new, expected in _greedy_runs(
        model, lesson_prompts, 3, VISIBLE_GREEDY, (6, 6)
    ):
        label = (
            f"greedy_decode on {where}, {_dict_label(lm_head)}, prompt {tuple(prompt.shape)}, "
            f"n_new={n_new}"
        )
        given = state_dict_of(on, lm_head=lm_head)
        args = (prompt, n_new, on.config.n_head)
        got = _call_forward(greedy_decode, given, args, label, on.config.n_layer)
        hints = greedy_hints(on, prompt, n_new)
        verify_greedy(got, expected, prompt.shape[1], on.config.eos_token_id, label, hints)
    passed("greedy_decode matches model.generate (greedy, no EOS stop)")


def _probs_inputs(model, seed: int) -> list[tuple[str, torch.Tensor, float, int | None, dict]]:
    """(label, logits, temperature, top_k, keyword arguments of the call)."""
    spread = spread_logits(seed, 3, 101)
    with torch.no_grad():
        ids = token_ids(seed, 1, 6, model.config.vocab_size)
        lesson_logits = model(ids).logits[:, -1]
    return [
        ("next_token_probs(logits) (defaults)", spread, 1.0, None, {}),
        ("next_token_probs(logits, temperature=0.7)", spread, 0.7, None, {"temperature": 0.7}),
        (
            "next_token_probs(logits, temperature=1.5, top_k=5), row 1 tied at the 5th logit",
            with_tie(spread, 1, 5),
            1.5,
            5,
            {"temperature": 1.5, "top_k": 5},
        ),
        (
            "next_token_probs(logits, temperature=2.0, top_k=1), row 0's two largest tied",
            with_tie(spread, 0, 1),
            2.0,
            1,
            {"temperature": 2.0, "top_k": 1},
        ),
        (
            "next_token_probs on the lesson model's last-position logits, top_k=20",
            lesson_logits,
            1.0,
            20,
            {"top_k": 20},
        ),
    ]


@visible_check
def check_next_token_probs(next_token_probs, model) -> None:
    """Against transformers' own warpers, TemperatureLogitsWarper then TopKLogitsWarper, and a
    softmax (what ``generate(do_sample=True)`` samples from), on random logits with std 3
    (B = 3, with exact ties at the k-th logit) and on the lesson model's next-token logits."""
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper

    forbidden.check_written_by_hand(next_token_probs, BANNED, "next_token_probs")
    for label, logits, temperature, top_k, keywords in _probs_inputs(model, VISIBLE_SEED):
        scores = TemperatureLogitsWarper(temperature)(None, logits)
        if top_k is not None:
            scores = TopKLogitsWarper(top_k)(None, scores)
        got = unchanged(next_token_probs, logits, name=label, **keywords)
        verify_probs(got, scores.softmax(dim=-1), (logits, temperature, top_k), label)
    passed("next_token_probs matches transformers' temperature and top-k warpers")


# --- the hidden tests' cases (inputs only) --------------------------------------------------------


def sentence_ids(tokenizer, length: int = 8) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)[:length]])


def _forward_case(where: str, on, lm_head: bool, ids: torch.Tensor) -> Case:
    label = f"gpt2_forward on {where}, {_dict_label(lm_head)}, ids {tuple(ids.shape)}"
    args = (state_dict_of(on, lm_head=lm_head, copy=False), ids, on.config.n_head)
    return Case(label, args, context={"model": on})


def gpt2_forward_cases(model, tokenizer) -> list[Case]:
    """The lesson model on a sentence with its whole state dict; re-drawn models (every bias and
    LayerNorm non-zero): 4 heads and 2 blocks (2 sequences; one sequence of n_positions tokens),
    6 heads and 3 blocks without 'lm_head.weight' (3 sequences; one token alone), 11 blocks
    without 'lm_head.weight'."""
    small, odd = random_model("small", SMALL_SEED), random_model("odd", ODD_SEED)
    eleven = random_model("eleven", ELEVEN_SEED)

    def ids(on, seed, batch, length):
        return token_ids(seed, batch, length, on.config.vocab_size)

    return [
        _forward_case("the lesson model", model, True, sentence_ids(tokenizer)),
        # 6 heads of width 8 before 4 of width 8: 12 hard-coded heads give wrong values on the
        # former (named by a hint), a reshape error on the latter.
        _forward_case(
            f"random model {ODD_SEED} ({describe_model(odd)})",
            odd,
            False,
            ids(odd, ODD_SEED, 3, 7),
        ),
        _forward_case(
            f"random model {ODD_SEED}, one token", odd, True, ids(odd, ODD_SEED + 1, 1, 1)
        ),
        _forward_case(f"random model {SMALL_SEED}", small, True, ids(small, SMALL_SEED, 2, 9)),
        _forward_case(
            f"random model {ELEVEN_SEED} ({describe_model(eleven)})",
            eleven,
            False,
            ids(eleven, ELEVEN_SEED, 2, 6),
        ),
        _forward_case(
            f"random model {SMALL_SEED}, n_positions tokens",
            small,
            True,
            ids(small, SMALL_SEED + 1, 1, small.config.n_positions),
        ),
    ]


def greedy_decode_cases(model, tokenizer) -> list[Case]:
    """The lesson model (4-token windows of a sentence, state dict without 'lm_head.weight'),
    a 6-head, 3-block model (2 prompts of 6 tokens), a small model (without 'lm_head.weight',
    10 new tokens) and a model with GPT-2's vocabulary whose greedy path meets end-of-text.
    Every prompt is the first candidate whose greedy path has no near-tie (generate's own logits,
    top-1 − top-2 > MIN_GAP at every step); ``context["expected"]`` is generate's output."""
    lesson_prompts = sentence_prompts(tokenizer, SENTENCE, 4)
    cases = []
    for where, on, lm_head, prompt, n_new, sequences in _greedy_runs(
        model, lesson_prompts, 4, HIDDEN_GREEDY, (8, 10, 8)
    ):
        label = (
            f"greedy_decode on {where}, {_dict_label(lm_head)}, prompt {tuple(prompt.shape)}, "
            f"n_new={n_new}"
        )
        args = (state_dict_of(on, lm_head=lm_head, copy=False), prompt, n_new, on.config.n_head)
        cases.append(Case(label, args, context={"model": on, "expected": sequences}))
    return cases


def next_token_probs_cases(model, tokenizer) -> list[Case]:
    """Random logits with std 3 (V = 101): T in {0.7, 1, 1.5, 2}, top_k in {None, 5, 1, 20},
    exact ties at the k-th logit, B > 1; and the lesson model's next-token logits after a
    sentence (V = 50257)."""
    spread = spread_logits(1205, 4, 101)
    with torch.no_grad():
        lesson_logits = model(sentence_ids(tokenizer)).logits[:, -1]
    inputs = [  # (logits, temperature, top_k, keyword arguments, what is special)
        (spread, 0.7, None, {"temperature": 0.7, "top_k": None}, ""),
        (spread[:3], 1.0, None, {}, " (defaults)"),
        (with_tie(spread, 2, 5), 1.5, 5, {"temperature": 1.5, "top_k": 5}, ", row 2 tied at k"),
        (with_tie(spread, 0, 1), 2.0, 1, {"temperature": 2.0, "top_k": 1}, ", row 0 tied at k"),
        (with_tie(spread, 3, 20), 1.0, 20, {"top_k": 20}, ", row 3 tied at k"),
        (spread[1:3], 0.7, 5, {"temperature": 0.7, "top_k": 5}, ""),
        (lesson_logits, 1.5, 50, {"temperature": 1.5, "top_k": 50}, ", the lesson model's"),
    ]
    cases = []
    for logits, temperature, top_k, keywords, special in inputs:
        label = (
            f"next_token_probs on logits {tuple(logits.shape)}{special}, "
            f"temperature={temperature}, top_k={top_k}"
        )
        context = {"temperature": temperature, "top_k": top_k}
        cases.append(Case(label, (logits,), kwargs=keywords, context=context))
    return cases


PARTS = {
    "test_gpt2_forward": Part(
        answers=("gpt2_forward",), calls="gpt2_forward", cases=gpt2_forward_cases
    ),
    "test_greedy_decode": Part(
        answers=("greedy_decode",), calls="greedy_decode", cases=greedy_decode_cases
    ),
    "test_next_token_probs": Part(
        answers=("next_token_probs",), calls="next_token_probs", cases=next_token_probs_cases
    ),
}
