"""Lesson 10 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes logits or decides whether a model is tied. The visible checks compare
``unembed`` with what GPT-2 itself returned in one forward pass (``logits`` against the
``last_hidden_state`` of the same pass), and ``tied`` with what transformers' own accessors say
(``get_output_embeddings().weight is get_input_embeddings().weight``), on the lesson model and on
small re-drawn models. When an answer misses, known mistakes are recognised from the model's own
output with one thing changed (a softmax after it, its ln_f applied a second time, wte reshaped
instead of transposed, a bias added) or, for ``tied``, from what each wrong test would say on the
same models (equal values, the config's flag, always True, always False). The hidden tests' cases
are inputs only; their references and verdicts come from the grader's answer key
(source/10_unembedding/answer_key.py).
"""

from __future__ import annotations

import copy
import functools

import torch
import torch.nn.functional as F

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    call,
    compare,
    describe,
    fail,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import ODD, SMALL, synthetic_gpt2, token_ids

# unembed may not hand the work to the model: its lm_head (an nn.Linear holding wte), the
# accessor that returns it, or transformers' GPT-2 classes.
BANNED = ("lm_head", "get_output_embeddings", *forbidden.GPT2_MODULES)
ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 10: every right style is exact (0.0)
SENTENCE = "The last layer reads the table again."
SQUARE = {"vocab_size": 32, "n_embd": 32}  # V == d: h @ wte (no transpose) runs there
VISIBLE_SEED = 1003  # the visible checks' random models
SMALL_SEED, ODD_SEED, SQUARE_SEED = 1001, 1002, 1004  # the hidden tests' random models

collect = collector("unembedding")

# Known mistakes of unembed, one message each; the visible check and the answer key both use them.
MISTAKES = {
    "softmax": (
        "these are probabilities: a softmax was applied. unembed returns the logits, the raw "
        "scores h @ wte.T; the softmax (and the loss) come later, in lesson 11.",
        "확률이 나왔습니다. softmax를 적용했습니다. unembed는 softmax 전의 점수인 logits "
        "(h @ wte.T)를 돌려줍니다. softmax(와 loss)는 11 레슨에서 다룹니다.",
    ),
    "log_softmax": (
        "these are log-probabilities: a log_softmax was applied. unembed returns the logits, "
        "h @ wte.T, nothing after it.",
        "log 확률이 나왔습니다. log_softmax를 적용했습니다. unembed는 logits(h @ wte.T)만 "
        "돌려주고, 그 뒤에는 아무것도 하지 않습니다.",
    ),
    "ln_f_twice": (
        "ln_f was applied again. h is last_hidden_state, which already went through ln_f "
        "(hidden_states[-1] is ln_f's output): multiply it by wte.T as it is.",
        "ln_f를 한 번 더 적용했습니다. h는 last_hidden_state이고 이미 ln_f를 거쳤습니다"
        "(hidden_states[-1]이 ln_f의 출력입니다). h에 그대로 wte.T를 곱하세요.",
    ),
    "normalised_again": (
        "h was normalised again (a LayerNorm without ln_f's weight and bias). h is "
        "last_hidden_state, already after ln_f: multiply it by wte.T as it is.",
        "h를 다시 정규화했습니다(ln_f의 weight와 bias 없는 LayerNorm). h는 이미 ln_f를 거친 "
        "last_hidden_state이므로 그대로 wte.T를 곱하세요.",
    ),
    "no_transpose": (
        "wte was used without a transpose (h @ wte). wte is (V, d), one row per token; the "
        "logit of token v is h · wte[v], so the product is h @ wte.T. This model has V == d, "
        "so h @ wte runs without an error here; on GPT-2 it raises.",
        "wte를 transpose하지 않고 곱했습니다(h @ wte). wte는 token마다 행 하나인 (V, d)이고, "
        "token v의 logit은 h · wte[v]이므로 h @ wte.T입니다. 이 모델은 V == d라서 h @ wte도 "
        "오류 없이 실행되지만, GPT-2에서는 오류가 납니다.",
    ),
    "reshaped": (
        "wte was reshaped to (d, V) instead of transposed. .reshape/.view keep the numbers in "
        "their order and only cut them into new rows, so the columns are not the tokens' rows. "
        "Use wte.T (or .transpose(0, 1)).",
        "wte를 transpose하지 않고 (d, V)로 reshape했습니다. .reshape/.view는 숫자의 순서를 "
        "그대로 두고 행만 새로 자르므로, 열이 token의 행이 되지 않습니다. wte.T(또는 "
        ".transpose(0, 1))를 쓰세요.",
    ),
    "cosine": (
        "these are cosine similarities (h and the rows of wte normalised). GPT-2's logits are "
        "plain dot products, h @ wte.T: the lengths count.",
        "cosine similarity를 계산했습니다(h와 wte의 행을 정규화함). GPT-2의 logits는 그냥 "
        "내적 h @ wte.T입니다. 길이도 결과에 들어갑니다.",
    ),
}

