"""Lesson 01 checks in-process: right answers pass, wrong ones fail with the message that teaches."""

import pytest
import torch
import torch.nn.functional as F

from stream_course.checks import lesson01 as check


def reference_neighbors(wte, idx, k=10):
    unit = F.normalize(wte.detach(), dim=1)
    sims = unit @ unit[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def test_reference_answers_pass_every_check(model, tokenizer):
    wte = model.transformer.wte.weight

    def token_id(word):
        (only,) = tokenizer.encode(" " + word)
        return only

    check.check_wte(wte, model)
    check.grade_wte(wte, model)
    check.grade_token_id(token_id, tokenizer)
    check.grade_cosine_neighbors(reference_neighbors, model, tokenizer)
    check.grade_cosine_metric(reference_neighbors)
    neighbors = reference_neighbors(wte, token_id("computer"))
    check.check_neighbors(neighbors, model, tokenizer)
    categories = {tokenizer.decode([i]): "related" for i in neighbors}
    check.check_categories(categories, neighbors, model, tokenizer)


@pytest.mark.parametrize(
    ("wte_of", "hint"),
    [
        (lambda m: m.transformer.wte.weight.T, "transposed"),
        (lambda m: m.transformer.wpe.weight, "positional"),
        (lambda m: torch.nn.Embedding(50257, 768).weight, "freshly initialised"),
        (lambda m: m.transformer.wte, "not the nn.Embedding module"),
    ],
)
def test_wrong_matrix_is_named(model, wte_of, hint):
    with pytest.raises(AssertionError, match=hint):
        check.check_wte(wte_of(model), model)
        check.grade_wte(wte_of(model), model)


def test_missing_leading_space_is_named(tokenizer):
    with pytest.raises(AssertionError, match="leading space"):
        check.check_token_id(lambda word: tokenizer.encode(word)[0], tokenizer)


def test_first_piece_of_a_multi_token_word_is_rejected(tokenizer):
    with pytest.raises(AssertionError, match="Raise ValueError instead of taking one piece"):
        check.grade_token_id(lambda word: tokenizer.encode(" " + word)[0], tokenizer)


def test_query_included_is_named(model, tokenizer):
    def with_query(wte, idx, k=10):
        unit = F.normalize(wte.detach(), dim=1)
        return (unit @ unit[idx]).topk(k).indices.tolist()

    with pytest.raises(AssertionError, match="exclude the query"):
        check.check_cosine_neighbors(with_query, model, tokenizer)


def test_dot_product_is_named(model):
    def dot(wte, idx, k=10):
        sims = wte @ wte[idx]
        sims[idx] = -torch.inf
        return sims.topk(k).indices

    with pytest.raises(AssertionError, match="dot-product neighbours"):
        check.grade_cosine_metric(dot)


def test_scores_instead_of_ids_are_named(model, tokenizer):
    def scores(wte, idx, k=10):
        unit = F.normalize(wte.detach(), dim=1)
        sims = unit @ unit[idx]
        sims[idx] = -torch.inf
        return sims.topk(k).values

    with pytest.raises(AssertionError, match="similarity scores"):
        check.check_cosine_neighbors(scores, model, tokenizer)


def test_in_place_normalisation_is_named(model, tokenizer):
    def in_place(wte, idx, k=10):
        wte.data.div_(wte.data.norm(dim=1, keepdim=True))
        return reference_neighbors(wte, idx, k)

    with pytest.raises(AssertionError, match="modified wte"):
        check.check_cosine_neighbors(in_place, model, tokenizer)


def test_ties_may_come_in_either_order():
    # Rows 1 and 2 are equally similar to row 0: both orders are right.
    weight = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0], [-1.0, 0.2], [0.0, 1.0]])
    index = check.NeighborIndex(weight)
    for answer in ([1, 2, 4], [2, 1, 4]):
        check._check_neighbor_list(answer, weight, index, 0, 3, "answer")
    with pytest.raises(AssertionError):
        check._check_neighbor_list([1, 4, 2], weight, index, 0, 3, "answer")


def test_any_integer_sequence_is_accepted():
    import numpy as np

    for result in ([1, 2], (1, 2), np.array([1, 2]), torch.tensor([1, 2]), [torch.tensor(1), 2]):
        assert check._as_ids(result, "r") == [1, 2]
    for bad in ([1.0, 2.0], torch.tensor([0.9, 0.8]), [True, False], "12"):
        with pytest.raises(AssertionError):
            check._as_ids(bad, "r")


def test_category_keys_must_name_the_neighbours(model, tokenizer):
    neighbors = reference_neighbors(model.transformer.wte.weight, tokenizer.encode(" computer")[0])
    decoded = [tokenizer.decode([i]) for i in neighbors]
    check.check_categories(dict.fromkeys(decoded, "noise"), neighbors, model, tokenizer)
    with pytest.raises(AssertionError, match="one entry per neighbour"):
        check.check_categories(dict.fromkeys(decoded[:9], "noise"), neighbors, model, tokenizer)
    with pytest.raises(AssertionError, match="Use only these labels"):
        check.check_categories(dict.fromkeys(decoded, "similar"), neighbors, model, tokenizer)
