"""Lesson 09 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here runs a block or the stack. The visible checks compare the student's
``gpt2_stack`` with what GPT-2 itself returned in a full forward pass: ``x`` is
``hidden_states[0]`` and the reference is ``last_hidden_state`` (which already has ln_f applied,
LESSON_TRACK §0.7). When an answer misses, known mistakes are recognised from the model itself
run with one thing changed: the last block fed ``x``, its blocks in reverse order, ln_f after
every block, 12 heads, ``inputs_embeds=x`` (the position embeddings added again), or the raw
output of the last block put through ln_f with the wrong parameters or eps. The hidden tests'
cases below are inputs only; their references and verdicts come from the grader's answer key
(source/09_stack/answer_key.py).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    compare,
    fail,
    passed,
    say,
    visible_check,
)
from stream_course.synthetic import (
    BLOCK_KEYS,
    EMBEDDINGS,
    ODD,
    SMALL,
    rescaled_gpt2,
    synthetic_gpt2,
    token_ids,
)

# GPT-2's modules and classes, and every way into the notebook's model that would let
# transformers run the blocks or ln_f (model.transformer..., .ln_f, .last_hidden_state).
BANNED = (
    *forbidden.GPT2_MODULES,
    "transformer",
    "base_model",
    "ln_f",
    "hidden_states",
    "last_hidden_state",
    "get_submodule",
    "named_modules",
    "load_state_dict",
    "generate",
)
ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 09: every right style stays within 3.8e-6
SENTENCE = "Every block reads the residual stream and adds something to it."
SMALL_SEED, SMALL_SEED_2, ODD_SEED, QUIET_SEED = 91, 95, 92, 94  # the hidden tests' models
VISIBLE_SEED = 93  # the visible checks' random models
QUIET_SCALE = 1e-3  # a quiet model's embeddings and c_proj weights, times this

collect = collector("stack")


# Known mistakes, one message each; the visible checks and the answer key both use them.
MISTAKES = {
    "not_chained": (
        "each block was given x instead of the previous block's output, so only the last "
        "block's work reaches the result. Chain them: h = x, then h = transformer_block(h, "
        "params, n_head) for every params in blocks.",
        "block마다 이전 block의 출력 대신 x를 넣어서 마지막 block이 한 일만 결과에 남았습니다. "
        "block을 이어 붙이세요: h = x로 시작해서 blocks의 params마다 h = transformer_block(h, "
        "params, n_head)를 계산합니다.",
    ),
    "no_ln_f": (
        "ln_f is missing: this is the raw output of the last block. GPT-2 puts the residual "
        "stream through its final LayerNorm once, after the last block: F.layer_norm(h, (d,), "
        "ln_f_weight, ln_f_bias, eps=1e-5).",
        "ln_f가 빠졌습니다. 이것은 마지막 block의 출력 그대로입니다. GPT-2는 마지막 block 다음에 "
        "residual stream을 마지막 LayerNorm에 한 번 통과시킵니다: F.layer_norm(h, (d,), "
        "ln_f_weight, ln_f_bias, eps=1e-5).",
    ),
    "ln_f_twice": (
        "ln_f was applied twice at the end. last_hidden_state has ln_f applied once: apply it "
        "once, after the last block.",
        "마지막에 ln_f를 두 번 적용했습니다. last_hidden_state에는 ln_f가 한 번만 적용되어 "
        "있습니다. 마지막 block 다음에 한 번만 적용하세요.",
    ),
    "ln_f_every_block": (
        "ln_f was applied after every block, to the residual stream itself. The blocks read the "
        "stream through their own ln_1 and ln_2 but never normalise the stream; ln_f comes "
        "once, after the last block.",
        "block마다 그 뒤에 residual stream 자체에 ln_f를 적용했습니다. block은 자기 ln_1과 "
        "ln_2를 거쳐 stream을 읽을 뿐 stream 자체를 정규화하지 않습니다. ln_f는 마지막 block "
        "다음에 한 번만 옵니다.",
    ),
    "reversed": (
        "the blocks ran in reverse order (last block first). blocks[0] is h[0], the first "
        "block: run them in the order of the list.",
        "block을 거꾸로(마지막 block부터) 실행했습니다. blocks[0]이 첫 번째 block인 h[0]이므로 "
        "list의 순서대로 실행하세요.",
    ),
    "hard_coded_heads": (
        "this is what 12 heads would give. Pass the n_head you are given to every block, not a "
        "fixed 12: GPT-2 base has 12 heads, other models do not (this one has {n_head}).",
        "head 12개로 계산한 결과입니다. 고정된 12가 아니라 인자로 받은 n_head를 block마다 "
        "넘기세요. GPT-2 base는 head가 12개지만 다른 모델은 그렇지 않습니다(이 모델은 {n_head}개).",
    ),
    "wpe_again": (
        "the position embeddings were added again. x is hidden_states[0], which already holds "
        "wte[ids] + wpe[positions]: start the stack from x as it is.",
        "position embedding을 한 번 더 더했습니다. x는 hidden_states[0]이고, 이미 "
        "wte[ids] + wpe[positions]를 담고 있습니다. x를 그대로 써서 시작하세요.",
    ),
    "ln_f_swapped": (
        "ln_f's weight and bias were swapped: F.layer_norm(h, (d,), ln_f_weight, ln_f_bias).",
        "ln_f의 weight와 bias를 서로 바꿔 넣었습니다: F.layer_norm(h, (d,), ln_f_weight, "
        "ln_f_bias).",
    ),
    "ln_f_no_affine": (
        "ln_f only standardised the stream: its weight (gain) and bias were not applied. "
        "Multiply by ln_f_weight, then add ln_f_bias.",
        "ln_f가 stream을 표준화만 했습니다. weight(gain)와 bias를 적용하지 않았습니다. "
        "ln_f_weight를 곱한 다음 ln_f_bias를 더하세요.",
    ),
    "ln_f_no_bias": (
        "ln_f's bias is missing: standardise, multiply by ln_f_weight, then add ln_f_bias.",
        "ln_f의 bias가 빠졌습니다. 표준화하고 ln_f_weight를 곱한 다음 ln_f_bias를 더하세요.",
    ),
    "ln_f_block_params": (
        "the final LayerNorm used a block's own LayerNorm parameters (ln_1 or ln_2 of a "
        "block). The final one has parameters of its own: ln_f_weight and ln_f_bias.",
        "마지막 LayerNorm에 block의 LayerNorm parameter(ln_1이나 ln_2)를 썼습니다. 마지막 "
        "LayerNorm은 자기 parameter인 ln_f_weight와 ln_f_bias를 씁니다.",
    ),
    "ln_f_eps": (
        "ln_f's eps is not 1e-5. GPT-2's LayerNorms all use eps = 1e-5 "
        "(config.layer_norm_epsilon), inside the square root: √(var + 1e-5). Where the "
        "stream's variance is small (a quiet model), eps changes the result.",
        "ln_f의 eps가 1e-5가 아닙니다. GPT-2의 LayerNorm은 모두 eps = 1e-5"
        "(config.layer_norm_epsilon)를 제곱근 안에 넣습니다: √(var + 1e-5). stream의 분산이 "
        "작은 곳(조용한 모델)에서는 eps가 결과를 바꿉니다.",
    ),
    "ln_f_eps_outside": (
        "ln_f's eps was added outside the square root, (x - mean) / (std + eps). LayerNorm puts "
        "it inside: (x - mean) / √(var + eps).",
        "ln_f의 eps를 제곱근 밖에 더했습니다: (x - mean) / (std + eps). LayerNorm은 eps를 "
        "제곱근 안에 넣습니다: (x - mean) / √(var + eps).",
    ),
    "ln_f_unbiased": (
        "ln_f used the unbiased variance (divided by d - 1; torch.var's default). LayerNorm "
        "divides by d: x.var(dim=-1, unbiased=False, keepdim=True).",
        "ln_f에 불편 분산(d - 1로 나눔, torch.var의 기본값)을 썼습니다. LayerNorm은 d로 "
        "나눕니다: x.var(dim=-1, unbiased=False, keepdim=True).",
    ),
}

TIPS = (
    "The usual causes: the blocks not chained (each must get the previous block's output), "
    "run out of order, or counted with a fixed 12 instead of len(blocks); n_head replaced by "
    "12; ln_f missing, applied twice or after every block, or with the wrong weight, bias or "
    "eps (1e-5). And if your transformer_block is off, every layer is: the cell under it "
    "compares it with GPT-2's own blocks.",
    "흔한 원인: block을 이어 붙이지 않음(block마다 이전 block의 출력을 넣어야 함), 순서가 "
    "틀림, len(blocks) 대신 고정된 12로 셈; n_head 대신 12를 씀; ln_f가 빠졌거나 두 번, 또는 "
    "block마다 적용함, weight, bias, eps(1e-5)가 틀림. 그리고 transformer_block이 틀리면 모든 "
    "층이 틀립니다. 그 아래 셀이 GPT-2의 block과 비교해 줍니다.",
)


def hint(key: str, wrong, **values) -> Hint:
    english, korean = MISTAKES[key]
    return Hint(english.format(**values), korean.format(**values), wrong)


def explain_raised(name: str, kind: str, message: str, n_head: int, n_layer: int, d: int):
    """A failure that names the likely mistake behind an exception of the student's function."""
    if kind == "IndexError" and n_layer != 12:
        fail(
            f"{name} raised IndexError ({message}) on a model with {n_layer} blocks. Are the "
            "blocks counted with a fixed 12 (range(12))? GPT-2 base has 12 blocks, this model "
            f"has {n_layer}: loop over the list itself (for params in blocks) or over "
            "range(len(blocks)).",
            f"{name}에서 block이 {n_layer}개인 모델로 IndexError가 발생했습니다({message}). block을 "
            f"고정된 12(range(12))로 세지 않았나요? GPT-2 base는 block이 12개지만 이 모델은 "
            f"{n_layer}개입니다. list 자체(for params in blocks)나 range(len(blocks))로 반복하세요.",
        )
    if "invalid for input of size" in message and n_head != 12:
        fail(
            f"{name} raised {kind} ({message}) on a model with {n_head} heads and d = {d}. Are "
            "the heads made with a fixed 12 instead of n_head (in gpt2_stack or in your "
            "transformer_block)? GPT-2 base has 12 heads, this model has "
            f"{n_head}: pass n_head on to every block.",
            f"{name}에서 head가 {n_head}개이고 d = {d}인 모델로 {kind}가 발생했습니다({message}). "
            "gpt2_stack이나 transformer_block에서 n_head 대신 고정된 12로 head를 나누지 "
            f"않았나요? GPT-2 base는 head가 12개지만 이 모델은 {n_head}개입니다. block마다 n_head를 "
            "넘기세요.",
        )
    if "must match the size of tensor" in message or "size of tensor a" in message:
        fail(
            f"{name} raised {kind} ({message}) on a model of width d = {d}: two tensors of "
            "different widths met. Does gpt2_stack use something from outside its arguments, "
            "such as the notebook's model, wte or wpe? x already holds the position embeddings "
            "(hidden_states[0] = wte[ids] + wpe[positions]), and every weight comes in blocks, "
            "ln_f_weight and ln_f_bias.",
            f"{name}에서 폭이 d = {d}인 모델로 {kind}가 발생했습니다({message}). 폭이 다른 tensor "
            "두 개가 만났습니다. gpt2_stack이 노트북의 model, wte, wpe처럼 인자가 아닌 것을 쓰지 "
            "않나요? x(hidden_states[0] = wte[ids] + wpe[positions])에 이미 position embedding이 "
            "들어 있고, weight는 모두 blocks, "
            "ln_f_weight, ln_f_bias로 들어옵니다.",
        )
    if kind == "KeyError":
        fail(
            f"{name} raised KeyError ({message}). Each params dict is h[i].state_dict(): its "
            f"keys are {', '.join(BLOCK_KEYS)} (no 'transformer.h.0.' prefix, no 'attn.bias').",
            f"{name}에서 KeyError가 발생했습니다({message}). params는 h[i].state_dict()이고, key는 "
            f"{', '.join(BLOCK_KEYS)}입니다('transformer.h.0.' 접두어도, 'attn.bias'도 없습니다).",
        )
    fail(
        f"{name} raised {kind}: {message}",
        f"{name} 호출 중 {kind} 예외가 발생했습니다: {message}",
    )


