"""Lesson 04 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes a Conv1D or splits c_attn's outputs into heads. ``conv1d`` is compared
with what GPT-2's own Conv1D modules returned during a forward pass, and ``qkv_heads`` with the
q, k and v that GPT-2's attention function received (stream_course.synthetic.attention_seen):
both read with hooks, from modules the exercises may not call. The hidden tests' cases below are
inputs only; their references and verdicts come from the grader's answer key
(source/04_qkv/answer_key.py).
"""

from __future__ import annotations

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    as_tensor,
    close,
    compare,
    describe,
    fail,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import (
    ODD,
    SMALL,
    attention_seen,
    first_and_last,
    hooked,
    synthetic_gpt2,
    token_ids,
)

ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 04: right styles stay below 4.8e-7
# Neither exercise may hand its work to transformers' Conv1D or a GPT-2 module.
BY_HAND = forbidden.GPT2_MODULES
SENTENCE = "Queries ask, keys answer, and values carry what is passed on."
CONV1D_MODULES = ("attn.c_attn", "attn.c_proj", "mlp.c_fc")  # (d, 3d), (d, d), (d, 4d)
SMALL_SEED, ODD_SEED = 401, 402  # the hidden tests' random models (synthetic.py)
VISIBLE_SEED = 403  # the visible checks' random model
QKV = ("q", "k", "v")

collect = collector("qkv")


