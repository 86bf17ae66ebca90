"""Lesson 02 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

The references are transformers' own: ``hidden_states[0]`` of an eval forward pass, after a
cache of ``past_len`` tokens when the case brings one (``position_ids`` otherwise), and the
model's ``wpe`` parameter. The hints compute known mistakes from the case's tables.
"""

from __future__ import annotations

import torch

from stream_course.checks.record import Fingerprint
from stream_course.checks.toolkit import Hint, compare, require
from stream_course.lessons.positions import checks
from stream_course.lessons.positions.checks import TOLERANCE, hint


def _position_table(model) -> torch.Tensor:
    return model.transformer.wpe.weight.detach()


def judge_wpe(answers, cases, model, tokenizer) -> None:
    wpe, reference = answers["wpe"], _position_table(model)
    if isinstance(wpe, Fingerprint):  # over a million numbers: compared by fingerprint only
        checks.check_wpe_shape(wpe.shape, model.config)
        require(
            wpe.matches(reference),
            "wpe has the right shape but not the model's values.",
            "wpe의 shape은 맞지만 값이 모델의 것과 다릅니다.",
        )
        return
    checks.check_wpe_type(wpe)
    checks.check_wpe_shape(tuple(wpe.shape), model.config)
    token_rows = model.get_input_embeddings().weight.detach()
    compare(
        wpe,
        reference,
        "wpe",
        atol=TOLERANCE,
        rtol=TOLERANCE,
        hints=[
            Hint(
                "these are the first rows of the token table wte, not the position table.",
                "token table wte의 앞쪽 행들입니다. 위치 table이 아닙니다.",
                lambda: token_rows[: len(reference)],
            )
        ],
        dtype=reference.dtype,
    )


def reference_embedding(case) -> torch.Tensor:
    """``hidden_states[0]`` of transformers' forward pass over the case's ids, at positions
    past_len ... past_len + T - 1."""
    model, prefix = case.context["model"], case.context["prefix"]
    ids, past = case.args[2], case.kwargs.get("past_len", 0)
    assert not model.training, "grader: the reference needs eval mode (no embedding dropout)"
    with torch.no_grad():
        if past == 0:
            out = model.transformer(ids, output_hidden_states=True)
        elif prefix is not None:
            cache = model.transformer(prefix, use_cache=True).cache
            assert cache.get_seq_length() == past, "grader: the cache must hold past_len tokens"
            out = model.transformer(ids, cache=cache, output_hidden_states=True)
        else:
            positions = torch.arange(past, past + ids.shape[1])[None]
            out = model.transformer(ids, position_ids=positions, output_hidden_states=True)
    return out.hidden_states[0]


def _rows(wpe, start, length):
    return wpe[start : start + length]


HINTS = [  # each computes what one mistake returns: (wte[ids], wpe, ids, past_len) -> tensor
    hint("ignores_past", lambda tokens, wpe, ids, past: tokens + _rows(wpe, 0, ids.shape[1])),
    hint("from_end", lambda tokens, wpe, ids, past: tokens + wpe[-ids.shape[1] :]),
    hint("from_one", lambda tokens, wpe, ids, past: tokens + _rows(wpe, past + 1, ids.shape[1])),
    hint("wte_only", lambda tokens, wpe, ids, past: tokens),
    hint(
        "wpe_only",
        lambda tokens, wpe, ids, past: _rows(wpe, past, ids.shape[1]).expand(*ids.shape, -1),
    ),
    hint("wpe_by_ids", lambda tokens, wpe, ids, past: tokens + wpe[ids]),
    hint("batch_as_length", lambda tokens, wpe, ids, past: tokens + _rows(wpe, past, len(ids))),
]


def _judge_embed_calls(outcomes, cases) -> None:
    for outcome, case in zip(outcomes, cases, strict=True):
        wte, wpe, ids = case.args
        if outcome.raised is not None:
            raised = outcome.raised
            checks.explain_error(case.label, raised.get("type", ""), raised.get("message", ""))
        got = outcome.get(case.label)
        expected = case.reference(reference_embedding, case)
        checks.check_embed_shape(got, tuple(expected.shape), case.label)
        compare(
            got,
            expected,
            case.label,
            atol=TOLERANCE,
            rtol=TOLERANCE,
            hints=HINTS,
            inputs=(wte[ids], wpe, ids, case.kwargs.get("past_len", 0)),  # not all of wte
            dtype=wte.dtype,
        )


def judge_embed(answers, cases, model, tokenizer) -> None:
    _judge_embed_calls(answers["embed"], cases)


def judge_embed_offset(answers, cases, model, tokenizer) -> None:
    assert all(case.kwargs.get("past_len", 0) > 0 for case in cases), "grader: offset cases only"
    _judge_embed_calls(answers["embed"], cases)


JUDGES = {
    "test_wpe": judge_wpe,
    "test_embed": judge_embed,
    "test_embed_offset": judge_embed_offset,
}
