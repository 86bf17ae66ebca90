"""Lesson 03 checks, student side: the visible self-check and the inputs of the hidden tests.

No function here computes a LayerNorm. The visible check compares the student's ``layer_norm``
with what the model's own LayerNorm modules returned during a forward pass (read with hooks), and
those modules are exactly what the exercise may not call. The hidden tests' cases below are inputs
only (activations, weights, hand-made tensors); their references and verdicts come from the
grader's answer key (source/03_layer_norm/answer_key.py).
"""

from __future__ import annotations

import torch

from stream_course.checks import forbidden
from stream_course.checks.record import Case, Part, collector
from stream_course.checks.toolkit import (
    CheckFailure,
    compare,
    passed,
    say,
    unchanged,
    visible_check,
)
from stream_course.synthetic import (
    EMBEDDINGS,
    ODD,
    hooked,
    rescaled_gpt2,
    synthetic_gpt2,
    token_ids,
)

# What layer_norm may not call: the built-in LayerNorms and GPT-2's own modules.
BANNED = ("layer_norm", "LayerNorm", "native_layer_norm", *forbidden.GPT2_MODULES)
ATOL = RTOL = 1e-4
EPS = 1e-5  # GPT-2's layer_norm_epsilon, the default of layer_norm
SENTENCE = "Every token's vector is rescaled before attention and the MLP read it."

collect = collector("layer_norm")


def layer_norm_names(model, everywhere: bool = True) -> list[str]:
    """Names of the model's LayerNorms in the order the forward pass runs them: ln_1 and ln_2
    of every block (or of the first and last block only), then ln_f."""
    blocks = range(model.config.n_layer)
    if not everywhere:
        blocks = sorted({blocks[0], blocks[-1]})
    inside = [f"transformer.h.{i}.{ln}" for i in blocks for ln in ("ln_1", "ln_2")]
    return [*inside, "transformer.ln_f"]


def short_name(name: str) -> str:
    """How the lesson writes a module's name: h[0].ln_1 for transformer.h.0.ln_1, ln_f for
    transformer.ln_f."""
    parts = name.removeprefix("transformer.").split(".")
    return f"h[{parts[1]}].{parts[2]}" if parts[0] == "h" else parts[0]


def module_cases(model, ids: torch.Tensor, names: list[str], where: str) -> list[Case]:
    """One case per LayerNorm: what the module received during a full forward pass of ``ids``
    (hooks), and its own weight, bias and eps. ``context["expected"]`` is what the module
    returned: the answer key's reference, never sent anywhere."""
    modules = dict(model.named_modules())
    with torch.no_grad(), hooked(model, names) as seen:
        model.transformer(ids)
    cases = []
    for name in names:
        module = modules[name]
        x, output = seen[name]
        args = (x, module.weight.detach().clone(), module.bias.detach().clone())
        if module.eps != EPS:  # the default is GPT-2's; any other eps is passed
            args += (module.eps,)
        label = f"layer_norm on {where}'s {short_name(name)} (x {tuple(x.shape)})"
        cases.append(Case(label, args, context={"expected": output.detach().clone()}))
    return cases


def sentence_ids(tokenizer) -> torch.Tensor:
    return torch.tensor([tokenizer.encode(SENTENCE)])


# --- the visible self-check ---------------------------------------------------------------------

TIPS = (
    "The usual causes: the variance must be the biased one (divide by d, not d - 1: "
    "torch.var's default is unbiased), eps goes inside the square root, mean and variance are "
    "taken over the last dimension only (keepdim=True), then multiply by weight and add bias.",
    "흔한 원인: 분산은 편향 분산이어야 합니다(d - 1이 아니라 d로 나눔. torch.var의 기본값은 "
    "불편 분산입니다). eps는 제곱근 안에 들어갑니다. 평균과 분산은 마지막 차원에서만 구하고"
    "(keepdim=True), 그다음 weight를 곱하고 bias를 더합니다.",
)


