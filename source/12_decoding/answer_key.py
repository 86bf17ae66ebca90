"""Lesson 12 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References, all from transformers itself:
- gpt2_forward: ``model(ids).logits`` of the model whose state dict the case handed in;
- greedy_decode: ``model.generate(ids, attention_mask=ones, do_sample=False, max_new_tokens=n,
  eos_token_id=None, pad_token_id=eos)``, computed when the case was built (it also chose the
  prompt: no near-tie on the way, ``checks.greedy_case``) and kept in ``case.context``;
- next_token_probs: ``softmax(TopKLogitsWarper(k)(None, TemperatureLogitsWarper(T)(None,
  logits)))``. TopKLogitsWarper removes the logits *below* the k-th largest, so a logit tied
  with the k-th is kept: the notebook's contract says the same.
The hints are the model run with one thing changed (checks.forward_hints, checks.greedy_hints) or
the logits with one step changed (checks.PROBS_HINTS), so that a miss that matches one is named.
"""

from __future__ import annotations

import torch
from transformers import TemperatureLogitsWarper, TopKLogitsWarper

from stream_course.lessons.decoding.checks import (
    explain_forward_error,
    forward_hints,
    greedy_hints,
    verify_forward,
    verify_greedy,
    verify_probs,
)


def _outcome(outcome, case, n_layer: int):
    """The recorded value; a KeyError that a known mistake explains is named first."""
    if outcome.raised is not None and outcome.raised.get("type") == "KeyError":
        explain_forward_error(case.label, outcome.raised.get("message", ""), n_layer)
    return outcome.get(case.label)


def _logits(model, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(ids).logits


def judge_forward(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["gpt2_forward"], cases, strict=True):
        on = case.context["model"]
        got = _outcome(outcome, case, on.config.n_layer)
        ids = case.args[1]
        expected = case.reference(_logits, on, ids)
        verify_forward(got, expected, case.label, forward_hints(on, ids))


def judge_greedy(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["greedy_decode"], cases, strict=True):
        on = case.context["model"]
        got = _outcome(outcome, case, on.config.n_layer)
        _, prompt, n_new, _ = case.args
        hints = greedy_hints(on, prompt, n_new)
        expected = case.context["expected"]
        verify_greedy(got, expected, prompt.shape[1], on.config.eos_token_id, case.label, hints)


def reference_probs(logits: torch.Tensor, temperature: float, top_k: int | None) -> torch.Tensor:
    scores = TemperatureLogitsWarper(temperature)(None, logits)
    if top_k is not None:
        scores = TopKLogitsWarper(top_k)(None, scores)
    return scores.softmax(dim=-1)


def judge_probs(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["next_token_probs"], cases, strict=True):
        got = outcome.get(case.label)
        (logits,) = case.args
        temperature, top_k = case.context["temperature"], case.context["top_k"]
        expected = reference_probs(logits, temperature, top_k)
        verify_probs(got, expected, (logits, temperature, top_k), case.label)


JUDGES = {
    "test_gpt2_forward": judge_forward,
    "test_greedy_decode": judge_greedy,
    "test_next_token_probs": judge_probs,
}
