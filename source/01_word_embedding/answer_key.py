"""Lesson 01 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

For a part whose answer is a function, ``answers[name]`` is one recorded ``Outcome`` per case;
``outcome.get(name)`` is the returned value, or a bilingual failure if the call raised or changed
its inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stream_course.checks.record import Fingerprint, fingerprint
from stream_course.checks.toolkit import fail, require
from stream_course.lessons.word_embedding import checks


class NeighborIndex:
    """The reference cosine-similarity search over the rows of ``weight``: rows normalised once,
    then one matrix-vector product per query (``F.cosine_similarity(W, q)`` normalises all 50,257
    rows again for every query)."""

    def __init__(self, weight: torch.Tensor):
        if weight.dim() != 2:
            raise ValueError(
                f"expected a (vocab_size, d_model) matrix, got shape {tuple(weight.shape)}"
            )
        self.unit_rows = F.normalize(weight.detach().float(), dim=1)

    def __len__(self) -> int:
        return self.unit_rows.shape[0]

    def query(self, query_id: int, k: int = 10) -> tuple[list[int], torch.Tensor]:
        """The ``k`` rows most similar to ``query_id`` (itself left out), most similar first."""
        ids, sims = self.query_batch([query_id], k)
        return ids[0].tolist(), sims[0]

    def query_batch(self, query_ids, k: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-``k`` neighbours of many queries with one matrix product: (ids, similarities)."""
        query_ids = torch.as_tensor(query_ids, dtype=torch.long).reshape(-1)
        if not 0 < k < len(self):
            raise ValueError(f"k must be between 1 and {len(self) - 1}, got {k}")
        sims = self.unit_rows[query_ids] @ self.unit_rows.T
        # A row is always its own best match (similarity 1); it is not its own neighbour.
        sims[torch.arange(len(query_ids)), query_ids] = -torch.inf
        top = sims.topk(k, dim=1)
        return top.indices, top.values


_indexes: dict[str, NeighborIndex] = {}


def reference_index(weight: torch.Tensor) -> NeighborIndex:
    """Built once per table for the whole grading process (the model's and three synthetic ones),
    keyed by the table's fingerprint, so a table changed in place gets a new index."""
    key = fingerprint(weight)
    index = _indexes.pop(key, None) or NeighborIndex(weight)
    _indexes[key] = index  # most recently used last
    if len(_indexes) > 4:
        _indexes.pop(next(iter(_indexes)))
    return index


def judge_wte(answers, cases, model, tokenizer) -> None:
    wte, table = answers["wte"], checks.input_embedding(model).detach()
    if isinstance(wte, Fingerprint):
        checks.check_wte_shape(wte.shape, tuple(table.shape))
        require(
            wte.matches(table),
            "wte has the right shape but not the model's values: a freshly initialised "
            "nn.Embedding, a modified copy, or another model?",
            "wte의 shape은 맞지만 값이 모델의 것과 다릅니다. 새로 초기화한 nn.Embedding이거나, "
            "값을 바꾼 사본이거나, 다른 모델이 아닌가요?",
        )
        return
    if isinstance(wte, torch.Tensor):
        checks.check_wte_shape(tuple(wte.shape), tuple(table.shape))
    checks.check_wte(wte, model)  # says what it is instead (not a tensor)


def judge_token_id(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["token_id"], cases, strict=True):
        (word,) = case.args
        if len(tokenizer.encode(" " + word)) == 1:
            checks.verify_token_id(outcome.get(case.label), tokenizer, word)
            continue
        pieces = tokenizer.encode(" " + word)
        raised = outcome.raised or {}
        if raised.get("value_error"):
            require(
                bool(raised.get("message", "").strip()),
                "Raise ValueError with a message that says what went wrong.",
                "무엇이 잘못됐는지 알려주는 메시지와 함께 ValueError를 발생시키세요.",
            )
            continue
        if raised:
            fail(
                f"{case.label} raised {raised.get('type')}; raise ValueError instead.",
                f"{case.label}가 {raised.get('type')}를 발생시켰습니다. ValueError를 발생시키세요.",
            )
        fail(
            f"{case.label} returned {outcome.value!r}, but ' {word}' is {len(pieces)} tokens "
            f"{pieces}: it has no single row. Raise ValueError instead of taking one piece.",
            f"' {word}'는 token {len(pieces)}개 {pieces}로 나뉘어 하나의 행이 없습니다. "
            "조각 하나를 고르지 말고 ValueError를 발생시키세요.",
        )


def _judge_neighbor_calls(outcomes, cases) -> None:
    for outcome, case in zip(outcomes, cases, strict=True):
        weight, query, k = case.args
        weight = weight.detach()
        checks.verify_neighbors(
            outcome.get(case.label), weight, query, k, case.label, reference_index(weight).unit_rows
        )


def judge_cosine_neighbors(answers, cases, model, tokenizer) -> None:
    _judge_neighbor_calls(answers["cosine_neighbors"], cases)


def judge_cosine_metric(answers, cases, model, tokenizer) -> None:
    """Only the queries where cosine, dot-product and euclidean neighbours all differ count."""
    telling = []
    for outcome, case in zip(answers["cosine_neighbors"], cases, strict=True):
        weight, query, k = case.args
        expected, _ = reference_index(weight).query(query, k)
        if checks.other_metric(expected, weight, query, k) is None:
            telling.append((outcome, case))
    assert len(telling) >= 6, "grader: too few synthetic queries where the metrics disagree"
    _judge_neighbor_calls(*zip(*telling, strict=True))


def judge_neighbors(answers, cases, model, tokenizer) -> None:
    weight = checks.input_embedding(model).detach()
    query = checks.query_id(tokenizer)
    unit = reference_index(weight).unit_rows
    checks.verify_neighbors(answers["neighbors"], weight, query, 10, "neighbors", unit)


def judge_categories(answers, cases, model, tokenizer) -> None:
    """Keyed by the true neighbours, or by the student's own list (graded in its own part)."""
    weight = checks.input_embedding(model).detach()
    expected, _ = reference_index(weight).query(checks.query_id(tokenizer), 10)
    token_lists = [expected]
    try:
        token_lists.append(checks.as_ids(answers["neighbors"], "neighbors"))
    except AssertionError:
        pass
    checks.verify_categories(answers["categories"], token_lists, tokenizer)


JUDGES = {
    "test_wte": judge_wte,
    "test_token_id": judge_token_id,
    "test_cosine_neighbors": judge_cosine_neighbors,
    "test_cosine_metric": judge_cosine_metric,
    "test_neighbors": judge_neighbors,
    "test_categories": judge_categories,
}
