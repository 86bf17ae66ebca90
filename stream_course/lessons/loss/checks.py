"""Lesson 11 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes the next-token loss. The visible checks compare the student's
``next_token_loss`` with what transformers itself returns, ``model(ids, labels=labels).loss``
(which shifts the labels inside), on the logits of that same forward pass. When an answer misses,
known mistakes are recognised with transformers' own loss function (``ForCausalLMLoss``) run with
one thing changed: targets not shifted, shifted the wrong way or twice, a sum, a count that
includes the ignored targets, ... The hidden tests' cases below are inputs only (logits and
labels); their references come from the same forward passes and their verdicts from the grader's
answer key (source/11_loss/answer_key.py).
"""

from __future__ import annotations

import functools
import math
import numbers

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
from stream_course.synthetic import ODD, quiet_transformers, synthetic_gpt2, token_ids

# What next_token_loss may not call: transformers' loss functions and GPT-2's model classes.
# F.cross_entropy, F.log_softmax, F.nll_loss and nn.CrossEntropyLoss are allowed (lesson 08 on).
BANNED = (
    "ForCausalLMLoss",
    "fixed_cross_entropy",
    "loss_function",
    "LOSS_MAPPING",
    *forbidden.GPT2_MODULES,
)
ATOL = RTOL = 1e-4  # LESSON_TRACK, lesson 11: every right style stays within 6.6e-5 at loss ≈ 15
IGNORE = -100  # the label that transformers (and F.cross_entropy's default) leaves out
SENTENCE = "The model reads every token and guesses the one that comes next."
PADDED = (  # sentences of different lengths: padded on the right in one batch
    "A short one.",
    "A longer sentence needs more tokens, so the short one is padded.",
)
HIDDEN_SENTENCE = "Each position predicts the token after it, and the loss averages the surprise."
HIDDEN_PADDED = (
    "Padding fills the gaps.",
    "Shorter rows get more padding at their end, and none of it counts.",
    "Only real tokens are targets.",
)
SMALL_SEED, ODD_SEED = 1101, 1102  # the hidden tests' random models (synthetic.py)
VISIBLE_SEED = 1103  # the visible checks' random model

collect = collector("loss")


# --- transformers' own loss, run quietly --------------------------------------------------------


def forward_with_loss(on, ids: torch.Tensor, labels: torch.Tensor, attention_mask=None):
    """``(logits, loss)`` of one forward pass: ``on(ids, attention_mask=..., labels=labels)``,
    transformers shifting the labels inside. Detached copies. The first loss of a process makes
    transformers 5.x log "`loss_type=None` was set in the config but it is unrecognized" (it then
    uses the default ``ForCausalLMLoss``): silenced."""
    with torch.no_grad(), quiet_transformers():
        out = on(ids, attention_mask=attention_mask, labels=labels)
    return out.logits.detach().clone(), out.loss.detach().clone()


def _transformers_loss(logits: torch.Tensor, *, targets: torch.Tensor, total=None):
    """transformers' ``ForCausalLMLoss`` with the targets given as they are (``shift_labels``:
    no shift inside) and, with ``total``, the sum of the losses divided by ``total``."""
    from transformers.loss.loss_utils import ForCausalLMLoss

    return ForCausalLMLoss(
        logits.contiguous(),
        None,
        logits.shape[-1],
        num_items_in_batch=total,
        shift_labels=targets.contiguous(),
    )


def _ignored_column(labels: torch.Tensor, width: int = 1) -> torch.Tensor:
    return torch.full((labels.shape[0], width), IGNORE, dtype=labels.dtype)


def _next(labels: torch.Tensor) -> torch.Tensor:
    """The target of every position, as transformers lines them up: labels moved one to the
    left, the last position (which has no next token) ignored."""
    return torch.cat([labels[:, 1:], _ignored_column(labels)], dim=1)


def _counted(labels: torch.Tensor) -> int:
    return int((labels[:, 1:] != IGNORE).sum())


# --- known mistakes: each computes what the mistake returns, never the answer ----------------

