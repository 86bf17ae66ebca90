"""Sample answers to Lesson 05, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per part, a
phrase the message shown in that part's test cell must contain. Both parts show the grader's
message (in the grader's kernels the visible self-check only says it was skipped), which names
the mistake on the first case it shows in.
"""

SIGNATURE = """
def causal_pattern(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
{body}
"""


def pattern_fn(body: str) -> dict[str, str]:
    return {"causal_pattern": SIGNATURE.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "masked_fill_inf_tril": pattern_fn(
        """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    return scores.masked_fill(~allowed, float("-inf")).softmax(dim=-1)"""
    ),
    "masked_fill_minus_1e9_triu": pattern_fn(
        """    d_head = q.size(-1)
    scores = torch.matmul(q, k.transpose(2, 3)) / d_head**0.5
    future = torch.triu(torch.ones(q.size(2), k.size(2)), diagonal=1).bool()
    return F.softmax(scores.masked_fill(future, -1e9), dim=-1)"""
    ),
    "additive_mask_finfo_min": pattern_fn(
        """    T = q.shape[-2]
    scores = (q @ k.mT) * q.shape[-1] ** -0.5
    lower = torch.ones(T, T).tril()
    mask = (1.0 - lower) * torch.finfo(scores.dtype).min  # 0 where allowed, like transformers
    return torch.softmax(scores + mask, dim=-1)"""
    ),
    "additive_inf_triu": pattern_fn(
        """    T = q.shape[2]
    mask = torch.full((T, T), float("-inf")).triu(1)  # 0 on and below the diagonal
    scores = q @ k.transpose(-1, -2) / math.sqrt(k.shape[-1])
    return (scores + mask).softmax(-1)"""
    ),
    "einsum_where": pattern_fn(
        """    scores = torch.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(q.shape[-1])
    i = torch.arange(q.shape[-2])[:, None]
    j = torch.arange(k.shape[-2])[None, :]
    scores = torch.where(j <= i, scores, torch.tensor(float("-inf")))
    return scores.softmax(dim=-1)"""
    ),
    "finfo_min_masked_fill_scaled_q": pattern_fn(
        """    q = q / math.sqrt(q.shape[-1])  # a new tensor: the input is left alone
    scores = q @ k.transpose(-2, -1)
    future = torch.ones_like(scores, dtype=torch.bool).triu(diagonal=1)
    return scores.masked_fill(future, torch.finfo(q.dtype).min).softmax(-1)"""
    ),
    "softmax_zero_future_renormalise": pattern_fn(
        """    T = q.shape[-2]
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    weights = weights * torch.tril(torch.ones(T, T))
    return weights / weights.sum(dim=-1, keepdim=True)"""
    ),
    "manual_softmax_with_a_helper": {
        "causal_pattern": """
def stable_softmax(scores: torch.Tensor) -> torch.Tensor:
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    e = shifted.exp()
    return e / e.sum(dim=-1, keepdim=True)


def causal_pattern(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    B, H, T, d_head = q.shape
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    return stable_softmax(scores.masked_fill(blocked, float("-inf")))""".strip()
    },
}

BOTH = {"test_causal_pattern", "test_causal_pattern_edges"}


def says_both(phrase: str) -> dict[str, str]:
    return dict.fromkeys(BOTH, phrase)