# Known mistakes, one message each: the visible checks and the answer key both use them.
MISTAKES = {
    "linear_convention": (
        "this is the nn.Linear convention: F.linear(x, weight, bias) and x @ weight.T expect a "
        "weight stored (out, in). GPT-2's Conv1D stores it (in, out) and computes "
        "x @ weight + bias. On the square c_proj (d, d) both run without an error, so only the "
        "values give the mistake away.",
        "nn.Linear의 규칙을 썼습니다. F.linear(x, weight, bias)와 x @ weight.T는 weight가 "
        "(out, in)으로 저장되어 있다고 가정합니다. GPT-2의 Conv1D는 weight를 (in, out)으로 저장하고 "
        "x @ weight + bias를 계산합니다. 정사각형인 c_proj (d, d)에서는 둘 다 오류 없이 돌아가서 "
        "값으로만 실수가 드러납니다.",
    ),
    "shapes_do_not_multiply": (
        "the shapes do not fit a matrix product. Was the weight used the nn.Linear way, "
        "(out, in), with F.linear(x, weight, bias) or x @ weight.T? GPT-2's Conv1D stores it "
        "(in, out): compute x @ weight + bias, which works for any number of leading dimensions "
        "(a 2-D (T, d) x as well as a 3-D (B, T, d) one).",
        "shape이 행렬 곱에 맞지 않습니다. weight를 nn.Linear처럼 (out, in)으로 보고 "
        "F.linear(x, weight, bias)나 x @ weight.T를 쓰지 않았나요? GPT-2의 Conv1D는 weight를 "
        "(in, out)으로 저장합니다. x @ weight + bias를 계산하세요. 앞쪽 차원이 몇 개든(2차원 "
        "(T, d)든 3차원 (B, T, d)든) 그대로 동작합니다.",
    ),
    "no_bias": (
        "the bias is missing: x @ weight + bias. (The lesson model's biases may all be 0, so "
        "only a model with non-zero biases shows it.)",
        "bias가 빠졌습니다: x @ weight + bias. (수업 모델의 bias는 모두 0일 수 있어서, bias가 0이 "
        "아닌 모델에서만 드러납니다.)",
    ),
    "wrong_order": (
        "q, k and v are in the wrong order. c_attn's 3·d outputs are [q | k | v]: the first d "
        "numbers are q, the next d are k, the last d are v; and qkv_heads returns (q, k, v).",
        "q, k, v의 순서가 틀렸습니다. c_attn의 출력 3·d개는 [q | k | v] 순서입니다. 처음 d개가 q, "
        "다음 d개가 k, 마지막 d개가 v이고, qkv_heads는 (q, k, v) 순서로 돌려줘야 합니다.",
    ),
    "heads_without_transpose": (
        "the heads were made with one view(B, n_head, T, d_head) straight from (B, T, d): the "
        "shape is right but the numbers are not. Each token's d numbers hold every head side by "
        "side, so cut the last dimension first, view(B, T, n_head, d_head), then swap the token "
        "and head dimensions with .transpose(1, 2).",
        "(B, T, d)에서 view(B, n_head, T, d_head) 한 번으로 head를 만들었습니다. shape은 맞지만 "
        "값이 틀립니다. token 하나의 d개 숫자 안에 모든 head가 나란히 들어 있으니, 먼저 마지막 "
        "차원을 view(B, T, n_head, d_head)로 자르고 .transpose(1, 2)로 token 차원과 head 차원을 "
        "바꾸세요.",
    ),
    "scaled_q": (
        "q is already scaled by 1/sqrt(d_head). qkv_heads returns q unscaled, as GPT-2's "
        "attention receives it: the scaling belongs to the attention scores q·kᵀ (next lesson).",
        "q가 이미 1/sqrt(d_head)로 나뉘어 있습니다. qkv_heads는 GPT-2의 attention이 받는 그대로 "
        "scale하지 않은 q를 돌려줘야 합니다. scaling은 attention score q·kᵀ를 계산할 때 합니다"
        "(다음 레슨).",
    ),
    "per_head_layout": (
        "c_attn's outputs were read per head, as [q | k | v] inside each head (the layout of "
        "some other models). GPT-2's are [all of q | all of k | all of v]: split into three "
        "blocks of d first, then cut each block into heads.",
        "c_attn의 출력을 head마다 [q | k | v]가 들어 있는 것처럼 읽었습니다(다른 일부 모델의 "
        "배치입니다). GPT-2는 [q 전체 | k 전체 | v 전체]입니다. 먼저 d개씩 세 덩어리로 나누고, "
        "그다음 각 덩어리를 head로 자르세요.",
    ),
    "sizes_do_not_fit": (
        "a view or reshape whose sizes do not fit. Take every size from the arguments: B, T, d "
        "from x.shape, n_head from the argument, d_head = d // n_head. Is a number typed in "
        "(12 heads, d_head 64, a batch of 1)? Models with other shapes exist, and the hidden "
        "tests use them.",
        "view나 reshape의 크기가 맞지 않습니다. 모든 크기를 인자에서 가져오세요. B, T, d는 "
        "x.shape에서, n_head는 인자에서, d_head = d // n_head입니다. 숫자를 직접 써 넣지 "
        "않았나요(head 12개, d_head 64, batch 1)? 다른 shape의 모델도 있고, 숨겨진 테스트는 "
        "그런 모델도 씁니다.",
    ),
    "typed_in_heads": (
        "the heads do not match this model: it has {n_head} heads of d_head = {d_head}. "
        "Use the n_head argument and d_head = d // n_head; are 12 or 64 typed in?",
        "head가 이 모델과 맞지 않습니다. 이 모델은 d_head = {d_head}인 head가 {n_head}개입니다. "
        "인자 n_head와 d_head = d // n_head를 쓰세요. 12나 64를 직접 써 넣지 않았나요?",
    ),
}


def mistake(key: str, **sizes) -> tuple[str, str]:
    english, korean = MISTAKES[key]
    return english.format(**sizes), korean.format(**sizes)


def explain_raised(name: str, kind: str, message: str) -> None:
    """Name the likely mistake behind an exception a student's function raised, if known."""
    if "cannot be multiplied" in message or "size mismatch" in message:
        english, korean = MISTAKES["shapes_do_not_multiply"]
    elif "is invalid for input of size" in message:
        english, korean = MISTAKES["sizes_do_not_fit"]
    else:
        return
    fail(
        f"{name} raised {kind}: {message}. {english[0].upper()}{english[1:]}",
        f"{name} 호출 중 {kind} 예외가 발생했습니다: {message}. {korean}",
    )


def called(function, args: tuple, name: str):
    """``function(*args)`` on copies (it must not change them); a known exception is named."""
    try:
        return unchanged(function, *args, name=name)
    except CheckFailure as failure:
        text = str(failure)
        if " raised " in text:
            head = text.split(" raised ", 1)[1].split("\n", 1)[0]
            kind, _, message = head.partition(": ")
            explain_raised(name, kind, message)
        raise


