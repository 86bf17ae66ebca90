"""Lesson 01 checks in-process: right answers pass, wrong ones fail with the message that teaches,
in the visible checks (student side) and in the answer key's judges (grader side)."""

import pytest
import torch
import torch.nn.functional as F

from stream_course.checks.toolkit import as_ids
from stream_course.lessons.word_embedding import checks as check

from .conftest import judged, recorded

LESSON = "word_embedding"


def hidden_failure(grade_id, model, tokenizer, **answers):
    payload = recorded(LESSON, grade_id, model, tokenizer, **answers)
    return judged(LESSON, grade_id, [payload], model, tokenizer).failure


def reference_neighbors(wte, idx, k=10):
    unit = F.normalize(wte.detach(), dim=1)
    sims = unit @ unit[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def test_reference_answers_pass_every_check(model, tokenizer):
    wte = model.transformer.wte.weight

    def token_id(word):
        pieces = tokenizer.encode(" " + word)
        if len(pieces) != 1:
            raise ValueError(f"{word!r} is {len(pieces)} tokens")
        return pieces[0]

    neighbors = reference_neighbors(wte, token_id("computer"))
    categories = {tokenizer.decode([i]): "related" for i in neighbors}
    check.check_wte(wte, model)
    check.check_token_id(token_id, tokenizer)
    check.check_cosine_neighbors(reference_neighbors, model, tokenizer)
    check.check_neighbors(neighbors, model, tokenizer)
    check.check_categories(categories, neighbors, model, tokenizer)
    answers = {
        "test_wte": {"wte": wte},
        "test_token_id": {"token_id": token_id},
        "test_cosine_neighbors": {"cosine_neighbors": reference_neighbors},
        "test_cosine_metric": {"cosine_neighbors": reference_neighbors},
        "test_neighbors": {"neighbors": neighbors},
        "test_categories": {"categories": categories, "neighbors": neighbors},
    }
    assert set(answers) == set(check.PARTS)
    for grade_id, given in answers.items():
        assert hidden_failure(grade_id, model, tokenizer, **given) is None, grade_id


@pytest.mark.parametrize(
    ("wte_of", "hint"),
    [
        (lambda m: m.transformer.wte.weight.T, "transposed"),
        (lambda m: m.transformer.wpe.weight, "positional"),
        (lambda m: torch.nn.Embedding(50257, 768).weight, "freshly initialised"),
        (lambda m: m.transformer.wte, "not the nn.Embedding module"),
    ],
)
def test_wrong_matrix_is_named(model, tokenizer, wte_of, hint):
    assert hint in hidden_failure("test_wte", model, tokenizer, wte=wte_of(model))


def test_missing_leading_space_is_named(tokenizer):
    with pytest.raises(AssertionError, match="leading space"):
        check.check_token_id(lambda word: tokenizer.encode(word)[0], tokenizer)


def test_first_piece_of_a_multi_token_word_is_rejected(model, tokenizer):
    def first_piece(word):
        return tokenizer.encode(" " + word)[0]

    failure = hidden_failure("test_token_id", model, tokenizer, token_id=first_piece)
    assert "Raise ValueError instead of taking one piece" in failure


def test_query_included_is_named(model, tokenizer):
    def with_query(wte, idx, k=10):
        unit = F.normalize(wte.detach(), dim=1)
        return (unit @ unit[idx]).topk(k).indices.tolist()

    with pytest.raises(AssertionError, match="exclude the query"):
        check.check_cosine_neighbors(with_query, model, tokenizer)


def test_dot_product_is_named(model, tokenizer):
    def dot(wte, idx, k=10):
        sims = wte @ wte[idx]
        sims[idx] = -torch.inf
        return sims.topk(k).indices

    with pytest.raises(AssertionError, match="dot-product neighbours"):
        check.check_cosine_neighbors(dot, model, tokenizer)
    assert "dot-product neighbours" in hidden_failure(
        "test_cosine_metric", model, tokenizer, cosine_neighbors=dot
    )


def test_scores_instead_of_ids_are_named(model, tokenizer):
    def scores(wte, idx, k=10):
        unit = F.normalize(wte.detach(), dim=1)
        sims = unit @ unit[idx]
        sims[idx] = -torch.inf
        return sims.topk(k).values

    with pytest.raises(AssertionError, match="scores"):
        check.check_cosine_neighbors(scores, model, tokenizer)


def test_in_place_normalisation_is_named(model, tokenizer):
    def in_place(wte, idx, k=10):
        wte.data.div_(wte.data.norm(dim=1, keepdim=True))
        return reference_neighbors(wte, idx, k)

    with pytest.raises(AssertionError, match="in place"):
        check.check_cosine_neighbors(in_place, model, tokenizer)


def test_ties_may_come_in_either_order():
    # Rows 1 and 2 are equally similar to row 0: both orders are right.
    weight = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0], [-1.0, 0.2], [0.0, 1.0]])
    for answer in ([1, 2, 4], [2, 1, 4]):
        check.verify_neighbors(answer, weight, 0, 3, "answer")
    with pytest.raises(AssertionError):
        check.verify_neighbors([1, 4, 2], weight, 0, 3, "answer")
    with pytest.raises(AssertionError, match="left out"):
        check.verify_neighbors([1, 2, 3], weight, 0, 3, "answer")


def test_any_integer_sequence_is_accepted():
    import numpy as np

    for result in ([1, 2], (1, 2), np.array([1, 2]), torch.tensor([1, 2]), [torch.tensor(1), 2]):
        assert as_ids(result, "r") == [1, 2]
    for bad in ([1.0, 2.0], torch.tensor([0.9, 0.8]), [True, False], "12"):
        with pytest.raises(AssertionError):
            as_ids(bad, "r")


def test_category_keys_must_name_the_neighbours(model, tokenizer):
    neighbors = reference_neighbors(model.transformer.wte.weight, tokenizer.encode(" computer")[0])
    decoded = [tokenizer.decode([i]) for i in neighbors]
    check.check_categories(dict.fromkeys(decoded, "noise"), neighbors, model, tokenizer)
    with pytest.raises(AssertionError, match="one entry per neighbour"):
        check.check_categories(dict.fromkeys(decoded[:9], "noise"), neighbors, model, tokenizer)
    with pytest.raises(AssertionError, match="Use only these labels"):
        check.check_categories(dict.fromkeys(decoded, "similar"), neighbors, model, tokenizer)


def test_the_answer_keys_search_matches_brute_force(answer_key):
    NeighborIndex = answer_key("01_word_embedding").NeighborIndex
    weight = torch.nn.Parameter(torch.randn(500, 32, generator=torch.Generator().manual_seed(0)))
    before = weight.detach().clone()
    index = NeighborIndex(weight)
    for query in (0, 17, 499):
        ids, sims = index.query(query, 7)
        brute = F.cosine_similarity(weight.detach(), weight.detach()[query].unsqueeze(0), dim=1)
        brute[query] = -torch.inf
        assert ids == brute.topk(7).indices.tolist() and query not in ids
        assert torch.allclose(sims, brute.topk(7).values, atol=1e-6)
    ids, _ = index.query_batch([3, 99, 250, 3], 5)
    assert [row.tolist() for row in ids] == [index.query(q, 5)[0] for q in (3, 99, 250, 3)]
    assert torch.equal(weight.detach(), before)
