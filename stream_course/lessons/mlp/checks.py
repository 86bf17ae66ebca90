"""Lesson 07 checks, student side: the visible self-checks and the inputs of the hidden tests.

No function here computes GELU or the MLP. The visible checks compare the student's functions
with what the lesson model's own modules return: ``h[0].mlp.act`` (GPT-2's ``gelu_new``
activation) applied to a grid, and the output of ``h[i].mlp`` recorded with hooks during a
forward pass, for the input ``h[i].ln_2`` handed it. Those modules are exactly what the
exercises may not call (checked first, from the source). The hints below compute *mistakes*
(erf GELU, ReLU, ...), never the answer. The hidden tests' cases are inputs only; their
references and verdicts come from the grader's answer key (source/07_mlp/answer_key.py).
"""

from __future__ import annotations

import contextlib
import math

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    Hint,
    compare,
    fail,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import ODD, hooked, rescaled_gpt2, synthetic_gpt2, token_ids

# transformers' activations (transformers.activations): classes, the ACT2FN table and the plain
# functions. A right answer calls none of them, so they are banned by name; the student's own
# ``gelu_new(...)`` is a plain name, not an attribute or an import, and is never flagged.
TRANSFORMERS_ACTIVATIONS = (
    "NewGELUActivation",
    "GELUActivation",
    "FastGELUActivation",
    "QuickGELUActivation",
    "AccurateGELUActivation",
    "ClippedGELUActivation",
    "GELUTanh",
    "PytorchGELUTanh",
    "ACT2FN",
    "ACT2CLS",
    "get_activation",
    "gelu_new",  # transformers.activations.gelu_new (as an attribute or an import)
    "gelu_fast",
    "gelu_python",
    "gelu_pytorch_tanh",
    "quick_gelu",
)
# The lesson model's own activation module, reached through the model: ``model...mlp.act``.
MODEL_ACTIVATION = ("act", "get_submodule", "named_modules", "modules")
# gelu_new is the formula itself: no built-in GELU at all (F.gelu, nn.GELU, torch.ops...gelu).
BANNED = ("gelu", "GELU", *TRANSFORMERS_ACTIVATIONS, *MODEL_ACTIVATION, *forbidden.GPT2_MODULES)
# mlp may use the student's gelu_new, F.gelu(approximate="tanh") or nn.GELU("tanh"), not
# transformers' activations or GPT-2's modules.
MLP_BANNED = (*TRANSFORMERS_ACTIVATIONS, *MODEL_ACTIVATION, *forbidden.GPT2_MODULES)

GELU_ATOL = GELU_RTOL = 1e-5  # right styles differ from NewGELUActivation by <= 5e-7
MLP_ATOL = MLP_RTOL = 1e-4
GRID = (-6.0, 6.0, 2401)  # torch.linspace(*GRID): the erf/tanh gap peaks (4.7e-4) at |x| ≈ 2.7
TAILS = (-50.0, -20.0, -10.0, -8.0, 8.0, 10.0, 20.0, 50.0)  # far out: GELU(x) -> 0 or x
SENTENCE = "The feed-forward layer reads every token on its own, one at a time."
VISIBLE_SEED = 703  # the visible checks' random inputs and small random model
SMALL_SEED, ODD_SEED, WIDE_SEED = 701, 702, 704  # the hidden tests' random models

collect = collector("mlp")


def _erf_gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def _tanh_of(x: torch.Tensor, inner: torch.Tensor, half: float = 0.5) -> torch.Tensor:
    return half * x * (1 + torch.tanh(inner))


C = math.sqrt(2 / math.pi)