def short_name(name: str) -> str:
    """How the lesson writes a module: h[0].attn.c_attn for transformer.h.0.attn.c_attn."""
    parts = name.removeprefix("transformer.").split(".")
    return f"h[{parts[1]}]." + ".".join(parts[2:])


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- 1. conv1d ---------------------------------------------------------------------------------


def conv1d_cases_of(model, ids: torch.Tensor, layers, where: str) -> list[Case]:
    """One case per Conv1D module (c_attn, c_proj, c_fc of each layer): what the module received
    during a full forward pass of ``ids`` (hooks) and its own weight and bias.
    ``context["expected"]`` is what the module returned: the answer key's reference."""
    names = [f"transformer.h.{i}.{m}" for i in layers for m in CONV1D_MODULES]
    modules = dict(model.named_modules())
    with torch.no_grad(), hooked(model, names) as seen:
        model.transformer(ids)
    cases = []
    for name in names:
        module = modules[name]
        x, output = seen[name]
        weight, bias = module.weight.detach(), module.bias.detach()  # run_case passes copies
        label = (
            f"conv1d on {where}'s {short_name(name)} (x {tuple(x.shape)}, "
            f"weight {tuple(weight.shape)})"
        )
        cases.append(Case(label, (x, weight, bias), context={"expected": output.detach()}))
    return cases


def two_dimensional(case: Case) -> Case:
    """The same module call on the first sequence alone: x (T, d), the module's output [0]."""
    x, weight, bias = case.args
    label = case.label.split(" (x ")[0] + f", a 2-D x {tuple(x[0].shape)} (no batch dimension)"
    return Case(label, (x[0], weight, bias), context={"expected": case.context["expected"][0]})


def one_token(case: Case) -> Case:
    """The same module call on one token of the first sequence: x (1, 1, d). A Conv1D treats
    every token on its own, so the module's output for it is the same slice of its output."""
    x, weight, bias = case.args
    label = case.label.split(" (x ")[0] + f", one token (x {tuple(x[:1, :1].shape)})"
    expected = case.context["expected"][:1, :1]
    return Case(label, (x[:1, :1].clone(), weight, bias), context={"expected": expected.clone()})


CONV1D_TIPS = (
    "The usual causes: the weight is stored (in, out), so it is x @ weight (not weight.T, not "
    "F.linear(x, weight)); the bias is added after the product; x may be (T, d) or (B, T, d).",
    "흔한 원인: weight는 (in, out)으로 저장되어 있으므로 x @ weight입니다(weight.T도, "
    "F.linear(x, weight)도 아닙니다). bias는 곱한 다음에 더합니다. x는 (T, d)일 수도 (B, T, d)일 "
    "수도 있습니다.",
)


@visible_check
def check_conv1d(conv1d, model) -> None:
    """Against GPT-2's own Conv1D modules: c_attn (d, 3d), the square c_proj (d, d) and c_fc
    (d, 4d) of the lesson model's first block, then of a small random model whose biases are not
    0, once with a 2-D input. The reference is what each module returned during a forward pass,
    read with hooks; your function gets what the module received, and its weight and bias."""
    forbidden.check_written_by_hand(conv1d, BY_HAND, "conv1d")
    ids = token_ids(VISIBLE_SEED, 1, 8, model.config.vocab_size)
    cases = conv1d_cases_of(model, ids, [0], "the lesson model")
    small = synthetic_gpt2(VISIBLE_SEED)
    small_ids = token_ids(VISIBLE_SEED, 2, 6, small.config.vocab_size)
    small_cases = conv1d_cases_of(small, small_ids, [0], "a small random model")
    cases += [*small_cases, two_dimensional(small_cases[0])]
    for case in cases:
        got = called(conv1d, case.args, case.label)
        expected, bias = case.context["expected"], case.args[2]
        x, weight = case.args[:2]
        hints = [
            # The module's own output without its bias: what a missing bias returns.
            Hint(*MISTAKES["no_bias"], lambda expected=expected, bias=bias: expected - bias),
            # The weight read as nn.Linear's (out, in): runs only where it is square (c_proj).
            Hint(*MISTAKES["linear_convention"], lambda x=x, w=weight, b=bias: x @ w.T + b),
        ]
        try:
            compare(got, expected, case.label, atol=ATOL, rtol=RTOL, hints=hints)
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}{say(*CONV1D_TIPS)}") from None
    passed("conv1d matches GPT-2's c_attn, c_proj and c_fc")


