"""Checks for Lesson 01, "Word embedding".

``check_*`` run in the students' visible self-check cells; ``grade_*`` run in the hidden test cells.
Every reference is computed here, from the model and tokenizer of the same run, never typed in.
Each failure says in Korean and English what probably went wrong.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from stream_course.checks.verdicts import ANSWERS_MIME, fingerprint, record, replay_answers
from stream_course.neighbors import NeighborIndex

CATEGORIES = ("synonym", "related", "morphological", "noise")
QUERY_WORD = "computer"
# Similarities closer than this count as a tie: the grader accepts either order or either token.
SIMILARITY_TOLERANCE = 1e-4
SINGLE_TOKEN_CANDIDATES = ("cat", "dog", "king", "computer", "music", "river", "Seoul", "water")
MULTI_TOKEN_CANDIDATES = ("임베딩", "transformerization", "Wittgensteinian", "hyperparameterised")


def _say(english: str, korean: str) -> str:
    return f"\n  EN: {english}\n  KO: {korean}"


def _passed(what: str) -> None:
    print(f"✓ {what}: passed / 통과")


def _require(condition: bool, english: str, korean: str) -> None:
    if not condition:
        raise AssertionError(_say(english, korean))


def _call(function, *args, name: str):
    try:
        return function(*args)
    except Exception as error:  # the student's exception becomes a message that teaches
        raise AssertionError(
            _say(
                f"{name}{args[1:] if len(args) > 1 else args} raised {type(error).__name__}: {error}",
                f"{name} 호출 중 {type(error).__name__} 예외가 발생했습니다: {error}",
            )
        ) from error


def input_embedding(model) -> torch.Tensor:
    return model.get_input_embeddings().weight


_indexes: dict[str, NeighborIndex] = {}


def reference_index(weight: torch.Tensor) -> NeighborIndex:
    """The reference search over ``weight``, built once per table: a notebook's checks ask for the
    same table's index about ten times. Keyed by the table's fingerprint, so a table changed in
    place gets a new index."""
    key = fingerprint(weight)
    index = _indexes.pop(key, None) or NeighborIndex(weight)
    _indexes[key] = index  # most recently used last
    if len(_indexes) > 4:  # the model's table and the three small synthetic ones
        _indexes.pop(next(iter(_indexes)))
    return index


# --- 1. wte ----------------------------------------------------------------------------------


def check_wte(wte, model) -> None:
    """Shape first: a (vocab_size x d_model) tensor."""
    expected = tuple(input_embedding(model).shape)
    _require(
        isinstance(wte, torch.Tensor),
        f"wte should be a torch.Tensor, got {type(wte).__name__}. "
        "Take the weight, not the nn.Embedding module: model.transformer.wte.weight",
        f"wte는 torch.Tensor여야 하는데 {type(wte).__name__}입니다. "
        "nn.Embedding 모듈이 아니라 weight를 가져오세요: model.transformer.wte.weight",
    )
    shape = tuple(wte.shape)
    _require(
        shape != expected[::-1],
        f"wte has shape {shape}: transposed. Rows must be tokens: (vocab_size, d_model) = {expected}",
        f"wte의 shape {shape}은 전치(transpose)되어 있습니다. 행이 token이어야 합니다: {expected}",
    )
    _require(
        shape == expected,
        f"wte has shape {shape}, expected (vocab_size, d_model) = {expected}. "
        "Is it the positional table (wpe) or another layer?",
        f"wte의 shape이 {shape}입니다. 기대값은 {expected}입니다. "
        "positional embedding(wpe)이나 다른 층을 가져오지 않았나요?",
    )
    _passed(f"wte shape {shape}")


def grade_wte(wte, model) -> None:
    """Hidden: the very table the model looks token ids up in (run after ``check_wte``)."""
    _require(isinstance(wte, torch.Tensor), "wte is not a tensor", "wte가 tensor가 아닙니다")
    _require(
        torch.equal(wte.detach().cpu(), input_embedding(model).detach().cpu()),
        "wte has the right shape but not the model's values: a freshly initialised nn.Embedding, "
        "a modified copy, or another model?",
        "wte의 shape은 맞지만 값이 모델의 것과 다릅니다. 새로 초기화한 nn.Embedding이거나, "
        "값을 바꾼 사본이거나, 다른 모델이 아닌가요?",
    )
    _passed("wte is the model's input embedding")


# --- 2. token_id -----------------------------------------------------------------------------


def _single_token_words(tokenizer) -> list[str]:
    words = [w for w in SINGLE_TOKEN_CANDIDATES if len(tokenizer.encode(" " + w)) == 1]
    assert len(words) >= 4, "grader: too few single-token words for this tokenizer"
    return words


def _multi_token_words(tokenizer) -> list[str]:
    words = [w for w in MULTI_TOKEN_CANDIDATES if len(tokenizer.encode(" " + w)) > 1]
    assert len(words) >= 2, "grader: too few multi-token words for this tokenizer"
    return words


def _check_one_token_id(token_id, tokenizer, word: str) -> None:
    got = _call(token_id, word, name="token_id")
    (expected,) = tokenizer.encode(" " + word)
    _require(
        isinstance(got, numbers.Integral) and not isinstance(got, bool),
        f"token_id({word!r}) should return an int, got {type(got).__name__} {got!r}",
        f"token_id({word!r})는 int를 돌려줘야 하는데 {type(got).__name__} {got!r}를 돌려줬습니다",
    )
    no_space = tokenizer.encode(word)
    _require(
        not (len(no_space) == 1 and got == no_space[0] != expected),
        f"token_id({word!r}) = {got}: that is {word!r} at the start of a text. Mid-sentence the "
        f"word has a leading space: tokenizer.encode(' {word}') gives {expected}.",
        f"token_id({word!r}) = {got}은 문장 맨 앞의 {word!r}입니다. 문장 중간의 단어는 앞에 공백이 "
        f"붙습니다: tokenizer.encode(' {word}')는 {expected}입니다.",
    )
    _require(
        got == expected,
        f"token_id({word!r}) = {got}, expected {expected} (= tokenizer.encode(' {word}'))",
        f"token_id({word!r}) = {got}, 기대값은 {expected}입니다 (= tokenizer.encode(' {word}'))",
    )


def check_token_id(token_id, tokenizer) -> None:
    _check_one_token_id(token_id, tokenizer, "cat")
    _passed("token_id('cat')")


def grade_token_id(token_id, tokenizer) -> None:
    """Hidden: several words, and multi-token words must raise ValueError."""
    for word in _single_token_words(tokenizer):
        _check_one_token_id(token_id, tokenizer, word)
    for word in _multi_token_words(tokenizer):
        pieces = tokenizer.encode(" " + word)
        try:
            got = token_id(word)
        except ValueError as error:
            _require(
                bool(str(error).strip()),
                "Raise ValueError with a message that says what went wrong.",
                "무엇이 잘못됐는지 알려주는 메시지와 함께 ValueError를 발생시키세요.",
            )
            continue
        except Exception as error:
            raise AssertionError(
                _say(
                    f"token_id({word!r}) raised {type(error).__name__}; raise ValueError instead.",
                    f"token_id({word!r})가 {type(error).__name__}를 발생시켰습니다. "
                    "ValueError를 발생시키세요.",
                )
            ) from error
        raise AssertionError(
            _say(
                f"token_id({word!r}) returned {got!r}, but ' {word}' is {len(pieces)} tokens "
                f"{pieces}: it has no single row. Raise ValueError instead of taking one piece.",
                f"' {word}'는 token {len(pieces)}개 {pieces}로 나뉘어 하나의 행이 없습니다. "
                "조각 하나를 고르지 말고 ValueError를 발생시키세요.",
            )
        )
    _passed("token_id on single- and multi-token words")


# --- 3. cosine_neighbors ---------------------------------------------------------------------


def _as_ids(result, name: str) -> list[int]:
    """Any sequence of ints (list, tuple, numpy array, integer tensor) -> list[int]."""
    if isinstance(result, torch.Tensor):
        _require(
            not result.is_floating_point(),
            f"{name} holds floats {result.flatten()[:3].tolist()}...: similarity scores? "
            "Return the token ids (e.g. topk(...).indices).",
            f"{name}에 실수가 들어 있습니다 {result.flatten()[:3].tolist()}... 유사도 점수인가요? "
            "token id를 돌려주세요 (예: topk(...).indices).",
        )
        return [int(v) for v in result.flatten().tolist()]
    if isinstance(result, np.ndarray):
        result = result.tolist()
    _require(
        isinstance(result, (list, tuple)),
        f"{name} should be a list of token ids, got {type(result).__name__}",
        f"{name}는 token id의 list여야 하는데 {type(result).__name__}입니다",
    )
    ids = []
    for value in result:
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        _require(
            isinstance(value, numbers.Integral) and not isinstance(value, bool),
            f"{name} holds {value!r} ({type(value).__name__}), not a token id. Similarity scores "
            "or (id, score) pairs? Return only the ids.",
            f"{name}에 token id가 아닌 {value!r}가 들어 있습니다. 유사도 점수나 (id, 점수) 쌍인가요? "
            "id만 돌려주세요.",
        )
        ids.append(int(value))
    return ids


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


def _other_metric(ids: list[int], weight: torch.Tensor, query_id: int, k: int) -> str | None:
    """Which wrong metric ("dot", "euclidean") ranks exactly these ids first, if any."""
    rows = weight.detach().float()
    dot = rows @ rows[query_id]
    dot[query_id] = -torch.inf
    if ids == dot.topk(k).indices.tolist():
        return "dot"
    distance = (rows - rows[query_id]).norm(dim=1)
    distance[query_id] = torch.inf
    if ids == distance.topk(k, largest=False).indices.tolist():
        return "euclidean"
    return None


def _check_neighbor_list(
    result, weight: torch.Tensor, index: NeighborIndex, query_id: int, k: int, name: str
) -> None:
    ids = _as_ids(result, name)
    _require(
        not (len(ids) == k + 1 and query_id in ids),
        f"{name} has {k + 1} ids including the query {query_id} itself. Did you exclude the query? "
        "Its similarity with itself is always 1.",
        f"{name}에 질의 token {query_id} 자신이 들어 있어 {k + 1}개입니다. 질의를 제외했나요? "
        "자기 자신과의 유사도는 항상 1입니다.",
    )
    _require(
        len(ids) == k,
        f"{name} has {len(ids)} ids, expected k = {k}. Do you use the k argument?",
        f"{name}에 id가 {len(ids)}개 있습니다. k = {k}개여야 합니다. 인자 k를 쓰고 있나요?",
    )
    _require(
        query_id not in ids,
        f"{name} contains the query {query_id} itself. Did you exclude the query?",
        f"{name}에 질의 token {query_id} 자신이 들어 있습니다. 질의를 제외했나요?",
    )
    _require(
        len(set(ids)) == k,
        f"{name} repeats ids: {ids}",
        f"{name}에 같은 id가 반복됩니다: {ids}",
    )
    _require(
        all(0 <= i < len(index) for i in ids),
        f"{name} has ids outside 0..{len(index) - 1}: {ids}",
        f"{name}에 0..{len(index) - 1} 범위 밖의 id가 있습니다: {ids}",
    )
    got = index.similarity(query_id, ids)
    _, expected = index.query(query_id, k)
    steps = got[1:] - got[:-1]
    if k > 1 and bool((steps > SIMILARITY_TOLERANCE).all()):
        raise AssertionError(
            _say(
                f"{name} is in ascending order. Put the most similar first.",
                f"{name}가 오름차순입니다. 가장 비슷한 것을 맨 앞에 두세요.",
            )
        )
    if not torch.allclose(got, expected, atol=SIMILARITY_TOLERANCE, rtol=0):
        english, korean = METRIC_HINTS[_other_metric(ids, weight, query_id, k)]
        _require(
            bool((steps <= SIMILARITY_TOLERANCE).all()),
            # the hint first: nbgrader validate shows only each line's first 90 characters
            f"{english} ({name} is not sorted from most to least similar.)",
            f"{korean} ({name}가 유사도 내림차순이 아닙니다.)",
        )
        raise AssertionError(
            _say(
                f"{name}: {english} Cosine similarities got {np.round(got.numpy(), 4).tolist()}, "
                f"expected {np.round(expected.numpy(), 4).tolist()}.",
                f"{name}: {korean}",
            )
        )


def _unchanged_after(function, weight: torch.Tensor, query_id: int, k: int, as_parameter: bool):
    """Call on a private copy (plain tensor, or a Parameter that requires grad) and check that
    the copy still equals ``weight``."""
    original = weight.detach()
    argument = _scratch_copy(original)
    if as_parameter:
        argument = torch.nn.Parameter(argument)
    result = _call(function, argument, query_id, k, name="cosine_neighbors")
    _require(
        torch.equal(argument.detach(), original),
        "cosine_neighbors modified wte (in-place normalisation?). Work on a new tensor: "
        "W / W.norm(dim=1, keepdim=True) instead of W /= ...",
        "cosine_neighbors가 wte를 바꿨습니다(in-place 정규화?). 새 tensor로 계산하세요: "
        "W /= ... 대신 W / W.norm(dim=1, keepdim=True)",
    )
    return result


_scratch: dict[tuple, torch.Tensor] = {}


def _scratch_copy(original: torch.Tensor) -> torch.Tensor:
    """A fresh copy of ``original`` in memory reused from call to call: a new 154 MB tensor costs
    more in page faults than in copying. Each call gets its own tensor object."""
    key = (tuple(original.shape), original.dtype)
    if key not in _scratch:
        _scratch.clear()
        _scratch[key] = torch.empty_like(original)
    return _scratch[key].copy_(original).detach()  # detach(): a new tensor object, same memory


def check_cosine_neighbors(cosine_neighbors, model, tokenizer) -> None:
    weight = input_embedding(model)
    index = reference_index(weight)
    (query_id,) = tokenizer.encode(" " + QUERY_WORD)
    result = _unchanged_after(cosine_neighbors, weight, query_id, 10, as_parameter=False)
    _check_neighbor_list(result, weight, index, query_id, 10, f"cosine_neighbors(wte, {query_id})")
    _passed(f"cosine_neighbors(wte, {query_id}) for ' {QUERY_WORD}'")


def grade_cosine_neighbors(cosine_neighbors, model, tokenizer) -> None:
    """Hidden: several queries and k on the real table, Parameter or plain tensor, no mutation."""
    weight = input_embedding(model).detach()
    index = reference_index(weight)
    generator = torch.Generator().manual_seed(1)
    random_ids = torch.randint(0, len(index), (2,), generator=generator).tolist()
    word_ids = [tokenizer.encode(" " + w)[0] for w in _single_token_words(tokenizer)[:3]]
    cases = [(i, k) for i, k in zip(word_ids + random_ids, (10, 1, 5, 25, 3), strict=True)]
    for n, (query_id, k) in enumerate(cases):
        result = _unchanged_after(cosine_neighbors, weight, query_id, k, as_parameter=n % 2 == 0)
        _check_neighbor_list(
            result, weight, index, query_id, k, f"cosine_neighbors(wte, {query_id}, k={k})"
        )
    _passed(f"cosine_neighbors on {len(cases)} queries of the model's table")


def synthetic_table(seed: int, rows: int = 200, dim: int = 16) -> torch.Tensor:
    """Random rows with widely spread norms, so cosine, dot product and distance disagree."""
    generator = torch.Generator().manual_seed(seed)
    directions = torch.randn(rows, dim, generator=generator)
    norms = torch.exp(1.5 * torch.randn(rows, 1, generator=generator))
    return directions * norms


def grade_cosine_metric(cosine_neighbors) -> None:
    """Hidden: small tables where cosine, dot-product and euclidean neighbours all differ."""
    k = 5
    cases = [
        (seed, query_id)
        for seed in (11, 12, 13)
        for query_id in (0, 7, 42)
        # Only queries where the metrics disagree can tell them apart.
        if _other_metric(
            reference_index(synthetic_table(seed)).query(query_id, k)[0],
            synthetic_table(seed),
            query_id,
            k,
        )
        is None
    ]
    assert len(cases) >= 6, "grader: too few synthetic queries where the metrics disagree"
    for seed, query_id in cases:
        weight = synthetic_table(seed)
        result = _unchanged_after(cosine_neighbors, weight, query_id, k, as_parameter=False)
        _check_neighbor_list(
            result,
            weight,
            reference_index(weight),
            query_id,
            k,
            f"cosine_neighbors(synthetic table {seed}, {query_id}, k={k})",
        )
    _passed(f"cosine_neighbors ranks by cosine, not dot product or distance ({len(cases)} cases)")


# --- 4. neighbors ----------------------------------------------------------------------------


def check_neighbors(neighbors, model, tokenizer) -> None:
    weight = input_embedding(model)
    (query_id,) = tokenizer.encode(" " + QUERY_WORD)
    _check_neighbor_list(neighbors, weight, reference_index(weight), query_id, 10, "neighbors")
    _passed(f"neighbors of ' {QUERY_WORD}'")


# --- 5. categories ---------------------------------------------------------------------------


def check_categories(categories, neighbors, model, tokenizer) -> None:
    """Form only: one allowed label for each of the 10 neighbour tokens."""
    _require(
        isinstance(categories, dict),
        f"categories should be a dict token -> category, got {type(categories).__name__}",
        f"categories는 token -> 범주의 dict여야 하는데 {type(categories).__name__}입니다",
    )
    bad = {token: label for token, label in categories.items() if label not in CATEGORIES}
    _require(
        not bad,
        f"Use only these labels {CATEGORIES}; found {bad}",
        f"다음 범주만 쓰세요 {CATEGORIES}. 잘못된 값: {bad}",
    )
    weight = input_embedding(model)
    (query_id,) = tokenizer.encode(" " + QUERY_WORD)
    reference, _ = reference_index(weight).query(query_id, 10)
    token_lists = [reference]
    try:
        token_lists.append(_as_ids(neighbors, "neighbors"))
    except AssertionError:
        pass  # a broken `neighbors` is graded in its own part; compare with the reference only
    matches = [ids for ids in token_lists if _keys_name_tokens(categories, ids, tokenizer)]
    _require(
        bool(matches),
        "categories needs exactly one entry per neighbour, keyed by the decoded token "
        f"(tokenizer.decode([i])). Your neighbours: {[tokenizer.decode([i]) for i in token_lists[-1]]}; "
        f"your keys: {sorted(categories)}",
        "categories에는 이웃 token마다 항목이 하나씩, 디코딩한 token(tokenizer.decode([i]))을 "
        "key로 있어야 합니다.",
    )
    _passed("categories")


def _keys_name_tokens(categories: dict, ids: list[int], tokenizer) -> bool:
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


# --- verdicts outside the kernel (stream_course.checks.verdicts) ---------------------------------


def _part_wte(wte, model, tokenizer):
    check_wte(wte, model)
    grade_wte(wte, model)


def _part_token_id(token_id, model, tokenizer):
    check_token_id(token_id, tokenizer)
    grade_token_id(token_id, tokenizer)


def _part_cosine_neighbors(cosine_neighbors, model, tokenizer):
    check_cosine_neighbors(cosine_neighbors, model, tokenizer)
    grade_cosine_neighbors(cosine_neighbors, model, tokenizer)


def _part_cosine_metric(cosine_neighbors, model, tokenizer):
    grade_cosine_metric(cosine_neighbors)


def _part_neighbors(neighbors, model, tokenizer):
    check_neighbors(neighbors, model, tokenizer)


def _part_categories(categories, neighbors, model, tokenizer):
    check_categories(categories, neighbors, model, tokenizer)


PARTS = {
    "wte": _part_wte,
    "token_id": _part_token_id,
    "cosine_neighbors": _part_cosine_neighbors,
    "cosine_metric": _part_cosine_metric,
    "neighbors": _part_neighbors,
    "categories": _part_categories,
}


# The lesson's last cell (stream_course.self_check): exercise, its auto points, the names it
# reads from the student's notebook, and its visible checks.
SELF_CHECKS = (
    ("wte", 1, ("wte", "model"), check_wte),
    ("token_id", 2, ("token_id", "tokenizer"), check_token_id),
    ("cosine_neighbors", 4, ("cosine_neighbors", "model", "tokenizer"), check_cosine_neighbors),
    ("neighbors", 1, ("neighbors", "model", "tokenizer"), check_neighbors),
    ("categories", 1, ("categories", "neighbors", "model", "tokenizer"), check_categories),
)


def collect(part: str, model, tokenizer, **answers) -> None:
    """Hidden test cells: record the student's answers for the grader, who judges them outside
    this kernel. Shows one output; decides nothing."""
    from IPython.display import display

    payload = record(part, 1, PARTS[part], answers, {"model": model, "tokenizer": tokenizer})
    note = f"answers for '{part}' recorded for the grader / 채점용 답을 기록했습니다"
    display({ANSWERS_MIME: payload, "text/plain": note}, raw=True)


def judge(payload: dict, model, tokenizer) -> None:
    """In the grader's own process: run the part's checks on the recorded answers. Raises
    AssertionError with the teaching message when they fail."""
    answers = replay_answers(payload, known_tensors=[input_embedding(model).detach()])
    PARTS[payload["part"]](**answers, model=model, tokenizer=tokenizer)