# Known mistakes in gelu_new: ``wrong(x)`` computes what each returns (never the answer).
GELU_HINTS = [
    Hint(
        "this is the exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), with erf. GPT-2 uses the tanh "
        "approximation ('gelu_new'): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). The two differ "
        "by up to 4.7e-4 (at |x| ≈ 2.7), far more than the tolerance.",
        "erf로 계산한 정확한 GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2))입니다. GPT-2는 tanh 근사"
        "('gelu_new')를 씁니다: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). 둘은 |x| ≈ 2.7 "
        "근처에서 최대 4.7e-4 차이가 나서 허용 오차보다 훨씬 큽니다.",
        _erf_gelu,
    ),
    Hint(
        "this is ReLU, max(0, x). GELU is smooth and slightly negative for x < 0: "
        "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).",
        "ReLU, max(0, x)입니다. GELU는 매끄럽고 x < 0에서 살짝 음수입니다: "
        "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).",
        lambda x: torch.clamp(x, min=0),
    ),
    Hint(
        "this is the sigmoid approximation x·sigmoid(1.702·x) ('quick GELU'). GPT-2 uses the "
        "tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).",
        "sigmoid 근사 x·sigmoid(1.702·x)('quick GELU')입니다. GPT-2는 tanh 형태를 씁니다: "
        "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).",
        lambda x: x * torch.sigmoid(1.702 * x),
    ),
    Hint(
        "the cube is missing: inside the tanh it is x + 0.044715·x³ (x**3), not x + 0.044715·x².",
        "세제곱이 빠졌습니다. tanh 안은 x + 0.044715·x²가 아니라 x + 0.044715·x³(x**3)입니다.",
        lambda x: _tanh_of(x, C * (x + 0.044715 * x**2)),
    ),
    Hint(
        "the cubic term is missing: inside the tanh it is √(2/π)·(x + 0.044715·x³), not √(2/π)·x.",
        "세제곱 항이 빠졌습니다. tanh 안은 √(2/π)·x가 아니라 √(2/π)·(x + 0.044715·x³)입니다.",
        lambda x: _tanh_of(x, C * x),
    ),
    Hint(
        "the constant is √(2/π) ≈ 0.798, not √(2π) ≈ 2.507 or 2/π: math.sqrt(2 / math.pi).",
        "상수는 √(2π) ≈ 2.507이나 2/π가 아니라 √(2/π) ≈ 0.798입니다: math.sqrt(2 / math.pi).",
        lambda x: _tanh_of(x, math.sqrt(2 * math.pi) * (x + 0.044715 * x**3)),
    ),
    Hint(
        "the constant is √(2/π) ≈ 0.798, not 2/π ≈ 0.637: take the square root.",
        "상수는 2/π ≈ 0.637이 아니라 √(2/π) ≈ 0.798입니다. 제곱근을 씌우세요.",
        lambda x: _tanh_of(x, 2 / math.pi * (x + 0.044715 * x**3)),
    ),
    Hint(
        "the factor 0.5 is missing: 0.5·x·(1 + tanh(...)).",
        "0.5가 빠졌습니다: 0.5·x·(1 + tanh(...)).",
        lambda x: _tanh_of(x, C * (x + 0.044715 * x**3), half=1.0),
    ),
    Hint(
        "the factor x is missing: this is 0.5·(1 + tanh(...)), a smooth step. GELU multiplies "
        "it by x: 0.5·x·(1 + tanh(...)).",
        "x가 빠졌습니다. 0.5·(1 + tanh(...))는 매끄러운 계단 함수입니다. GELU는 여기에 x를 "
        "곱합니다: 0.5·x·(1 + tanh(...)).",
        lambda x: 0.5 * (1 + torch.tanh(C * (x + 0.044715 * x**3))),
    ),
    Hint(
        "in the sigmoid form the argument is doubled: 0.5·(1 + tanh(z)) = sigmoid(2·z), so "
        "x·sigmoid(2·√(2/π)·(x + 0.044715·x³)).",
        "sigmoid 형태에서는 인자가 두 배입니다. 0.5·(1 + tanh(z)) = sigmoid(2·z)이므로 "
        "x·sigmoid(2·√(2/π)·(x + 0.044715·x³))입니다.",
        lambda x: x * torch.sigmoid(C * (x + 0.044715 * x**3)),
    ),
]