# --- reading GPT-2's stack during a forward pass -----------------------------------------------


@contextlib.contextmanager
def _eval(model) -> Iterator[None]:
    """Eval mode for the forward pass (no dropout), the model's own mode restored afterwards."""
    training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(training)


def _output(value) -> torch.Tensor:
    return value[0] if isinstance(value, tuple) else value  # GPT2Block returned a tuple in 4.x


def capture_stack(model, ids: torch.Tensor) -> dict:
    """One full forward pass of ``ids`` through ``model.transformer``: ``x`` (hidden_states[0],
    the embeddings), ``hidden`` (every hidden state: [i] is what block i-1 returned, except the
    last), ``raw`` (what the last block returned, read with a hook: LESSON_TRACK §0.7) and
    ``final`` (last_hidden_state, after ln_f)."""
    seen = {}
    last = model.transformer.h[-1]
    handle = last.register_forward_hook(lambda m, a, out: seen.__setitem__("raw", _output(out)))
    try:
        with torch.no_grad(), _eval(model):
            out = model.transformer(ids, output_hidden_states=True, use_cache=False)
    finally:
        handle.remove()
    return {
        "x": out.hidden_states[0].detach().clone(),
        "hidden": tuple(h.detach().clone() for h in out.hidden_states),
        "raw": seen["raw"].detach().clone(),
        "final": out.last_hidden_state.detach().clone(),
    }


