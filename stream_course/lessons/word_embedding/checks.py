"""Lesson 01 checks, student side: the visible self-checks and the inputs of the hidden tests.

The visible checks verify an answer against the model's own table without producing one: a
neighbour list is checked by the similarities of the ids it names (sorted, and none left out
more similar), never by searching the table for the expected ids, and no message names them.
The hidden tests' verdicts come from the grader's answer key (source/01_word_embedding/).
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    as_ids,
    call,
    fail,
    passed,
    require,
    unchanged,
    visible_check,
)

CATEGORIES = ("synonym", "related", "morphological", "noise")
QUERY_WORD = "computer"
# Similarities closer than this count as a tie: either order or either token is right.
SIMILARITY_TOLERANCE = 1e-4
SINGLE_TOKEN_CANDIDATES = ("cat", "dog", "king", "computer", "music", "river", "Seoul", "water")
MULTI_TOKEN_CANDIDATES = ("임베딩", "transformerization", "Wittgensteinian", "hyperparameterised")

collect = collector("word_embedding")


def input_embedding(model) -> torch.Tensor:
    return model.get_input_embeddings().weight


def query_id(tokenizer) -> int:
    (found,) = tokenizer.encode(" " + QUERY_WORD)
    return found


# --- 1. wte ----------------------------------------------------------------------------------


def check_wte_shape(shape: tuple, expected: tuple) -> None:
    require(
        shape != expected[::-1],
        f"wte has shape {shape}: transposed. Rows must be tokens: (vocab_size, d_model) = {expected}",
        f"wte의 shape {shape}은 전치(transpose)되어 있습니다. 행이 token이어야 합니다: {expected}",
    )
    require(
        shape == expected,
        f"wte has shape {shape}, expected (vocab_size, d_model) = {expected}. "
        "Is it the positional table (wpe) or another layer?",
        f"wte의 shape이 {shape}입니다. 기대값은 {expected}입니다. "
        "positional embedding(wpe)이나 다른 층을 가져오지 않았나요?",
    )


@visible_check
def check_wte(wte, model) -> None:
    """Shape first: a (vocab_size x d_model) tensor."""
    require(
        isinstance(wte, torch.Tensor),
        f"wte should be a torch.Tensor, got {type(wte).__name__}. "
        "Take the weight, not the nn.Embedding module: model.transformer.wte.weight",
        f"wte는 torch.Tensor여야 하는데 {type(wte).__name__}입니다. "
        "nn.Embedding 모듈이 아니라 weight를 가져오세요: model.transformer.wte.weight",
    )
    check_wte_shape(tuple(wte.shape), tuple(input_embedding(model).shape))
    passed(f"wte shape {tuple(wte.shape)}")


# --- 2. token_id -----------------------------------------------------------------------------


def single_token_words(tokenizer) -> list[str]:
    words = [w for w in SINGLE_TOKEN_CANDIDATES if len(tokenizer.encode(" " + w)) == 1]
    assert len(words) >= 4, "grader: too few single-token words for this tokenizer"
    return words


def multi_token_words(tokenizer) -> list[str]:
    words = [w for w in MULTI_TOKEN_CANDIDATES if len(tokenizer.encode(" " + w)) > 1]
    assert len(words) >= 2, "grader: too few multi-token words for this tokenizer"
    return words


def verify_token_id(got, tokenizer, word: str) -> None:
    """``got`` is what token_id(word) returned."""
    (expected,) = tokenizer.encode(" " + word)
    require(
        isinstance(got, numbers.Integral) and not isinstance(got, bool),
        f"token_id({word!r}) should return an int, got {type(got).__name__} {got!r}",
        f"token_id({word!r})는 int를 돌려줘야 하는데 {type(got).__name__} {got!r}를 돌려줬습니다",
    )
    no_space = tokenizer.encode(word)
    require(
        not (len(no_space) == 1 and got == no_space[0] != expected),
        f"token_id({word!r}) = {got}: that is {word!r} at the start of a text. Mid-sentence the "
        f"word has a leading space: tokenizer.encode(' {word}') gives {expected}.",
        f"token_id({word!r}) = {got}은 문장 맨 앞의 {word!r}입니다. 문장 중간의 단어는 앞에 공백이 "
        f"붙습니다: tokenizer.encode(' {word}')는 {expected}입니다.",
    )
    require(
        got == expected,
        f"token_id({word!r}) = {got}, expected {expected} (= tokenizer.encode(' {word}'))",
        f"token_id({word!r}) = {got}, 기대값은 {expected}입니다 (= tokenizer.encode(' {word}'))",
    )


@visible_check
def check_token_id(token_id, tokenizer) -> None:
    verify_token_id(call(token_id, "cat", name="token_id"), tokenizer, "cat")
    passed("token_id('cat')")


def token_id_cases(model, tokenizer) -> list[Case]:
    words = single_token_words(tokenizer) + multi_token_words(tokenizer)
    return [Case(f"token_id({w!r})", (w,)) for w in words]


# --- 3. cosine_neighbors ---------------------------------------------------------------------


def other_metric(ids: list[int], weight: torch.Tensor, query: int, k: int) -> str | None:
    """Which wrong metric ("dot", "euclidean") ranks exactly these ids first, if any."""
    rows = weight.detach().float()
    dot = rows @ rows[query]
    dot[query] = -torch.inf
    if ids == dot.topk(k).indices.tolist():
        return "dot"
    distance = (rows - rows[query]).norm(dim=1)
    distance[query] = torch.inf
    if ids == distance.topk(k, largest=False).indices.tolist():
        return "euclidean"
    return None


METRIC_HINTS = {
    "dot": (
        "These are dot-product neighbours: long rows win. Divide by the norms (cosine).",
        "내적(dot product) 이웃입니다. norm이 큰 행이 이깁니다. norm으로 나누세요(cosine).",
    ),
    "euclidean": (
        "These are euclidean-distance neighbours. The exercise asks for cosine similarity.",
        "유클리드 거리 이웃입니다. 이 문제는 cosine similarity를 묻습니다.",
    ),
    None: (
        "These are not the rows with the highest cosine similarity.",
        "cosine similarity가 가장 높은 행들이 아닙니다.",
    ),
}


def verify_neighbors(result, weight: torch.Tensor, query: int, k: int, name: str, unit=None):
    """``result`` must be the k rows most cosine-similar to ``query``, most similar first, the
    query left out. Checked through the similarities of the ids it names (``unit``: the rows
    normalised, if the caller keeps them); the expected ids are never computed or shown."""
    ids = as_ids(result, name)
    rows = len(weight)
    require(
        not (len(ids) == k + 1 and query in ids),
        f"{name} has {k + 1} ids including the query {query} itself. Did you exclude the query? "
        "Its similarity with itself is always 1.",
        f"{name}에 질의 token {query} 자신이 들어 있어 {k + 1}개입니다. 질의를 제외했나요? "
        "자기 자신과의 유사도는 항상 1입니다.",
    )
    require(
        len(ids) == k,
        f"{name} has {len(ids)} ids, expected k = {k}. Do you use the k argument?",
        f"{name}에 id가 {len(ids)}개 있습니다. k = {k}개여야 합니다. 인자 k를 쓰고 있나요?",
    )
    require(
        query not in ids,
        f"{name} contains the query {query} itself. Did you exclude the query?",
        f"{name}에 질의 token {query} 자신이 들어 있습니다. 질의를 제외했나요?",
    )
    require(
        len(set(ids)) == k, f"{name} repeats ids: {ids}", f"{name}에 같은 id가 반복됩니다: {ids}"
    )
    require(
        all(0 <= i < rows for i in ids),
        f"{name} has ids outside 0..{rows - 1}: {ids}",
        f"{name}에 0..{rows - 1} 범위 밖의 id가 있습니다: {ids}",
    )
    unit = F.normalize(weight.detach().float(), dim=1) if unit is None else unit
    similarities = unit @ unit[query]
    got = similarities[ids]
    steps = got[1:] - got[:-1]
    if k > 1 and bool((steps > SIMILARITY_TOLERANCE).all()):
        fail(
            f"{name} is in ascending order. Put the most similar first.",
            f"{name}가 오름차순입니다. 가장 비슷한 것을 맨 앞에 두세요.",
        )
    left_out = similarities.clone()
    left_out[[query, *ids]] = -torch.inf
    best_left_out = left_out.max().item()
    sorted_ok = bool((steps <= SIMILARITY_TOLERANCE).all())
    if sorted_ok and got.min().item() >= best_left_out - SIMILARITY_TOLERANCE:
        return
    english, korean = METRIC_HINTS[other_metric(ids, weight, query, k)]
    require(
        sorted_ok,
        # the hint first: nbgrader validate shows only each line's first 90 characters
        f"{english} ({name} is not sorted from most to least similar.)",
        f"{korean} ({name}가 유사도 내림차순이 아닙니다.)",
    )
    fail(
        f"{name}: {english} Your lowest cosine similarity is {got.min().item():.4f}, but a row "
        f"you left out has {best_left_out:.4f}.",
        f"{name}: {korean} 고른 행의 최저 cosine similarity는 {got.min().item():.4f}인데, "
        f"빠진 행 중에 {best_left_out:.4f}인 것이 있습니다.",
    )


@visible_check
def check_cosine_neighbors(cosine_neighbors, model, tokenizer) -> None:
    weight, query = input_embedding(model).detach(), query_id(tokenizer)
    result = unchanged(cosine_neighbors, weight, query, 10, name="cosine_neighbors")
    verify_neighbors(result, weight, query, 10, f"cosine_neighbors(wte, {query})")
    passed(f"cosine_neighbors(wte, {query}) for ' {QUERY_WORD}'")


def cosine_neighbors_cases(model, tokenizer) -> list[Case]:
    """The visible query, three words and two random rows, k from 1 to 25; the table passed as
    a plain tensor and as a Parameter that requires grad (a ``.numpy()`` answer must cope)."""
    weight = input_embedding(model).detach()
    generator = torch.Generator().manual_seed(1)
    random_ids = torch.randint(0, len(weight), (2,), generator=generator).tolist()
    word_ids = [tokenizer.encode(" " + w)[0] for w in single_token_words(tokenizer)[:3]]
    queries = [(query_id(tokenizer), 10)] + list(
        zip(word_ids + random_ids, (10, 1, 5, 25, 3), strict=True)
    )
    return [
        Case(
            f"cosine_neighbors(wte, {query}, k={k})",
            (torch.nn.Parameter(weight) if n % 2 else weight, query, k),
        )
        for n, (query, k) in enumerate(queries)
    ]


def synthetic_table(seed: int, rows: int = 200, dim: int = 16) -> torch.Tensor:
    """Random rows with widely spread norms, so cosine, dot product and distance disagree."""
    generator = torch.Generator().manual_seed(seed)
    directions = torch.randn(rows, dim, generator=generator)
    norms = torch.exp(1.5 * torch.randn(rows, 1, generator=generator))
    return directions * norms


def cosine_metric_cases(model, tokenizer) -> list[Case]:
    """Small tables where cosine, dot-product and euclidean neighbours differ."""
    return [
        Case(
            f"cosine_neighbors(synthetic table {seed}, {query}, k=5)",
            (synthetic_table(seed), query, 5),
        )
        for seed in (11, 12, 13)
        for query in (0, 7, 42)
    ]


# --- 4. neighbors ----------------------------------------------------------------------------


@visible_check
def check_neighbors(neighbors, model, tokenizer) -> None:
    query = query_id(tokenizer)
    verify_neighbors(neighbors, input_embedding(model).detach(), query, 10, "neighbors")
    passed(f"neighbors of ' {QUERY_WORD}'")


# --- 5. categories ---------------------------------------------------------------------------


def keys_name_tokens(categories: dict, ids: list[int], tokenizer) -> bool:
    """Keys are exactly the decoded tokens, or the same without their spaces when that is
    still unambiguous (" pc" and "pc" are two tokens, so they must keep their spaces)."""
    decoded = [tokenizer.decode([i]) for i in ids]
    if len(categories) != len(decoded):
        return False
    if set(categories) == set(decoded):
        return True
    stripped = {token.strip() for token in decoded}
    keys = {str(key).strip() for key in categories}
    return len(stripped) == len(decoded) and keys == stripped


def verify_categories(categories, token_lists: list[list[int]], tokenizer) -> None:
    """Form only: one allowed label for each token of one of ``token_lists``."""
    require(
        isinstance(categories, dict),
        f"categories should be a dict token -> category, got {type(categories).__name__}",
        f"categories는 token -> 범주의 dict여야 하는데 {type(categories).__name__}입니다",
    )
    bad = {token: label for token, label in categories.items() if label not in CATEGORIES}
    require(
        not bad,
        f"Use only these labels {CATEGORIES}; found {bad}",
        f"다음 범주만 쓰세요 {CATEGORIES}. 잘못된 값: {bad}",
    )
    require(
        any(keys_name_tokens(categories, ids, tokenizer) for ids in token_lists),
        "categories needs exactly one entry per neighbour, keyed by the decoded token "
        f"(tokenizer.decode([i])). Your neighbours: "
        f"{[tokenizer.decode([i]) for i in token_lists[-1]] if token_lists else []}; "
        f"your keys: {sorted(map(str, categories))}",
        "categories에는 이웃 token마다 항목이 하나씩, 디코딩한 token(tokenizer.decode([i]))을 "
        "key로 있어야 합니다.",
    )


@visible_check
def check_categories(categories, neighbors, model, tokenizer) -> None:
    try:
        token_lists = [as_ids(neighbors, "neighbors")]
    except AssertionError:
        token_lists = []  # a broken `neighbors` is graded in its own part
    verify_categories(categories, token_lists, tokenizer)
    passed("categories")


PARTS = {
    "test_wte": Part(answers=("wte",)),
    "test_token_id": Part(answers=("token_id",), calls="token_id", cases=token_id_cases),
    "test_cosine_neighbors": Part(
        answers=("cosine_neighbors",), calls="cosine_neighbors", cases=cosine_neighbors_cases
    ),
    "test_cosine_metric": Part(
        answers=("cosine_neighbors",), calls="cosine_neighbors", cases=cosine_metric_cases
    ),
    "test_neighbors": Part(answers=("neighbors",)),
    "test_categories": Part(answers=("categories", "neighbors")),
}