# --- 2. qkv_heads ------------------------------------------------------------------------------


def qkv_cases_of(model, ids: torch.Tensor, layers, where: str) -> list[Case]:
    """One case per layer: x = what ``h[i].ln_1`` returned during a full forward pass of ``ids``
    (the input of c_attn), c_attn's weight and bias, and n_head. ``context["expected"]`` holds
    the q, k and v that GPT-2's attention function received in that pass (attention_seen)."""
    names = [f"transformer.h.{i}.ln_1" for i in layers]
    with torch.no_grad(), hooked(model, names) as seen, attention_seen(model) as received:
        model.transformer(ids)
    n_head = model.config.n_head
    cases = []
    for i, name in zip(layers, names, strict=True):
        x = seen[name][1].detach()
        c_attn = model.transformer.h[i].attn.c_attn
        weight, bias = c_attn.weight.detach(), c_attn.bias.detach()  # run_case passes copies
        label = (
            f"qkv_heads on {where}'s h[{i}] (x {tuple(x.shape)}, {n_head} heads of "
            f"d_head {x.shape[-1] // n_head})"
        )
        cases.append(Case(label, (x, weight, bias, n_head), context={"expected": received[i][:3]}))
    return cases


def unpack_qkv(got, name: str) -> list[torch.Tensor]:
    """A tuple (or list) of exactly three tensors (q, k, v); anything else is named."""
    if isinstance(got, torch.Tensor) and got.ndim >= 1 and got.shape[0] == 3:
        fail(
            f"{name} returned one {describe(got)}: q, k and v stacked? Return the tuple "
            "(q, k, v) of three tensors.",
            f"{name}이(가) {describe(got)} 하나를 돌려줬습니다. q, k, v를 쌓았나요(stack)? "
            "tensor 세 개의 tuple (q, k, v)를 돌려주세요.",
        )
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail(
            f"{name} returned {describe(got)}; it should return a tuple of three tensors "
            "(q, k, v), each (B, n_head, T, d_head).",
            f"{name}이(가) {describe(got)}을(를) 돌려줬습니다. shape이 각각 (B, n_head, T, d_head)인 "
            "tensor 세 개의 tuple (q, k, v)를 돌려줘야 합니다.",
        )
    return [as_tensor(item, f"{name}: {part}") for item, part in zip(got, QKV, strict=True)]


def check_heads_shape(got: torch.Tensor, expected: torch.Tensor, name: str, n_head: int) -> None:
    """Right shape, or a message that names the mistake: a typed-in head count or d_head, heads
    not transposed (the toolkit's shape message), or another shape."""
    if got.shape == expected.shape:
        return
    length, d_head = expected.shape[2], expected.shape[-1]
    shape = tuple(got.shape)
    heads_wrong = len(shape) == 4 and (
        (12 in (shape[1], shape[2]) and 12 not in (n_head, length))
        or (shape[-1] == 64 and d_head != 64)
    )
    if heads_wrong:
        english, korean = mistake("typed_in_heads", n_head=n_head, d_head=d_head)
        fail(
            f"{name} has shape {shape}, expected {tuple(expected.shape)}: {english}",
            f"{name}의 shape이 {shape}입니다. 기대값은 {tuple(expected.shape)}입니다. {korean}",
        )
    compare(got, expected, name)  # fails on the shape, with the toolkit's explanation


def permutation(got: list[torch.Tensor], expected) -> tuple[str, ...] | None:
    """If the three returned tensors are GPT-2's q, k, v in another order: that order."""
    found = []
    for tensor in got:
        matches = [n for n, e in zip(QKV, expected, strict=True) if close(tensor, e, ATOL, RTOL)]
        if not matches:
            return None
        found.append(matches[0])
    return tuple(found) if tuple(found) != QKV and len(set(found)) == 3 else None