def verify_module_output(got, expected: torch.Tensor, name: str) -> None:
    """``got`` against what a LayerNorm module returned, with the usual causes on a miss."""
    try:
        compare(got, expected, name, atol=ATOL, rtol=RTOL)
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}{say(*TIPS)}") from None


@visible_check
def check_layer_norm(layer_norm, model) -> None:
    """Against the lesson model's own ``h[0].ln_1`` and ``ln_f``: their inputs and outputs during
    a forward pass are read with hooks, and your function gets the same input with the module's
    weight, bias and eps. It cannot hand you the answer: the only LayerNorm computed here is the
    one inside those modules, which ``layer_norm`` may not call (checked first, from its source).
    """
    forbidden.check_written_by_hand(layer_norm, BANNED, "layer_norm")
    ids = token_ids(0, 1, 8, model.config.vocab_size)
    names = ["transformer.h.0.ln_1", "transformer.ln_f"]
    for case in module_cases(model, ids, names, "the lesson model"):
        got = unchanged(layer_norm, *case.args, name="layer_norm")
        verify_module_output(got, case.context["expected"], case.label)
    passed("layer_norm matches the model's h[0].ln_1 and ln_f")


# --- the hidden tests' cases (inputs only) ------------------------------------------------------


def quiet_gpt2(seed: int):
    """A re-drawn model whose embeddings are as small as transformers' initialisation makes them
    (wte ~ N(0, 0.02²), wpe ~ N(0, 0.01²)): the first ln_1 then sees a variance near eps, where
    an eps in the wrong place shows, whatever the lesson model is."""
    return rescaled_gpt2(seed, 0.04, EMBEDDINGS)


def layer_norm_cases(model, tokenizer) -> list[Case]:
    """GPT-2's own LayerNorms: the lesson model's (first and last block, ln_f) on a sentence, and
    every LayerNorm of three seeded models with every parameter re-drawn (gains and biases far
    from 1 and 0), one with n_head and n_layer not 12, one with embeddings as small as at init."""
    cases = module_cases(
        model,
        sentence_ids(tokenizer),
        layer_norm_names(model, everywhere=False),
        "the lesson model",
    )
    for seed, build, shape in (
        (31, synthetic_gpt2, {}),
        (32, synthetic_gpt2, ODD),
        (33, quiet_gpt2, {}),
    ):
        synthetic = build(seed, **shape)
        ids = token_ids(seed, 2, 8, synthetic.config.vocab_size)
        where = f"synthetic model {seed}"
        cases += module_cases(synthetic, ids, layer_norm_names(synthetic), where)
    return cases


def edge_cases(model, tokenizer) -> list[Case]:
    """Hand-made inputs where the usual mistakes show: a variance below eps, eps = 0.5, d = 4 in a
    2-D input (the biased and unbiased variance differ by a third), a single vector."""
    generator = torch.Generator().manual_seed(3)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator)

    def affine(d: int) -> tuple[torch.Tensor, torch.Tensor]:
        return 1 + 0.3 * randn(d), 0.1 * randn(d)

    # Not offset by a large constant: 3 + 1e-3·randn would lose digits to cancellation in fp32.
    tiny = 1e-3 * (randn(2, 5, 16) + 1)
    return [
        Case("layer_norm(x, weight, bias) with var(x) ≈ 1e-6, below eps", (tiny, *affine(16))),
        Case("layer_norm(x, weight, bias, eps=0.5)", (randn(2, 3, 12), *affine(12), 0.5)),
        Case("layer_norm on a 2-D x of shape (6, 4)", (2 * randn(6, 4) + 0.5, *affine(4))),
        Case("layer_norm on a single vector of shape (10,)", (randn(10) - 1, *affine(10))),
    ]


PARTS = {
    "test_layer_norm": Part(answers=("layer_norm",), calls="layer_norm", cases=layer_norm_cases),
    "test_layer_norm_edges": Part(answers=("layer_norm",), calls="layer_norm", cases=edge_cases),
}