UNEMBED_TIPS = (
    "The usual causes: a softmax or log_softmax after the product (unembed returns logits); "
    "ln_f or another LayerNorm applied to h again (h is already after ln_f); wte reshaped "
    "instead of transposed; a bias added (GPT-2's lm_head has none). The whole answer is "
    "h @ wte.T.",
    "흔한 원인: 곱한 뒤에 softmax나 log_softmax를 적용함(unembed는 logits를 돌려줌); h에 ln_f나 "
    "다른 LayerNorm을 다시 적용함(h는 이미 ln_f를 거침); wte를 transpose하지 않고 reshape함; "
    "bias를 더함(GPT-2의 lm_head에는 bias가 없음). 답 전체가 h @ wte.T입니다.",
)


def hint(key: str, wrong) -> Hint:
    return Hint(*MISTAKES[key], wrong)


# --- explaining a miss of unembed (no logits computed here) -------------------------------------


def explain_error(name: str, kind: str, message: str, wte_shape: tuple[int, int]) -> None:
    """Name the likely mistake behind an exception unembed raised, if it is a known one."""
    vocab, d = wte_shape
    if "cannot be multiplied" in message or "does not broadcast" in message:
        if f"{vocab}x{d}" in message or f"size {vocab}" in message:
            fail(
                f"{name} raised {kind} ({message}). wte is (V, d) = ({vocab}, {d}), one row per "
                "token, and h is (B, T, d): h @ wte cannot be multiplied. The logit of token v "
                "is h · wte[v], so the product is h @ wte.T (F.linear(h, wte) computes the "
                "same; wte is not a Conv1D weight stored (in, out)).",
                f"{name}에서 {kind} 발생({message}). wte는 token마다 행 하나인 (V, d) = "
                f"({vocab}, {d})이고 h는 (B, T, d)라서 h @ wte는 곱할 수 없습니다. token v의 "
                "logit은 h · wte[v]이므로 h @ wte.T입니다(F.linear(h, wte)도 같은 값). wte는 "
                "(in, out)으로 저장된 Conv1D weight가 아닙니다.",
            )
        fail(
            f"{name} raised {kind} ({message}) on a model whose wte is ({vocab}, {d}). Does it "
            "use the notebook's model (its wte, lm_head or ln_f) instead of its arguments? Use "
            "only h and wte: logits = h @ wte.T.",
            f"{name}에서 {kind} 발생({message}). 이 모델의 wte는 ({vocab}, {d})입니다. 인자 "
            "대신 노트북의 model(그 wte, lm_head, ln_f)을 쓰지 않았나요? h와 wte만 써서 "
            "logits = h @ wte.T를 계산하세요.",
        )
    if "normalized_shape" in message:
        fail(
            f"{name} raised {kind} ({message}): a LayerNorm made for another width was applied "
            "to h, the notebook's model's ln_f? h is last_hidden_state: ln_f was applied "
            "already, so ln_f was applied again here. Use only the arguments: h @ wte.T.",
            f"{name}에서 {kind} 발생({message}). 다른 폭에 맞춘 LayerNorm(노트북 model의 ln_f?)을 "
            "h에 적용했습니다. h는 last_hidden_state라서 이미 ln_f를 거쳤으니 ln_f를 한 번 더 "
            "적용한 셈입니다. 인자만 써서 h @ wte.T를 계산하세요.",
        )
    if "NoneType" in message:
        fail(
            f"{name} raised {kind} ({message}). GPT-2's lm_head has no bias (lm_head.bias is "
            "None): the logits are h @ wte.T, with nothing added.",
            f"{name}에서 {kind} 발생({message}). GPT-2의 lm_head에는 bias가 없습니다"
            "(lm_head.bias는 None). logits는 h @ wte.T이고 더하는 것이 없습니다.",
        )