GELU_TIPS = (
    "GPT-2's activation is 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), element by element: "
    "the constant is math.sqrt(2 / math.pi), the cube is x**3, and torch.tanh works on the "
    "whole tensor.",
    "GPT-2의 activation은 원소마다 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))입니다. 상수는 "
    "math.sqrt(2 / math.pi), 세제곱은 x**3이고, torch.tanh는 tensor 전체에 한 번에 적용됩니다.",
)

# Known mistakes of mlp, one message each: the visible check and the answer key both use them.
MLP_MISTAKES = {
    "erf": (
        "the GELU here is the exact erf form (F.gelu's default, or 0.5·h·(1 + erf(h/√2))). GPT-2 "
        "uses the tanh approximation: call your gelu_new, or F.gelu(h, approximate='tanh').",
        "여기의 GELU는 erf로 계산한 정확한 형태입니다(F.gelu의 기본값, 또는 "
        "0.5·h·(1 + erf(h/√2))). GPT-2는 tanh 근사를 씁니다. 여러분의 gelu_new나 "
        "F.gelu(h, approximate='tanh')를 쓰세요.",
    ),
    "relu": (
        "this uses ReLU between c_fc and c_proj. GPT-2's activation is GELU (tanh form): call "
        "your gelu_new.",
        "c_fc와 c_proj 사이에 ReLU를 썼습니다. GPT-2의 activation은 GELU(tanh 형태)입니다. "
        "여러분의 gelu_new를 쓰세요.",
    ),
    "quick": (
        "this uses the sigmoid approximation h·sigmoid(1.702·h) ('quick GELU'). GPT-2's is the "
        "tanh form: call your gelu_new.",
        "sigmoid 근사 h·sigmoid(1.702·h)('quick GELU')를 썼습니다. GPT-2는 tanh 형태입니다. "
        "여러분의 gelu_new를 쓰세요.",
    ),
    "no_cube": (
        "the GELU inside has no cube: x + 0.044715·x² instead of x + 0.044715·x³ (x**3).",
        "안쪽 GELU에 세제곱이 없습니다. x + 0.044715·x³(x**3) 대신 x + 0.044715·x²를 썼습니다.",
    ),
    "gelu_before_bias": (
        "the GELU is applied before the c_fc bias: gelu(x @ W_fc) + b_fc. The bias belongs to "
        "the linear layer: gelu(x @ W_fc + b_fc).",
        "GELU를 c_fc의 bias보다 먼저 적용했습니다: gelu(x @ W_fc) + b_fc. bias는 선형 층에 "
        "속하므로 gelu(x @ W_fc + b_fc)입니다.",
    ),
    "no_c_proj_bias": (
        "the c_proj bias is missing: add c_proj_bias after the second matrix product.",
        "c_proj bias가 빠졌습니다. 두 번째 행렬 곱 뒤에 c_proj_bias를 더하세요.",
    ),
    "no_c_fc_bias": (
        "the c_fc bias is missing: add c_fc_bias after the first matrix product, before the GELU.",
        "c_fc bias가 빠졌습니다. 첫 번째 행렬 곱 뒤, GELU 전에 c_fc_bias를 더하세요.",
    ),
    "no_biases": (
        "both biases are missing: x @ W_fc + b_fc, then GELU, then @ W_proj + b_proj.",
        "bias 두 개가 모두 빠졌습니다: x @ W_fc + b_fc, GELU, 그다음 @ W_proj + b_proj입니다.",
    ),
    "gelu_twice": (
        "GELU is applied twice: once between c_fc and c_proj, and again after c_proj. GPT-2's "
        "MLP has one activation only, between the two layers; its output is not activated.",
        "GELU를 두 번 적용했습니다. c_fc와 c_proj 사이에 한 번, c_proj 뒤에 또 한 번입니다. "
        "GPT-2의 MLP에는 두 층 사이에 activation이 하나만 있고, 출력에는 적용하지 않습니다.",
    ),
    "gelu_after_c_proj": (
        "GELU is applied after c_proj instead of between the two layers: gelu(x @ W_fc + b_fc) "
        "goes into c_proj, and c_proj's output is returned as it is.",
        "GELU를 두 층 사이가 아니라 c_proj 뒤에 적용했습니다. gelu(x @ W_fc + b_fc)가 c_proj로 "
        "들어가고, c_proj의 출력은 그대로 돌려줍니다.",
    ),
    "gelu_gelu": (
        "GELU is applied twice between the layers: gelu(gelu(h)). Once is enough.",
        "두 층 사이에 GELU를 두 번 적용했습니다: gelu(gelu(h)). 한 번이면 됩니다.",
    ),
    "no_activation": (
        "there is no activation between c_fc and c_proj: two linear layers in a row are one "
        "linear layer. Apply gelu_new to x @ W_fc + b_fc.",
        "c_fc와 c_proj 사이에 activation이 없습니다. 선형 층 두 개를 이어 붙이면 선형 층 "
        "하나와 같습니다. x @ W_fc + b_fc에 gelu_new를 적용하세요.",
    ),
    "residual": (
        "the input x is added to the output: that is the residual connection, which the block "
        "adds (x + mlp(ln_2(x))). mlp returns only the MLP's own output.",
        "입력 x가 출력에 더해졌습니다. 그것은 block이 더하는 residual 연결입니다"
        "(x + mlp(ln_2(x))). mlp는 MLP 자신의 출력만 돌려줍니다.",
    ),
}


