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

from stream_course.checks.toolkit import Hint
from stream_course.lessons.mlp import checks

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
    Hint(
        "the GELU here is the exact erf form (F.gelu's default, or 0.5·h·(1 + erf(h/√2))). GPT-2 "
        "uses the tanh approximation: call your gelu_new, or F.gelu(h, approximate='tanh').",
        "여기의 GELU는 erf로 계산한 정확한 형태입니다(F.gelu의 기본값, 또는 "
        "0.5·h·(1 + erf(h/√2))). GPT-2는 tanh 근사를 씁니다. 여러분의 gelu_new나 "
        "F.gelu(h, approximate='tanh')를 쓰세요.",
        _with(_erf),
    ),
    Hint(
        "this uses ReLU between c_fc and c_proj. GPT-2's activation is GELU (tanh form): call "
        "your gelu_new.",
        "c_fc와 c_proj 사이에 ReLU를 썼습니다. GPT-2의 activation은 GELU(tanh 형태)입니다. "
        "여러분의 gelu_new를 쓰세요.",
        _with(_relu),
    ),
    Hint(
        "this uses the sigmoid approximation h·sigmoid(1.702·h) ('quick GELU'). GPT-2's is the "
        "tanh form: call your gelu_new.",
        "sigmoid 근사 h·sigmoid(1.702·h)('quick GELU')를 썼습니다. GPT-2는 tanh 형태입니다. "
        "여러분의 gelu_new를 쓰세요.",
        _with(_quick),
    ),
    Hint(
        "the GELU inside has no cube: x + 0.044715·x² instead of x + 0.044715·x³ (x**3).",
        "안쪽 GELU에 세제곱이 없습니다. x + 0.044715·x³(x**3) 대신 x + 0.044715·x²를 썼습니다.",
        _with(_no_cube),
    ),
    Hint(
        "the GELU is applied before the c_fc bias: gelu(x @ W_fc) + b_fc. The bias belongs to "
        "the linear layer: gelu(x @ W_fc + b_fc).",
        "GELU를 c_fc의 bias보다 먼저 적용했습니다: gelu(x @ W_fc) + b_fc. bias는 선형 층에 "
        "속하므로 gelu(x @ W_fc + b_fc)입니다.",
        lambda x, wf, bf, wp, bp: (GELU_NEW(x @ wf) + bf) @ wp + bp,
    ),
    Hint(
        "the c_proj bias is missing: add c_proj_bias after the second matrix product.",
        "c_proj bias가 빠졌습니다. 두 번째 행렬 곱 뒤에 c_proj_bias를 더하세요.",
        lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf + bf) @ wp,
    ),
    Hint(
        "the c_fc bias is missing: add c_fc_bias after the first matrix product, before the GELU.",
        "c_fc bias가 빠졌습니다. 첫 번째 행렬 곱 뒤, GELU 전에 c_fc_bias를 더하세요.",
        lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf) @ wp + bp,
    ),
    Hint(
        "both biases are missing: x @ W_fc + b_fc, then GELU, then @ W_proj + b_proj.",
        "bias 두 개가 모두 빠졌습니다: x @ W_fc + b_fc, GELU, 그다음 @ W_proj + b_proj입니다.",
        lambda x, wf, bf, wp, bp: GELU_NEW(x @ wf) @ wp,
    ),
    Hint(
        "GELU is applied twice: once between c_fc and c_proj, and again after c_proj. GPT-2's "
        "MLP has one activation only, between the two layers; its output is not activated.",
        "GELU를 두 번 적용했습니다. c_fc와 c_proj 사이에 한 번, c_proj 뒤에 또 한 번입니다. "
        "GPT-2의 MLP에는 두 층 사이에 activation이 하나만 있고, 출력에는 적용하지 않습니다.",
        lambda x, wf, bf, wp, bp: GELU_NEW(GELU_NEW(x @ wf + bf) @ wp + bp),
    ),
    Hint(
        "GELU is applied after c_proj instead of between the two layers: gelu(x @ W_fc + b_fc) "
        "goes into c_proj, and c_proj's output is returned as it is.",
        "GELU를 두 층 사이가 아니라 c_proj 뒤에 적용했습니다. gelu(x @ W_fc + b_fc)가 c_proj로 "
        "들어가고, c_proj의 출력은 그대로 돌려줍니다.",
        lambda x, wf, bf, wp, bp: GELU_NEW((x @ wf + bf) @ wp + bp),
    ),
    Hint(
        "GELU is applied twice between the layers: gelu(gelu(h)). Once is enough.",
        "두 층 사이에 GELU를 두 번 적용했습니다: gelu(gelu(h)). 한 번이면 됩니다.",
        lambda x, wf, bf, wp, bp: GELU_NEW(GELU_NEW(x @ wf + bf)) @ wp + bp,
    ),
    Hint(
        "there is no activation between c_fc and c_proj: two linear layers in a row are one "
        "linear layer. Apply gelu_new to x @ W_fc + b_fc.",
        "c_fc와 c_proj 사이에 activation이 없습니다. 선형 층 두 개를 이어 붙이면 선형 층 "
        "하나와 같습니다. x @ W_fc + b_fc에 gelu_new를 적용하세요.",
        lambda x, wf, bf, wp, bp: (x @ wf + bf) @ wp + bp,
    ),
    Hint(
        "the input x is added to the output: that is the residual connection, which the block "
        "adds (x + mlp(ln_2(x))). mlp returns only the MLP's own output.",
        "입력 x가 출력에 더해졌습니다. 그것은 block이 더하는 residual 연결입니다"
        "(x + mlp(ln_2(x))). mlp는 MLP 자신의 출력만 돌려줍니다.",
        lambda x, wf, bf, wp, bp: x + GELU_NEW(x @ wf + bf) @ wp + bp,
    ),
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