def call_unembed(unembed, h: torch.Tensor, wte: torch.Tensor, name: str):
    """``unembed(h, wte)`` on copies, failing on in-place changes; known errors explained."""
    try:
        return unchanged(unembed, h, wte, name=name)
    except CheckFailure as failure:
        text = str(failure)
        for kind in ("RuntimeError", "ValueError", "TypeError", "IndexError"):
            if f"raised {kind}: " in text:
                raised = text.split(f"raised {kind}: ", 1)[1].split("\n", 1)[0]
                explain_error(name, kind, raised, tuple(wte.shape))
        raise


def explain_offset(got, expected: torch.Tensor, name: str) -> None:
    """A miss that is the reference plus a constant: the same vector at every position (a bias
    over the vocabulary) or the same number across the vocabulary (a shift per position)."""
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape or got.dim() < 2:
        return
    if not (got.is_floating_point() and bool(torch.isfinite(got).all())):
        return
    gap = got.detach().float() - expected.detach().float()
    tolerance = ATOL + RTOL * expected.detach().float().abs().max().item()
    if gap.abs().max().item() <= tolerance:
        return
    flat = gap.reshape(-1, gap.shape[-1])  # (positions, V)
    if flat.shape[0] > 1 and (flat - flat[:1]).abs().max().item() <= tolerance:
        fail(
            f"{name} is the logits plus the same vector at every position: a bias was added. "
            "GPT-2's lm_head has no bias (bias=False): the logits are h @ wte.T, nothing added.",
            f"{name}이(가) 모든 위치에서 logits에 같은 vector를 더한 값입니다. bias를 더했습니다. "
            "GPT-2의 lm_head에는 bias가 없습니다(bias=False). logits는 h @ wte.T이고 더하는 "
            "것이 없습니다.",
        )
    if (gap - gap[..., :1]).abs().max().item() <= tolerance:
        fail(
            f"{name} is the logits shifted by one number per position (the max or the mean "
            "subtracted, or a scalar added?). That leaves the softmax unchanged but it is not "
            "what lm_head returns: return h @ wte.T as it is.",
            f"{name}이(가) 위치마다 숫자 하나만큼 이동한 logits입니다(최댓값이나 평균을 뺐거나 "
            "상수를 더했나요?). softmax 결과는 같지만 lm_head가 돌려주는 값은 아닙니다. "
            "h @ wte.T를 그대로 돌려주세요.",
        )


def verify_unembed(got, expected: torch.Tensor, name: str, hints=(), inputs=()) -> None:
    """``compare`` with the lesson's tolerance and hints; a miss that no hint names is checked
    for an added bias or shift, then gets the usual causes appended."""
    try:
        compare(got, expected, name, atol=ATOL, rtol=RTOL, hints=hints, inputs=inputs)
    except CheckFailure as failure:
        if "differs from the reference" not in str(failure):
            raise
        explain_offset(got, expected, name)
        raise CheckFailure(f"{failure}{say(*UNEMBED_TIPS)}") from None


# --- the visible self-check of unembed -----------------------------------------------------------


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


