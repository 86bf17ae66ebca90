"""Sample answers to Lesson 09, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase the grader's message must contain. The ungraded solution cell ``transformer_block``
(the student's block from lesson 08) scores nothing itself, but the stack runs it: a variant may
replace it too.
"""

STACK = """
def gpt2_stack(
    x: torch.Tensor,
    blocks: list[dict],
    ln_f_weight: torch.Tensor,
    ln_f_bias: torch.Tensor,
    n_head: int,
) -> torch.Tensor:
{body}
"""


def stack_fn(body: str) -> dict[str, str]:
    return {"gpt2_stack": STACK.format(body=body).strip()}


BOTH = {"test_gpt2_stack", "test_gpt2_stack_odd"}
MAIN_ONLY = {"test_gpt2_stack"}


def says_both(phrase: str) -> dict[str, str]:
    return {part: phrase for part in BOTH}


# Differently written right answers: all must get full marks.
RIGHT = {
    # functools.reduce over the blocks; ln_f by hand (biased variance, eps inside the sqrt)
    "reduce_and_layer_norm_by_hand": stack_fn(
        """    import functools

    h = functools.reduce(lambda h, params: transformer_block(h, params, n_head), blocks, x)
    mean = h.mean(dim=-1, keepdim=True)
    var = ((h - mean) ** 2).mean(dim=-1, keepdim=True)
    return (h - mean) / torch.sqrt(var + 1e-5) * ln_f_weight + ln_f_bias"""
    ),
    # every residual kept in a list; nn.functional spelled out; eps from a constant
    "list_of_residuals": stack_fn(
        """    EPS = 1e-5
    residuals = [x]
    for i in range(len(blocks)):
        residuals.append(transformer_block(residuals[-1], blocks[i], n_head))
    d = residuals[-1].shape[-1]
    return torch.nn.functional.layer_norm(residuals[-1], [d], ln_f_weight, ln_f_bias, EPS)"""
    ),
    # a block written with torch's built-ins (F.scaled_dot_product_attention, F.gelu), a
    # while loop over the blocks and var_mean + rsqrt for ln_f
    "sdpa_block_and_while_loop": {
        "transformer_block": """
def transformer_block(x: torch.Tensor, params: dict, n_head: int) -> torch.Tensor:
    B, T, d = x.shape
    p = params
    h = F.layer_norm(x, (d,), p["ln_1.weight"], p["ln_1.bias"], eps=1e-5)
    qkv = torch.addmm(p["attn.c_attn.bias"], h.reshape(B * T, d), p["attn.c_attn.weight"])
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in qkv.view(B, T, 3 * d).chunk(3, -1))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    x = x + z.transpose(1, 2).reshape(B, T, d) @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    h = F.layer_norm(x, (d,), p["ln_2.weight"], p["ln_2.bias"], eps=1e-5)
    a = F.gelu(h @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"], approximate="tanh")
    return x + a @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]""".strip(),
        **stack_fn(
            """    h, i = x, 0
    while i < len(blocks):
        h = transformer_block(h, blocks[i], n_head)
        i += 1
    var, mean = torch.var_mean(h, dim=-1, unbiased=False, keepdim=True)
    return (h - mean) * torch.rsqrt(var + 1e-5) * ln_f_weight + ln_f_bias"""
        ),
    },
    # self-contained: a block of its own with einsum and a by-hand LayerNorm, in this cell
    "self_contained_einsum": {
        "gpt2_stack": """
def norm(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    centred = h - h.mean(-1, keepdim=True)
    return centred / (centred.pow(2).mean(-1, keepdim=True) + 1e-5).sqrt() * weight + bias


def one_block(h: torch.Tensor, p: dict, n_head: int) -> torch.Tensor:
    B, T, d = h.shape
    dh = d // n_head
    a = norm(h, p["ln_1.weight"], p["ln_1.bias"])
    qkv = torch.einsum("btd,de->bte", a, p["attn.c_attn.weight"]) + p["attn.c_attn.bias"]
    q, k, v = qkv.view(B, T, 3, n_head, dh).unbind(dim=2)
    scores = torch.einsum("bqhk,bshk->bhqs", q, k) / math.sqrt(dh)
    keep = torch.ones(T, T, dtype=torch.bool).tril()
    pattern = scores.masked_fill(~keep, -1e9).softmax(dim=-1)
    z = torch.einsum("bhqs,bshk->bqhk", pattern, v).reshape(B, T, d)
    h = h + z @ p["attn.c_proj.weight"] + p["attn.c_proj.bias"]
    m = norm(h, p["ln_2.weight"], p["ln_2.bias"]) @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"]
    m = 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m**3)))
    return h + m @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]


def gpt2_stack(
    x: torch.Tensor,
    blocks: list[dict],
    ln_f_weight: torch.Tensor,
    ln_f_bias: torch.Tensor,
    n_head: int,
) -> torch.Tensor:
    for p in blocks:
        x = one_block(x, p, n_head)  # rebinding the name: the caller's tensor is untouched
    return norm(x, ln_f_weight, ln_f_bias)""".strip(),
    },
    # recursion: the first block, then the stack of the rest
    "recursive": stack_fn(
        """    if not blocks:
        return F.layer_norm(x, x.shape[-1:], ln_f_weight, ln_f_bias, 1e-5)
    first, *rest = blocks
    return gpt2_stack(transformer_block(x, first, n_head), rest, ln_f_weight, ln_f_bias, n_head)"""
    ),
}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- running the blocks ---
    "blocks_not_chained": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(x, params, n_head)  # x, not h
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("instead of the previous block's output"),
    },
    "only_the_last_block": {
        "answers": stack_fn(
            """    h = transformer_block(x, blocks[-1], n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("only the last block's work reaches the result"),
    },
    # A return inside the loop: the first block only.
    "returns_inside_the_loop": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
        return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("only the first 1 of the"),
    },
    "blocks_in_reverse_order": {
        "answers": stack_fn(
            """    h = x
    for params in reversed(blocks):
        h = transformer_block(h, params, n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("reverse order"),
    },
    # Raises IndexError wherever there are fewer than 12 blocks (exact on GPT-2 base).
    "hard_coded_12_blocks": {
        "answers": stack_fn(
            """    h = x
    for i in range(12):  # GPT-2 has 12 blocks
        h = transformer_block(h, blocks[i], n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("counted with a fixed 12"),
    },
    # The notebook model's depth (2 on the stand-in): the 2-block models pass, the 3-block ones
    # (one hidden case of the first part, and the 6-head model) do not.
    "depth_of_the_notebook_model": {
        "answers": stack_fn(
            """    h = x
    for params in blocks[: model.config.n_layer]:
        h = transformer_block(h, params, n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("only the first 2 of the 3 blocks"),
    },
    # Exact on the stand-in (12 heads); raises on the 4-head model (d = 32), wrong on the 6-head
    # one (d = 48, 12 heads of 4).
    "hard_coded_12_heads": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, 12)  # GPT-2 has 12 heads
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": {
            "test_gpt2_stack": "heads made with a fixed 12",
            "test_gpt2_stack_odd": "what 12 heads would give",
        },
    },
    # The notebook's wpe added to x: wrong on the lesson model, a width mismatch elsewhere.
    "position_embeddings_added_again": {
        "answers": stack_fn(
            """    h = x + wpe[: x.shape[1]]  # the positions
    for params in blocks:
        h = transformer_block(h, params, n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": {
            "test_gpt2_stack": "position embeddings were added again",
            "test_gpt2_stack_odd": "x already holds the position embeddings",
        },
    },
    # --- ln_f ---
    "ln_f_missing": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    return h"""
        ),
        "loses": BOTH,
        "says": says_both("ln_f is missing"),
    },
    "ln_f_after_every_block": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
        h = F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)
    return h"""
        ),
        "loses": BOTH,
        "says": says_both("after every block"),
    },
    "ln_f_after_every_block_and_at_the_end": {
        "answers": stack_fn(
            """    d = x.shape[-1]
    h = x
    for params in blocks:
        h = F.layer_norm(transformer_block(h, params, n_head), (d,), ln_f_weight, ln_f_bias)
    return F.layer_norm(h, (d,), ln_f_weight, ln_f_bias)"""
        ),
        "loses": BOTH,
        "says": says_both("after every block"),
    },
    # ln_f on the last block's output, and again on the result (last_hidden_state already has it).
    "ln_f_twice_at_the_end": {
        "answers": stack_fn(
            """    d = x.shape[-1]
    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    h = F.layer_norm(h, (d,), ln_f_weight, ln_f_bias, eps=1e-5)
    return F.layer_norm(h, (d,), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("applied twice"),
    },
    "ln_f_weight_and_bias_swapped": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_bias, ln_f_weight, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("weight and bias were swapped"),
    },
    # Exact on the stand-in (ln_f weight 1, bias 0): only the re-drawn models show it.
    "ln_f_without_its_parameters": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    return F.layer_norm(h, (h.shape[-1],), eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("were not applied"),
    },
    # The last block's ln_2 taken for the final LayerNorm (both are 1 / 0 on the stand-in).
    "ln_f_with_the_last_blocks_ln_2": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    last = blocks[-1]
    return F.layer_norm(h, (h.shape[-1],), last["ln_2.weight"], last["ln_2.bias"], eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("a block's own LayerNorm parameters"),
    },
    # BERT's eps: only the quiet model (stream variance below 1e-5) shows it.
    "ln_f_eps_1e_12": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    mean = h.mean(-1, keepdim=True)
    var = h.var(-1, unbiased=False, keepdim=True)
    return (h - mean) / torch.sqrt(var + 1e-12) * ln_f_weight + ln_f_bias"""
        ),
        "loses": MAIN_ONLY,
        "says": {"test_gpt2_stack": "eps is not 1e-5"},
    },
    "ln_f_eps_outside_the_sqrt": {
        "answers": stack_fn(
            """    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    mean = h.mean(-1, keepdim=True)
    std = h.std(-1, unbiased=False, keepdim=True)
    return (h - mean) / (std + 1e-5) * ln_f_weight + ln_f_bias"""
        ),
        "loses": MAIN_ONLY,
        "says": {"test_gpt2_stack": "outside the square root"},
    },
    # --- other ---
    # Right values, but it empties the caller's list of blocks (pop): the check sees it.
    "consumes_the_blocks_list": {
        "answers": stack_fn(
            """    h = x
    while blocks:
        h = transformer_block(h, blocks.pop(0), n_head)
    return F.layer_norm(h, (h.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)"""
        ),
        "loses": BOTH,
        "says": says_both("in place"),
    },
    "returns_the_residuals_too": {
        "answers": stack_fn(
            """    residuals = [x]
    for params in blocks:
        residuals.append(transformer_block(residuals[-1], params, n_head))
    out = F.layer_norm(residuals[-1], (x.shape[-1],), ln_f_weight, ln_f_bias, eps=1e-5)
    return out, residuals"""
        ),
        "loses": BOTH,
        "says": says_both("should be a torch.Tensor"),
    },
    # Right values from transformers' own GPT2Block, in the block cell: the visible check reads
    # gpt2_stack's own source only; the grader follows it into transformer_block.
    "block_from_transformers": {
        "answers": {
            "transformer_block": """
def transformer_block(x: torch.Tensor, params: dict, n_head: int) -> torch.Tensor:
    from transformers import GPT2Config
    from transformers.models.gpt2.modeling_gpt2 import GPT2Block

    config = GPT2Config(n_embd=x.shape[-1], n_head=n_head, attn_implementation="sdpa")
    block = GPT2Block(config).eval()
    block.load_state_dict(params, strict=False)
    with torch.no_grad():
        return block(x)  # sdpa is causal on its own""".strip(),
        },
        "loses": BOTH,
        "says": says_both("must be written by hand"),
    },
    # Silences the visible self-checks: the verdicts are decided by the grader, not in the kernel.
    "silences_the_self_check": {
        "answers": {
            "gpt2_stack": """
def gpt2_stack(
    x: torch.Tensor,
    blocks: list[dict],
    ln_f_weight: torch.Tensor,
    ln_f_bias: torch.Tensor,
    n_head: int,
) -> torch.Tensor:
    h = x
    for params in blocks:
        h = transformer_block(h, params, n_head)
    return h


from stream_course.lessons.stack import checks as _checks

_checks.check_gpt2_stack = lambda *args, **kwargs: print("✓ passed / 통과")
_checks.check_gpt2_stack_odd = lambda *args, **kwargs: print("✓ passed / 통과")""".strip(),
        },
        "loses": BOTH,
        "says": says_both("ln_f is missing"),
    },
}