def check_order(got: list[torch.Tensor], expected, name: str) -> None:
    order = permutation(got, expected)
    if order is not None:
        english, korean = MISTAKES["wrong_order"]
        pairs = list(zip(QKV, order, strict=True))
        listed = ", ".join(f"your {mine} is GPT-2's {theirs}" for mine, theirs in pairs)
        listed_ko = ", ".join(f"여러분의 {mine}는 GPT-2의 {theirs}" for mine, theirs in pairs)
        fail(f"{name}: {listed}. {english}", f"{name}: {listed_ko}입니다. {korean}")


def check_scaled_q(got_q: torch.Tensor, expected_q: torch.Tensor, name: str) -> None:
    scaling = expected_q.shape[-1] ** -0.5
    if close(got_q, expected_q * scaling, ATOL, RTOL):
        fail(*(f"{name}: {text}" for text in MISTAKES["scaled_q"]))


QKV_TIPS = (
    "The usual causes: c_attn's outputs are [q | k | v], d numbers each; each block is cut into "
    "heads with view(B, T, n_head, d_head) and then .transpose(1, 2); q stays unscaled; the "
    "bias is part of c_attn (x @ weight + bias).",
    "흔한 원인: c_attn의 출력은 d개씩 [q | k | v]입니다. 각 덩어리를 view(B, T, n_head, d_head)로 "
    "head로 자른 다음 .transpose(1, 2)를 합니다. q는 scale하지 않습니다. bias도 c_attn의 "
    "일부입니다(x @ weight + bias).",
)


def mistaken_qkv(expected, bias: torch.Tensor) -> dict[str, tuple[torch.Tensor, ...]]:
    """Known mistakes' (q, k, v), rearranged from GPT-2's own q, k, v (nothing is computed from
    x): heads cut without a transpose, c_attn read per head, the bias left out."""
    batch, n_head, length, d_head = expected[0].shape
    blocks = [t.transpose(1, 2).reshape(batch, length, n_head * d_head) for t in expected]
    per_head = torch.cat(blocks, dim=-1).view(batch, length, n_head, 3, d_head)
    bias_blocks = bias.view(3, n_head, 1, d_head)
    return {
        "heads_without_transpose": tuple(b.reshape(batch, n_head, length, d_head) for b in blocks),
        "per_head_layout": tuple(per_head[:, :, :, i].transpose(1, 2) for i in range(3)),
        "no_bias": tuple(t - b for t, b in zip(expected, bias_blocks, strict=True)),
    }


def verify_qkv(got, case: Case) -> None:
    """The visible checks' comparison: tuple, shapes, order, scaling, then each of q, k, v."""
    expected = case.context["expected"]
    n_head = case.args[3]
    tensors = unpack_qkv(got, case.label)
    for tensor, reference, part in zip(tensors, expected, QKV, strict=True):
        check_heads_shape(tensor, reference, f"{case.label}: {part}", n_head)
    check_order(tensors, expected, case.label)
    check_scaled_q(tensors[0], expected[0], f"{case.label}: q")
    mistakes = mistaken_qkv(expected, case.args[2])
    for index, (tensor, reference, part) in enumerate(zip(tensors, expected, QKV, strict=True)):
        hints = [
            Hint(*MISTAKES[key], lambda wrong=wrong[index]: wrong)
            for key, wrong in mistakes.items()
        ]
        try:
            compare(tensor, reference, f"{case.label}: {part}", atol=ATOL, rtol=RTOL, hints=hints)
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}{say(*QKV_TIPS)}") from None


@visible_check
def check_qkv_heads_gpt2(qkv_heads, model, tokenizer) -> None:
    """Against the q, k, v that the lesson model's attention received (first and last block)
    while it read a sentence. x is what ``h[i].ln_1`` returned in the same forward pass; the
    reference is read from inside the model, never computed here."""
    forbidden.check_written_by_hand(qkv_heads, BY_HAND, "qkv_heads")
    cases = qkv_cases_of(model, sentence_ids(tokenizer), first_and_last(model), "the lesson model")
    for case in cases:
        verify_qkv(called(qkv_heads, case.args, case.label), case)
    passed("qkv_heads matches the q, k, v of GPT-2's attention")


