"""Sample answers to Lesson 02, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. The demo and the grading
tests both use this file.
"""

EMBED = """
def embed(
    wte: torch.Tensor, wpe: torch.Tensor, ids: torch.Tensor, past_len: int = 0
) -> torch.Tensor:
{body}
"""


def embed_fn(body: str) -> dict[str, str]:
    return {"embed": EMBED.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "f_embedding": embed_fn(
        """    positions = torch.arange(past_len, past_len + ids.shape[1])
    return F.embedding(ids, wte) + F.embedding(positions, wpe)"""
    ),
    "one_hot_matmul": embed_fn(
        """    tokens = F.one_hot(ids, num_classes=wte.shape[0]).to(wte.dtype) @ wte
    positions = torch.arange(past_len, past_len + ids.shape[-1])
    where = F.one_hot(positions, num_classes=wpe.shape[0]).to(wpe.dtype) @ wpe
    return tokens + where.unsqueeze(0)"""
    ),
    "nn_embedding_from_pretrained": embed_fn(
        """    token_table = nn.Embedding.from_pretrained(wte)
    position_table = nn.Embedding.from_pretrained(wpe)
    positions = torch.arange(ids.shape[1]) + past_len
    return token_table(ids) + position_table(positions)[None, :, :]"""
    ),
    "arange_positions_expanded": embed_fn(
        """    batch, length = ids.shape
    positions = torch.arange(past_len, past_len + length).expand(batch, length)
    return wte[ids] + wpe[positions]"""
    ),
    "index_select_and_narrow": embed_fn(
        """    batch, length = ids.shape
    tokens = wte.index_select(0, ids.reshape(-1)).reshape(batch, length, -1)
    return tokens + wpe.narrow(0, past_len, length)"""
    ),
    "numpy_float32": embed_fn(
        """    import numpy as np
    token_rows, position_rows = wte.detach().numpy(), wpe.detach().numpy()
    rows = token_rows[ids.numpy()] + position_rows[past_len : past_len + ids.shape[1]]
    return torch.from_numpy(np.ascontiguousarray(rows))"""
    ),
    "wpe_other_ways": {
        "wpe": 'wpe = dict(model.named_parameters())["transformer.wpe.weight"].detach().clone()',
        **embed_fn(
            """    out = wte[ids].clone()
    out += wpe[past_len : past_len + ids.shape[1]]  # in place on a new tensor, not the input
    return out"""
        ),
    },
    "wpe_from_state_dict": {"wpe": 'wpe = model.state_dict()["transformer.wpe.weight"]'},
}

_BOTH = {"test_embed", "test_embed_offset"}

# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    "ignores_past_len": {
        "answers": embed_fn("""    return wte[ids] + wpe[: ids.shape[1]]"""),
        "loses": {"test_embed_offset"},
    },
    "positions_from_the_end": {
        "answers": embed_fn("""    return wte[ids] + wpe[-ids.shape[1] :]"""),
        "loses": _BOTH,
    },
    "positions_from_one": {
        "answers": embed_fn(
            """    positions = torch.arange(1, ids.shape[1] + 1) + past_len
    return wte[ids] + wpe[positions]"""
        ),
        "loses": _BOTH,
    },
    "token_rows_only": {
        "answers": embed_fn("""    return wte[ids]"""),
        "loses": _BOTH,
    },
    "wpe_indexed_by_token_ids": {
        "answers": embed_fn("""    return wte[ids] + wpe[ids]"""),
        "loses": _BOTH,
    },
    "float64": {
        "answers": embed_fn(
            """    return wte[ids].double() + wpe[past_len : past_len + ids.shape[1]].double()"""
        ),
        "loses": _BOTH,
    },
    "len_of_ids_as_length": {
        "answers": embed_fn("""    return wte[ids] + wpe[past_len : past_len + len(ids)]"""),
        "loses": _BOTH,
    },
    "positions_broadcast_over_the_batch": {
        "answers": embed_fn(
            """    return wte[ids] + wpe[past_len : past_len + ids.shape[1]].unsqueeze(1)"""
        ),
        "loses": _BOTH,
    },
    "first_sequence_only": {
        "answers": embed_fn("""    return wte[ids[0]] + wpe[past_len : past_len + ids.shape[1]]"""),
        "loses": _BOTH,
    },
    "concatenated": {
        "answers": embed_fn(
            """    where = wpe[past_len : past_len + ids.shape[1]].expand(ids.shape[0], -1, -1)
    return torch.cat([wte[ids], where], dim=-1)"""
        ),
        "loses": _BOTH,
    },
    "adds_in_place_to_wpe": {
        "answers": embed_fn(
            """    rows = wpe[past_len : past_len + ids.shape[1]]  # a view of wpe, not a copy
    rows += wte[ids].sum(dim=0)  # changes wpe itself
    return rows.expand(*ids.shape, -1)"""
        ),
        "loses": _BOTH,
    },
    # Right on the lesson model, but it ignores its arguments: random models' tables differ.
    "reads_the_lesson_model": {
        "answers": embed_fn(
            """    out = model(ids, output_hidden_states=True)
    return out.hidden_states[0]"""
        ),
        "loses": _BOTH,
    },
    # transformers' GPT-2 computes it: the write-it-yourself rule (forbidden.GPT2_MODULES).
    "runs_a_gpt2_model": {
        "answers": embed_fn(
            """    from transformers import GPT2Config, GPT2Model

    config = GPT2Config(vocab_size=wte.shape[0], n_positions=wpe.shape[0], n_embd=wte.shape[1],
                        n_layer=1, n_head=1)
    net = GPT2Model(config).eval()
    net.wte.weight.data, net.wpe.weight.data = wte, wpe
    positions = torch.arange(past_len, past_len + ids.shape[1])[None]
    return net(ids, position_ids=positions, output_hidden_states=True).hidden_states[0]"""
        ),
        "loses": _BOTH,
    },
    # Makes the visible checks pass in the kernel; the verdicts are decided by the grader.
    "patches_the_checks": {
        "answers": embed_fn(
            """    return wte[ids]

torch.allclose = lambda *args, **kwargs: True
check.compare = check.check_embed_shape = lambda *args, **kwargs: None"""
        ),
        "loses": _BOTH,
    },
    "token_table_as_wpe": {
        "answers": {"wpe": "wpe = model.transformer.wte.weight"},
        "loses": {"test_wpe"},
    },
    "transposed_wpe": {
        "answers": {"wpe": "wpe = model.transformer.wpe.weight.T"},
        "loses": {"test_wpe"},
    },
    "module_not_weight": {
        "answers": {"wpe": "wpe = model.transformer.wpe"},
        "loses": {"test_wpe"},
    },
    "fresh_random_table": {
        "answers": {"wpe": "wpe = nn.Embedding(config.n_positions, config.n_embd).weight"},
        "loses": {"test_wpe"},
    },
}