def forward(model, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(h, logits)`` of one forward pass of GPT-2 itself: ``h`` = ``hidden_states[-1]`` (the
    ``last_hidden_state``, after ln_f), ``logits`` = what the model returned."""
    with torch.no_grad():
        out = model(ids, output_hidden_states=True)
    return out.hidden_states[-1].detach().clone(), out.logits.detach().clone()


def _model_hints(on, h: torch.Tensor, wte: torch.Tensor, logits: torch.Tensor) -> list[Hint]:
    """Known mistakes, each from the model's own output with one thing changed (computed only
    when an answer misses)."""
    d = wte.shape[1]

    def head(x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return on.lm_head(x)

    def ln_f(x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return on.transformer.ln_f(x)

    return [
        hint("softmax", lambda: logits.softmax(-1)),
        hint("log_softmax", lambda: logits.log_softmax(-1)),
        hint("ln_f_twice", lambda: head(ln_f(h))),
        hint("normalised_again", lambda: head(F.layer_norm(h, (d,)))),
        hint("no_transpose", lambda: h @ wte),
        hint("reshaped", lambda: h @ wte.reshape(d, -1)),
        hint("cosine", lambda: F.normalize(h, dim=-1) @ F.normalize(wte, dim=-1).T),
    ]


@visible_check
def check_unembed(unembed, model) -> None:
    """Against GPT-2 itself: on the lesson model (a sentence) and on a small random model whose
    ln_f is not 1/0 (two sequences), your function gets the ``last_hidden_state`` and wte of one
    forward pass and its result is compared with the ``logits`` of that same pass."""
    forbidden.check_written_by_hand(unembed, BANNED, "unembed")
    small = synthetic_gpt2(VISIBLE_SEED)
    runs = (
        ("the lesson model", model, token_ids(VISIBLE_SEED, 1, 6, model.config.vocab_size)),
        (
            "a random model (ln_f not 1/0)",
            small,
            token_ids(VISIBLE_SEED, 2, 5, small.config.vocab_size),
        ),
    )
    for where, on, ids in runs:
        h, logits = forward(on, ids)
        wte = (
            on.transformer.wte.weight.detach()
        )  # every call gets its own copy (unchanged, run_case)
        label = f"unembed on {where} (h {tuple(h.shape)}, wte {tuple(wte.shape)})"
        got = call_unembed(unembed, h, wte, label)
        verify_unembed(got, logits, label, hints=_model_hints(on, h, wte, logits))
    passed("unembed matches GPT-2's logits")


# --- tied ---------------------------------------------------------------------------------------

TIED_MISTAKES = {
    "equal_values": (
        "it answers True for a model whose lm_head holds a copy of wte: equal values are not "
        "the same tensor. torch.equal / allclose / == compare values; a tied model has ONE "
        "Parameter in both places: model.lm_head.weight is model.transformer.wte.weight.",
        "lm_head에 wte의 복사본이 들어 있는 모델에도 True라고 답합니다. 값이 같다고 같은 tensor인 "
        "것은 아닙니다. torch.equal / allclose / ==는 값을 비교합니다. 묶인(tied) 모델은 두 "
        "곳에 Parameter 하나를 둡니다: model.lm_head.weight is model.transformer.wte.weight.",
    ),
    "config_flag": (
        "it follows model.config.tie_word_embeddings. The config says what from_pretrained "
        "should do; the weights can say otherwise (lm_head replaced by a copy, or tied by "
        "hand). Look at the tensors themselves: model.lm_head.weight is "
        "model.transformer.wte.weight.",
        "model.config.tie_word_embeddings를 그대로 따릅니다. config는 from_pretrained가 할 일을 "
        "적어 둔 것일 뿐이고, weight는 다를 수 있습니다(lm_head를 복사본으로 바꾸거나 손으로 "
        "묶은 경우). tensor 자체를 보세요: model.lm_head.weight is model.transformer.wte.weight.",
    ),
    "always_true": (
        "it answers True for every model, also for an untied one whose lm_head has weights of "
        "its own. Test whether the two are the same tensor: model.lm_head.weight is "
        "model.transformer.wte.weight.",
        "모든 모델에 True라고 답합니다. lm_head가 자기 weight를 따로 가진, 묶이지 않은 모델에도 "
        "그렇습니다. 둘이 같은 tensor인지 확인하세요: model.lm_head.weight is "
        "model.transformer.wte.weight.",
    ),
    "always_false": (
        "it answers False even for a tied model (GPT-2). A common cause: .data makes a new "
        "tensor object at every access, so a.data is b.data is False even when a is b. "
        "Compare the Parameters themselves (model.lm_head.weight is "
        "model.transformer.wte.weight), not .data, .clone() or a module "
        "(model.transformer.wte is the nn.Embedding; its .weight is the Parameter).",
        "묶인(tied) 모델(GPT-2)에도 False라고 답합니다. 흔한 원인: .data는 읽을 때마다 새 "
        "tensor 객체를 만들므로 a is b여도 a.data is b.data는 False입니다. .data, .clone(), "
        "모듈이 아니라 Parameter 자체를 비교하세요(model.lm_head.weight is "
        "model.transformer.wte.weight). model.transformer.wte는 nn.Embedding이고 그 .weight가 "
        "Parameter입니다.",
    ),
    "inverted": (
        "every answer is the opposite: True for untied models, False for tied ones. Is there a "
        "`not` (or `is not`) too many?",
        "모든 답이 반대입니다. 묶이지 않은 모델에 True, 묶인 모델에 False입니다. `not`(또는 "
        "`is not`)이 하나 더 들어가지 않았나요?",
    ),
}


def tied_models(model, seeds: tuple[int, ...], *, fresh: bool) -> list[tuple[str, object]]:
    """``(label, model)``: the lesson model (a deep copy when ``fresh``, which keeps its tying),
    then re-drawn models built from ``seeds`` (five of them, in this order): tied; untied with
    weights of its own; untied with a *copy* of wte in lm_head (equal values, another tensor);
    tied by its config but with lm_head replaced by a copy; untied by its config but tied by
    hand (lm_head given wte's own Parameter). Their config flag and their weights disagree in
    the last two."""
    tied_seed, own_seed, copy_seed, replaced_seed, by_hand_seed = seeds
    own = synthetic_gpt2(own_seed, tie_word_embeddings=False, **ODD)
    copied = synthetic_gpt2(copy_seed, tie_word_embeddings=False)
    with torch.no_grad():
        copied.lm_head.weight.copy_(copied.transformer.wte.weight)
    replaced = synthetic_gpt2(replaced_seed)
    replaced.lm_head.weight = torch.nn.Parameter(replaced.transformer.wte.weight.detach().clone())
    by_hand = synthetic_gpt2(by_hand_seed, tie_word_embeddings=False)
    by_hand.lm_head.weight = by_hand.transformer.wte.weight
    return [
        ("the lesson model (GPT-2)", copy.deepcopy(model) if fresh else model),
        (f"random model {tied_seed}, tied", synthetic_gpt2(tied_seed)),
        (f"random model {own_seed}, untied, lm_head with weights of its own", own),
        (f"random model {copy_seed}, untied, lm_head holding a copy of wte", copied),
        (
            f"random model {replaced_seed}, config tie_word_embeddings=True but lm_head "
            "replaced by a copy of wte",
            replaced,
        ),
        (
            f"random model {by_hand_seed}, config tie_word_embeddings=False but lm_head given "
            "wte's own Parameter",
            by_hand,
        ),
    ]


def tied_signatures(models: list) -> dict[str, list[bool]]:
    """What each known wrong test answers on ``models`` (none of them is the right test)."""
    return {
        "equal_values": [
            bool(torch.equal(m.lm_head.weight, m.transformer.wte.weight)) for m in models
        ],
        "config_flag": [bool(m.config.tie_word_embeddings) for m in models],
        "always_true": [True] * len(models),
        "always_false": [False] * len(models),
    }


def as_answer(got, name: str):
    """A recorded answer of ``tied`` as a truth value (a one-element bool tensor or a 0/1 int is
    read, and refused later by ``require_bool``); anything else fails at once."""
    if isinstance(got, bool):
        return got
    if isinstance(got, torch.Tensor) and got.numel() == 1 and got.dtype == torch.bool:
        return bool(got.item())
    if isinstance(got, int) and got in (0, 1):
        return bool(got)
    fail(
        f"{name} returned {describe(got)} {got!r:.60}; tied returns True or False.",
        f"{name}이(가) {describe(got)} {got!r:.60}을(를) 돌려줬습니다. tied는 True나 False를 "
        "돌려줘야 합니다.",
    )


def require_bool(got, name: str) -> None:
    """The contract says ``-> bool``: a tensor or an int is refused, even with the right value."""
    if isinstance(got, bool):
        return
    fail(
        f"{name} returned {describe(got)}, not a Python bool. The values are right, but tied "
        "promises True or False: `a is b` already is one; a 0-d tensor needs bool(...) or "
        ".item().",
        f"{name}이(가) Python bool이 아니라 {describe(got)}을(를) 돌려줬습니다. 값은 맞지만 "
        "tied는 True나 False를 돌려주기로 되어 있습니다. `a is b`는 그 자체로 bool이고, 0차원 "
        "tensor는 bool(...)이나 .item()이 필요합니다.",
    )


def verify_tied(
    answers: list, expected: list[bool], labels: list[str], signatures: dict[str, list[bool]]
) -> None:
    """All answers at once: a pattern that matches a known wrong test is named; then the first
    wrong case is shown; values right but not Python bools are refused last."""
    values = [as_answer(got, label) for got, label in zip(answers, labels, strict=True)]
    if values != expected:
        signatures = {**signatures, "inverted": [not e for e in expected]}
        for key, signature in signatures.items():
            if values == signature:
                fail(*(f"tied: {text}" for text in TIED_MISTAKES[key]))
        wrong = next(i for i, (v, e) in enumerate(zip(values, expected, strict=True)) if v != e)
        fail(
            f"{labels[wrong]} returned {values[wrong]}, expected {expected[wrong]}. "
            "A model is tied when model.lm_head.weight is model.transformer.wte.weight: one "
            "Parameter in both places, not two with equal values.",
            f"{labels[wrong]}이(가) {values[wrong]}을(를) 돌려줬습니다. 기대값은 "
            f"{expected[wrong]}입니다. model.lm_head.weight is model.transformer.wte.weight일 "
            "때 묶인(tied) 모델입니다. 값이 같은 두 tensor가 아니라 두 곳에 Parameter 하나입니다.",
        )
    for got, label in zip(answers, labels, strict=True):
        require_bool(got, label)


@visible_check
def check_tied(tied, model) -> None:
    """``tied`` on the lesson model and on five small random models, tied and untied in every
    way that separates "the same tensor" from "equal values" and from the config's flag; its
    answers are compared with what transformers' own accessors say
    (``get_output_embeddings().weight is get_input_embeddings().weight``)."""
    seeds = tuple(VISIBLE_SEED + 10 * i for i in range(5))
    models = tied_models(model, seeds, fresh=False)
    labels = [f"tied({label})" for label, _ in models]
    answers = [call(tied, on, name=name) for name, (_, on) in zip(labels, models, strict=True)]
    expected = [
        on.get_output_embeddings().weight is on.get_input_embeddings().weight for _, on in models
    ]
    verify_tied(answers, expected, labels, tied_signatures([on for _, on in models]))
    passed("tied tells the same tensor from equal values")


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def _unembed_case(where: str, on, ids: torch.Tensor) -> Case:
    h, logits = forward(on, ids)
    wte = on.transformer.wte.weight.detach()  # every call gets its own copy (unchanged, run_case)
    ln_f = on.transformer.ln_f
    return Case(
        f"unembed on {where} (h {tuple(h.shape)}, wte {tuple(wte.shape)})",
        (h, wte),
        context={
            "expected": logits,
            "ln_f": (ln_f.weight.detach().clone(), ln_f.bias.detach().clone(), ln_f.eps),
        },
    )


@functools.cache
def _synthetic_unembed_cases() -> tuple[Case, ...]:
    """The re-drawn models' forward passes (ln_f not 1/0, so a second LayerNorm shows): two
    sequences of 8 and one of 3 tokens on small models, three of 5 on a 6-head, 3-layer one, two
    of 4 on a model with V == d. They depend on seeds only: one build per process."""
    small, other = synthetic_gpt2(SMALL_SEED), synthetic_gpt2(SMALL_SEED + 1)
    odd, square = synthetic_gpt2(ODD_SEED, **ODD), synthetic_gpt2(SQUARE_SEED, **SQUARE)
    vocab = SMALL["vocab_size"]
    return (
        _unembed_case(f"random model {SMALL_SEED}", small, token_ids(SMALL_SEED, 2, 8, vocab)),
        _unembed_case(
            f"random model {SMALL_SEED + 1}", other, token_ids(SMALL_SEED + 1, 1, 3, vocab)
        ),
        _unembed_case(
            f"random model {ODD_SEED} (6 heads, 3 layers)",
            odd,
            token_ids(ODD_SEED, 3, 5, ODD["vocab_size"]),
        ),
        _unembed_case(
            f"random model {SQUARE_SEED} (V == d)",
            square,
            token_ids(SQUARE_SEED, 2, 4, SQUARE["vocab_size"]),
        ),
    )


def unembed_cases(model, tokenizer) -> list[Case]:
    lesson_case = _unembed_case("the lesson model", model, sentence_ids(tokenizer))
    return [lesson_case, *_synthetic_unembed_cases()]


def tied_cases(model, tokenizer) -> list[Case]:
    """The lesson model (a deep copy: the student's function gets a model of its own), the five
    kinds of re-drawn models of ``tied_models``, and a tied 6-head, 3-layer model."""
    seeds = tuple(SMALL_SEED + 10 * i for i in range(5))
    models = tied_models(model, seeds, fresh=True)
    models.append((f"random model {ODD_SEED}, tied (6 heads)", synthetic_gpt2(ODD_SEED, **ODD)))
    return [Case(f"tied({label})", (on,)) for label, on in models]


PARTS = {
    "test_unembed": Part(answers=("unembed",), calls="unembed", cases=unembed_cases),
    "test_tied": Part(answers=("tied",), calls="tied", cases=tied_cases),
}
