"""Lesson 02 checks, student side: the visible self-checks and the inputs of the hidden tests.

The visible checks hold no reference formula. ``wpe`` is checked through a few of its rows read
back from transformers' own forward pass, and ``embed`` against ``hidden_states[0]`` of a forward
pass (with a cache for ``past_len > 0``), on the lesson model and on a small random model whose
tables differ from the lesson model's. Their messages name a mistake or a deviation, never an
expected value. The hidden tests' verdicts come from the grader's answer key
(source/02_positions/).
"""

from __future__ import annotations

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Opaque, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    as_tensor,
    compare,
    describe,
    fail,
    passed,
    require,
    unchanged,
    visible_check,
)
from stream_course.synthetic import ODD, SMALL, synthetic_gpt2, token_ids

# embed adds two rows per token; exact in every right style (LESSON_TRACK, lesson 02).
TOLERANCE = 1e-5
# embed computes from the tables it is given: no GPT-2 module or model class may do it.
EMBED_BY_HAND = forbidden.GPT2_MODULES
# The visible checks' text: the same words in two orders (rows differ only by position).
SENTENCE = "The dog chased the cat across the garden"
SPLIT = 5  # tokens of SENTENCE already in the cache in the visible offset check
SMALL_SEED, ODD_SEED = 201, 202  # the hidden tests' random models (synthetic.py)
VISIBLE_SEED = 203  # the visible checks' random model

collect = collector("positions")

# Known mistakes, one message each; the visible checks and the answer key both use them.
MISTAKES = {
    "ignores_past": (
        "positions start at 0, but past_len tokens came before these: use the rows "
        "past_len ... past_len + T - 1 of wpe.",
        "위치가 0부터 시작합니다. 이 token들 앞에 이미 past_len개가 있으니 wpe의 "
        "past_len ... past_len + T - 1 행을 쓰세요.",
    ),
    "from_end": (
        "these are the last T rows of wpe. The token at index t sits at position past_len + t, "
        "counted from the start of the table.",
        "wpe의 마지막 T개 행입니다. t번째 token의 위치는 table의 맨 앞에서부터 센 past_len + t입니다.",
    ),
    "from_one": (
        "every position is one too far: the first token is at position past_len (0 without a "
        "cache), not past_len + 1.",
        "위치가 모두 하나씩 밀렸습니다. 첫 token의 위치는 past_len + 1이 아니라 past_len"
        "(cache가 없으면 0)입니다.",
    ),
    "wte_only": (
        "only the token rows: add the position rows from wpe as well.",
        "token 행만 있습니다. wpe의 위치 행도 더하세요.",
    ),
    "wpe_only": (
        "only the position rows: add the token rows wte[ids] as well.",
        "위치 행만 있습니다. token 행 wte[ids]도 더하세요.",
    ),
    "wpe_by_ids": (
        "wpe was indexed with the token ids. wpe has one row per position (n_positions rows), "
        "not one per token: index it with positions 0, 1, 2, ... (shifted by past_len).",
        "wpe를 token id로 인덱싱했습니다. wpe에는 token마다가 아니라 위치마다 행이 하나씩"
        "(n_positions개) 있습니다. 0, 1, 2, ...(past_len만큼 이동한) 위치로 인덱싱하세요.",
    ),
    "index_error": (
        "an index ran past the end of a table. Indexing wpe with the token ids does that: wpe "
        "has one row per position (n_positions rows), not one per token, so index it with the "
        "positions past_len, past_len + 1, ... (Or do your positions run one too far?)",
        "인덱스가 table의 끝을 넘었습니다. wpe를 token id로 인덱싱하면 이렇게 됩니다. wpe에는 "
        "token마다가 아니라 위치마다 행이 하나씩(n_positions개) 있으니 위치 past_len, "
        "past_len + 1, ...로 인덱싱하세요. (아니면 위치가 하나씩 밀리지 않았나요?)",
    ),
    "broadcast": (
        "wte[ids] is (B, T, d); the position rows added to it must be (T, d), one per position. "
        "Is T taken from ids.shape[1]? len(ids) is the batch size B.",
        "wte[ids]는 (B, T, d)입니다. 여기에 더하는 위치 행은 위치마다 하나씩, (T, d)여야 합니다. "
        "T를 ids.shape[1]에서 가져왔나요? len(ids)는 batch 크기 B입니다.",
    ),
    "batch_as_length": (
        "every position got the same position row: len(ids) is the batch size B. The sequence "
        "length T is ids.shape[1] (or ids.shape[-1]).",
        "모든 위치에 같은 위치 행이 더해졌습니다. len(ids)는 batch 크기 B입니다. sequence 길이 T는 "
        "ids.shape[1](또는 ids.shape[-1])입니다.",
    ),
}


