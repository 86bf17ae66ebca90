"""Lesson 03 answer key: grader-only (nbgrader's ignore list keeps it out of release/, and it is
not part of the installed package). The judge (stream_course.grader.judge) calls ``JUDGES[grade_id]``
with the recorded answers, the part's cases rebuilt from the same seeds, and its own model.

References: for GPT-2's LayerNorms, what the module itself returned during the forward pass
(``case.context["expected"]``, read with hooks when the cases were built); for the hand-made
inputs, ``F.layer_norm``, which is what ``nn.LayerNorm`` runs. Each hint below computes one known
mistake, so that a miss that matches it is named.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stream_course.checks.toolkit import Hint, compare
from stream_course.lessons.layer_norm.checks import ATOL, EPS, RTOL


def reference(case) -> torch.Tensor:
    if "expected" in case.context:
        return case.context["expected"]
    x, weight, bias, *rest = case.args
    eps = rest[0] if rest else EPS
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


# --- known mistakes ----------------------------------------------------------------------------


def _centred(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return x - x.mean(dim, keepdim=True)


def _biased_var(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return x.var(dim, keepdim=True, correction=0)


def unbiased_variance(x, weight, bias, eps=EPS):
    return _centred(x) / torch.sqrt(x.var(-1, keepdim=True) + eps) * weight + bias


def eps_outside_sqrt(x, weight, bias, eps=EPS):
    return _centred(x) / (torch.sqrt(_biased_var(x)) + eps) * weight + bias


def torch_std_default(x, weight, bias, eps=EPS):
    return _centred(x) / (x.std(-1, keepdim=True) + eps) * weight + bias


def no_eps(x, weight, bias, eps=EPS):
    return _centred(x) / torch.sqrt(_biased_var(x)) * weight + bias


def no_sqrt(x, weight, bias, eps=EPS):
    return _centred(x) / (_biased_var(x) + eps) * weight + bias


def sqrt_of_std(x, weight, bias, eps=EPS):
    return _centred(x) / torch.sqrt(x.std(-1, keepdim=True, correction=0) + eps) * weight + bias


def eps_ignored(x, weight, bias, eps=EPS):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, EPS)


def _standardised(x, eps):
    return _centred(x) / torch.sqrt(_biased_var(x) + eps)


def weight_bias_swapped(x, weight, bias, eps=EPS):
    return _standardised(x, eps) * bias + weight


def no_bias(x, weight, bias, eps=EPS):
    return _standardised(x, eps) * weight


def no_weight(x, weight, bias, eps=EPS):
    return _standardised(x, eps) + bias


def no_affine(x, weight, bias, eps=EPS):
    return _standardised(x, eps)


def over_first_dim(x, weight, bias, eps=EPS):
    return _centred(x, 0) / torch.sqrt(_biased_var(x, 0) + eps) * weight + bias


def over_all_dims(x, weight, bias, eps=EPS):
    return (x - x.mean()) / torch.sqrt(x.var(correction=0) + eps) * weight + bias


HINTS = [
    # First: it equals the reference when eps is 1e-5, so it can only name a miss elsewhere.
    Hint(
        "the eps argument is ignored (a fixed 1e-5?). Use the eps you are given.",
        "인자로 받은 eps를 쓰지 않았습니다(1e-5로 고정?). 주어진 eps를 쓰세요.",
        eps_ignored,
    ),
    Hint(
        "this is the unbiased variance (divided by d - 1; torch.var's default). LayerNorm "
        "divides by d: use .var(dim=-1, unbiased=False) or correction=0.",
        "불편 분산(d - 1로 나눔, torch.var의 기본값)을 썼습니다. LayerNorm은 d로 나눕니다. "
        ".var(dim=-1, unbiased=False)나 correction=0을 쓰세요.",
        unbiased_variance,
    ),
    Hint(
        "eps is added outside the square root. It belongs inside: sqrt(var + eps).",
        "eps를 제곱근 밖에서 더했습니다. eps는 제곱근 안에 들어가야 합니다: sqrt(var + eps).",
        eps_outside_sqrt,
    ),
    Hint(
        "this divides by x.std() + eps: torch.std is unbiased by default and eps is outside the "
        "square root. Use sqrt(biased variance + eps).",
        "x.std() + eps로 나눴습니다. torch.std는 기본이 불편 추정이고 eps도 제곱근 밖에 있습니다. "
        "sqrt(편향 분산 + eps)를 쓰세요.",
        torch_std_default,
    ),
    Hint(
        "eps is missing: divide by sqrt(var + eps), not sqrt(var). It matters when a token's "
        "variance is tiny.",
        "eps가 빠졌습니다. sqrt(var)가 아니라 sqrt(var + eps)로 나누세요. token의 분산이 아주 "
        "작을 때 차이가 납니다.",
        no_eps,
    ),
    Hint(
        "this divides by var + eps without the square root: divide by the standard deviation, "
        "sqrt(var + eps).",
        "제곱근 없이 var + eps로 나눴습니다. 표준편차 sqrt(var + eps)로 나누세요.",
        no_sqrt,
    ),
    Hint(
        "this takes the square root of the standard deviation: sqrt(std + eps). Use the "
        "variance inside the root: sqrt(var + eps).",
        "표준편차에 다시 제곱근을 씌웠습니다: sqrt(std + eps). 제곱근 안에는 분산을 넣으세요: "
        "sqrt(var + eps).",
        sqrt_of_std,
    ),
    Hint(
        "weight and bias are swapped: multiply by weight, then add bias.",
        "weight와 bias가 바뀌었습니다. weight를 곱하고, 그다음 bias를 더하세요.",
        weight_bias_swapped,
    ),
    Hint(
        "bias is missing: after multiplying by weight, add bias.",
        "bias가 빠졌습니다. weight를 곱한 뒤 bias를 더하세요.",
        no_bias,
    ),
    Hint(
        "weight is missing: multiply the normalised x by weight before adding bias.",
        "weight가 빠졌습니다. 정규화한 x에 weight를 곱한 뒤 bias를 더하세요.",
        no_weight,
    ),
    Hint(
        "this is only the normalised x: multiply by weight and add bias.",
        "정규화만 했습니다. weight를 곱하고 bias를 더하세요.",
        no_affine,
    ),
    Hint(
        "this normalises over the first dimension. LayerNorm works on each token's vector: "
        "mean and variance over the last dimension (dim=-1, keepdim=True).",
        "첫 번째 차원으로 정규화했습니다. LayerNorm은 token마다 vector 하나씩 다룹니다. 평균과 "
        "분산은 마지막 차원에서 구하세요(dim=-1, keepdim=True).",
        over_first_dim,
    ),
    Hint(
        "this uses one mean and variance for the whole tensor. Each token gets its own: over "
        "the last dimension (dim=-1, keepdim=True).",
        "tensor 전체에서 평균과 분산을 하나만 구했습니다. token마다 따로 구해야 합니다: 마지막 "
        "차원(dim=-1, keepdim=True).",
        over_all_dims,
    ),
]


def judge_layer_norm(answers, cases, model, tokenizer) -> None:
    for outcome, case in zip(answers["layer_norm"], cases, strict=True):
        compare(
            outcome.get(case.label),
            reference(case),
            case.label,
            atol=ATOL,
            rtol=RTOL,
            hints=HINTS,
            inputs=case.args,
        )


JUDGES = {
    "test_layer_norm": judge_layer_norm,
    "test_layer_norm_edges": judge_layer_norm,
}