MISTAKES = {
    "not_shifted": (
        "the logits were not shifted against the labels: this scores the logits at position t "
        "against the token at position t itself. The logits at t predict the token at t + 1: "
        "compare logits[:, :-1] with labels[:, 1:].",
        "logits와 label을 한 칸 어긋나게 맞추지 않았습니다. 위치 t의 logits를 위치 t의 token "
        "자신과 비교하고 있습니다. 위치 t의 logits는 t + 1의 token을 예측합니다. "
        "logits[:, :-1]을 labels[:, 1:]과 비교하세요.",
    ),
    "wrong_way": (
        "the shift goes the wrong way: logits[:, 1:] against labels[:, :-1] asks every position "
        "for the token before it. Use logits[:, :-1] with labels[:, 1:].",
        "한 칸 어긋나게 맞춘 방향이 반대입니다. logits[:, 1:]과 labels[:, :-1]을 비교하면 위치마다 "
        "바로 앞의 token을 맞히라는 뜻이 됩니다. logits[:, :-1]과 labels[:, 1:]을 쓰세요.",
    ),
    "shifted_twice": (
        "the labels were shifted twice: each position is scored on the token two steps ahead. "
        "next_token_loss gets the labels unshifted, as model(ids, labels=ids) does (transformers "
        "shifts them inside): shift once, logits[:, :-1] against labels[:, 1:].",
        "label을 두 번 밀었습니다. 위치마다 두 칸 뒤의 token으로 채점하고 있습니다. "
        "next_token_loss는 model(ids, labels=ids)처럼 밀지 않은 label을 받습니다(transformers가 "
        "안에서 밉니다). 한 번만 미세요: logits[:, :-1]과 labels[:, 1:].",
    ),
    "sum": (
        "this is the sum of the token losses, not their mean: divide by the number of targets "
        "that count (F.cross_entropy's reduction='mean' does it).",
        "token 손실의 평균이 아니라 합입니다. 세는 target의 개수로 나누세요"
        "(F.cross_entropy의 reduction='mean'이 그렇게 합니다).",
    ),
    "per_batch_row": (
        "this divides the sum of the token losses by the batch size B. The mean is over the "
        "targets that count: divide by their number, (labels[:, 1:] != -100).sum().",
        "token 손실의 합을 batch 크기 B로 나눴습니다. 평균은 세는 target들에 대해 냅니다. 그 "
        "개수 (labels[:, 1:] != -100).sum()으로 나누세요.",
    ),
    "mean_of_means": (
        "this is a mean of per-sequence means: a row with 2 targets weighs as much as a row with "
        "20. model(ids, labels=labels).loss takes ONE mean over every counted token of the "
        "batch: the sum of their losses divided by the number of targets that are not -100.",
        "sequence마다 평균을 낸 뒤 다시 평균했습니다. target이 2개인 행과 20개인 행이 같은 무게를 "
        "갖게 됩니다. model(ids, labels=labels).loss는 batch 전체에서 세는 token 모두에 대해 평균을 "
        "한 번만 냅니다: 손실의 합을 -100이 아닌 target의 개수로 나눈 값입니다.",
    ),
    "ignored_in_count": (
        "the -100 targets were left out of the sum but counted in the mean: divide by the number "
        "of targets that are not -100, (labels[:, 1:] != -100).sum(), not by B·(T-1).",
        "-100인 target을 합에서는 뺐지만 평균의 분모에는 셌습니다. B·(T-1)이 아니라 -100이 아닌 "
        "target의 개수 (labels[:, 1:] != -100).sum()으로 나누세요.",
    ),
    "ignored_scored": (
        "the -100 targets were scored (as token 0, after a clamp?) instead of ignored. A target "
        "of -100 must count nowhere, neither in the sum nor in the number you divide by: "
        "F.cross_entropy(..., ignore_index=-100), or a mask labels != -100.",
        "-100인 target을 무시하지 않고 채점했습니다(clamp로 token 0이 됐나요?). -100인 target은 "
        "합에도, 나누는 개수에도 들어가면 안 됩니다. F.cross_entropy(..., ignore_index=-100)나 "
        "labels != -100 mask를 쓰세요.",
    ),
    "double_softmax": (
        "the logits went through a softmax before the cross-entropy: F.cross_entropy applies "
        "log_softmax itself, so give it the raw logits.",
        "cross-entropy 전에 logits에 softmax를 한 번 더 적용했습니다. F.cross_entropy는 안에서 "
        "log_softmax를 계산하므로 가공하지 않은 logits를 넘기세요.",
    ),
    "no_log_softmax": (
        "the logits were used as log-probabilities (F.nll_loss on raw logits?): take "
        "log_softmax over the vocabulary first, or use F.cross_entropy.",
        "logits를 그대로 log 확률로 썼습니다(가공하지 않은 logits에 F.nll_loss?). 먼저 어휘 차원에서 "
        "log_softmax를 계산하거나 F.cross_entropy를 쓰세요.",
    ),
    "log2": (
        "this loss is in bits (log base 2). Language-model losses use the natural log (nats): "
        "torch.log, log_softmax and F.cross_entropy all do, with no division by ln 2.",
        "이 손실은 bit 단위(밑이 2인 log)입니다. 언어 모델의 손실은 자연로그(nat)를 씁니다. "
        "torch.log, log_softmax, F.cross_entropy가 모두 자연로그이니 ln 2로 나누지 마세요.",
    ),
    "log10": (
        "this loss uses log base 10. Language-model losses use the natural log (nats).",
        "이 손실은 밑이 10인 log를 썼습니다. 언어 모델의 손실은 자연로그(nat)를 씁니다.",
    ),
    "sign": (
        "the sign is flipped: the loss is the mean of -log p(next token), a positive number.",
        "부호가 반대입니다. 손실은 -log p(다음 token)의 평균이라서 양수입니다.",
    ),
}


