"""Sample answers to Lesson 12, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase the grader's message must contain. greedy_decode calls the student's own
gpt2_forward, so a mistake in gpt2_forward (or in the pasted transformer_block) also loses
greedy_decode whenever it changes a greedy path; the message there is greedy_decode's own.
"""

BLOCK = """
def transformer_block(x: torch.Tensor, params: dict, n_head: int) -> torch.Tensor:
{body}
"""

FORWARD = """
def gpt2_forward(state_dict: dict, ids: torch.Tensor, n_head: int) -> torch.Tensor:
{body}
"""

GREEDY = """
def greedy_decode(state_dict: dict, ids: torch.Tensor, n_new: int, n_head: int) -> torch.Tensor:
{body}
"""

PROBS = """
def next_token_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None
) -> torch.Tensor:
{body}
"""


def block_fn(body: str) -> dict[str, str]:
    return {"transformer_block": BLOCK.format(body=body).strip()}


def forward_fn(body: str) -> dict[str, str]:
    return {"gpt2_forward": FORWARD.format(body=body).strip()}


def greedy_fn(body: str) -> dict[str, str]:
    return {"greedy_decode": GREEDY.format(body=body).strip()}


def probs_fn(body: str) -> dict[str, str]:
    return {"next_token_probs": PROBS.format(body=body).strip()}


# The reference forward's body with one line changed (a mistake) -------------------------------
FORWARD_BODY = """    weights = {{name.removeprefix("transformer."): t for name, t in state_dict.items()}}
    n_layer = {n_layer}
    wte = {unembedding_source}
    x = weights["wte.weight"][ids] + weights["wpe.weight"][torch.arange(ids.shape[1])]
    for i in range(n_layer):
        prefix = f"h.{{i}}."
        block = {{k.removeprefix(prefix): t for k, t in weights.items() if k.startswith(prefix)}}
        x = transformer_block(x, block, {heads})
{ln_f}
    return x @ wte.T"""
LN_F = (
    '    x = F.layer_norm(x, (x.shape[-1],), weights["ln_f.weight"], weights["ln_f.bias"], '
    "eps=1e-5)"
)
RIGHT_PIECES = {
    "n_layer": 'len({name.split(".")[1] for name in weights if name.startswith("h.")})',
    "unembedding_source": 'weights["wte.weight"]',
    "heads": "n_head",
    "ln_f": LN_F,
}


def forward_with(**mistake) -> dict[str, str]:
    pieces = {**RIGHT_PIECES, **mistake}
    body = FORWARD_BODY.format(**pieces)
    return forward_fn(body.replace("{" + "{", "{").replace("}" + "}", "}"))


