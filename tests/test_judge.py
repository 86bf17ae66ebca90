"""Hidden tests decided outside the kernel: the kernel records, the grader judges with the answer
key, its own model and the cell the recording belongs to."""

import copy
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from stream_course.checks import toolkit
from stream_course.checks.record import (
    BY_VALUE,
    Case,
    Fingerprint,
    Part,
    freeze,
    record_part,
    run_case,
    thaw,
)
from stream_course.lessons.word_embedding import checks

from .conftest import judged, recorded

LESSON = "word_embedding"


def cosine(wte, idx, k=10):
    unit = F.normalize(wte.detach(), dim=1)
    sims = unit @ unit[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def dot(wte, idx, k=10):
    sims = wte.detach() @ wte.detach()[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def verdict(grade_id, model, tokenizer, **answers):
    payload = recorded(LESSON, grade_id, model, tokenizer, **answers)
    return judged(LESSON, grade_id, [payload], model, tokenizer)


def test_right_answers_pass_and_wrong_ones_fail_with_their_message(model, tokenizer):
    assert verdict("test_cosine_metric", model, tokenizer, cosine_neighbors=cosine).failure is None
    wrong = verdict("test_cosine_metric", model, tokenizer, cosine_neighbors=dot)
    assert "dot-product neighbours" in wrong.failure and "KO:" in wrong.failure


def test_checks_patched_in_the_kernel_do_not_change_the_verdict(model, tokenizer, monkeypatch):
    with monkeypatch.context() as kernel:  # what a student's cell can do to the kernel
        kernel.setattr(toolkit, "require", lambda *args, **kwargs: None)
        kernel.setattr(checks, "verify_neighbors", lambda *args, **kwargs: None)
        kernel.setattr(torch, "allclose", lambda *args, **kwargs: True)
        payload = recorded(LESSON, "test_cosine_neighbors", model, tokenizer, cosine_neighbors=dot)
    result = judged(LESSON, "test_cosine_neighbors", [payload], model, tokenizer)
    assert "dot-product" in result.failure


def test_right_values_from_the_courses_own_code_score_zero(model, tokenizer):
    """Values cannot show where they came from; the judge reads the submitted cells, with the
    notebook's set-up cell that binds ``check``, even when the kernel's self-check was patched."""
    payload = recorded(LESSON, "test_cosine_metric", model, tokenizer, cosine_neighbors=cosine)
    setup = "from stream_course.lessons.word_embedding import checks as check"
    answer = (
        "def cosine_neighbors(wte, idx, k=10):\n    return check.reference_neighbors(wte, idx, k)"
    )
    cells = {"cosine_neighbors": answer}
    result = judged(LESSON, "test_cosine_metric", [payload], model, tokenizer, cells, [setup])
    assert "course's own code" in result.failure and "KO:" in result.failure
    honest = {"cosine_neighbors": "def cosine_neighbors(wte, idx, k=10):\n    return idx"}
    assert (
        judged(LESSON, "test_cosine_metric", [payload], model, tokenizer, honest, [setup]).failure
        is None
    )


def test_a_recording_for_another_part_or_lesson_scores_zero_and_is_flagged(model, tokenizer):
    """A student who rebinds check.collect can make Exercise 3's cell record the easy wte part;
    the judge reads the part from the cell, not from the recording."""
    easy = recorded(LESSON, "test_wte", model, tokenizer, wte=model.transformer.wte.weight)
    assert judged(LESSON, "test_wte", [easy], model, tokenizer).failure is None
    claimed = judged(LESSON, "test_cosine_neighbors", [easy], model, tokenizer)
    assert "not for this cell" in claimed.failure
    assert claimed.flags == [
        "test_cosine_neighbors: a recording claims test_wte of 01_word_embedding"
    ]
    other_lesson = copy.deepcopy(easy)
    other_lesson["lesson"] = "02_positions"
    moved = judged(LESSON, "test_wte", [other_lesson], model, tokenizer)
    assert moved.failure and "02_positions" in moved.flags[0]


def test_a_recording_cut_short_or_doubled_fails(model, tokenizer):
    payload = recorded(LESSON, "test_cosine_neighbors", model, tokenizer, cosine_neighbors=cosine)
    short = copy.deepcopy(payload)
    del short["calls"][1:]
    cut = judged(LESSON, "test_cosine_neighbors", [short], model, tokenizer)
    assert "could not be checked" in cut.failure and cut.flags
    doubled = judged(LESSON, "test_cosine_neighbors", [payload, payload], model, tokenizer)
    assert "2 recordings where the checks make 1" in doubled.flags[0]


def test_answers_to_other_questions_fail(model, tokenizer):
    """The grader asks its own questions: answers recorded for other inputs do not fit them."""
    payload = recorded(LESSON, "test_cosine_neighbors", model, tokenizer, cosine_neighbors=cosine)
    payload["calls"] = payload["calls"][1:] + payload["calls"][:1]  # answers in another order
    assert judged(LESSON, "test_cosine_neighbors", [payload], model, tokenizer).failure


def test_the_wte_is_judged_by_fingerprint(model, tokenizer):
    table = model.transformer.wte.weight
    assert verdict("test_wte", model, tokenizer, wte=table).failure is None
    changed = table.detach().clone()
    changed[0, 0] += 1
    assert "not the model's values" in verdict("test_wte", model, tokenizer, wte=changed).failure
    assert "transposed" in verdict("test_wte", model, tokenizer, wte=table.T).failure


def test_freeze_and_thaw_keep_types_and_dtypes():
    for value in (
        [1, 2],
        (1, 2.5),
        {"a": "b"},
        torch.tensor([1, 2]),
        torch.tensor([0.5]),
        torch.tensor(2.5),  # 0-d: a loss, one GELU value
        torch.arange(6, dtype=torch.float64).reshape(2, 3),
        torch.tensor([True, False]),
        torch.zeros(0, 4),
        np.array([3, 4]),
        True,
        "x",
    ):
        again = thaw(json.loads(json.dumps(freeze(value))))
        assert type(again) is type(value)
        if isinstance(value, torch.Tensor):
            assert again.dtype == value.dtype and torch.equal(again, value)
            assert again.shape == value.shape


def test_tensors_are_recorded_by_value_up_to_the_bound():
    """(B, T, 768) answers travel by value, bit for bit; only larger ones by fingerprint."""
    answer = torch.randn(2, 8, 768, generator=torch.Generator().manual_seed(0))
    assert torch.equal(thaw(json.loads(json.dumps(freeze(answer)))), answer)
    big = torch.zeros(BY_VALUE + 1)
    kept = thaw(freeze(big))
    assert isinstance(kept, Fingerprint) and kept.matches(big)
    assert not kept.matches(big + 1)


def test_a_right_answer_computed_with_other_threads_still_passes(model, tokenizer):
    """Verdicts compare with a tolerance against the grader's own computation, never hashes."""
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        payload = recorded(
            LESSON, "test_cosine_neighbors", model, tokenizer, cosine_neighbors=cosine
        )
    finally:
        torch.set_num_threads(threads)
    assert judged(LESSON, "test_cosine_neighbors", [payload], model, tokenizer).failure is None


def test_a_reference_is_computed_once_per_case():
    """The judge keeps a part's cases for a whole batch: each case's reference is computed for
    the first submission only, and each case keeps its own."""
    computed = []

    def logits_of(ids):
        computed.append(ids)
        return ids.float() * 2

    first, second = Case("first", (torch.tensor([1, 2]),)), Case("second", (torch.tensor([3]),))
    for _ in range(3):  # three submissions judged
        for case in (first, second):
            assert torch.equal(case.reference(logits_of, case.args[0]), case.args[0] * 2.0)
    assert len(computed) == 2


def test_cases_that_share_a_table_get_a_pristine_copy_each():
    """A part's cases share their big inputs (Lesson 01's queries all pass wte): a copy that a
    call left as it was is handed on to the next case, one that was changed, by its own call or
    through a reference kept for a later call, is copied again; the originals stay as they are.
    A change to a handed-on copy is still reported (its fingerprint before the call is the one
    Copies checked it by)."""
    table, other = torch.arange(12.0).reshape(4, 3), torch.ones(4, 3)
    inputs = [table, other, table, table, table, table]
    cases = [Case(f"case {n}", (t, n)) for n, t in enumerate(inputs)]
    seen, kept = [], []

    def answer(weight, row):
        seen.append((weight, weight.clone()))
        if row == 0:
            kept.append(weight)  # case 0's copy of the table, kept...
        if row == 1:
            kept[0].zero_()  # ...and changed during case 1, whose own input is another tensor
        if row in (2, 5):
            weight.mul_(2)
        return weight[row % 3].sum()

    part = Part(answers=("answer",), calls="answer", cases=lambda *_: cases)
    recording = record_part("lesson", "part", part, {"answer": answer}, None, None)
    mutated = [call["mutated"] for call in recording["calls"]]
    assert mutated == [False, False, True, False, False, True]
    for (_, values), case in zip(seen, cases, strict=True):
        assert torch.equal(values, case.args[0])  # every call saw what the original holds
    copies = [weight for weight, _ in seen]
    assert copies[0] is not table and copies[2] is not copies[0]  # case 1 changed case 0's
    assert copies[3] is not copies[2] and copies[4] is copies[3]  # changed again, then handed on
    assert copies[5] is copies[4]  # handed on again, and changed by its own call
    assert torch.equal(table, torch.arange(12.0).reshape(4, 3)) and torch.equal(
        other, torch.ones(4, 3)
    )


def test_in_place_changes_inside_a_state_dict_or_a_list_are_seen():
    """Lessons 08, 09 and 12 pass state_dicts (and lists of them): each call gets fresh copies
    at every depth, and a change at any depth is reported, as for a plain tensor argument."""
    params = {"ln.weight": torch.ones(3), "ln.bias": torch.zeros(3)}
    case = Case("a block", (torch.ones(2, 3), [params, dict(params)]))

    def reads(x, blocks):
        return x * blocks[0]["ln.weight"] + blocks[1]["ln.bias"]

    def scales_a_weight(x, blocks):
        blocks[1]["ln.weight"].mul_(2)
        return x

    def drops_a_key(x, blocks):
        blocks[0].pop("ln.bias")
        return x

    def empties_the_list(x, blocks):
        blocks.clear()
        return x

    def writes_through_numpy(x, blocks):  # torch's version counter does not see this one
        blocks[0]["ln.bias"].numpy()[1] = 0.5
        return x

    def swaps_in_an_equal_copy(x, blocks):  # the same values under the same key: unchanged
        blocks[0]["ln.weight"] = blocks[0]["ln.weight"].clone()
        return x * blocks[0]["ln.weight"]

    assert not run_case(reads, case)["mutated"]
    assert not run_case(swaps_in_an_equal_copy, case)["mutated"]
    for function in (scales_a_weight, drops_a_key, empties_the_list, writes_through_numpy):
        assert run_case(function, case)["mutated"], function.__name__
    assert torch.equal(params["ln.weight"], torch.ones(3)) and set(params) == {
        "ln.weight",
        "ln.bias",
    }
    tied = {"wte": torch.ones(4)}
    tied["lm_head"] = tied["wte"]  # as in GPT-2's state_dict: copied once, still shared
    (copied,) = toolkit.clone_arguments((tied,))
    assert copied["wte"] is copied["lm_head"] and copied["wte"] is not tied["wte"]
    with pytest.raises(toolkit.CheckFailure, match="in place"):
        toolkit.unchanged(scales_a_weight, torch.ones(2, 3), [params, params], name="stack")