@visible_check
def check_qkv_heads_other_shapes(qkv_heads) -> None:
    """A random model with 6 heads (not 12) and non-zero biases, a batch of 3 sequences and
    a single token: sizes typed in, a missing bias or a batch of one show here."""
    forbidden.check_written_by_hand(qkv_heads, BY_HAND, "qkv_heads")
    odd = synthetic_gpt2(VISIBLE_SEED, **ODD)
    vocab = odd.config.vocab_size
    cases = qkv_cases_of(odd, token_ids(VISIBLE_SEED, 3, 5, vocab), [0], "a 6-head random model")
    cases += qkv_cases_of(odd, token_ids(VISIBLE_SEED, 2, 1, vocab), [2], "a 6-head random model")
    for case in cases:
        verify_qkv(called(qkv_heads, case.args, case.label), case)
    passed("qkv_heads on a 6-head model, a batch of 3 and a single token")


def check_qkv_heads(qkv_heads, model, tokenizer) -> None:
    """Both visible checks of qkv_heads (the lesson's last cell runs this one)."""
    check_qkv_heads_gpt2(qkv_heads, model, tokenizer)
    check_qkv_heads_other_shapes(qkv_heads)


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def conv1d_cases(model, tokenizer) -> list[Case]:
    """c_attn (non-square), c_proj (square: the nn.Linear convention runs there) and c_fc of the
    first and last block: the lesson model on a sentence, a small random model and one with 6
    heads and 3 layers (biases not 0); a 2-D x (T, d) and a single token."""
    # The first 8 tokens of the sentence: the lesson model's outputs are wide (3·d, 4·d).
    cases = conv1d_cases_of(
        model, sentence_ids(tokenizer)[:, :8], first_and_last(model), "the lesson model"
    )
    small, odd = synthetic_gpt2(SMALL_SEED), synthetic_gpt2(ODD_SEED, **ODD)
    small_ids = token_ids(SMALL_SEED, 2, 8, SMALL["vocab_size"])
    small_cases = conv1d_cases_of(small, small_ids, first_and_last(small), "random model 401")
    odd_ids = token_ids(ODD_SEED, 3, 5, ODD["vocab_size"])
    odd_cases = conv1d_cases_of(odd, odd_ids, first_and_last(odd), "random model 402 (6 heads)")
    return [
        *cases,
        *small_cases,
        *odd_cases,
        two_dimensional(small_cases[0]),  # c_attn
        two_dimensional(odd_cases[1]),  # c_proj, square
        one_token(odd_cases[-2]),  # the last block's c_proj
    ]


def qkv_cases(model, tokenizer) -> list[Case]:
    """The lesson model's first and last block on a sentence, and a small random model's (4 heads
    of d_head 8, biases not 0), one sequence each, as in the lesson."""
    cases = qkv_cases_of(model, sentence_ids(tokenizer), first_and_last(model), "the lesson model")
    small = synthetic_gpt2(SMALL_SEED)
    small_ids = token_ids(SMALL_SEED + 10, 1, 9, SMALL["vocab_size"])
    return cases + qkv_cases_of(small, small_ids, first_and_last(small), "random model 401")


def qkv_odd_cases(model, tokenizer) -> list[Case]:
    """A random model with 6 heads and 3 layers (n_head and n_layer not 12), every block, a batch
    of 3 sequences; then a batch of 2 single tokens."""
    odd = synthetic_gpt2(ODD_SEED, **ODD)
    vocab = ODD["vocab_size"]
    where = "random model 402 (6 heads)"
    cases = qkv_cases_of(odd, token_ids(ODD_SEED + 10, 3, 7, vocab), range(3), where)
    return cases + qkv_cases_of(odd, token_ids(ODD_SEED + 11, 2, 1, vocab), [1], where)


PARTS = {
    "test_conv1d": Part(answers=("conv1d",), calls="conv1d", cases=conv1d_cases),
    "test_qkv_heads": Part(answers=("qkv_heads",), calls="qkv_heads", cases=qkv_cases),
    "test_qkv_heads_odd": Part(answers=("qkv_heads",), calls="qkv_heads", cases=qkv_odd_cases),
}