def block_params(model) -> list[dict[str, torch.Tensor]]:
    """``[h.state_dict() for h in model.transformer.h]``, each tensor a detached copy."""
    return [
        {key: value.detach().clone() for key, value in h.state_dict().items()}
        for h in model.transformer.h
    ]


def stack_inputs(model, captured: dict) -> tuple:
    """The exercise's arguments: (x, blocks, ln_f_weight, ln_f_bias, n_head), fresh copies."""
    ln_f = model.transformer.ln_f
    return (
        captured["x"].clone(),
        block_params(model),
        ln_f.weight.detach().clone(),
        ln_f.bias.detach().clone(),
        model.config.n_head,
    )


def quiet_gpt2(seed: int, **shape):
    """A re-drawn model whose embeddings and every c_proj (attention and MLP) are scaled by
    QUIET_SCALE: the residual stream stays tiny (variance below ln_f's eps of 1e-5), so a wrong
    eps in ln_f shows."""
    return rescaled_gpt2(seed, QUIET_SCALE, (*EMBEDDINGS, "*.c_proj.*"), **shape)


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- the model's own output with one thing changed (hints of the visible checks) --------------


def _changed_forward(on, ids, *, pre=None, post=None, reverse=False, heads=None, embeds=None):
    """``last_hidden_state`` (and what the last block returned) of a forward pass of ``ids``
    with one thing changed for the time of that pass: a forward pre-hook or hook on every block,
    the blocks in reverse order, every attention with ``heads`` heads, or ``inputs_embeds``."""
    blocks = on.transformer.h
    seen = {}
    handles = []
    for index, block in enumerate(blocks):
        if pre is not None:
            handles.append(block.register_forward_pre_hook(functools.partial(pre, index)))
        if post is not None:
            handles.append(block.register_forward_hook(functools.partial(post, index)))
    handles.append(
        blocks[-1].register_forward_hook(lambda m, a, out: seen.__setitem__("raw", _output(out)))
    )
    before = [(b.attn.head_dim, b.attn.scaling) for b in blocks]
    try:
        if reverse:
            on.transformer.h = torch.nn.ModuleList(list(blocks)[::-1])
        if heads is not None:
            for block in blocks:
                block.attn.head_dim = on.config.n_embd // heads
                block.attn.scaling = block.attn.head_dim**-0.5
        with torch.no_grad(), _eval(on):
            if embeds is not None:
                out = on.transformer(inputs_embeds=embeds, use_cache=False)
            else:
                out = on.transformer(ids, use_cache=False)
    finally:
        on.transformer.h = blocks
        for block, (head_dim, scaling) in zip(blocks, before, strict=True):
            block.attn.head_dim, block.attn.scaling = head_dim, scaling
        for handle in handles:
            handle.remove()
    return out.last_hidden_state, seen["raw"]