def hint(key: str, wrong) -> Hint:
    return Hint(*MISTAKES[key], wrong)


def _known_mistakes() -> list[Hint]:
    """``wrong(logits, labels)`` for each known mistake: transformers' loss with one thing
    changed (built here, inside a function, so that none of them is a name of this module)."""

    def loss(logits, targets, total=None):
        return _transformers_loss(logits, targets=targets, total=total)

    def cat(*columns):
        return torch.cat(columns, dim=1)

    def mean_of_means(logits, labels):
        rows = range(labels.shape[0])
        return torch.stack([loss(logits[i : i + 1], _next(labels[i : i + 1])) for i in rows]).mean()

    def raw_logits_as_log_probs(logits, labels):
        targets = labels[:, 1:]
        keep = targets != IGNORE
        picked = logits[:, :-1].gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return -(picked * keep).sum() / keep.sum()

    def none(labels, width=1):
        return _ignored_column(labels, width)

    return [
        hint("not_shifted", lambda logits, labels: loss(logits, labels)),
        # logits[:, :-1] against labels[:, :-1], then logits[:, 1:] against labels[:, 1:]
        hint("not_shifted", lambda logits, labels: loss(logits, cat(labels[:, :-1], none(labels)))),
        hint("not_shifted", lambda logits, labels: loss(logits, cat(none(labels), labels[:, 1:]))),
        hint("wrong_way", lambda logits, labels: loss(logits, cat(none(labels), labels[:, :-1]))),
        hint(
            "shifted_twice",
            lambda logits, labels: loss(logits, cat(labels[:, 2:], none(labels, 2))),
        ),
        hint("sum", lambda logits, labels: loss(logits, _next(labels), total=1)),
        hint(
            "per_batch_row",
            lambda logits, labels: loss(logits, _next(labels), total=labels.shape[0]),
        ),
        hint("mean_of_means", mean_of_means),
        hint(
            "ignored_in_count",
            lambda logits, labels: loss(logits, _next(labels), total=labels[:, 1:].numel()),
        ),
        hint("ignored_scored", lambda logits, labels: loss(logits, _next(labels.clamp(min=0)))),
        hint("double_softmax", lambda logits, labels: loss(logits.softmax(-1), _next(labels))),
        hint("no_log_softmax", raw_logits_as_log_probs),
        hint("log2", lambda logits, labels: loss(logits, _next(labels)) / math.log(2)),
        hint("log10", lambda logits, labels: loss(logits, _next(labels)) / math.log(10)),
        hint("sign", lambda logits, labels: -loss(logits, _next(labels))),
    ]


HINTS = _known_mistakes()

