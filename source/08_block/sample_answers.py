"""Sample answers to Lesson 08, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. The notebook has two solution
cells: ``block_pieces`` (ungraded: the student's pieces from lessons 03, 06 and 07, which the
reference ``transformer_block`` calls) and ``transformer_block``. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase that the cell's error output must contain (the grader's message: in the grader's
kernels the visible self-check only says it was skipped).
"""

BLOCK = """
def transformer_block(x: torch.Tensor, params: dict, n_head: int) -> torch.Tensor:
{body}
"""


def block_fn(body: str) -> dict[str, str]:
    return {"transformer_block": BLOCK.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    # torch built-ins: F.layer_norm, F.scaled_dot_product_attention(is_causal=True), tanh F.gelu
    "builtins": block_fn(
        """    p = params
    B, T, d = x.shape
    h = F.layer_norm(x, (d,), p["ln_1.weight"], p["ln_1.bias"], eps=1e-5)
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    x = x + z.transpose(1, 2).reshape(B, T, d) @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    h = F.layer_norm(x, (d,), p["ln_2.weight"], p["ln_2.bias"], eps=1e-5)
    h = F.gelu(h @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"], approximate="tanh")
    return x + h @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]"""
    ),
    # einsum everywhere; LayerNorm with var_mean and rsqrt; the mask as -1e9 where tril is False
    "einsum_and_var_mean": block_fn(
        """    B, T, d = x.shape
    hd = d // n_head

    def norm(t, name):
        var, mean = torch.var_mean(t, dim=-1, keepdim=True, unbiased=False)
        return (t - mean) * torch.rsqrt(var + 1e-5) * params[name + ".weight"] + params[name + ".bias"]

    qkv = torch.einsum("btd,de->bte", norm(x, "ln_1"), params["attn.c_attn.weight"])
    qkv = qkv + params["attn.c_attn.bias"]
    q, k, v = qkv.reshape(B, T, 3, n_head, hd).unbind(dim=2)
    scores = torch.einsum("bqhk,bshk->bhqs", q, k) / hd**0.5
    keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
    pattern = scores.masked_fill(~keep, -1e9).softmax(dim=-1)
    z = torch.einsum("bhqs,bshk->bqhk", pattern, v).reshape(B, T, d)
    h = x + torch.einsum("btd,de->bte", z, params["attn.c_proj.weight"]) + params["attn.c_proj.bias"]
    u = torch.einsum("btd,df->btf", norm(h, "ln_2"), params["mlp.c_fc.weight"])
    u = u + params["mlp.c_fc.bias"]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u**3)))
    return h + torch.einsum("btf,fd->btd", u, params["mlp.c_proj.weight"]) + params["mlp.c_proj.bias"]"""
    ),
    # helpers of its own in the pieces cell: the params split by prefix, one function per part
    "helpers_in_the_pieces_cell": {
        "block_pieces": """
def sub(params: dict, prefix: str) -> dict:
    \"\"\"{'weight': ..., 'bias': ...} of one layer, e.g. sub(params, 'attn.c_proj').\"\"\"
    return {k[len(prefix) + 1 :]: v for k, v in params.items() if k.startswith(prefix + ".")}


def ln(x, p):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5) * p["weight"] + p["bias"]


def conv1d(x, p):
    return x @ p["weight"] + p["bias"]


def causal_attention(x, c_attn, c_proj, n_head):
    B, T, d = x.shape
    q, k, v = conv1d(x, c_attn).chunk(3, dim=-1)
    q, k, v = (t.reshape(B, T, n_head, -1).permute(0, 2, 1, 3) for t in (q, k, v))
    scores = q @ k.mT / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    z = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v
    return conv1d(z.permute(0, 2, 1, 3).reshape(B, T, d), c_proj)


def feed_forward(x, c_fc, c_proj):
    return conv1d(F.gelu(conv1d(x, c_fc), approximate="tanh"), c_proj)""".strip(),
        **block_fn(
            """    attn = causal_attention(
        ln(x, sub(params, "ln_1")), sub(params, "attn.c_attn"), sub(params, "attn.c_proj"), n_head
    )
    h = x + attn
    return h + feed_forward(ln(h, sub(params, "ln_2")), sub(params, "mlp.c_fc"), sub(params, "mlp.c_proj"))"""
        ),
    },
    # one head at a time, addmm, F.linear with the weights transposed, SDPA with a boolean mask
    "per_head_loop_and_addmm": block_fn(
        """    B, T, d = x.shape
    hd = d // n_head
    allowed = torch.ones(T, T, dtype=torch.bool).tril()  # True = may attend (SDPA's convention)
    h = F.layer_norm(x, (d,), params["ln_1.weight"], params["ln_1.bias"], 1e-5)
    qkv = torch.addmm(params["attn.c_attn.bias"], h.reshape(B * T, d), params["attn.c_attn.weight"])
    qkv = qkv.view(B, T, 3 * d)
    heads = []
    for i in range(n_head):
        q, k, v = (qkv[..., j * d + i * hd : j * d + (i + 1) * hd] for j in range(3))
        heads.append(F.scaled_dot_product_attention(q, k, v, attn_mask=allowed))
    z = torch.cat(heads, dim=-1)
    x = x + F.linear(z, params["attn.c_proj.weight"].T, params["attn.c_proj.bias"])
    h = F.layer_norm(x, (d,), params["ln_2.weight"], params["ln_2.bias"], 1e-5)
    h = F.gelu(F.linear(h, params["mlp.c_fc.weight"].T, params["mlp.c_fc.bias"]), approximate="tanh")
    return x + F.linear(h, params["mlp.c_proj.weight"].T, params["mlp.c_proj.bias"])"""
    ),
    # float64 inside for the LayerNorms, back to float32; torch.nn.GELU('tanh'); in place on new tensors only
    "float64_norms_and_in_place_on_new_tensors": block_fn(
        """    def norm(t, name):
        t64 = t.double()
        out = (t64 - t64.mean(-1, keepdim=True)) / (t64.var(-1, keepdim=True, correction=0) + 1e-5).sqrt()
        return (out * params[name + ".weight"].double() + params[name + ".bias"].double()).float()

    B, T, d = x.shape
    q, k, v = (norm(x, "ln_1") @ params["attn.c_attn.weight"] + params["attn.c_attn.bias"]).split(d, -1)
    q, k, v = (t.reshape(B, T, n_head, d // n_head).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-1, -2)
    scores /= math.sqrt(d // n_head)  # a new tensor: in place is fine here
    scores += torch.full((T, T), float("-inf")).triu(1)
    z = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, d)
    h = z @ params["attn.c_proj.weight"]
    h += params["attn.c_proj.bias"]
    h += x  # h is new, x is left alone
    gelu = torch.nn.GELU(approximate="tanh")
    u = gelu(norm(h, "ln_2") @ params["mlp.c_fc.weight"] + params["mlp.c_fc.bias"])
    return h + u @ params["mlp.c_proj.weight"] + params["mlp.c_proj.bias"]"""
    ),
}