def _model_hints(on, ids, captured: dict) -> list[Hint]:
    """Known mistakes, each computed by the model itself with one thing changed (lazily: only
    when an answer misses)."""
    ln_f = on.transformer.ln_f
    x, raw, hidden = captured["x"], captured["raw"], captured["hidden"]
    n_layer, n_head, d = on.config.n_layer, on.config.n_head, on.config.n_embd
    weight, bias = ln_f.weight.detach(), ln_f.bias.detach()
    last = on.transformer.h[-1]

    def fed_x(index, module, args):
        return (x, *args[1:]) if index == n_layer - 1 else None

    def normalised(index, module, args, out):
        return ln_f(_output(out))

    def raw_with(eps=1e-5, w=weight, b=bias):
        return F.layer_norm(raw, (d,), w, b, eps)

    def by_hand(eps_outside=False, unbiased=False):
        mean = raw.mean(-1, keepdim=True)
        var = raw.var(-1, keepdim=True, unbiased=unbiased)
        scale = var.sqrt() + 1e-5 if eps_outside else (var + 1e-5).sqrt()
        return (raw - mean) / scale * weight + bias

    hints = [
        hint("not_chained", lambda: _changed_forward(on, ids, pre=fed_x)[0]),
        hint("no_ln_f", lambda: raw),
        hint("ln_f_twice", lambda: ln_f(captured["final"])),
        hint("ln_f_every_block", lambda: _changed_forward(on, ids, post=normalised)[1]),
        hint("ln_f_every_block", lambda: _changed_forward(on, ids, post=normalised)[0]),
        hint("reversed", lambda: _changed_forward(on, ids, reverse=True)[0]),
        hint("wpe_again", lambda: _changed_forward(on, ids, embeds=x)[0]),
    ]
    if n_head != 12 and d % 12 == 0:
        twelve = functools.partial(_changed_forward, on, ids, heads=12)
        hints.append(hint("hard_coded_heads", lambda: twelve()[0], n_head=n_head))
    hints += [_first_blocks_hint(k, n_layer, ln_f, hidden) for k in range(1, n_layer)]
    hints += [
        hint("ln_f_swapped", lambda: raw_with(w=bias, b=weight)),
        hint("ln_f_no_affine", lambda: raw_with(w=None, b=None)),
        hint("ln_f_no_bias", lambda: raw_with(b=None)),
        hint("ln_f_block_params", lambda: raw_with(w=last.ln_2.weight, b=last.ln_2.bias)),
        hint("ln_f_block_params", lambda: raw_with(w=last.ln_1.weight, b=last.ln_1.bias)),
        *[hint("ln_f_eps", functools.partial(raw_with, eps)) for eps in EPS_MISTAKES],
        hint("ln_f_eps_outside", lambda: by_hand(eps_outside=True)),
        hint("ln_f_unbiased", lambda: by_hand(unbiased=True)),
    ]
    return hints