def hint(key: str, wrong) -> Hint:
    return Hint(*MLP_MISTAKES[key], wrong)


MLP_TIPS = (
    "The usual causes: the MLP is gelu_new(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + "
    "c_proj_bias. GPT-2's Conv1D weights are (in, out): no transpose. The GELU goes after the "
    "c_fc bias and only there (not after c_proj), and it is the tanh form: F.gelu's default is "
    "the erf form, so pass approximate='tanh' or call your gelu_new. Both biases are needed, "
    "and mlp returns only the MLP's output (the residual x + ... is added by the block).",
    "흔한 원인: MLP는 gelu_new(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias입니다. "
    "GPT-2의 Conv1D weight는 (in, out)이므로 transpose하지 않습니다. GELU는 c_fc의 bias를 "
    "더한 뒤 한 번만 적용하고(c_proj 뒤에는 없음), tanh 형태여야 합니다. F.gelu의 기본값은 erf "
    "형태이니 approximate='tanh'를 주거나 여러분의 gelu_new를 쓰세요. bias 두 개가 모두 필요하고, "
    "mlp는 MLP의 출력만 돌려줍니다(residual x + ...는 block이 더합니다).",
)


# --- explaining failures (no answer computed) ----------------------------------------------------


def explain_error(name: str, kind: str, message: str) -> None:
    """Name the likely mistake behind an exception, if it is a known one."""
    if "cannot be multiplied" in message or "size of tensor a" in message:
        fail(
            f"{name} raised {kind} ({message}). GPT-2's Conv1D stores its weight as (in, out): "
            "c_fc_weight is (d, 4·d) and the layer computes x @ weight + bias. The nn.Linear "
            "convention (F.linear, x @ weight.T) expects (out, in): do not transpose.",
            f"{name}에서 {kind} 발생({message}). GPT-2의 Conv1D는 weight를 (in, out)으로 "
            "저장합니다. c_fc_weight는 (d, 4·d)이고 층은 x @ weight + bias를 계산합니다. "
            "nn.Linear 방식(F.linear, x @ weight.T)은 (out, in)을 기대하므로 transpose하지 마세요.",
        )
    if "same dtype" in message:
        fail(
            f"{name} raised {kind} ({message}): a float64 tensor met a float32 one. Does "
            "gelu_new or mlp switch to float64 (.double(), numpy float64)? Keep the inputs' "
            "dtype, float32.",
            f"{name}에서 {kind} 발생({message}). float64 tensor와 float32 tensor가 만났습니다. "
            "gelu_new나 mlp에서 float64로 바꾸지 않았나요(.double(), numpy float64)? 입력의 "
            "dtype(float32)을 유지하세요.",
        )
    if "only one element tensors" in message or "must be real number" in message:
        fail(
            f"{name} raised {kind} ({message}): math.tanh, math.exp and friends take one "
            "Python number. Use torch.tanh, torch.exp, ... on tensors.",
            f"{name}에서 {kind} 발생({message}). math.tanh, math.exp 같은 함수는 Python 숫자 "
            "하나만 받습니다. tensor에는 torch.tanh, torch.exp 등을 쓰세요.",
        )