TIPS = (
    "The usual causes: the logits at position t predict the token at t + 1, so the loss "
    "compares logits[:, :-1] with labels[:, 1:] (once: the labels come in unshifted); "
    "F.cross_entropy wants the raw logits flattened to (N, V) and the targets to (N,), or the "
    "classes in dimension 1, (B, V, T-1); targets of -100 count nowhere; and the result is ONE "
    "mean over every counted token of the batch, a 0-d tensor.",
    "흔한 원인: 위치 t의 logits는 t + 1의 token을 예측하므로 손실은 logits[:, :-1]과 "
    "labels[:, 1:]을 비교합니다(label은 밀리지 않은 채로 들어오니 한 번만 밉니다). "
    "F.cross_entropy에는 가공하지 않은 logits를 (N, V)로, target을 (N,)으로 펴서 주거나, "
    "class를 1번 차원에 둔 (B, V, T-1)로 줍니다. -100인 target은 어디에도 세지 않습니다. 결과는 "
    "batch에서 세는 token 전체에 대한 평균 하나, 0차원 tensor입니다.",
)
IGNORED_RAISES = (
    "These labels hold -100, and -100 is not a token id: indexing or gather with it fails. "
    "Leave those positions out with a mask (labels != -100) and index with a copy where they "
    "are replaced (e.g. labels.clamp(min=0)), or let F.cross_entropy(..., ignore_index=-100) "
    "skip them.",
    "이 label에는 -100이 들어 있는데 -100은 token id가 아니라서 인덱싱이나 gather가 실패합니다. "
    "mask(labels != -100)로 그 위치를 빼고, 그 값을 바꾼 복사본(예: labels.clamp(min=0))으로 "
    "인덱싱하거나, F.cross_entropy(..., ignore_index=-100)가 건너뛰게 하세요.",
)


# --- the one verdict, in the kernel and in the grader ------------------------------------------


def explain_raised(failure: CheckFailure, labels: torch.Tensor) -> CheckFailure:
    """A call that raised on labels holding -100: say why -100 cannot be an index."""
    text = str(failure)
    about_an_index = any(k in text for k in ("-100", "out of bounds", "non-negative"))
    if "raised" in text and about_an_index and bool((labels[:, 1:] == IGNORE).any()):
        return CheckFailure(f"{failure}{say(*IGNORED_RAISES)}")
    return failure


def verify_loss(
    got, expected: torch.Tensor, label: str, logits: torch.Tensor, labels: torch.Tensor
) -> None:
    """``got`` (what next_token_loss returned for ``logits``, ``labels``) against transformers'
    loss ``expected``: a 0-d tensor first, then the value, naming a known mistake on a miss."""
    if isinstance(got, numbers.Real) and not isinstance(got, bool):
        fail(
            f"{label} returned a Python {type(got).__name__} ({got!r}), not a tensor: .item() or "
            "float() at the end? Return the 0-d tensor itself: training calls loss.backward(), "
            "and a Python number has no graph to go back through.",
            f"{label}이(가) tensor가 아니라 Python {type(got).__name__}({got!r})를 돌려줬습니다. "
            "마지막에 .item()이나 float()를 썼나요? 0차원 tensor를 그대로 돌려주세요. 학습할 때 "
            "loss.backward()를 부르는데, Python 숫자에는 거슬러 올라갈 그래프가 없습니다.",
        )
    if isinstance(got, torch.Tensor) and got.dim() > 0:
        batch, length = labels.shape
        if got.numel() > 1:
            fail(
                f"{label} returned a tensor of shape {tuple(got.shape)}: one loss per token or "
                f"per row? The loss is ONE number, the mean over every counted token of the "
                f"batch ({_counted(labels)} targets here, out of {batch}·{length - 1}): a 0-d "
                "tensor, shape ().",
                f"{label}이(가) shape {tuple(got.shape)}인 tensor를 돌려줬습니다. token마다 또는 "
                f"행마다 손실을 하나씩 돌려줬나요? 손실은 batch에서 세는 token 전체(여기서는 "
                f"{batch}·{length - 1}개 중 {_counted(labels)}개)에 대한 평균 하나, shape ()인 0차원 "
                "tensor입니다.",
            )
        fail(
            f"{label} returned a tensor of shape {tuple(got.shape)}: return a 0-d tensor, shape "
            "() (no keepdim, no [None], or .squeeze()).",
            f"{label}이(가) shape {tuple(got.shape)}인 tensor를 돌려줬습니다. shape ()인 0차원 "
            "tensor를 돌려주세요(keepdim이나 [None] 없이, 또는 .squeeze()).",
        )
    try:
        compare(got, expected, label, atol=ATOL, rtol=RTOL, hints=HINTS, inputs=(logits, labels))
    except CheckFailure as failure:
        if "differs from the reference" in str(failure):
            raise CheckFailure(f"{failure}{say(*TIPS)}") from None
        raise