EPS_MISTAKES = (0.0, 1e-12, 1e-8, 1e-6, 1e-3)  # eps values students bring from elsewhere


def first_blocks_message(k: int, n_layer: int) -> tuple[str, str]:
    return (
        f"only the first {k} of the {n_layer} blocks ran, then ln_f. Run every block in "
        "blocks: a return inside the loop, or a block count taken from somewhere else (the "
        "notebook's model.config.n_layer?), stops early. len(blocks) is the model's depth.",
        f"{n_layer}개 block 중 앞의 {k}개만 실행하고 ln_f를 적용했습니다. blocks의 block을 모두 "
        "실행하세요. 반복문 안의 return이나 다른 곳에서 가져온 block 수(노트북 모델의 "
        "model.config.n_layer?)가 일찍 멈추게 합니다. 모델의 깊이는 len(blocks)입니다.",
    )


def _first_blocks_hint(k: int, n_layer: int, ln_f, hidden) -> Hint:
    return Hint(*first_blocks_message(k, n_layer), lambda: ln_f(hidden[k]))


# --- the visible self-checks ------------------------------------------------------------------


def _blocks_changed(before: list[dict], after) -> bool:
    if not isinstance(after, list) or len(after) != len(before):
        return True
    for old, new in zip(before, after, strict=True):
        if not isinstance(new, dict) or set(new) != set(old):
            return True
        if any(not torch.equal(old[key], new[key]) for key in old):
            return True
    return False


