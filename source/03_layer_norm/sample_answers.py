"""Sample answers to Lesson 03, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks.
"""

SIGNATURE = """
def layer_norm(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
{body}
"""


def layer_norm_fn(body: str) -> dict[str, str]:
    return {"layer_norm": SIGNATURE.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "sum_over_d": layer_norm_fn(
        """    d = x.shape[-1]
    mu = x.sum(dim=-1, keepdim=True) / d
    var = ((x - mu) * (x - mu)).sum(dim=-1, keepdim=True) / d
    return weight * (x - mu) / torch.sqrt(var + eps) + bias"""
    ),
    "var_mean_and_rsqrt": layer_norm_fn(
        """    var, mu = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mu) * torch.rsqrt(var + eps) * weight + bias"""
    ),
    "float64_inside_then_back": layer_norm_fn(
        """    x64 = x.double()
    mu = x64.mean(-1, keepdim=True)
    var = x64.var(-1, keepdim=True, unbiased=False)
    y = (x64 - mu) / torch.sqrt(var + eps) * weight.double() + bias.double()
    return y.to(x.dtype)"""
    ),
    "torch_var_unbiased_false": layer_norm_fn(
        """    mu = torch.mean(x, dim=-1, keepdim=True)
    var = torch.var(x, dim=-1, keepdim=True, unbiased=False)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias"""
    ),
    "std_correction_0_squared": layer_norm_fn(
        """    mu = x.mean(-1, keepdim=True)
    std = x.std(-1, keepdim=True, correction=0)
    return (x - mu) / (std**2 + eps).sqrt() * weight + bias"""
    ),
    "numpy": layer_norm_fn(
        """    import numpy as np
    a = x.numpy()
    mu = a.mean(axis=-1, keepdims=True)
    var = a.var(axis=-1, keepdims=True)  # numpy's default divides by d
    return torch.from_numpy((a - mu) / np.sqrt(var + eps) * weight.numpy() + bias.numpy())"""
    ),
    "flatten_to_rows_with_a_helper": {
        "layer_norm": """
def standardise_rows(rows: torch.Tensor, eps: float) -> torch.Tensor:
    centred = rows - rows.mean(dim=1, keepdim=True)
    return centred / torch.sqrt(centred.pow(2).mean(dim=1, keepdim=True) + eps)


def layer_norm(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    rows = x.reshape(-1, x.shape[-1])
    return (standardise_rows(rows, eps) * weight + bias).reshape(x.shape)""".strip()
    },
}

BOTH = {"test_layer_norm", "test_layer_norm_edges"}

# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    "unbiased_variance": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True)  # torch's default: divided by d - 1
    return (x - mu) / torch.sqrt(var + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "eps_outside_the_sqrt": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / (torch.sqrt(var) + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "torch_std_plus_eps": {
        "answers": layer_norm_fn(
            """    return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "no_eps": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "std_instead_of_var": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    std = x.std(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(std + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "weight_and_bias_swapped": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps) * bias + weight"""
        ),
        "loses": BOTH,
    },
    "missing_bias": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps) * weight"""
        ),
        "loses": BOTH,
    },
    "normalises_over_dim_0": {
        "answers": layer_norm_fn(
            """    mu = x.mean(0, keepdim=True)
    var = x.var(0, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "float64_result": {
        "answers": layer_norm_fn(
            """    x = x.double()
    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    "centres_x_in_place": {
        "answers": layer_norm_fn(
            """    x -= x.mean(-1, keepdim=True)
    var = (x**2).mean(-1, keepdim=True)
    return x / torch.sqrt(var + eps) * weight + bias"""
        ),
        "loses": BOTH,
    },
    # GPT-2's LayerNorms all use eps = 1e-5: only the hand-made eps = 0.5 case shows it.
    "ignores_the_eps_argument": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + 1e-5) * weight + bias"""
        ),
        "loses": {"test_layer_norm_edges"},
    },
    # Every activation of GPT-2 is (B, T, d): only the 2-D and 1-D inputs show it.
    "only_three_dimensional_input": {
        "answers": layer_norm_fn(
            """    mu = x.mean(dim=2, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=2, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias"""
        ),
        "loses": {"test_layer_norm_edges"},
    },
    # Silences the visible self-check: the verdicts are decided by the grader, not in the kernel.
    "silences_the_self_check": {
        "answers": layer_norm_fn(
            """    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias


from stream_course.lessons.layer_norm import checks as _checks

_checks.check_layer_norm = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": BOTH,
    },
    # Right values, but not written by hand: the grader reads the cell and scores both parts 0.
    "uses_F_layer_norm": {
        "answers": layer_norm_fn(
            """    import torch.nn.functional as F

    return F.layer_norm(x, x.shape[-1:], weight, bias, eps)"""
        ),
        "loses": BOTH,
    },
    "uses_torch_layer_norm": {
        "answers": layer_norm_fn(
            """    return torch.layer_norm(x, [x.shape[-1]], weight, bias, eps)"""
        ),
        "loses": BOTH,
    },
    "uses_nn_LayerNorm": {
        "answers": layer_norm_fn(
            """    module = nn.LayerNorm(x.shape[-1], eps=eps)
    module.weight.data.copy_(weight)
    module.bias.data.copy_(bias)
    return module(x)"""
        ),
        "loses": BOTH,
    },
}
