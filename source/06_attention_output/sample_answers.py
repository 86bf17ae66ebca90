"""Sample answers to Lesson 06, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase the grader's message must contain. The reference ``self_attention`` calls
``attention_output``, so a mistake in ``attention_output`` alone loses both parts, unless it only
shows on inputs that ``self_attention`` never passes.
"""

OUTPUT = """
def attention_output(
    pattern: torch.Tensor,
    v: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
) -> torch.Tensor:
{body}
"""

ATTENTION = """
def self_attention(
    x: torch.Tensor,
    c_attn_weight: torch.Tensor,
    c_attn_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
    n_head: int,
) -> torch.Tensor:
{body}
"""


def output_fn(body: str) -> dict[str, str]:
    return {"attention_output": OUTPUT.format(body=body).strip()}


def attention_fn(body: str) -> dict[str, str]:
    return {"self_attention": ATTENTION.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    # einsum everywhere; self_attention masks with -1e9 where tril is False
    "einsum_and_large_negative": {
        **output_fn(
            """    n_head, d_head = v.shape[1], v.shape[-1]
    w_o = c_proj_weight.reshape(n_head, d_head, -1)  # head h owns rows h·d_head ... of W_O
    return torch.einsum("bhts,bhsk,hke->bte", pattern, v, w_o) + c_proj_bias"""
        ),
        **attention_fn(
            """    b, t, d = x.shape
    hd = d // n_head
    qkv = torch.einsum("btd,de->bte", x, c_attn_weight) + c_attn_bias
    q, k, v = qkv.reshape(b, t, 3, n_head, hd).unbind(dim=2)  # each (b, t, h, hd)
    scores = torch.einsum("bqhk,bshk->bhqs", q, k) / hd**0.5
    keep = torch.tril(torch.ones(t, t, dtype=torch.bool))
    pattern = scores.masked_fill(~keep, -1e9).softmax(dim=-1)
    z = torch.einsum("bhqs,bshk->bqhk", pattern, v).reshape(b, t, d)
    return z @ c_proj_weight + c_proj_bias"""
        ),
    },
    # torch.cat over the heads; self_attention slices q, k, v and masks with -inf from tril
    "cat_heads_and_tril": {
        **output_fn(
            """    z = torch.matmul(pattern, v)  # (B, H, T, d_head)
    merged = torch.cat([z[:, h] for h in range(z.shape[1])], dim=-1)  # head 0 first
    return merged @ c_proj_weight + c_proj_bias"""
        ),
        **attention_fn(
            """    B, T, d = x.shape
    qkv = x @ c_attn_weight + c_attn_bias
    q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
    heads = lambda t: t.reshape(B, T, n_head, d // n_head).permute(0, 2, 1, 3)
    q, k, v = heads(q), heads(k), heads(v)
    scores = q @ k.transpose(-2, -1) * (d // n_head) ** -0.5
    mask = torch.tril(torch.ones(T, T)) == 0
    pattern = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
    },
    # Σ_h z_h W_O[h] + b, bias once; self_attention loops over heads with an additive -inf mask
    "per_head_sum": {
        **output_fn(
            """    z = pattern @ v
    n_head, d_head = z.shape[1], z.shape[-1]
    out = c_proj_bias  # added once; each head adds its own share below
    for h in range(n_head):
        out = out + z[:, h] @ c_proj_weight[h * d_head : (h + 1) * d_head]
    return out"""
        ),
        **attention_fn(
            """    T, d = x.shape[-2], x.shape[-1]
    d_head = d // n_head
    future = torch.full((T, T), float("-inf")).triu(1)
    out = c_proj_bias
    for h in range(n_head):
        cols = slice(h * d_head, (h + 1) * d_head)
        q = x @ c_attn_weight[:, :d][:, cols] + c_attn_bias[:d][cols]
        k = x @ c_attn_weight[:, d : 2 * d][:, cols] + c_attn_bias[d : 2 * d][cols]
        v = x @ c_attn_weight[:, 2 * d :][:, cols] + c_attn_bias[2 * d :][cols]
        pattern = torch.softmax(q @ k.mT / math.sqrt(d_head) + future, dim=-1)
        out = out + (pattern @ v) @ c_proj_weight[cols]
    return out"""
        ),
    },
    # contiguous view + addmm; self_attention with chunk, torch.where and finfo.min, triu
    "addmm_contiguous_view": {
        **output_fn(
            """    z = (pattern @ v).transpose(1, 2).contiguous()  # (B, T, H, d_head)
    B, T = z.shape[:2]
    flat = z.view(B * T, -1)
    return torch.addmm(c_proj_bias, flat, c_proj_weight).view(B, T, -1)"""
        ),
        **attention_fn(
            """    B, T, d = x.shape
    qkv = torch.addmm(c_attn_bias, x.reshape(B * T, d), c_attn_weight).view(B, T, 3 * d)
    q, k, v = (
        t.view(B, T, n_head, d // n_head).transpose(1, 2) for t in qkv.chunk(3, dim=-1)
    )
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    scores = torch.where(future, torch.finfo(scores.dtype).min, scores)
    return attention_output(F.softmax(scores, dim=-1), v, c_proj_weight, c_proj_bias)"""
        ),
    },
    # batched matmul over B·H; float64 inside, back to the input's dtype; helpers of its own
    "bmm_float64_inside_and_helpers": {
        "attention_output": """
def merge_heads(z: torch.Tensor) -> torch.Tensor:
    \"\"\"(B, H, T, d_head) -> (B, T, H·d_head), head 0's numbers first.\"\"\"
    return z.permute(0, 2, 1, 3).flatten(2)


def attention_output(
    pattern: torch.Tensor,
    v: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
) -> torch.Tensor:
    B, H, T, d_head = v.shape
    z = torch.bmm(pattern.reshape(B * H, T, T), v.reshape(B * H, T, d_head))
    return merge_heads(z.view(B, H, T, d_head)) @ c_proj_weight + c_proj_bias""".strip(),
        "self_attention": """
def split_heads(t: torch.Tensor, n_head: int) -> torch.Tensor:
    B, T, d = t.shape
    return t.view(B, T, n_head, d // n_head).transpose(1, 2)


def causal_softmax(scores: torch.Tensor) -> torch.Tensor:
    T = scores.shape[-1]
    allowed = torch.ones(T, T, dtype=torch.bool, device=scores.device).tril()
    return scores.masked_fill(~allowed, float("-inf")).softmax(-1)


def self_attention(
    x: torch.Tensor,
    c_attn_weight: torch.Tensor,
    c_attn_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
    n_head: int,
) -> torch.Tensor:
    x64 = x.double()
    qkv = x64 @ c_attn_weight.double() + c_attn_bias.double()
    q, k, v = (split_heads(t, n_head) for t in qkv.split(x.shape[-1], dim=-1))
    pattern = causal_softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]))
    out = attention_output(pattern, v, c_proj_weight.double(), c_proj_bias.double())
    return out.to(x.dtype)""".strip(),
    },
}

BOTH = {"test_attention_output", "test_self_attention"}
OUT_ONLY = {"test_attention_output"}
ATTN_ONLY = {"test_self_attention"}


def says_both(phrase: str) -> dict[str, str]:
    return {part: phrase for part in BOTH}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- attention_output (the reference self_attention calls it, so both parts usually go) ---
    "heads_merged_without_transpose": {
        "answers": output_fn(
            """    z = pattern @ v  # (B, H, T, d_head)
    B, H, T, d_head = z.shape
    return z.reshape(B, T, H * d_head) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": BOTH,
        "says": says_both("merged without a transpose"),
    },
    # Exact with transformers' initialisation (c_proj bias 0): only the re-drawn models show it.
    "bias_added_once_per_head": {
        "answers": output_fn(
            """    z = pattern @ v
    d_head = z.shape[-1]
    out = 0
    for h in range(z.shape[1]):
        out = out + z[:, h] @ c_proj_weight[h * d_head : (h + 1) * d_head] + c_proj_bias
    return out"""
        ),
        "loses": BOTH,
        "says": says_both("once per head"),
    },
    "c_proj_bias_missing": {
        "answers": output_fn(
            """    z = (pattern @ v).transpose(1, 2)
    return z.reshape(*z.shape[:2], -1) @ c_proj_weight"""
        ),
        "loses": BOTH,
        "says": says_both("bias is missing"),
    },
    # c_proj is square, so the nn.Linear convention runs without an error.
    "c_proj_with_nn_linear_convention": {
        "answers": output_fn(
            """    z = (pattern @ v).transpose(1, 2).flatten(2)
    return F.linear(z, c_proj_weight, c_proj_bias)"""
        ),
        "loses": BOTH,
        "says": says_both("nn.Linear's convention"),
    },
    "pattern_transposed": {
        "answers": output_fn(
            """    z = pattern.transpose(-1, -2) @ v
    return z.transpose(1, 2).flatten(2) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": BOTH,
        "says": says_both("pattern.transpose(-1, -2)"),
    },
    "float64_result": {
        "answers": output_fn(
            """    z = pattern.double() @ v.double()
    merged = z.transpose(1, 2).flatten(2)
    return merged @ c_proj_weight.double() + c_proj_bias.double()"""
        ),
        "loses": BOTH,
        "says": says_both("torch.float64"),
    },
    # Right values, but the pattern it was given is changed in place. self_attention hands it a
    # pattern of its own, so only attention_output's part sees the change.
    "renormalises_the_pattern_in_place": {
        "answers": output_fn(
            """    pattern /= pattern.sum(dim=-1, keepdim=True)  # make sure every row sums to 1
    z = (pattern @ v).transpose(1, 2).flatten(2)
    return z @ c_proj_weight + c_proj_bias"""
        ),
        "loses": OUT_ONLY,
        "says": {"test_attention_output": "in place"},
    },
    # .view after .transpose raises: the transposed tensor is not contiguous.
    "view_after_transpose_raises": {
        "answers": output_fn(
            """    z = (pattern @ v).transpose(1, 2)
    B, T = z.shape[:2]
    return z.view(B, T, -1) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": BOTH,
        "says": says_both("raised RuntimeError"),
    },
    # --- self_attention (attention_output keeps the reference answer) ---
    "no_causal_mask": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    pattern = (q @ k.transpose(-1, -2) / math.sqrt(d // n_head)).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "causal mask is missing"},
    },
    "no_scaling": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    pattern = (q @ k.transpose(-1, -2)).masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "not scaled"},
    },
    "scaled_by_sqrt_d_model": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "GPT-2 divides by √d_head"},
    },
    # Exact on GPT-2 shapes (12 heads): the 6-head model shows it, the 4-head one raises.
    "hard_coded_12_heads": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    heads = 12  # GPT-2 has 12 heads
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, heads, d // heads).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "not a fixed 12"},
    },
    "mask_after_softmax": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    pattern = (q @ k.transpose(-1, -2) / math.sqrt(d // n_head)).softmax(dim=-1)
    pattern = pattern.masked_fill(future, 0.0)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "after the softmax"},
    },
    "softmax_over_queries": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-2)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "over the queries"},
    },
    "k_q_v_order": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    k, q, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "wrong order"},
    },
    "heads_split_without_transpose": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.reshape(B, n_head, T, d // n_head) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "split without a transpose"},
    },
    # Written out in full (not with attention_output), merging without the transpose.
    "self_contained_merge_without_transpose": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    z = scores.masked_fill(future, float("-inf")).softmax(dim=-1) @ v
    return z.reshape(B, T, d) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "merged without a transpose"},
    },
    # An additive mask built as triu(ones) * -inf: 0 · -inf is NaN below the diagonal.
    "nan_from_an_additive_mask": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    mask = torch.triu(torch.ones(T, T), diagonal=1) * float("-inf")
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head) + mask
    return attention_output(scores.softmax(dim=-1), v, c_proj_weight, c_proj_bias)"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "NaN"},
    },
    # Right values, written into x to save memory: the input changes in place.
    "writes_the_result_into_x": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return x.copy_(attention_output(pattern, v, c_proj_weight, c_proj_bias))"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "in place"},
    },
    # Returns (output, pattern), as transformers' GPT2Attention does.
    "returns_output_and_pattern": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // n_head)
    pattern = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias), pattern"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "should be a torch.Tensor"},
    },
    # Right values, but not written by hand: the grader reads the cell and scores the part 0.
    "uses_scaled_dot_product_attention": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return z.transpose(1, 2).reshape(B, T, d) @ c_proj_weight + c_proj_bias"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "must be written by hand"},
    },
    # Silences the visible self-check: the verdicts are decided by the grader, not in the kernel.
    "silences_the_self_check": {
        "answers": attention_fn(
            """    B, T, d = x.shape
    q, k, v = (x @ c_attn_weight + c_attn_bias).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    pattern = (q @ k.transpose(-1, -2) / math.sqrt(d // n_head)).softmax(dim=-1)
    return attention_output(pattern, v, c_proj_weight, c_proj_bias)


from stream_course.lessons.attention_output import checks as _checks

_checks.check_self_attention = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": ATTN_ONLY,
        "says": {"test_self_attention": "causal mask is missing"},
    },
}