BOTH = {"test_transformer_block", "test_transformer_block_odd"}


def says_both(phrase: str) -> dict[str, str]:
    return {part: phrase for part in BOTH}


def wrong(body: str, phrase: str, loses=BOTH) -> dict:
    return {"answers": block_fn(body), "loses": set(loses), "says": {p: phrase for p in loses}}


# The usual right parts, for the wrong answers below to change one thing each.
ATTN = """self_attention(
        {h}, p["attn.c_attn.weight"], p["attn.c_attn.bias"], p["attn.c_proj.weight"],
        p["attn.c_proj.bias"], n_head
    )"""
MLP = """mlp({h}, p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])"""


def attn(h: str) -> str:
    return ATTN.format(h=h)


def mlp(h: str) -> str:
    return MLP.format(h=h)


def ln(t: str, name: str) -> str:
    return f'layer_norm({t}, p["{name}.weight"], p["{name}.bias"])'


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # LayerNorm after the residual add, as in the original Transformer
    "post_ln": wrong(
        f"""    p = params
    h = {ln("x + " + attn("x"), "ln_1")}
    return {ln("h + " + mlp("h"), "ln_2")}""",
        "post-LN",
    ),
    "attention_residual_missing": wrong(
        f"""    p = params
    h = {attn(ln("x", "ln_1"))}
    return h + {mlp(ln("h", "ln_2"))}""",
        "attention's residual is missing",
    ),
    "mlp_residual_missing": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_1"))}
    return {mlp(ln("h", "ln_2"))}""",
        "MLP's residual is missing",
    ),
    # Exact on transformers' initialisation (ln_1 = ln_2 = 1/0): only the re-drawn models show it.
    "ln_1_and_ln_2_swapped": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_2"))}
    return h + {mlp(ln("h", "ln_1"))}""",
        "ln_1 and ln_2 are swapped",
    ),
    "ln_1_used_twice": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_1"))}
    return h + {mlp(ln("h", "ln_1"))}""",
        "ln_1 is used twice",
    ),
    # x = ln_1(x) first, then x = x + attn(x): the residual adds to the normalised vector
    "residual_from_the_normalised_vector": wrong(
        f"""    p = params
    x = {ln("x", "ln_1")}
    x = x + {attn("x")}
    x = {ln("x", "ln_2")}
    x = x + {mlp("x")}
    return x""",
        "residual starts from the normalised vector",
    ),
    # a 'parallel' block (GPT-J): the MLP reads x, not x + attn
    "mlp_on_the_block_input": wrong(
        f"""    p = params
    return x + {attn(ln("x", "ln_1"))} + {mlp(ln("x", "ln_2"))}""",
        "reads the block's input x",
    ),
    # Exact on GPT-2 shapes: the 4-head models raise, the 6-head ones show the values.
    "hard_coded_12_heads": wrong(
        f"""    p = params
    n_head = 12  # GPT-2 has 12 heads
    h = x + {attn(ln("x", "ln_1"))}
    return h + {mlp(ln("h", "ln_2"))}""",
        "not a fixed 12",
    ),
    "no_causal_mask": wrong(
        """    p = params
    B, T, d = x.shape
    h = F.layer_norm(x, (d,), p["ln_1.weight"], p["ln_1.bias"], 1e-5)
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v)  # is_causal left at False
    h = x + z.transpose(1, 2).reshape(B, T, d) @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    return h + mlp(F.layer_norm(h, (d,), p["ln_2.weight"], p["ln_2.bias"], 1e-5), p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])""",
        "causal mask is missing",
    ),
    "scores_not_scaled": wrong(
        """    p = params
    B, T, d = x.shape
    h = layer_norm(x, p["ln_1.weight"], p["ln_1.bias"])
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1.0)
    h = x + z.transpose(1, 2).reshape(B, T, d) @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    return h + mlp(layer_norm(h, p["ln_2.weight"], p["ln_2.bias"]), p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])""",
        "not scaled",
    ),
    # attn.c_proj is square: F.linear runs and is silently wrong
    "c_proj_with_nn_linear_convention": wrong(
        """    p = params
    B, T, d = x.shape
    h = layer_norm(x, p["ln_1.weight"], p["ln_1.bias"])
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, d)
    h = x + F.linear(z, p["attn.c_proj.weight"], p["attn.c_proj.bias"])
    return h + mlp(layer_norm(h, p["ln_2.weight"], p["ln_2.bias"]), p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])""",
        "nn.Linear's convention",
    ),
    # c_fc is (d, 4d): F.linear raises
    "mlp_with_nn_linear_convention": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_1"))}
    u = F.gelu(F.linear({ln("h", "ln_2")}, p["mlp.c_fc.weight"], p["mlp.c_fc.bias"]), approximate="tanh")
    return h + F.linear(u, p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])""",
        "Conv1D stores its weights as (in, out)",
    ),
    # F.gelu's default is the erf form: caught at 4x the allowance on the wide-MLP models
    "erf_gelu": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_1"))}
    u = F.gelu({ln("h", "ln_2")} @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"])
    return h + u @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]""",
        "exact erf form",
    ),
    "relu": wrong(
        f"""    p = params
    h = x + {attn(ln("x", "ln_1"))}
    u = torch.relu({ln("h", "ln_2")} @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"])
    return h + u @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]""",
        "uses ReLU",
    ),
    # Exact on transformers' initialisation (LayerNorm 1/0): only the re-drawn models show it.
    "layer_norm_without_weight_and_bias": wrong(
        f"""    p = params
    d = x.shape[-1]
    h = x + {attn("F.layer_norm(x, (d,))")}
    return h + {mlp("F.layer_norm(h, (d,))")}""",
        "lack their weight and bias",
    ),
    # Only a quiet stream shows it: block 0 of the lesson model and of the quiet random models.
    "layer_norm_without_eps": wrong(
        f"""    p = params
    d = x.shape[-1]
    h = x + {attn('F.layer_norm(x, (d,), p["ln_1.weight"], p["ln_1.bias"], eps=0.0)')}
    return h + {mlp('F.layer_norm(h, (d,), p["ln_2.weight"], p["ln_2.bias"], eps=0.0)')}""",
        "eps is not GPT-2's",
    ),
    # torch.var divides by d - 1 unless told otherwise
    "layer_norm_with_unbiased_variance": wrong(
        f"""    p = params

    def norm(t, name):
        return (t - t.mean(-1, keepdim=True)) / torch.sqrt(t.var(-1, keepdim=True) + 1e-5) * p[name + ".weight"] + p[name + ".bias"]

    h = x + {attn('norm(x, "ln_1")')}
    return h + {mlp('norm(h, "ln_2")')}""",
        "unbiased variance",
    ),
    # Right values, but the residual is added into x: the input changes in place.
    "residual_added_in_place": wrong(
        f"""    p = params
    x += {attn(ln("x", "ln_1"))}
    x += {mlp(ln("x", "ln_2"))}
    return x""",
        "in place",
    ),
    "float64_result": wrong(
        f"""    p = {{k: v.double() for k, v in params.items()}}
    x = x.double()
    h = x + {attn(ln("x", "ln_1"))}
    return h + {mlp(ln("h", "ln_2"))}""",
        "torch.float64",
    ),
    # transformers 4.x kept the mask in the state dict as attn.bias; 5.x does not.
    "mask_from_attn_bias": wrong(
        """    p = params
    B, T, d = x.shape
    h = layer_norm(x, p["ln_1.weight"], p["ln_1.bias"])
    q, k, v = (h @ p["attn.c_attn.weight"] + p["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    keep = p["attn.bias"][:, :, :T, :T].bool()
    scores = (q @ k.transpose(-1, -2) / math.sqrt(d // n_head)).masked_fill(~keep, float("-inf"))
    z = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, d)
    h = x + z @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    return h + mlp(layer_norm(h, p["ln_2.weight"], p["ln_2.bias"]), p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])""",
        "no 'attn.bias'",
    ),
    # Right values, but transformers' GPT2Block does the work: the grader reads the cell.
    "loads_the_params_into_a_gpt2_block": wrong(
        """    from transformers import GPT2Config
    from transformers.models.gpt2.modeling_gpt2 import GPT2Block

    d = x.shape[-1]
    config = GPT2Config(n_embd=d, n_head=n_head, attn_implementation="sdpa")
    block = GPT2Block(config).eval()
    block.load_state_dict(params, strict=False)
    return block(x)""",
        "must be written by hand",
    ),
    # Silences the visible self-check: the verdicts are decided by the grader, not in the kernel.
    "silences_the_self_check": {
        "answers": block_fn(
            f"""    p = params
    h = x + {attn(ln("x", "ln_2"))}
    return h + {mlp(ln("h", "ln_1"))}


from stream_course.lessons.block import checks as _checks

_checks.check_transformer_block = lambda *args, **kwargs: print("✓ passed / 통과")
_checks.check_transformer_block_odd = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": BOTH,
        "says": says_both("ln_1 and ln_2 are swapped"),
    },
}