def says(main: str, edges: str) -> dict[str, str]:
    """The phrase for test_causal_pattern, and the one for test_causal_pattern_edges."""
    return {"test_causal_pattern": main, "test_causal_pattern_edges": edges}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    "no_scaling": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("the scores are not scaled"),
    },
    "divides_by_d_head": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("divided by d_head, not by its square root"),
    },
    # Exact on GPT-2 base (d_head 64) and on the lesson model: only the random models show it.
    "hard_coded_sqrt_64": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / 8  # sqrt(64)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says("whatever the heads' width", "divided by 8 = sqrt(64)"),
    },
    "masks_the_past": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("the mask is in the wrong direction"),
    },
    "zeroes_the_future_after_the_softmax": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    return weights * torch.tril(torch.ones(T, T))"""
        ),
        "loses": BOTH,
        "says": says_both("zeroed after the softmax"),
    },
    "softmax_over_queries": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(dim=-2)"""
        ),
        "loses": BOTH,
        "says": says_both("the softmax runs over the queries"),
    },
    "no_mask": {
        "answers": pattern_fn(
            """    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)"""
        ),
        "loses": BOTH,
        "says": says_both("there is no causal mask"),
    },
    "masks_the_diagonal_too": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool))  # diagonal=0: itself hidden too
    return scores.masked_fill(mask, -1e9).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("the diagonal is masked too"),
    },
    "multiplies_scores_by_tril": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return (scores * torch.tril(torch.ones(T, T))).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says("0 instead of -inf", "the future scores are 0 instead of -inf"),
    },
    "masked_fill_with_zero": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, 0).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says("0 instead of -inf", "the future scores are 0 instead of -inf"),
    },
    "keys_times_queries": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = k @ q.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says("k @ qᵀ, transposed", "the scores are k @ qᵀ"),
    },
    "float64_result": {
        "answers": pattern_fn(
            """    q, k = q.double(), k.double()
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("torch.float64, expected torch.float32"),
    },
    "scales_q_in_place": {
        "answers": pattern_fn(
            """    q /= math.sqrt(q.shape[-1])
    T = q.shape[-2]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return (q @ k.transpose(-2, -1)).masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("in place"),
    },
    # T read from the head width: raises wherever T != d_head.
    "sequence_length_from_the_wrong_dim": {
        "answers": pattern_fn(
            """    T = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("raised RuntimeError"),
    },
    # .T on a 4-D tensor reverses all four dimensions: the matmul cannot broadcast.
    "transposes_k_with_T": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.T / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("raised RuntimeError"),
    },
    # -inf on the diagonal too: the first query has no key left, 0/0 gives a row of NaN.
    "nan_from_a_fully_masked_row": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool))
    return scores.masked_fill(mask, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("NaN or infinite entries"),
    },
    # An additive mask built as 0/1 · -inf: 0 · -inf is NaN below the diagonal.
    "nan_from_zero_times_inf": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(T, T), diagonal=1) * float("-inf")
    return (scores + mask).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("NaN or infinite entries"),
    },
    # Copied from transformers' attention functions, which return (output, weights).
    "returns_a_tuple": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return scores, scores.masked_fill(future, float("-inf")).softmax(-1)"""
        ),
        "loses": BOTH,
        "says": says_both("should be a torch.Tensor, got tuple of 2"),
    },
    # Silences the visible self-check: the verdicts are decided by the grader, not in the kernel.
    "silences_the_self_check": {
        "answers": pattern_fn(
            """    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)


from stream_course.lessons.causal_pattern import checks as _checks

_checks.check_causal_pattern = lambda *args, **kwargs: print("✓ passed / 통과")"""
        ),
        "loses": BOTH,
        "says": says_both("there is no causal mask"),
    },
    # Right values (SDPA with v = the identity returns the weights), but not written by hand:
    # the grader reads the cell and scores both parts 0.
    "uses_sdpa_with_identity_values": {
        "answers": pattern_fn(
            """    T = q.shape[-2]
    eye = torch.eye(T).expand(*q.shape[:-2], T, T)
    return F.scaled_dot_product_attention(q, k, eye, is_causal=True)"""
        ),
        "loses": BOTH,
        "says": says_both("must be written by hand"),
    },
    "uses_sdpa_through_getattr": {
        "answers": pattern_fn(
            """    attend = getattr(torch.nn.functional, "scaled_dot_product_attention")
    T = q.shape[-2]
    return attend(q, k, torch.eye(T).expand(*q.shape[:-2], T, T), is_causal=True)"""
        ),
        "loses": BOTH,
        "says": says_both("must be written by hand"),
    },
}
