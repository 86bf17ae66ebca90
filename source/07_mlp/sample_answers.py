"""Sample answers to Lesson 07, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per part,
a phrase the feedback in that test cell must contain: the grader's message (in the grader's
kernels the visible check only says it was skipped; both name the same mistakes).

The reference ``mlp`` calls ``gelu_new``: a wrong ``gelu_new`` alone therefore also costs the
mlp part whenever the mistake changes GELU's values (as it would for a student), but not when
only the gelu_new cell breaks a rule (in place, a banned built-in that computes the right values).
"""

GELU = """
def gelu_new(x: torch.Tensor) -> torch.Tensor:
{body}
"""

MLP = """
def mlp(
    x: torch.Tensor,
    c_fc_weight: torch.Tensor,
    c_fc_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
) -> torch.Tensor:
{body}
"""


def gelu_fn(body: str) -> dict[str, str]:
    return {"gelu_new": GELU.format(body=body).strip()}


def mlp_fn(body: str) -> dict[str, str]:
    return {"mlp": MLP.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "sigmoid_form_and_einsum": {
        **gelu_fn(
            """    # 0.5·(1 + tanh(z)) = sigmoid(2·z)
    z = math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))
    return x * torch.sigmoid(2 * z)"""
        ),
        **mlp_fn(
            """    h = torch.einsum("btd,df->btf", x, c_fc_weight) + c_fc_bias
    return torch.einsum("btf,fd->btd", gelu_new(h), c_proj_weight) + c_proj_bias"""
        ),
    },
    "gelu_fast_form_and_addmm": {
        **gelu_fn(
            """    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))"""
        ),
        **mlp_fn(
            """    rows = x.reshape(-1, x.shape[-1])
    hidden = gelu_new(torch.addmm(c_fc_bias, rows, c_fc_weight))
    out = torch.addmm(c_proj_bias, hidden, c_proj_weight)
    return out.reshape(*x.shape[:-1], c_proj_weight.shape[1])"""
        ),
    },
    "torch_constants_and_F_gelu_tanh": {
        **gelu_fn(
            """    c = torch.sqrt(torch.tensor(2.0 / torch.pi, dtype=x.dtype))
    return 0.5 * x * (1 + torch.tanh(c * (x + 0.044715 * torch.pow(x, 3))))"""
        ),
        **mlp_fn(
            """    h = torch.matmul(x, c_fc_weight) + c_fc_bias
    return torch.matmul(F.gelu(h, approximate="tanh"), c_proj_weight) + c_proj_bias"""
        ),
    },
    "float64_inside_then_back_and_nn_gelu_tanh": {
        **gelu_fn(
            """    y = x.double()
    y = 0.5 * y * (1 + torch.tanh(math.sqrt(2 / math.pi) * (y + 0.044715 * y**3)))
    return y.to(x.dtype)"""
        ),
        **mlp_fn(
            """    activation = torch.nn.GELU(approximate="tanh")
    return activation(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias"""
        ),
    },
    "numpy_and_a_conv1d_helper": {
        **gelu_fn(
            """    import numpy as np
    a = x.numpy()
    y = 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3)))
    return torch.from_numpy(np.asarray(y, dtype=a.dtype))"""
        ),
        "mlp": """
def conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return x @ weight + bias  # GPT-2's Conv1D: weight (in, out)


def mlp(
    x: torch.Tensor,
    c_fc_weight: torch.Tensor,
    c_fc_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
) -> torch.Tensor:
    return conv1d(gelu_new(conv1d(x, c_fc_weight, c_fc_bias)), c_proj_weight, c_proj_bias)
""".strip(),
    },
    "in_place_on_new_tensors_only": {
        **gelu_fn(
            """    inner = x.pow(3).mul_(0.044715).add_(x).mul_(math.sqrt(2 / math.pi))
    return inner.tanh_().add_(1).mul_(x).mul_(0.5)  # in place on new tensors, never on x"""
        ),
        **mlp_fn(
            """    hidden = x @ c_fc_weight
    hidden += c_fc_bias  # a new tensor, not an input
    out = gelu_new(hidden) @ c_proj_weight
    out += c_proj_bias
    return out"""
        ),
    },
}

BOTH = {"test_gelu_new", "test_mlp"}
GELU_PART = {"test_gelu_new"}
MLP_PART = {"test_mlp"}

# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- gelu_new mistakes (the reference mlp calls gelu_new, so values carry into mlp) ---
    "erf_gelu_by_hand": {
        "answers": gelu_fn("""    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))"""),
        "loses": BOTH,
        "says": {"test_gelu_new": "exact GELU", "test_mlp": "erf form"},
    },
    "relu": {
        "answers": gelu_fn("""    return torch.clamp(x, min=0)"""),
        "loses": BOTH,
        "says": {"test_gelu_new": "this is ReLU", "test_mlp": "uses ReLU"},
    },
    "quick_gelu_sigmoid": {
        "answers": gelu_fn("""    return x * torch.sigmoid(1.702 * x)"""),
        "loses": BOTH,
        "says": {"test_gelu_new": "quick GELU", "test_mlp": "quick GELU"},
    },
    "cube_missing": {
        "answers": gelu_fn(
            """    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**2)))"""
        ),
        "loses": BOTH,
        "says": {"test_gelu_new": "the cube is missing", "test_mlp": "has no cube"},
    },
    "sqrt_2_pi_instead_of_sqrt_2_over_pi": {
        "answers": gelu_fn(
            """    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 * math.pi) * (x + 0.044715 * x**3)))"""
        ),
        "loses": BOTH,
        "says": {"test_gelu_new": "√(2π)"},
    },
    "float64_result": {
        "answers": gelu_fn(
            """    x = x.double()  # more precision
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))"""
        ),
        "loses": BOTH,
        "says": {"test_gelu_new": "torch.float64", "test_mlp": "float64"},
    },
    "changes_x_in_place": {
        "answers": gelu_fn(
            """    y = x  # not a copy: y *= ... changes x too
    y *= 0.5 * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return y"""
        ),
        # mlp hands gelu_new a fresh tensor (x @ W + b), so only the gelu_new part sees it
        "loses": GELU_PART,
        "says": {"test_gelu_new": "in place"},
    },
    "math_tanh_raises": {
        "answers": gelu_fn(
            """    return 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))"""
        ),
        "loses": BOTH,
        "says": {"test_gelu_new": "torch.tanh", "test_mlp": "torch.tanh"},
    },
    # NaN: tanh written with exp overflows in float32 for x above about 9.8
    "tanh_through_exp_overflows": {
        "answers": gelu_fn(
            """    e = torch.exp(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
    return 0.5 * x * (1 + (e - 1) / (e + 1))"""
        ),
        "loses": GELU_PART,
        "says": {"test_gelu_new": "overflow"},
    },
    # Right values, but not written by hand: only the gelu_new part scores 0. The mlp that
    # calls it keeps its points (mlp may use F.gelu(approximate="tanh")).
    "uses_F_gelu_tanh": {
        "answers": gelu_fn("""    return F.gelu(x, approximate="tanh")"""),
        "loses": GELU_PART,
        "says": {"test_gelu_new": "must be written by hand"},
    },
    "uses_nn_GELU": {
        "answers": gelu_fn("""    return torch.nn.GELU(approximate="tanh")(x)"""),
        "loses": GELU_PART,
        "says": {"test_gelu_new": "torch.nn.GELU"},
    },
    # transformers' activation: banned in gelu_new, and in an mlp that calls it.
    "uses_transformers_gelu_new": {
        "answers": gelu_fn(
            """    from transformers.activations import gelu_new as hf_gelu_new

    return hf_gelu_new(x)"""
        ),
        "loses": BOTH,
        "says": {"test_gelu_new": "gelu_new", "test_mlp": "must be written by hand"},
    },
    "uses_the_models_activation_module": {
        "answers": gelu_fn("""    return model.transformer.h[0].mlp.act(x)"""),
        "loses": BOTH,
        "says": {"test_gelu_new": "mlp.act", "test_mlp": "mlp.act"},
    },
    # --- mlp mistakes ---
    "mlp_with_F_gelu_default_erf": {
        "answers": mlp_fn(
            """    return F.gelu(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "erf form"},
    },
    "mlp_with_relu": {
        "answers": mlp_fn(
            """    return torch.relu(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "uses ReLU"},
    },
    "gelu_before_the_bias": {
        "answers": mlp_fn(
            """    hidden = gelu_new(x @ c_fc_weight) + c_fc_bias
    return hidden @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "before the c_fc bias"},
    },
    "c_proj_bias_missing": {
        "answers": mlp_fn("""    return gelu_new(x @ c_fc_weight + c_fc_bias) @ c_proj_weight"""),
        "loses": MLP_PART,
        "says": {"test_mlp": "c_proj bias is missing"},
    },
    "gelu_after_c_proj_too": {
        "answers": mlp_fn(
            """    hidden = gelu_new(x @ c_fc_weight + c_fc_bias)
    return gelu_new(hidden @ c_proj_weight + c_proj_bias)"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "GELU is applied twice"},
    },
    "no_activation": {
        "answers": mlp_fn(
            """    return (x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "no activation"},
    },
    "adds_the_residual": {
        "answers": mlp_fn(
            """    return x + gelu_new(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "residual"},
    },
    # raises: the weights are (in, out), not nn.Linear's (out, in)
    "nn_linear_convention": {
        "answers": mlp_fn(
            """    hidden = gelu_new(F.linear(x, c_fc_weight, c_fc_bias))
    return F.linear(hidden, c_proj_weight, c_proj_bias)"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "Conv1D stores its weight as (in, out)"},
    },
    "mlp_float64_result": {
        "answers": mlp_fn(
            """    hidden = gelu_new(x.double() @ c_fc_weight.double() + c_fc_bias.double())
    return hidden @ c_proj_weight.double() + c_proj_bias.double()"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "torch.float64"},
    },
    "unsqueezes_the_bias_in_place": {
        "answers": mlp_fn(
            """    c_fc_bias.unsqueeze_(0)  # in place: the caller's bias changes shape
    hidden = gelu_new(x @ c_fc_weight + c_fc_bias)
    return hidden @ c_proj_weight + c_proj_bias"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "in place"},
    },
    "runs_gpt2_mlp": {
        "answers": mlp_fn(
            """    from transformers import GPT2Config
    from transformers.models.gpt2.modeling_gpt2 import GPT2MLP

    d, inner = c_fc_weight.shape
    module = GPT2MLP(inner, GPT2Config(n_embd=d, activation_function="gelu_new")).eval()
    module.c_fc.weight.data, module.c_fc.bias.data = c_fc_weight, c_fc_bias
    module.c_proj.weight.data, module.c_proj.bias.data = c_proj_weight, c_proj_bias
    return module(x)"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "GPT2MLP"},
    },
    # Makes the visible self-check pass in the kernel; the grader decides the verdict.
    "patches_the_self_check": {
        "answers": mlp_fn(
            """    return torch.relu(x @ c_fc_weight + c_fc_bias) @ c_proj_weight + c_proj_bias


from stream_course.lessons.mlp import checks as _checks

_checks.check_mlp = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": MLP_PART,
        "says": {"test_mlp": "uses ReLU"},
    },
}