def _run_visible(gpt2_stack, on, ids, where: str) -> None:
    captured = capture_stack(on, ids)
    args = stack_inputs(on, captured)
    copies = stack_inputs(on, captured)
    n_head, n_layer, d = on.config.n_head, on.config.n_layer, on.config.n_embd
    label = (
        f"gpt2_stack on {where} (x {tuple(captured['x'].shape)}, {n_layer} blocks, n_head={n_head})"
    )
    try:
        got = gpt2_stack(*copies)
    except CheckFailure:
        raise
    except Exception as error:
        explain_raised(label, type(error).__name__, str(error), n_head, n_layer, d)
    changed = [
        name
        for name, a, b in zip(
            ("x", "ln_f_weight", "ln_f_bias"),
            (args[0], *args[2:4]),
            (copies[0], *copies[2:4]),
            strict=True,
        )
        if not torch.equal(a, b)
    ]
    if _blocks_changed(args[1], copies[1]):
        changed.append("blocks")
    if changed:
        fail(
            f"{label} changed {', '.join(changed)} in place (+=, .add_(), params[...] = ..., "
            "pop, ...). Compute new tensors instead: later cells and blocks use them again.",
            f"{label}이(가) {', '.join(changed)}을(를) 제자리에서(in-place) 바꿨습니다(+=, .add_(), "
            "params[...] = ..., pop 등). 새 tensor를 만들어 계산하세요. 뒤의 셀과 block이 다시 씁니다.",
        )
    verify(got, captured["final"], label, _model_hints(on, ids, captured))


def verify(got, expected: torch.Tensor, label: str, hints=(), inputs=()) -> None:
    """``compare`` at the lesson's tolerance; a miss that no hint names gets the usual causes."""
    try:
        compare(got, expected, label, atol=ATOL, rtol=RTOL, hints=hints, inputs=inputs)
    except CheckFailure as failure:
        if "differs from the reference" in str(failure):
            raise CheckFailure(f"{failure}{say(*TIPS)}") from None
        raise


@visible_check
def check_gpt2_stack(gpt2_stack, model) -> None:
    """Against GPT-2's own forward pass: the lesson model on a sentence, a small random model
    (every parameter re-drawn: ln_f and every bias non-trivial) and a quiet random model whose
    residual stream is so small that ln_f's eps matters. Your function gets hidden_states[0],
    the blocks' state dicts, ln_f's weight and bias and n_head; its result is compared with
    last_hidden_state. ``gpt2_stack`` may not use GPT-2's modules or the notebook's model
    (checked first, from its source)."""
    forbidden.check_written_by_hand(gpt2_stack, BANNED, "gpt2_stack")
    small, quiet = synthetic_gpt2(VISIBLE_SEED), quiet_gpt2(VISIBLE_SEED + 1)
    for where, on, ids in (
        ("the lesson model", model, token_ids(VISIBLE_SEED, 1, 9, model.config.vocab_size)),
        ("a small random model", small, token_ids(VISIBLE_SEED, 2, 6, small.config.vocab_size)),
        ("a quiet random model", quiet, token_ids(VISIBLE_SEED, 2, 6, quiet.config.vocab_size)),
    ):
        _run_visible(gpt2_stack, on, ids, where)
    passed("gpt2_stack matches GPT-2's last_hidden_state (lesson model, random models)")


@visible_check
def check_gpt2_stack_odd(gpt2_stack) -> None:
    """Against a random model with 6 heads and 3 blocks (GPT-2 base has 12 of each): a count
    of 12 or the notebook model's depth shows here."""
    forbidden.check_written_by_hand(gpt2_stack, BANNED, "gpt2_stack")
    odd = synthetic_gpt2(VISIBLE_SEED + 2, **ODD)
    ids = token_ids(VISIBLE_SEED + 2, 2, 5, odd.config.vocab_size)
    _run_visible(gpt2_stack, odd, ids, "a random model with 6 heads and 3 blocks")
    passed("gpt2_stack matches GPT-2's last_hidden_state (6 heads, 3 blocks)")


