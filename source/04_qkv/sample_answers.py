"""Sample answers to Lesson 04, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per part,
a phrase the feedback in that test cell must contain: the grader's message (in the grader's
kernels the visible check only says it was skipped; both name the same mistakes).

The reference ``qkv_heads`` calls the student's ``conv1d``: a ``conv1d`` that is wrong on
``c_attn`` (or reads a forbidden module) therefore loses the ``qkv_heads`` parts as well.
"""

CONV1D = """
def conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
{body}
"""

QKV_HEADS = """
def qkv_heads(
    x: torch.Tensor, c_attn_weight: torch.Tensor, c_attn_bias: torch.Tensor, n_head: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
{body}
"""


def conv1d_fn(body: str) -> dict[str, str]:
    return {"conv1d": CONV1D.format(body=body).strip()}


def qkv_fn(body: str) -> dict[str, str]:
    return {"qkv_heads": QKV_HEADS.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "matmul_and_chunk_unflatten": {
        **conv1d_fn("""    return torch.matmul(x, weight) + bias"""),
        **qkv_fn(
            """    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).chunk(3, dim=-1)
    d_head = x.shape[-1] // n_head
    return tuple(t.unflatten(-1, (n_head, d_head)).transpose(1, 2) for t in (q, k, v))"""
        ),
    },
    "addmm_and_one_permute": {
        **conv1d_fn(
            """    rows = x.reshape(-1, x.shape[-1])
    return torch.addmm(bias, rows, weight).reshape(*x.shape[:-1], weight.shape[1])"""
        ),
        **qkv_fn(
            """    B, T, d = x.shape
    qkv = conv1d(x, c_attn_weight, c_attn_bias).view(B, T, 3, n_head, d // n_head)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    return q, k, v"""
        ),
    },
    "linear_with_transposed_weight_and_per_slice_matmuls": {
        **conv1d_fn(
            """    import torch.nn.functional as F

    return F.linear(x, weight.T, bias)"""
        ),
        **qkv_fn(
            """    B, T, d = x.shape
    d_head = d // n_head
    out = []
    for part in range(3):
        columns = slice(part * d, (part + 1) * d)
        t = x @ c_attn_weight[:, columns] + c_attn_bias[columns]
        out.append(t.reshape(B, T, n_head, d_head).permute(0, 2, 1, 3))
    return out[0], out[1], out[2]"""
        ),
    },
    "einsum_everywhere": {
        **conv1d_fn("""    return torch.einsum("...i,io->...o", x, weight) + bias"""),
        **qkv_fn(
            """    d = x.shape[-1]
    d_head = d // n_head
    w = c_attn_weight.view(d, 3, n_head, d_head)
    b = c_attn_bias.view(3, 1, n_head, 1, d_head)
    q, k, v = torch.einsum("btd,dshe->sbhte", x, w) + b
    return q, k, v"""
        ),
    },
    "tensordot_and_split_movedim_as_list": {
        **conv1d_fn("""    return torch.tensordot(x, weight, dims=([-1], [0])) + bias"""),
        **qkv_fn(
            """    B, T, d = x.shape
    heads = []
    for t in torch.split(conv1d(x, c_attn_weight, c_attn_bias), d, dim=2):
        heads.append(t.reshape(B, T, n_head, -1).movedim(2, 1).contiguous())
    return heads  # a list of three tensors is fine too"""
        ),
    },
    "numpy_conv1d": conv1d_fn(
        """    import numpy as np

    out = np.matmul(x.numpy(), weight.numpy()) + bias.numpy()
    return torch.from_numpy(out)"""
    ),
}

ALL = {"test_conv1d", "test_qkv_heads", "test_qkv_heads_odd"}
QKV = {"test_qkv_heads", "test_qkv_heads_odd"}

# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # Raises on the non-square c_attn; through qkv_heads, both qkv parts fail the same way.
    "conv1d_nn_linear_convention": {
        "answers": conv1d_fn(
            """    import torch.nn.functional as F

    return F.linear(x, weight, bias)"""
        ),
        "loses": ALL,
        "says": {"test_conv1d": "nn.Linear", "test_qkv_heads": "nn.Linear"},
    },
    # "Fixed" until it runs: weight.T wherever that fits, so only the square c_proj shows it.
    "conv1d_transposes_where_it_fits": {
        "answers": conv1d_fn(
            """    if weight.shape[1] == x.shape[-1]:  # nn.Linear's (out, in)
        return x @ weight.T + bias
    return x @ weight + bias"""
        ),
        "loses": {"test_conv1d"},
        "says": {"test_conv1d": "the nn.Linear convention"},
    },
    # The lesson model's biases are 0 offline: only the random models show it.
    "conv1d_without_bias": {
        "answers": conv1d_fn("""    return x @ weight"""),
        "loses": ALL,
        "says": {"test_conv1d": "bias is missing", "test_qkv_heads": "bias is missing"},
    },
    # Every activation of GPT-2 is (B, T, d): only the 2-D case shows it.
    "conv1d_three_dimensional_only": {
        "answers": conv1d_fn("""    return torch.einsum("btd,do->bto", x, weight) + bias"""),
        "loses": {"test_conv1d"},
        "says": {"test_conv1d": "2-D x"},
    },
    "conv1d_float64_result": {
        "answers": conv1d_fn("""    return x.double() @ weight.double() + bias.double()"""),
        "loses": ALL,
        "says": {"test_conv1d": "float64", "test_qkv_heads": "float64"},
    },
    # Saves memory on square layers by writing the result into x: changes its input.
    "conv1d_writes_into_x": {
        "answers": conv1d_fn(
            """    if weight.shape[0] == weight.shape[1]:
        return x.copy_(x @ weight + bias)
    return x @ weight + bias"""
        ),
        "loses": {"test_conv1d"},
        "says": {"test_conv1d": "in place"},
    },
    # Right values, but not written by hand: the grader reads the cells and scores them 0.
    "conv1d_uses_transformers_Conv1D": {
        "answers": conv1d_fn(
            """    from transformers.pytorch_utils import Conv1D

    layer = Conv1D(weight.shape[1], weight.shape[0])
    layer.weight.data.copy_(weight)
    layer.bias.data.copy_(bias)
    return layer(x)"""
        ),
        "loses": ALL,
        "says": {"test_conv1d": "must be written by hand"},
    },
    "qkv_split_k_q_v": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    k, q, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {
            "test_qkv_heads": "wrong order",
            "test_qkv_heads_odd": "your q is GPT-2's k",
        },
    },
    "qkv_returns_q_v_k": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))
    return q, v, k"""
        ),
        "loses": QKV,
        "says": {
            "test_qkv_heads": "your k is GPT-2's v",
            "test_qkv_heads_odd": "wrong order",
        },
    },
    # Right shape, wrong numbers: a view reads memory in order, it cannot move heads.
    "qkv_view_heads_directly": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.reshape(B, n_head, T, d // n_head) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "view(B, n_head, T, d_head) straight from"},
    },
    "qkv_heads_not_transposed": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, n_head, d // n_head) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "heads need .transpose(1, 2)"},
    },
    "qkv_scales_q": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    d_head = d // n_head
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    q = q / d_head**0.5  # attention divides by sqrt(d_head)
    return tuple(t.view(B, T, n_head, d_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "1/sqrt(d_head)", "test_qkv_heads_odd": "1/sqrt(d_head)"},
    },
    # Exact on GPT-2's shapes: the random models with 4 and 6 heads show it.
    "qkv_twelve_heads_typed_in": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, 12, d // 12).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "typed in", "test_qkv_heads_odd": "typed in"},
    },
    "qkv_d_head_64_typed_in": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, d // 64, 64).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "typed in", "test_qkv_heads_odd": "typed in"},
    },
    # The lesson's examples are one sentence: only the batches of 3 and 2 show it.
    "qkv_batch_of_one": {
        "answers": qkv_fn(
            """    T, d = x.shape[-2:]
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(1, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": {"test_qkv_heads_odd"},
        "says": {"test_qkv_heads_odd": "batch of 1"},
    },
    # The layout of models that interleave q, k, v per head; GPT-2 does not.
    "qkv_per_head_layout": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    qkv = conv1d(x, c_attn_weight, c_attn_bias).view(B, T, n_head, 3, d // n_head)
    q, k, v = qkv.permute(3, 0, 2, 1, 4)
    return q, k, v"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "[q | k | v] inside each head"},
    },
    # qkv_heads computes c_attn itself and forgets the bias (0 in the offline lesson model).
    "qkv_without_bias": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight).split(d, dim=-1)
    return tuple(t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {
            "test_qkv_heads": "bias is missing",
            "test_qkv_heads_odd": "bias is missing",
        },
    },
    "qkv_float64_result": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    y = conv1d(x.double(), c_attn_weight.double(), c_attn_bias.double())
    return tuple(t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in y.split(d, dim=-1))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "float64", "test_qkv_heads_odd": "float64"},
    },
    # split(3) cuts pieces of size 3, not 3 pieces: the unpacking raises.
    "qkv_raises": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(3, dim=-1)
    return tuple(t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "raised ValueError"},
    },
    # A typo in a scale that should not be there at all: 1/sqrt(0) turns q into inf and NaN.
    "qkv_nan": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    d_head = d // n_head
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    q = q / torch.tensor(float(d_head - d // n_head)).sqrt()
    return tuple(t.view(B, T, n_head, d_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "NaN or infinite"},
    },
    "qkv_stacked_tensor": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    y = conv1d(x, c_attn_weight, c_attn_bias).view(B, T, 3, n_head, d // n_head)
    return y.permute(2, 0, 3, 1, 4)  # q, k, v = this"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "stacked"},
    },
    # Scales x instead of q, and in place: changes its input (and every value).
    "qkv_scales_x_in_place": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    d_head = d // n_head
    x /= d_head**0.5
    q, k, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, n_head, d_head).transpose(1, 2) for t in (q, k, v))"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "in place", "test_qkv_heads_odd": "in place"},
    },
    # Silences the visible self-check: the verdicts are decided by the grader, not in the kernel.
    "qkv_silences_the_self_check": {
        "answers": qkv_fn(
            """    B, T, d = x.shape
    k, q, v = conv1d(x, c_attn_weight, c_attn_bias).split(d, dim=-1)
    return tuple(t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))


from stream_course.lessons.qkv import checks as _checks

_checks.check_qkv_heads_gpt2 = lambda *args, **kwargs: print("✓ passed / 통과")
_checks.check_qkv_heads_other_shapes = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": QKV,
        "says": {"test_qkv_heads": "wrong order"},
    },
}