def explain_non_finite(got, x: torch.Tensor, name: str) -> None:
    """NaN or inf only where |x| is large: an overflow (exp of a large number), said so."""
    if not (isinstance(got, torch.Tensor) and got.is_floating_point()):
        return
    if got.shape != x.shape:
        return
    bad = ~torch.isfinite(got)
    if bool(bad.any()) and bool((x[bad].abs() > 5).all()):
        fail(
            f"{name} has NaN or inf at large |x| only (e.g. x = {x[bad].flatten()[0].item():.3g}): "
            "an overflow. exp(2·z) is inf in float32 once 2·z > 88, and inf / inf is NaN. Use "
            "torch.tanh (or torch.sigmoid), which never overflows.",
            f"{name}의 NaN이나 inf가 |x|가 큰 곳에만 있습니다(예: x = "
            f"{x[bad].flatten()[0].item():.3g}). overflow입니다. float32에서 2·z > 88이면 "
            "exp(2·z)가 inf가 되고 inf / inf는 NaN입니다. overflow가 없는 torch.tanh(또는 "
            "torch.sigmoid)를 쓰세요.",
        )


@contextlib.contextmanager
def _tips(tips: tuple[str, str]):
    """Re-raise a check's failure with the usual causes appended."""
    try:
        yield
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}{say(*tips)}") from None


def _call(function, args: tuple, name: str):
    """``function(*args)`` on copies, failing on in-place changes; known errors explained."""
    try:
        return unchanged(function, *args, name=name)
    except CheckFailure as failure:
        text = str(failure)
        for kind in ("RuntimeError", "ValueError", "TypeError"):
            if f"raised {kind}: " in text:
                raised = text.split(f"raised {kind}: ", 1)[1].split("\n", 1)[0]
                explain_error(name, kind, raised)
        raise


# --- 1. gelu_new -----------------------------------------------------------------------------


def spread_values(seed: int, *shape: int) -> torch.Tensor:
    """3·randn of ``shape``, from ``seed``: a GELU input with tails out to |x| ≈ 12."""
    generator = torch.Generator().manual_seed(seed)
    return 3 * torch.randn(*shape, generator=generator)


def _hidden_width(model) -> int:
    return model.config.n_inner or 4 * model.config.n_embd


def verify_gelu(got, expected: torch.Tensor, x: torch.Tensor, name: str) -> None:
    """``got`` against GELU values computed by the model's own activation (or the grader's)."""
    explain_non_finite(got, x, name)
    with _tips(GELU_TIPS):
        compare(
            got,
            expected,
            name,
            atol=GELU_ATOL,
            rtol=GELU_RTOL,
            hints=GELU_HINTS,
            inputs=(x,),
        )