# Differently written right answers: all must get full marks.
RIGHT = {
    # Everything by hand: LayerNorm, tanh GELU and attention written out; greedy with a list;
    # top-k via sort + masked_fill.
    "by_hand_everything": {
        **block_fn(
            """    def norm(t, w, b):
        mean = t.mean(-1, keepdim=True)
        var = ((t - mean) ** 2).mean(-1, keepdim=True)
        return (t - mean) / torch.sqrt(var + 1e-5) * w + b

    def gelu(t):
        return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t**3)))

    B, T, d = x.shape
    hd = d // n_head
    h = norm(x, params["ln_1.weight"], params["ln_1.bias"])
    qkv = h @ params["attn.c_attn.weight"] + params["attn.c_attn.bias"]
    q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
    q, k, v = (t.reshape(B, T, n_head, hd).permute(0, 2, 1, 3) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(hd)
    scores = scores + torch.full((T, T), float("-inf")).triu(1)
    z = (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(B, T, d)
    x = x + (z @ params["attn.c_proj.weight"] + params["attn.c_proj.bias"])
    h = norm(x, params["ln_2.weight"], params["ln_2.bias"])
    h = gelu(h @ params["mlp.c_fc.weight"] + params["mlp.c_fc.bias"])
    return x + (h @ params["mlp.c_proj.weight"] + params["mlp.c_proj.bias"])"""
        ),
        **forward_fn(
            """    p = "transformer."
    n_layer = 0
    while f"{p}h.{n_layer}.ln_1.weight" in state_dict:
        n_layer += 1
    wte, wpe = state_dict[p + "wte.weight"], state_dict[p + "wpe.weight"]
    x = wte[ids] + wpe[: ids.shape[1]]
    for i in range(n_layer):
        prefix = f"{p}h.{i}."
        params = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
        x = transformer_block(x, params, n_head)
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    x = (x - mean) / torch.sqrt(var + 1e-5) * state_dict[p + "ln_f.weight"] + state_dict[p + "ln_f.bias"]
    return torch.einsum("btd,vd->btv", x, wte)"""
        ),
        **greedy_fn(
            """    tokens = [ids[:, t] for t in range(ids.shape[1])]
    for _ in range(n_new):
        logits = gpt2_forward(state_dict, torch.stack(tokens, dim=1), n_head)
        tokens.append(logits[:, -1, :].argmax(-1))
    return torch.stack(tokens, dim=1)"""
        ),
        **probs_fn(
            """    scaled = logits / temperature
    if top_k is not None:
        ordered = scaled.sort(dim=-1, descending=True).values
        threshold = ordered[:, top_k - 1 : top_k]
        scaled = scaled.masked_fill(scaled < threshold, float("-inf"))
    return torch.softmax(scaled, dim=-1)"""
        ),
    },
    # F.* built-ins: F.layer_norm, F.scaled_dot_product_attention (is_causal), F.gelu tanh;
    # layers read from sorted keys (as ints); top-k via torch.topk threshold + torch.where.
    "functional_sdpa_sorted_keys": {
        **block_fn(
            """    B, T, d = x.shape
    h = F.layer_norm(x, (d,), params["ln_1.weight"], params["ln_1.bias"], eps=1e-5)
    qkv = F.linear(h, params["attn.c_attn.weight"].T, params["attn.c_attn.bias"])
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in qkv.chunk(3, dim=-1))
    z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    z = z.transpose(1, 2).reshape(B, T, d)
    x = x + F.linear(z, params["attn.c_proj.weight"].T, params["attn.c_proj.bias"])
    h = F.layer_norm(x, (d,), params["ln_2.weight"], params["ln_2.bias"], eps=1e-5)
    h = F.gelu(F.linear(h, params["mlp.c_fc.weight"].T, params["mlp.c_fc.bias"]), approximate="tanh")
    return x + F.linear(h, params["mlp.c_proj.weight"].T, params["mlp.c_proj.bias"])"""
        ),
        **forward_fn(
            """    layers = sorted({int(k.split(".")[2]) for k in state_dict if k.startswith("transformer.h.")})
    T = ids.shape[-1]
    x = F.embedding(ids, state_dict["transformer.wte.weight"])
    x = x + F.embedding(torch.arange(T), state_dict["transformer.wpe.weight"])
    for i in layers:
        params = {
            k.split(f"transformer.h.{i}.", 1)[1]: v
            for k, v in state_dict.items()
            if k.startswith(f"transformer.h.{i}.")
        }
        x = transformer_block(x, params, n_head)
    x = F.layer_norm(
        x, x.shape[-1:], state_dict["transformer.ln_f.weight"], state_dict["transformer.ln_f.bias"]
    )
    return F.linear(x, state_dict["transformer.wte.weight"])"""
        ),
        **greedy_fn(
            """    out = ids.clone()
    for step in range(n_new):
        next_id = torch.argmax(gpt2_forward(state_dict, out, n_head)[:, -1], dim=-1)
        out = torch.cat((out, next_id[:, None]), dim=-1)
    return out"""
        ),
        **probs_fn(
            """    scaled = logits / temperature
    if top_k:
        kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]
        scaled = torch.where(scaled >= kth, scaled, torch.full_like(scaled, float("-inf")))
    return F.softmax(scaled, dim=-1)"""
        ),
    },
    # Helpers of its own and a preallocated output; probabilities renormalised after the softmax.
    "helpers_and_renormalise": {
        **forward_fn(
            """    def block_params(i):
        prefix = f"transformer.h.{i}."
        return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}

    numbers = [int(k.split(".")[2]) for k in state_dict if k.startswith("transformer.h.")]
    n_layer = max(numbers) + 1
    wte = state_dict["transformer.wte.weight"]
    x = wte[ids] + state_dict["transformer.wpe.weight"][: ids.shape[1]].unsqueeze(0)
    for i in range(n_layer):
        x = transformer_block(x, block_params(i), n_head)
    ln_w, ln_b = state_dict["transformer.ln_f.weight"], state_dict["transformer.ln_f.bias"]
    x = F.layer_norm(x, (x.shape[-1],), ln_w, ln_b, eps=1e-5)
    return torch.matmul(x, wte.transpose(0, 1))"""
        ),
        **greedy_fn(
            """    B, T = ids.shape
    out = torch.zeros(B, T + n_new, dtype=ids.dtype)
    out[:, :T] = ids
    for t in range(T, T + n_new):
        out[:, t] = gpt2_forward(state_dict, out[:, :t], n_head)[:, -1].argmax(-1)
    return out"""
        ),
        **probs_fn(
            """    probs = torch.softmax(logits / temperature, dim=-1)
    if top_k is None:
        return probs
    kth = (logits / temperature).topk(top_k, dim=-1).values[..., -1:]
    keep = (logits / temperature) >= kth
    probs = probs * keep
    return probs / probs.sum(dim=-1, keepdim=True)"""
        ),
    },
    # float64 inside, back to float32 at the end; greedy in a while loop; top-k via kthvalue.
    "float64_inside_while_loop": {
        **forward_fn(
            """    sd = {k: v.double() for k, v in state_dict.items() if k.startswith("transformer.")}
    n_layer = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("transformer.h."))
    x = sd["transformer.wte.weight"][ids] + sd["transformer.wpe.weight"][torch.arange(ids.shape[1])]
    for i in range(n_layer):
        prefix = f"transformer.h.{i}."
        x = transformer_block(x, {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}, n_head)
    x = F.layer_norm(x, (x.shape[-1],), sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps=1e-5)
    return (x @ sd["transformer.wte.weight"].T).float()"""
        ),
        **greedy_fn(
            """    sequence = ids
    while sequence.shape[1] < ids.shape[1] + n_new:
        logits = gpt2_forward(state_dict, sequence, n_head)
        sequence = torch.cat([sequence, logits[:, -1:].argmax(-1)], dim=1)
    return sequence"""
        ),
        **probs_fn(
            """    z = logits.double() / temperature
    if top_k is not None:
        # the k-th largest of z is the k-th smallest of -z
        kth = -torch.kthvalue(-z, top_k, dim=-1, keepdim=True).values
        z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1).float()"""
        ),
    },
}

