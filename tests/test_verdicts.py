"""Verdicts decided outside the kernel: recordings are judged by the grader's checks and model."""

import copy
import json

import pytest
import torch
import torch.nn.functional as F

from stream_course.checks import lesson01 as check
from stream_course.checks.verdicts import freeze, record, thaw


def cosine(wte, idx, k=10):
    unit = F.normalize(wte.detach(), dim=1)
    sims = unit @ unit[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def dot(wte, idx, k=10):
    sims = wte.detach() @ wte.detach()[idx]
    sims[idx] = -torch.inf
    return sims.topk(k).indices.tolist()


def recorded(part, model, tokenizer, **answers):
    payload = record(part, 1, check.PARTS[part], answers, {"model": model, "tokenizer": tokenizer})
    return json.loads(json.dumps(payload))  # as it travels in the notebook


def test_right_answers_pass_and_wrong_ones_fail_with_their_message(model, tokenizer):
    check.judge(
        recorded("cosine_metric", model, tokenizer, cosine_neighbors=cosine), model, tokenizer
    )
    wrong = recorded("cosine_metric", model, tokenizer, cosine_neighbors=dot)
    with pytest.raises(AssertionError, match="dot-product neighbours"):
        check.judge(wrong, model, tokenizer)


def test_checks_patched_in_the_kernel_do_not_change_the_verdict(model, tokenizer, monkeypatch):
    with monkeypatch.context() as kernel:  # what a student's cell can do to the kernel
        kernel.setattr(check, "_require", lambda *args, **kwargs: None)
        kernel.setattr(torch, "allclose", lambda *args, **kwargs: True)
        payload = recorded("cosine_neighbors", model, tokenizer, cosine_neighbors=dot)
    with pytest.raises(AssertionError):
        check.judge(payload, model, tokenizer)


def test_a_recording_for_other_questions_or_cut_short_fails(model, tokenizer):
    payload = recorded("cosine_neighbors", model, tokenizer, cosine_neighbors=cosine)
    forged = copy.deepcopy(payload)
    forged["calls"]["cosine_neighbors"][0]["args"][1] = "7"  # answers to another query
    with pytest.raises(AssertionError, match="other questions"):
        check.judge(forged, model, tokenizer)
    short = copy.deepcopy(payload)
    del short["calls"]["cosine_neighbors"][1:]
    with pytest.raises(AssertionError, match="no recorded answer"):
        check.judge(short, model, tokenizer)


def test_the_wte_is_judged_by_fingerprint(model, tokenizer):
    check.judge(
        recorded("wte", model, tokenizer, wte=model.transformer.wte.weight), model, tokenizer
    )
    changed = model.transformer.wte.weight.detach().clone()
    changed[0, 0] += 1
    with pytest.raises(AssertionError, match="not the model's values"):
        check.judge(recorded("wte", model, tokenizer, wte=changed), model, tokenizer)


def test_freeze_and_thaw_keep_types():
    import numpy as np

    for value in (
        [1, 2],
        (1, 2.5),
        {"a": "b"},
        torch.tensor([1, 2]),
        torch.tensor([0.5]),
        np.array([3, 4]),
        True,
        "x",
    ):
        again = thaw(json.loads(json.dumps(freeze(value))))
        assert type(again) is type(value)
        if isinstance(value, torch.Tensor):
            assert again.is_floating_point() == value.is_floating_point()
            assert torch.equal(again, value)
