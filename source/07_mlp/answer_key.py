"""Lesson 07 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References are transformers' own: for gelu_new, ``ACT2FN["gelu_new"]`` (NewGELUActivation, the
module GPT-2's blocks run, asserted against the model's ``h[0].mlp.act``); for mlp, what
``h[i].mlp`` returned during the forward pass (``case.context["expected"]``, read with hooks when
the cases were built). Each hint computes one known mistake, so that a miss that matches it is
named.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers.activations import ACT2FN, NewGELUActivation

from stream_course.lessons.mlp import checks
from stream_course.lessons.mlp.checks import hint

GELU_NEW = ACT2FN["gelu_new"]  # NewGELUActivation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))


def reference_gelu(x: torch.Tensor) -> torch.Tensor:
    return GELU_NEW(x)


def judge_gelu_new(answers, cases, model, tokenizer) -> None:
    assert isinstance(GELU_NEW, NewGELUActivation), "grader: ACT2FN['gelu_new'] has changed"
    assert isinstance(model.transformer.h[0].mlp.act, NewGELUActivation), "grader: not gelu_new"
    for outcome, case in zip(answers["gelu_new"], cases, strict=True):
        if outcome.raised is not None:
            raised = outcome.raised
            checks.explain_error(case.label, raised.get("type", ""), raised.get("message", ""))
        (x,) = case.args
        checks.verify_gelu(outcome.get(case.label), reference_gelu(x), x, case.label)


# --- mlp: known mistakes, each (x, c_fc_weight, c_fc_bias, c_proj_weight, c_proj_bias) -> tensor


def _erf(h):
    return F.gelu(h)


def _relu(h):
    return torch.relu(h)


def _quick(h):
    return h * torch.sigmoid(1.702 * h)


def _no_cube(h):
    return 0.5 * h * (1 + torch.tanh(0.7978845608028654 * (h + 0.044715 * h**2)))


def _with(activation):
    return lambda x, wf, bf, wp, bp: activation(x @ wf + bf) @ wp + bp


MLP_HINTS = [
    hint("erf", _with(_erf)),
    hint("relu", _with(_relu)),
    hint("quick", _with(_quick)),
    hint("no_cube", _with(_no_cube)),
    hint("gelu_before_bias", lambda x, wf, bf, wp, bp: (GELU_NEW(x @ wf) + bf) @ wp + bp),
    hint("no_c_proj_bias", lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf + bf) @ wp),
    hint("no_c_fc_bias", lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf) @ wp + bp),
    hint("no_biases", lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf) @ wp),
    hint("gelu_twice", lambda x, wf, bf, wp, bp: GELU_NEW(GELU_NEW(x @ wf + bf) @ wp + bp)),
    hint("gelu_after_c_proj", lambda x, wf, bf, wp, bp: GELU_NEW((x @ wf + bf) @ wp + bp)),
    hint("gelu_gelu", lambda x, wf, bf, wp, bp: GELU_NEW(GELU_NEW(x @ wf + bf)) @ wp + bp),
    hint("no_activation", lambda x, wf, bf, wp, bp: (x @ wf + bf) @ wp + bp),
    hint("residual", lambda x, wf, bf, wp, bp: x + GELU_NEW(x @ wf + bf) @ wp + bp),
]


def judge_mlp(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["mlp"], cases, strict=True):
        if outcome.raised is not None:
            raised = outcome.raised
            checks.explain_error(case.label, raised.get("type", ""), raised.get("message", ""))
        checks.verify_mlp(
            outcome.get(case.label),
            case.context["expected"],
            case.label,
            hints=MLP_HINTS,
            inputs=case.args,
        )


JUDGES = {
    "test_gelu_new": judge_gelu_new,
    "test_mlp": judge_mlp,
}