# --- the visible self-checks ------------------------------------------------------------------


def sentence_batch(tokenizer, sentences, *, pad_id: int):
    """``(ids, labels, attention_mask)`` of ``sentences`` padded on the right with ``pad_id`` to
    the longest one; the labels are the ids with -100 at the padding."""
    rows = [tokenizer.encode(s) for s in sentences]
    length = max(len(r) for r in rows)
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros(len(rows), length, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, ids.masked_fill(mask == 0, IGNORE), mask


def ignoring(on, seed: int, length: int, spans) -> tuple:
    """``(ids, labels, attention_mask)`` for random ids of ``on``, one row per entry of
    ``spans``: each lists ``(start, stop)`` ranges of labels set to -100. A range that reaches
    the end of the row is padding: its ids become the model's last token id and the attention
    mask is 0 there; other ranges (an ignored prompt, a token in the middle) stay attended."""
    vocab = on.config.vocab_size
    ids = token_ids(seed, len(spans), length, vocab)
    labels, mask = ids.clone(), torch.ones_like(ids)
    for row, ranges in enumerate(spans):
        for start, stop in ranges:
            labels[row, start:stop] = IGNORE
            if stop >= length:
                mask[row, start:stop] = 0
    return ids.masked_fill(mask == 0, vocab - 1), labels, mask


def _labelled(where: str, logits: torch.Tensor, labels: torch.Tensor) -> str:
    return (
        f"next_token_loss on {where} (logits {tuple(logits.shape)}, labels "
        f"{tuple(labels.shape)}, {_counted(labels)} targets counted)"
    )


def _run_visible(next_token_loss, runs) -> None:
    for where, on, ids, labels, mask in runs:
        logits, expected = forward_with_loss(on, ids, labels, mask)
        label = _labelled(where, logits, labels)
        try:
            got = unchanged(next_token_loss, logits, labels, name=label)
        except CheckFailure as failure:
            raise explain_raised(failure, labels) from None
        verify_loss(got, expected, label, logits, labels)


@visible_check
def check_next_token_loss_on_ids(next_token_loss, model, tokenizer) -> None:
    """labels = ids, as in ``model(ids, labels=ids)``: on the lesson model's logits for one
    sentence, then on a small random model's (logits with a spread of about 3) for two rows of
    random ids. Your result is compared with the ``.loss`` of that same forward pass."""
    forbidden.check_written_by_hand(next_token_loss, BANNED, "next_token_loss")
    ids = torch.tensor([tokenizer.encode(SENTENCE)])
    synthetic = synthetic_gpt2(VISIBLE_SEED)
    random_ids = token_ids(VISIBLE_SEED, 2, 7, synthetic.config.vocab_size)
    _run_visible(
        next_token_loss,
        [
            ("the lesson model, one sentence", model, ids, ids, None),
            ("a random model, 2 rows", synthetic, random_ids, random_ids, None),
        ],
    )
    passed("next_token_loss matches model(ids, labels=ids).loss")


@visible_check
def check_next_token_loss_padding(next_token_loss, model, tokenizer) -> None:
    """Labels with -100, in different numbers per row: two sentences of different lengths padded
    on the right (lesson model), and three random rows, one padded, one with its first labels
    ignored (as a prompt is), one without -100 (small random model)."""
    forbidden.check_written_by_hand(next_token_loss, BANNED, "next_token_loss")
    pad = model.config.eos_token_id
    ids, labels, mask = sentence_batch(tokenizer, PADDED, pad_id=pad)
    synthetic = synthetic_gpt2(VISIBLE_SEED + 1)
    spans = [[(4, 8)], [], [(0, 3)]]  # padding, nothing, an ignored prompt
    _run_visible(
        next_token_loss,
        [
            ("the lesson model, 2 padded sentences", model, ids, labels, mask),
            ("a random model, 3 rows with -100", synthetic, *ignoring(synthetic, 7, 8, spans)),
        ],
    )
    passed("next_token_loss ignores -100 and averages over the counted tokens")


def check_next_token_loss(next_token_loss, model, tokenizer) -> None:
    """Both self-checks (the lesson's last cell runs this one)."""
    check_next_token_loss_on_ids(next_token_loss, model, tokenizer)
    check_next_token_loss_padding(next_token_loss, model, tokenizer)


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def _case(where: str, on, ids, labels, mask=None) -> Case:
    logits, expected = forward_with_loss(on, ids, labels, mask)
    return Case(_labelled(where, logits, labels), (logits, labels), context={"expected": expected})


@functools.cache
def _synthetic_models() -> tuple:
    """The re-drawn models (every parameter, logits with a spread of about 3): a small one and
    one with 6 heads and 3 layers. Built once per process, from seeds only."""
    return synthetic_gpt2(SMALL_SEED), synthetic_gpt2(ODD_SEED, **ODD)


def next_token_loss_cases(model, tokenizer) -> list[Case]:
    """labels = ids: the lesson model (V = 50257) on a sentence (B = 1), the re-drawn models on
    batches, and one sequence of two tokens (a single target)."""
    small, odd = _synthetic_models()
    sentence = torch.tensor([tokenizer.encode(HIDDEN_SENTENCE)])
    small_ids = token_ids(SMALL_SEED, 3, 8, small.config.vocab_size)
    odd_ids = token_ids(ODD_SEED, 2, 9, odd.config.vocab_size)
    long_ids = token_ids(SMALL_SEED + 1, 1, 20, small.config.vocab_size)
    pair = token_ids(ODD_SEED + 1, 1, 2, odd.config.vocab_size)
    return [
        _case("the lesson model, one sentence", model, sentence, sentence),
        _case(f"random model {SMALL_SEED}, 3 rows", small, small_ids, small_ids),
        _case(f"random model {ODD_SEED} (6 heads, 3 layers), 2 rows", odd, odd_ids, odd_ids),
        _case(f"random model {SMALL_SEED}, one row of 20", small, long_ids, long_ids),
        _case(f"random model {ODD_SEED}, 2 tokens", odd, pair, pair),
    ]


def padding_cases(model, tokenizer) -> list[Case]:
    """Labels with UNEQUAL numbers of -100 per row (the only inputs where a token-level mean,
    a mean of per-sequence means and a count that includes the ignored targets differ): three
    sentences padded on the right (lesson model), and random rows with padding, ignored
    prompts, a -100 in the middle, and a row with a single counted target (re-drawn models)."""
    small, odd = _synthetic_models()
    ids, labels, mask = sentence_batch(tokenizer, HIDDEN_PADDED, pad_id=model.config.eos_token_id)
    small_spans = [[], [(7, 10)], [(4, 10)]]  # 9, 6 and 3 targets
    odd_spans = [[(0, 4)], [(4, 9)], [], [(0, 2), (6, 9)]]  # prompts and padding
    single_spans = [[(5, 7)], [(0, 6)]]  # row 1: only its last label counts
    middle_spans = [[(3, 4)], [(2, 3), (5, 8)]]  # -100 inside a row
    where_small, where_odd = f"random model {SMALL_SEED}", f"random model {ODD_SEED}"
    return [
        _case("the lesson model, 3 padded sentences", model, ids, labels, mask),
        _case(f"{where_small}, right padding", small, *ignoring(small, 11, 10, small_spans)),
        _case(f"{where_odd}, prompts and padding", odd, *ignoring(odd, 12, 9, odd_spans)),
        _case(f"{where_odd}, one row with 1 target", odd, *ignoring(odd, 13, 7, single_spans)),
        _case(f"{where_small}, -100 in the middle", small, *ignoring(small, 14, 8, middle_spans)),
    ]


PARTS = {
    "test_next_token_loss": Part(
        answers=("next_token_loss",), calls="next_token_loss", cases=next_token_loss_cases
    ),
    "test_next_token_loss_padding": Part(
        answers=("next_token_loss",), calls="next_token_loss", cases=padding_cases
    ),
}