@visible_check
def check_gelu_new(gelu_new, model) -> None:
    """Against the lesson model's own activation module ``h[0].mlp.act`` (transformers'
    NewGELUActivation), applied to a dense grid over [-6, 6], to 3·randn values of a (2, 5, 4·d)
    tensor, to a few large |x| and to a 0-d tensor. ``gelu_new`` may not call it, or any
    built-in GELU (checked first, from its source)."""
    forbidden.check_written_by_hand(gelu_new, BANNED, "gelu_new")
    activation = model.transformer.h[0].mlp.act  # what GPT-2's blocks run between c_fc and c_proj
    inputs = [
        ("gelu_new on torch.linspace(-6, 6, 2401)", torch.linspace(*GRID)),
        (
            f"gelu_new on 3·randn(2, 5, {_hidden_width(model)})",
            spread_values(VISIBLE_SEED, 2, 5, _hidden_width(model)),
        ),
        (f"gelu_new on x = {list(TAILS)}", torch.tensor(TAILS)),
        ("gelu_new on a 0-d tensor, x = tensor(-0.75)", torch.tensor(-0.75)),
    ]
    for name, x in inputs:
        got = _call(gelu_new, (x,), name)
        verify_gelu(got, activation(x), x, name)
    passed("gelu_new matches the model's own activation (h[0].mlp.act)")


def gelu_cases(model, tokenizer) -> list[Case]:
    """The grid over [-6, 6] (where the erf form differs most), 3·randn of (2, 5, 4·d), large |x|,
    a 1-element and a 0-d tensor. (No forward pass: GPT-2's own pre-activations, std ≈ 0.6 on the
    stand-in, add nothing the grid does not cover.)"""
    hidden = _hidden_width(model)
    return [
        Case("gelu_new on torch.linspace(-6, 6, 2401)", (torch.linspace(*GRID),)),
        Case(f"gelu_new on 3·randn(2, 5, {hidden})", (spread_values(7001, 2, 5, hidden),)),
        Case(f"gelu_new on x = {list(TAILS)}", (torch.tensor(TAILS),)),
        Case("gelu_new on a 1-element tensor, x = tensor([1.9])", (torch.tensor([1.9]),)),
        Case("gelu_new on a 0-d tensor, x = tensor(-1.9)", (torch.tensor(-1.9),)),
    ]


# --- 2. mlp ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _eval(model):
    """Eval mode for the forward pass (no dropout), the model's own mode restored afterwards."""
    training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(training)


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


def mlp_weights(model, layer: int) -> tuple[torch.Tensor, ...]:
    """``(c_fc_weight, c_fc_bias, c_proj_weight, c_proj_bias)`` of block ``layer``, detached."""
    block = model.transformer.h[layer].mlp
    return tuple(
        p.detach().clone()
        for p in (block.c_fc.weight, block.c_fc.bias, block.c_proj.weight, block.c_proj.bias)
    )


def module_cases(model, ids: torch.Tensor, layers, where: str) -> list[Case]:
    """One case per block: x = what ``h[i].ln_2`` returned during a full forward pass of ``ids``
    (hooks), with the block's MLP weights. ``context["expected"]`` is what ``h[i].mlp`` returned:
    the answer key's reference, never sent anywhere."""
    names = [f"transformer.h.{i}.{m}" for i in layers for m in ("ln_2", "mlp")]
    with torch.no_grad(), hooked(model, names) as seen, _eval(model):
        model.transformer(ids)
    cases = []
    for i in layers:
        x = seen[f"transformer.h.{i}.ln_2"][1].detach().clone()
        expected = seen[f"transformer.h.{i}.mlp"][1].detach().clone()
        label = f"mlp on {where}'s h[{i}] (x {tuple(x.shape)})"
        cases.append(Case(label, (x, *mlp_weights(model, i)), context={"expected": expected}))
    return cases


def verify_mlp(got, expected: torch.Tensor, name: str, hints=(), inputs=()) -> None:
    with _tips(MLP_TIPS):
        compare(
            got,
            expected,
            name,
            atol=MLP_ATOL,
            rtol=MLP_RTOL,
            hints=hints,
            inputs=inputs,
        )


