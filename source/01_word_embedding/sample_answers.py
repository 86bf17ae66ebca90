"""Sample answers to Lesson 01, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. The demo and the grading
tests (tests/test_grading_pipeline.py) both use this file.
"""

REFERENCE_NEIGHBORS = """
def cosine_neighbors(wte: torch.Tensor, idx: int, k: int = 10) -> list[int]:
{body}
"""


def neighbors_fn(body: str) -> dict[str, str]:
    return {"cosine_neighbors": REFERENCE_NEIGHBORS.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    "f_cosine_similarity": neighbors_fn(
        """    sims = F.cosine_similarity(wte, wte[idx].unsqueeze(0), dim=1)
    sims[idx] = float("-inf")
    return sims.topk(k).indices"""
    ),
    "numpy": neighbors_fn(
        """    import numpy as np
    W = wte.detach().cpu().numpy().astype(np.float64)
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    sims = unit @ unit[idx]
    sims[idx] = -np.inf
    return np.argsort(-sims)[:k]"""
    ),
    "topk_plus_one_then_drop_query": neighbors_fn(
        """    unit = wte / wte.norm(dim=1, keepdim=True)
    top = (unit @ unit[idx]).topk(k + 1).indices.tolist()
    return [i for i in top if i != idx][:k]"""
    ),
    "argsort_tuple_and_other_wte": {
        "wte": "wte = model.get_input_embeddings().weight.detach()",
        **neighbors_fn(
            """    unit = F.normalize(wte, dim=1)
    order = torch.argsort(unit @ unit[idx], descending=True)
    return tuple(int(i) for i in order if int(i) != idx)[:k]"""
        ),
    },
    # torch prints a UserWarning to stderr here; nbgrader alone would score the test cell 0.
    "library_warning_on_stderr": neighbors_fn(
        """    unit = torch.tensor(F.normalize(wte, dim=1))  # copy-constructing a tensor warns
    sims = unit @ unit[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).indices.tolist()"""
    ),
    "tied_lm_head_and_labels_by_hand": {
        "wte": "wte = model.lm_head.weight",
        "token_id": """
def token_id(word: str) -> int:
    ids = tokenizer(" " + word)["input_ids"]
    if len(ids) > 1:
        raise ValueError(f"{word!r} is not a single token / 토큰 하나가 아닙니다")
    return int(ids[0])""".strip(),
        "categories": """
neighbor_tokens = [tokenizer.decode([i]) for i in neighbors]
categories = {token: "related" for token in neighbor_tokens}
categories[neighbor_tokens[0]] = "morphological"
categories[neighbor_tokens[-1]] = "noise"
categories""".strip(),
    },
}

_ALL_COSINE_PARTS = {"test_cosine_neighbors", "test_cosine_metric", "test_neighbors"}

# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    "dot_product": {
        "answers": neighbors_fn(
            """    sims = wte @ wte[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).indices.tolist()"""
        ),
        "loses": _ALL_COSINE_PARTS,
    },
    "euclidean_distance": {
        "answers": neighbors_fn(
            """    distance = (wte - wte[idx]).norm(dim=1)
    distance[idx] = float("inf")
    return distance.topk(k, largest=False).indices.tolist()"""
        ),
        "loses": _ALL_COSINE_PARTS,
    },
    "query_included": {
        "answers": neighbors_fn(
            """    unit = F.normalize(wte, dim=1)
    return (unit @ unit[idx]).topk(k).indices.tolist()"""
        ),
        "loses": _ALL_COSINE_PARTS,
    },
    "ascending_order": {
        "answers": neighbors_fn(
            """    unit = F.normalize(wte, dim=1)
    sims = unit @ unit[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).indices.flip(0).tolist()"""
        ),
        "loses": _ALL_COSINE_PARTS,
    },
    "ignores_k": {
        "answers": neighbors_fn(
            """    unit = F.normalize(wte, dim=1)
    sims = unit @ unit[idx]
    sims[idx] = float("-inf")
    return sims.topk(10).indices.tolist()"""
        ),
        "loses": {"test_cosine_neighbors", "test_cosine_metric"},
    },
    "normalises_wte_in_place": {
        "answers": neighbors_fn(
            """    wte.data.div_(wte.data.norm(dim=1, keepdim=True))
    sims = wte.data @ wte.data[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).indices.tolist()"""
        ),
        "loses": {"test_cosine_neighbors", "test_cosine_metric"},
    },
    "similarity_scores_not_ids": {
        "answers": neighbors_fn(
            """    unit = F.normalize(wte, dim=1)
    sims = unit @ unit[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).values.tolist()"""
        ),
        "loses": _ALL_COSINE_PARTS | {"test_categories"},
    },
    "memorised_for_computer": {
        "answers": neighbors_fn(
            """    # computed once for " computer", then returned for every query
    query = tokenizer.encode(" computer")[0]
    unit = F.normalize(wte, dim=1)
    sims = unit @ unit[query]
    sims[query] = float("-inf")
    return sims.topk(10).indices.tolist()[:k]"""
        ),
        "loses": {"test_cosine_neighbors", "test_cosine_metric"},
    },
    # Cheats that won full marks under plain nbgrader: the verdicts are now decided outside the
    # kernel, from the recorded answers.
    "patches_the_checks": {
        "answers": neighbors_fn(
            """    sims = wte @ wte[idx]
    sims[idx] = float("-inf")
    return sims.topk(k).indices.tolist()

torch.allclose = lambda *args, **kwargs: True
check.require = check.verify_neighbors = lambda *args, **kwargs: None"""
        ),
        "loses": _ALL_COSINE_PARTS,
    },
    "ast_transformer_drops_the_tests": {
        "answers": {
            "wte": """
wte = nn.Embedding(50_257, 768).weight
import ast

class DropChecks(ast.NodeTransformer):
    def visit_Expr(self, node):
        return None if "check" in ast.unparse(node) else node

get_ipython().ast_transformers.append(DropChecks())""".strip()
        },
        "loses": {
            "test_wte",
            "test_token_id",
            "test_cosine_neighbors",
            "test_cosine_metric",
            "test_neighbors",
            "test_categories",
        },
    },
    "random_embedding": {
        "answers": {"wte": "wte = nn.Embedding(50_257, 768).weight"},
        "loses": {"test_wte", "test_neighbors"},
    },
    "positional_table": {
        "answers": {"wte": "wte = model.transformer.wpe.weight"},
        "loses": {"test_wte", "test_neighbors", "test_categories"},
    },
    "transposed": {
        "answers": {"wte": "wte = model.transformer.wte.weight.T"},
        "loses": {"test_wte", "test_neighbors", "test_categories"},
    },
    "missing_leading_space": {
        "answers": {
            "token_id": """
def token_id(word: str) -> int:
    pieces = tokenizer.encode(word)
    if len(pieces) != 1:
        raise ValueError(f"{word!r} is {len(pieces)} tokens")
    return pieces[0]""".strip()
        },
        "loses": {"test_token_id", "test_neighbors"},
    },
    "first_piece_of_many": {
        "answers": {
            "token_id": """
def token_id(word: str) -> int:
    return tokenizer.encode(" " + word)[0]""".strip()
        },
        "loses": {"test_token_id"},
    },
    "unknown_category_label": {
        "answers": {
            "categories": """
neighbor_tokens = [tokenizer.decode([i]) for i in neighbors]
categories = {token: "similar" for token in neighbor_tokens}""".strip()
        },
        "loses": {"test_categories"},
    },
}