def hint(key: str, wrong) -> Hint:
    return Hint(*MISTAKES[key], wrong)


def _first_hidden(model, **forward) -> torch.Tensor:
    """hidden_states[0] of transformers' own forward pass (no logits needed), in eval mode: a
    model left in training mode would add dropout to it."""
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.transformer(**forward, output_hidden_states=True).hidden_states[0]
    finally:
        model.train(training)


# --- 1. wpe ----------------------------------------------------------------------------------


def check_wpe_shape(shape: tuple, config) -> None:
    """(n_positions, n_embd), with what a wrong shape most likely is."""
    expected = (config.n_positions, config.n_embd)
    require(
        shape != expected[::-1],
        f"wpe has shape {shape}: transposed. Rows must be positions: (n_positions, d_model) = "
        f"{expected}",
        f"wpe의 shape {shape}은 전치(transpose)되어 있습니다. 행이 위치여야 합니다: {expected}",
    )
    require(
        shape != (config.vocab_size, config.n_embd),
        f"wpe has shape {shape}: one row per token. That is the token table wte; the position "
        "table has one row per position.",
        f"wpe의 shape이 {shape}으로 token마다 행이 하나입니다. 그것은 token table wte입니다. "
        "위치 table은 위치마다 행이 하나입니다.",
    )
    require(
        shape == expected,
        f"wpe has shape {shape}, expected (n_positions, d_model) = {expected}.",
        f"wpe의 shape이 {shape}입니다. 기대값은 (n_positions, d_model) = {expected}입니다.",
    )


def check_wpe_type(wpe) -> None:
    """A tensor; a module or an array says what it is instead."""
    kind = wpe.name if isinstance(wpe, Opaque) else describe(wpe)  # Opaque: as the grader got it
    require(
        isinstance(wpe, torch.Tensor),
        f"wpe should be a torch.Tensor, got {kind}. Take the weight of the module, "
        "not the nn.Embedding module itself.",
        f"wpe는 torch.Tensor여야 하는데 {kind}입니다. nn.Embedding 모듈이 아니라 "
        "그 weight를 가져오세요.",
    )