def check_everything(gpt2_stack, model) -> None:
    """Both self-checks of the exercise (the lesson's last cell runs this one)."""
    check_gpt2_stack(gpt2_stack, model)
    check_gpt2_stack_odd(gpt2_stack)


def check_block(transformer_block, model) -> None:
    """Not graded: your lesson-08 block against GPT-2's own blocks (the lesson model's first
    block, every block of a small random model), read with hooks during a forward pass."""
    small = synthetic_gpt2(VISIBLE_SEED + 3)
    for where, on, ids in (
        ("the lesson model", model, token_ids(VISIBLE_SEED, 1, 6, model.config.vocab_size)),
        ("a small random model", small, token_ids(VISIBLE_SEED, 2, 5, small.config.vocab_size)),
    ):
        captured = capture_stack(on, ids)
        hidden = list(captured["hidden"][:-1]) + [captured["raw"]]
        for i, params in enumerate(block_params(on)):
            label = f"transformer_block on {where}, h[{i}]"
            try:
                got = transformer_block(hidden[i].clone(), params, on.config.n_head)
            except CheckFailure:
                raise
            except Exception as error:
                # One block: an IndexError here is not a count of blocks (n_layer=12 skips that).
                kind, message, config = type(error).__name__, str(error), on.config
                explain_raised(label, kind, message, config.n_head, 12, config.n_embd)
            compare(got, hidden[i + 1], label, atol=ATOL, rtol=RTOL)
    passed("transformer_block matches GPT-2's blocks")


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def _case(where: str, on, ids: torch.Tensor) -> Case:
    captured = capture_stack(on, ids)
    args = stack_inputs(on, captured)
    label = (
        f"gpt2_stack on {where} (x {tuple(captured['x'].shape)}, {on.config.n_layer} blocks, "
        f"n_head={on.config.n_head})"
    )
    context = {"expected": captured["final"], "hidden": captured["hidden"], "raw": captured["raw"]}
    return Case(label, args, context=context)


@functools.cache
def _synthetic_models() -> dict:
    """The hidden tests' re-drawn models (seeds only; built once per process)."""
    return {
        "small": synthetic_gpt2(SMALL_SEED),
        "small_2": synthetic_gpt2(SMALL_SEED_2, n_layer=3),
        "quiet": quiet_gpt2(QUIET_SEED),
        "odd": synthetic_gpt2(ODD_SEED, **ODD),
    }


def stack_cases(model, tokenizer) -> list[Case]:
    """The lesson model on a sentence and on 2 × 8 random ids; a small random model (2 × 8), a
    3-block one (1 × 16) and a quiet one (2 × 8), every parameter re-drawn."""
    models = _synthetic_models()
    vocab = SMALL["vocab_size"]
    return [
        _case("the lesson model, a sentence", model, sentence_ids(tokenizer)),
        _case("the lesson model", model, token_ids(SMALL_SEED, 2, 8, model.config.vocab_size)),
        _case(f"random model {SMALL_SEED}", models["small"], token_ids(SMALL_SEED, 2, 8, vocab)),
        _case(
            f"random model {SMALL_SEED_2}",
            models["small_2"],
            token_ids(SMALL_SEED_2, 1, 16, vocab),
        ),
        _case(
            f"quiet random model {QUIET_SEED}", models["quiet"], token_ids(QUIET_SEED, 2, 8, vocab)
        ),
    ]


def odd_cases(model, tokenizer) -> list[Case]:
    """A random model with 6 heads and 3 blocks: 1 × 16, 2 × 8 and 2 × 1 (one token)."""
    odd = _synthetic_models()["odd"]
    vocab = ODD["vocab_size"]
    where = f"random model {ODD_SEED} (6 heads, 3 blocks)"
    return [
        _case(where, odd, token_ids(ODD_SEED, 1, 16, vocab)),
        _case(where, odd, token_ids(ODD_SEED + 1, 2, 8, vocab)),
        _case(f"{where}, one token", odd, token_ids(ODD_SEED + 2, 2, 1, vocab)),
    ]


PARTS = {
    "test_gpt2_stack": Part(answers=("gpt2_stack",), calls="gpt2_stack", cases=stack_cases),
    "test_gpt2_stack_odd": Part(answers=("gpt2_stack",), calls="gpt2_stack", cases=odd_cases),
}
