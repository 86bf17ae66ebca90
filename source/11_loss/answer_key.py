"""Lesson 11 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References: ``model(ids, labels=labels).loss`` of the forward pass whose logits are the case's
input (``case.context["expected"]``; transformers shifts the labels inside and averages over
every target that is not -100). ``verify_loss`` is the visible checks' verdict: a 0-d tensor
first, then the value, with a known mistake named on a miss (transformers' own loss function run
with one thing changed: unshifted, shifted twice, a sum, a mean of per-sequence means, ...).
"""

from __future__ import annotations

from stream_course.checks.toolkit import CheckFailure
from stream_course.lessons.loss.checks import explain_raised, verify_loss


def judge_next_token_loss(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["next_token_loss"], cases, strict=True):
        logits, labels = case.args
        try:
            got = outcome.get(case.label)
        except CheckFailure as failure:
            raise explain_raised(failure, labels) from None
        verify_loss(got, case.context["expected"], case.label, logits, labels)


JUDGES = {
    "test_next_token_loss": judge_next_token_loss,
    "test_next_token_loss_padding": judge_next_token_loss,
}