@visible_check
def check_wpe(wpe, model) -> None:
    """Type and shape, then a few rows (the first, the last, some between) against the rows
    transformers' forward pass adds to all-zero token vectors at those positions. It reads rows
    back to compare them; it returns nothing and its messages show no values."""
    check_wpe_type(wpe)
    config = model.config
    check_wpe_shape(tuple(wpe.shape), config)
    last = config.n_positions - 1
    positions = torch.tensor([0, 1, 2, 3, last // 3, last // 2, last - 1, last])
    zeros = torch.zeros(1, len(positions), config.n_embd)
    rows = _first_hidden(model, inputs_embeds=zeros, position_ids=positions[None])[0]
    compare(
        as_tensor(wpe, "wpe")[positions],
        rows,
        f"wpe rows {positions.tolist()}",
        atol=TOLERANCE,
        rtol=TOLERANCE,
        dtype=rows.dtype,
    )
    passed(f"wpe shape {tuple(wpe.shape)} and rows")


# --- 2. embed --------------------------------------------------------------------------------


def check_embed_shape(got, expected_shape: tuple, name: str) -> None:
    """Two shape mistakes worth naming before the toolkit's general shape message."""
    got = as_tensor(got, name)
    shape = tuple(got.shape)
    if shape == expected_shape:
        return
    require(
        shape != (*expected_shape[:-1], 2 * expected_shape[-1]),
        f"{name} has shape {shape}, twice the width d = {expected_shape[-1]}: concatenated? "
        "GPT-2 adds the token row and the position row (both d wide).",
        f"{name}의 shape이 {shape}으로 폭이 d = {expected_shape[-1]}의 두 배입니다. 이어 붙였나요"
        "(concatenate)? GPT-2는 token 행과 위치 행(둘 다 폭 d)을 더합니다.",
    )
    require(
        shape != expected_shape[1:],
        f"{name} has shape {shape}: the batch dimension is missing. ids is (B, T), the result "
        f"(B, T, d) = {expected_shape}. Did you take ids[0] or squeeze?",
        f"{name}의 shape이 {shape}으로 batch 차원이 없습니다. ids는 (B, T), 결과는 (B, T, d) = "
        f"{expected_shape}입니다. ids[0]을 쓰거나 squeeze하지 않았나요?",
    )


def explain_error(name: str, kind: str, message: str) -> None:
    """Name the likely mistake behind an exception embed raised, if it is a known one."""
    if kind == "IndexError":
        english, korean = MISTAKES["index_error"]
    elif kind == "RuntimeError" and "must match the size" in message:
        english, korean = MISTAKES["broadcast"]
    else:
        return
    fail(f"{name} raised {kind}: {english}", f"{name}에서 {kind} 발생: {korean}")


def _call_embed(embed, args: tuple, kwargs: dict, name: str):
    try:
        return unchanged(embed, *args, name=name, **kwargs)
    except CheckFailure as failure:
        for kind in ("IndexError", "RuntimeError"):
            if f"raised {kind}" in str(failure):
                explain_error(name, kind, str(failure))
        raise


def _embed_against(embed, model, ids, name: str, past: int = 0, prefix=None) -> None:
    """Call ``embed`` with ``model``'s tables; the reference is transformers' forward pass (with a
    cache built from ``prefix`` when ``past > 0``); hints are forward passes at wrong positions."""
    wte = model.get_input_embeddings().weight.detach()
    table = model.transformer.wpe.weight.detach()
    kwargs = {"past_len": past} if past else {}
    got = _call_embed(embed, (wte, table, ids), kwargs, name)
    if prefix is None:
        expected = _first_hidden(model, input_ids=ids)
    else:
        with torch.no_grad():
            cache = model.transformer(prefix, use_cache=True).cache
        expected = _first_hidden(model, input_ids=ids, cache=cache)
    length, rows = ids.shape[1], table.shape[0]

    def at(start: int):
        return lambda: _first_hidden(
            model, input_ids=ids, position_ids=torch.arange(start, start + length)[None]
        )

    hints = [
        hint("wte_only", lambda: model.get_input_embeddings()(ids)),
        hint("from_end", at(rows - length)),
        hint("from_one", at(past + 1)),
    ]
    if past:
        hints.insert(0, hint("ignores_past", at(0)))
    check_embed_shape(got, tuple(expected.shape), name)
    compare(
        got,
        expected,
        name,
        atol=TOLERANCE,
        rtol=TOLERANCE,
        hints=hints,
        dtype=wte.dtype,
    )


def _two_orders(tokenizer) -> torch.Tensor:
    """SENTENCE's ids, and the same ids reversed: (2, T)."""
    ids = torch.tensor(tokenizer.encode(SENTENCE))
    return torch.stack([ids, ids.flip(0)])


@visible_check
def check_embed_no_past(embed, model, tokenizer) -> None:
    """``embed(wte, wpe, ids)`` (past_len left at its default) against ``hidden_states[0]`` of
    transformers' forward pass, on the lesson model and on a small random model (its tables are
    not the lesson model's: embed must use its arguments). It cannot give the answer away: the
    reference is the model's own output for these inputs, and no message shows values."""
    forbidden.check_written_by_hand(embed, EMBED_BY_HAND, "embed")
    ids = _two_orders(tokenizer)
    _embed_against(embed, model, ids, f"embed(wte, wpe, ids {tuple(ids.shape)})")
    small = synthetic_gpt2(VISIBLE_SEED)
    random_ids = token_ids(VISIBLE_SEED, 2, 8, small.config.vocab_size)
    _embed_against(
        embed,
        small,
        random_ids,
        f"embed on a small random model (d = {small.config.n_embd}; uses only its arguments?)",
    )
    passed("embed(wte, wpe, ids)")


@visible_check
def check_embed_with_past(embed, model, tokenizer) -> None:
    """``embed(..., past_len=P)`` against ``hidden_states[0]`` of a forward pass whose cache
    already holds P tokens, on the lesson model and, for the very last position, on a small
    random model. As in check_embed_no_past, the reference is transformers' own output for these
    inputs, and no message shows values."""
    forbidden.check_written_by_hand(embed, EMBED_BY_HAND, "embed")
    ids = _two_orders(tokenizer)
    prefix, rest = ids[:, :SPLIT], ids[:, SPLIT:]
    _embed_against(
        embed,
        model,
        rest,
        f"embed(wte, wpe, ids {tuple(rest.shape)}, past_len={SPLIT})",
        past=SPLIT,
        prefix=prefix,
    )
    small = synthetic_gpt2(VISIBLE_SEED)
    last = small.config.n_positions - 1
    prefix = token_ids(VISIBLE_SEED + 1, 1, last, small.config.vocab_size)
    one = token_ids(VISIBLE_SEED + 2, 1, 1, small.config.vocab_size)
    _embed_against(
        embed,
        small,
        one,
        f"embed on a small random model, the last position (past_len={last})",
        past=last,
        prefix=prefix,
    )
    passed(f"embed(wte, wpe, ids, past_len={SPLIT})")


def check_embed(embed, model, tokenizer) -> None:
    """Both visible checks of embed (the lesson's last cell runs this one)."""
    check_embed_no_past(embed, model, tokenizer)
    check_embed_with_past(embed, model, tokenizer)


# --- hidden tests' inputs --------------------------------------------------------------------


def embed_case(label: str, model, ids, past_len: int | None = None, prefix=None) -> Case:
    """One call ``embed(wte, wpe, ids[, past_len=...])`` with ``model``'s tables. ``context``
    tells the answer key which model's forward pass is the reference and, for a cache, which
    tokens came before (without ``prefix`` a ``past_len > 0`` is given as position ids)."""
    wte = model.get_input_embeddings().weight.detach()
    table = model.transformer.wpe.weight.detach()
    kwargs = {} if past_len is None else {"past_len": past_len}
    shape = f"ids {tuple(ids.shape)}" + ("" if past_len is None else f", past_len={past_len}")
    return Case(
        f"embed({shape}) on {label}",
        (wte, table, ids),
        kwargs,
        context={"model": model, "prefix": prefix},
    )


def _reaches_past_the_table(cases: list[Case]) -> bool:
    """Some ids are >= n_positions, so indexing wpe with token ids fails (LESSON_TRACK)."""
    return any(bool((case.args[2] >= case.args[1].shape[0]).any()) for case in cases)


def embed_cases(model, tokenizer) -> list[Case]:
    """past_len 0 (given or left at its default): the lesson model, a model of GPT-2's small
    test shape and one whose n_head and n_layer are not 12; one row fills the whole context."""
    small, odd = synthetic_gpt2(SMALL_SEED), synthetic_gpt2(ODD_SEED, **ODD)
    vocab, small_vocab, odd_vocab = model.config.vocab_size, SMALL["vocab_size"], ODD["vocab_size"]
    sentence = torch.tensor([tokenizer.encode(SENTENCE)])
    cases = [
        embed_case("the lesson model", model, token_ids(2001, 2, 8, vocab)),
        embed_case("the lesson model", model, sentence, past_len=0),
        embed_case(f"random model {SMALL_SEED}", small, token_ids(2002, 2, 8, small_vocab)),
        embed_case(
            f"random model {ODD_SEED} (6 heads, 3 layers)",
            odd,
            token_ids(2003, 3, 5, odd_vocab),
            past_len=0,
        ),
        embed_case(
            f"random model {SMALL_SEED}, the whole context",
            small,
            token_ids(2004, 1, SMALL["n_positions"], small_vocab),
        ),
    ]
    assert _reaches_past_the_table(cases), "grader: no token id beyond n_positions"
    return cases


def embed_offset_cases(model, tokenizer) -> list[Case]:
    """past_len > 0: prefixes in a cache (B2 T6 after 5 tokens, ...), the very last position,
    a sequence that ends exactly at the end of the table."""
    small, odd = synthetic_gpt2(SMALL_SEED), synthetic_gpt2(ODD_SEED, **ODD)
    vocab, small_vocab, odd_vocab = model.config.vocab_size, SMALL["vocab_size"], ODD["vocab_size"]
    small_end, odd_end = SMALL["n_positions"], ODD["n_positions"]

    def cached(label, on, seed, batch, length, past, vocab_size):
        prefix = token_ids(seed, batch, past, vocab_size)
        ids = token_ids(seed + 1, batch, length, vocab_size)
        return embed_case(label, on, ids, past_len=past, prefix=prefix)

    return [
        cached("the lesson model", model, 2101, 2, 6, 5, vocab),
        # no 1023-token cache: a forward pass with position ids gives the same rows
        embed_case(
            "the lesson model, the last position",
            model,
            token_ids(2103, 1, 1, vocab),
            past_len=model.config.n_positions - 1,
        ),
        cached(f"random model {SMALL_SEED}", small, 2111, 2, 6, 5, small_vocab),
        cached(
            f"random model {SMALL_SEED}, the last position",
            small,
            2113,
            1,
            1,
            small_end - 1,
            small_vocab,
        ),
        cached(f"random model {ODD_SEED} (6 heads, 3 layers)", odd, 2121, 2, 6, 7, odd_vocab),
        cached(f"random model {ODD_SEED}, up to the end", odd, 2123, 2, 3, odd_end - 3, odd_vocab),
        cached(f"random model {ODD_SEED}, a longer cache", odd, 2125, 1, 10, 20, odd_vocab),
    ]


PARTS = {
    "test_wpe": Part(answers=("wpe",)),
    "test_embed": Part(answers=("embed",), calls="embed", cases=embed_cases),
    "test_embed_offset": Part(answers=("embed",), calls="embed", cases=embed_offset_cases),
}
