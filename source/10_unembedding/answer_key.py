"""Lesson 10 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References come from transformers itself: for ``unembed``, the ``logits`` GPT-2 returned in the
forward pass whose ``last_hidden_state`` is the case's ``h`` (``case.context["expected"]``); for
``tied``, what the model's own accessors say, ``get_output_embeddings().weight is
get_input_embeddings().weight``. The hints below compute known mistakes from the case's inputs,
so that a miss that matches one is named.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stream_course.lessons.unembedding.checks import (
    explain_error,
    hint,
    tied_signatures,
    verify_tied,
    verify_unembed,
)


def logits_of(
    h: torch.Tensor,
    wte: torch.Tensor,
    *,
    after: str | None = None,
    normalise: str | None = None,
    ln_f: tuple | None = None,
    weight: str = "transposed",
) -> torch.Tensor:
    """The logits h @ wte.T, right with the defaults; each keyword makes one known mistake."""
    d = wte.shape[1]
    if normalise == "ln_f":
        h = F.layer_norm(h, (d,), ln_f[0], ln_f[1], ln_f[2])
    elif normalise == "plain":
        h = F.layer_norm(h, (d,))
    elif normalise == "cosine":
        h, wte = F.normalize(h, dim=-1), F.normalize(wte, dim=-1)
    matrix = {"transposed": wte.T, "as is": wte, "reshaped": wte.reshape(d, -1)}[weight]
    logits = h @ matrix
    if after == "softmax":
        return logits.softmax(-1)
    if after == "log_softmax":
        return logits.log_softmax(-1)
    return logits


def unembed_hints(case) -> list:
    ln_f = case.context["ln_f"]
    return [
        hint("softmax", lambda h, wte: logits_of(h, wte, after="softmax")),
        hint("log_softmax", lambda h, wte: logits_of(h, wte, after="log_softmax")),
        hint("ln_f_twice", lambda h, wte: logits_of(h, wte, normalise="ln_f", ln_f=ln_f)),
        hint("normalised_again", lambda h, wte: logits_of(h, wte, normalise="plain")),
        hint("no_transpose", lambda h, wte: logits_of(h, wte, weight="as is")),
        hint("reshaped", lambda h, wte: logits_of(h, wte, weight="reshaped")),
        hint("cosine", lambda h, wte: logits_of(h, wte, normalise="cosine")),
    ]


def judge_unembed(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["unembed"], cases, strict=True):
        if outcome.raised is not None:
            kind, message = outcome.raised.get("type", ""), outcome.raised.get("message", "")
            explain_error(case.label, kind, message, tuple(case.args[1].shape))
        verify_unembed(
            outcome.get(case.label),
            case.context["expected"],
            case.label,
            hints=unembed_hints(case),
            inputs=case.args,
        )


def is_tied(model) -> bool:
    """transformers' own answer: the output embedding's weight is the input embedding's."""
    return model.get_output_embeddings().weight is model.get_input_embeddings().weight


def judge_tied(answers, cases, model, tokenizer) -> None:
    labels = [case.label for case in cases]
    got = [outcome.get(label) for outcome, label in zip(answers["tied"], labels, strict=True)]
    models = [case.args[0] for case in cases]
    verify_tied(got, [is_tied(m) for m in models], labels, tied_signatures(models))


JUDGES = {"test_unembed": judge_unembed, "test_tied": judge_tied}