BOTH = {"test_gpt2_forward", "test_greedy_decode"}
GREEDY_ONLY = {"test_greedy_decode"}
PROBS_ONLY = {"test_next_token_probs"}


def says_both(forward_phrase: str, greedy_phrase: str) -> dict[str, str]:
    return {"test_gpt2_forward": forward_phrase, "test_greedy_decode": greedy_phrase}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- gpt2_forward (greedy_decode calls it, so greedy_decode loses too) ---
    # A KeyError on the lesson model (2 blocks offline); exact on GPT-2 base (12 blocks).
    "hard_coded_12_layers": {
        "answers": forward_with(n_layer="12  # GPT-2 has 12 blocks"),
        "loses": BOTH,
        "says": says_both("number of layers hard-coded", "number of layers hard-coded"),
    },
    # Exact on the lesson model (12 heads): the 6-head random model shows it.
    "hard_coded_12_heads": {
        "answers": forward_with(heads="12"),
        "loses": BOTH,
        "says": says_both("what 12 heads would give", "gpt2_forward itself"),
    },
    # Works on model.state_dict(), raises KeyError on a state dict as save_pretrained writes it.
    "requires_lm_head_weight": {
        "answers": forward_with(unembedding_source='state_dict["lm_head.weight"]'),
        "loses": BOTH,
        "says": says_both("no 'lm_head.weight'", "no 'lm_head.weight'"),
    },
    "ln_f_missing": {
        "answers": forward_with(ln_f="    # (no final LayerNorm)"),
        "loses": BOTH,
        "says": says_both("ln_f is missing", "gpt2_forward itself"),
    },
    "ln_f_twice": {
        "answers": forward_with(ln_f=LN_F + "\n" + LN_F),
        "loses": BOTH,
        "says": says_both("ln_f was applied twice", "gpt2_forward itself"),
    },
    # Layer numbers sorted as strings: h.10 runs before h.2 (the 11-block model shows it).
    "layers_in_string_order": {
        "answers": forward_fn(
            """    names = sorted({k.split(".")[2] for k in state_dict if k.startswith("transformer.h.")})
    wte = state_dict["transformer.wte.weight"]
    x = wte[ids] + state_dict["transformer.wpe.weight"][torch.arange(ids.shape[1])]
    for i in names:
        prefix = f"transformer.h.{i}."
        params = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
        x = transformer_block(x, params, n_head)
    x = F.layer_norm(
        x, (x.shape[-1],), state_dict["transformer.ln_f.weight"], state_dict["transformer.ln_f.bias"]
    )
    return x @ wte.T"""
        ),
        "loses": {"test_gpt2_forward"},
        "says": {"test_gpt2_forward": "names as strings"},
    },
    # The pasted block without its causal mask.
    "block_without_causal_mask": {
        "answers": block_fn(
            """    B, T, d = x.shape
    h = F.layer_norm(x, (d,), params["ln_1.weight"], params["ln_1.bias"], eps=1e-5)
    q, k, v = (h @ params["attn.c_attn.weight"] + params["attn.c_attn.bias"]).split(d, dim=-1)
    q, k, v = (t.view(B, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    z = F.scaled_dot_product_attention(q, k, v)
    x = x + z.transpose(1, 2).reshape(B, T, d) @ params["attn.c_proj.weight"] + params["attn.c_proj.bias"]
    h = F.layer_norm(x, (d,), params["ln_2.weight"], params["ln_2.bias"], eps=1e-5)
    h = F.gelu(h @ params["mlp.c_fc.weight"] + params["mlp.c_fc.bias"], approximate="tanh")
    return x + h @ params["mlp.c_proj.weight"] + params["mlp.c_proj.bias"]"""
        ),
        "loses": BOTH,
        "says": says_both("not causal", "gpt2_forward itself"),
    },
    # --- greedy_decode (gpt2_forward keeps the reference answer) ---
    "greedy_feeds_only_the_last_token": {
        "answers": greedy_fn(
            """    sequence = ids
    for _ in range(n_new):
        logits = gpt2_forward(state_dict, sequence[:, -1:], n_head)
        sequence = torch.cat([sequence, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return sequence"""
        ),
        "loses": GREEDY_ONLY,
        "says": {"test_greedy_decode": "only the last token"},
    },
    "greedy_fixed_window": {
        "answers": greedy_fn(
            """    sequence = ids
    window = ids.shape[1]  # keep the context as long as the prompt
    for _ in range(n_new):
        logits = gpt2_forward(state_dict, sequence[:, -window:], n_head)
        sequence = torch.cat([sequence, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return sequence"""
        ),
        "loses": GREEDY_ONLY,
        "says": {"test_greedy_decode": "fixed window"},
    },
    "greedy_stops_at_eos": {
        "answers": greedy_fn(
            """    sequence = ids
    for _ in range(n_new):
        next_id = gpt2_forward(state_dict, sequence, n_head)[:, -1].argmax(-1, keepdim=True)
        sequence = torch.cat([sequence, next_id], dim=1)
        if (next_id == tokenizer.eos_token_id).all():  # the text has ended
            break
    return sequence"""
        ),
        "loses": GREEDY_ONLY,
        "says": {"test_greedy_decode": "stopped at the end-of-text token"},
    },
    "greedy_returns_only_new_tokens": {
        "answers": greedy_fn(
            """    sequence, new = ids, []
    for _ in range(n_new):
        next_id = gpt2_forward(state_dict, sequence, n_head)[:, -1].argmax(-1, keepdim=True)
        sequence = torch.cat([sequence, next_id], dim=1)
        new.append(next_id)
    return torch.cat(new, dim=1)"""
        ),
        "loses": GREEDY_ONLY,
        "says": {"test_greedy_decode": "only the"},
    },
    # --- next_token_probs ---
    "temperature_after_softmax": {
        "answers": probs_fn(
            """    probs = torch.softmax(logits, dim=-1) / temperature
    if top_k is not None:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        probs = probs * (logits >= kth)
        probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "after the softmax"},
    },
    "top_k_not_renormalised": {
        "answers": probs_fn(
            """    probs = torch.softmax(logits / temperature, dim=-1)
    if top_k is not None:
        kth = probs.topk(top_k, dim=-1).values[..., -1:]
        probs = torch.where(probs >= kth, probs, torch.zeros_like(probs))
    return probs"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "not renormalised"},
    },
    # Exactly k kept, by index: a logit tied with the k-th is dropped (the tie rows show it).
    "top_k_drops_ties": {
        "answers": probs_fn(
            """    scaled = logits / temperature
    if top_k is not None:
        keep = torch.zeros_like(scaled, dtype=torch.bool)
        keep.scatter_(-1, scaled.topk(top_k, dim=-1).indices, True)
        scaled = scaled.masked_fill(~keep, float("-inf"))
    return scaled.softmax(dim=-1)"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "exactly k entries were kept"},
    },
    # Within the tolerance everywhere, but the filtered entries are not exactly 0.
    "filtered_entries_tiny_not_zero": {
        "answers": probs_fn(
            """    scaled = logits / temperature
    if top_k is not None:
        kth = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return scaled.softmax(dim=-1).clamp(min=1e-10)  # no exact zeros: log() stays finite"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "not exactly 0"},
    },
    "samples_ids_instead_of_probabilities": {
        "answers": probs_fn(
            """    scaled = logits / temperature
    if top_k is not None:
        kth = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.multinomial(scaled.softmax(dim=-1), num_samples=1)"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "sampled token ids"},
    },
    # Right values, from the course's own checks: its mistake hints are built from pieces of
    # the answer, which the write-it-yourself rule does not let an answer use.
    "composes_the_courses_checks": {
        "answers": probs_fn(
            """    probs = (logits / temperature).softmax(dim=-1)
    return check._renormalised(probs, check._kept(logits, top_k))"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "course's own code"},
    },
    "temperature_multiplies": {
        "answers": probs_fn(
            """    scaled = logits * temperature
    if top_k is not None:
        kth = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return scaled.softmax(dim=-1)"""
        ),
        "loses": PROBS_ONLY,
        "says": {"test_next_token_probs": "multiplied by the temperature"},
    },
}