def visible_mlp_hints(act, x, wf, bf, wp, bp, expected: torch.Tensor) -> list[Hint]:
    """Known mistakes, each from the block itself with one thing changed: its output without
    c_proj's bias or with x added, its own activation module (``act``) moved or doubled, or
    replaced by another activation. The right MLP is never computed here."""
    pre = x @ wf + bf
    erf = 0.5 * pre * (1 + torch.erf(pre / math.sqrt(2)))
    no_cube = 0.5 * pre * (1 + torch.tanh(math.sqrt(2 / math.pi) * (pre + 0.044715 * pre**2)))
    wrong = {
        "erf": lambda: erf @ wp + bp,
        "relu": lambda: pre.clamp(min=0) @ wp + bp,
        "quick": lambda: (pre * torch.sigmoid(1.702 * pre)) @ wp + bp,
        "no_cube": lambda: no_cube @ wp + bp,
        "gelu_before_bias": lambda: (act(x @ wf) + bf) @ wp + bp,
        "no_c_proj_bias": lambda: expected - bp,
        "gelu_twice": lambda: act(expected),
        "no_activation": lambda: pre @ wp + bp,
        "residual": lambda: x + expected,
    }
    return [hint(key, function) for key, function in wrong.items()]


@visible_check
def check_mlp(mlp, model) -> None:
    """Against the output of the model's own ``h[i].mlp`` (first and last block), read with hooks
    during a forward pass, for the input ``h[i].ln_2`` gave it; then the same on a small random
    model whose biases are not zero (a missing or misplaced bias shows there). ``mlp`` may not
    call GPT-2's modules or transformers' activations (checked first, from its source)."""
    forbidden.check_written_by_hand(mlp, MLP_BANNED, "mlp")
    last = model.config.n_layer - 1
    ids = token_ids(VISIBLE_SEED, 1, 8, model.config.vocab_size)
    small = synthetic_gpt2(VISIBLE_SEED)
    small_ids = token_ids(VISIBLE_SEED, 2, 8, small.config.vocab_size)
    checked = [
        (model, module_cases(model, ids, sorted({0, last}), "the lesson model")),
        (small, module_cases(small, small_ids, [0], "a small random model (non-zero biases)")),
    ]
    for source, cases in checked:
        activation = source.transformer.h[0].mlp.act  # the model's own GELU module
        for case in cases:
            got = _call(mlp, case.args, case.label)
            expected = case.context["expected"]
            hints = visible_mlp_hints(activation, *case.args, expected)
            verify_mlp(got, expected, case.label, hints=hints)
    passed("mlp matches the model's h[i].mlp (and a small random model's)")


def wide_gpt2(seed: int):
    """A re-drawn model whose c_fc weights are doubled: pre-activations spread to |x| ≈ 3 and
    beyond, where the erf and tanh forms of GELU differ most (at |x| ≈ 2.7)."""
    return rescaled_gpt2(seed, 2, ("*.c_fc.weight",))


def mlp_cases(model, tokenizer) -> list[Case]:
    """The lesson model's first and last block on a sentence, and every block of three seeded
    models with every parameter re-drawn (non-zero biases): GPT-2's small test shape, one with 6
    heads and 3 layers (ODD), and one with wider pre-activations."""
    last = model.config.n_layer - 1
    cases = module_cases(model, sentence_ids(tokenizer), sorted({0, last}), "the lesson model")
    for seed, build, shape, length in (
        (SMALL_SEED, synthetic_gpt2, {}, 8),
        (ODD_SEED, synthetic_gpt2, ODD, 8),
        (WIDE_SEED, wide_gpt2, {}, 16),
    ):
        synthetic = build(seed, **shape)
        ids = token_ids(seed, 2, length, synthetic.config.vocab_size)
        layers = range(synthetic.config.n_layer)
        cases += module_cases(synthetic, ids, layers, f"random model {seed}")
    return cases


PARTS = {
    "test_gelu_new": Part(answers=("gelu_new",), calls="gelu_new", cases=gelu_cases),
    "test_mlp": Part(answers=("mlp",), calls="mlp", cases=mlp_cases),
}
