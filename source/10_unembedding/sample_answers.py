"""Sample answers to Lesson 10, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase the grader's message must contain.
"""

UNEMBED = """
def unembed(h: torch.Tensor, wte: torch.Tensor) -> torch.Tensor:
{body}
"""

TIED = """
def tied(model) -> bool:
{body}
"""


def unembed_fn(body: str) -> dict[str, str]:
    return {"unembed": UNEMBED.format(body=body).strip()}


def tied_fn(body: str) -> dict[str, str]:
    return {"tied": TIED.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    # nn.Linear's own function (weight (out, in) = (V, d): wte as it is); the same storage, same shape
    "linear_and_data_ptr": {
        **unembed_fn(
            """    return F.linear(h, wte)  # h @ wte.T, as nn.Linear(d, V, bias=False) computes it"""
        ),
        **tied_fn(
            """    head, table = model.lm_head.weight, model.transformer.wte.weight
    return head.data_ptr() == table.data_ptr() and head.shape == table.shape"""
        ),
    },
    # einsum over d; id() of the Parameters, through transformers' accessors
    "einsum_and_id": {
        **unembed_fn("""    return torch.einsum("btd,vd->btv", h, wte)"""),
        **tied_fn(
            """    output = model.get_output_embeddings().weight
    return id(output) == id(model.get_input_embeddings().weight)"""
        ),
    },
    # (B·T, d) @ (d, V) with torch.mm, back to (B, T, V); the storage of both, and the shape
    "flatten_mm_and_storage": {
        **unembed_fn(
            """    B, T, d = h.shape
    return torch.mm(h.reshape(B * T, d), wte.t()).reshape(B, T, -1)"""
        ),
        **tied_fn(
            """    a, b = model.lm_head.weight, model.transformer.wte.weight
    same_storage = a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    return bool(same_storage and a.shape == b.shape and a.stride() == b.stride())"""
        ),
    },
    # one sequence at a time, in float64 inside; `is`, written as a loop over named parameters
    "loop_float64_and_is": {
        **unembed_fn(
            """    rows = [(x.double() @ wte.double().transpose(0, 1)).float() for x in h]
    return torch.stack(rows)"""
        ),
        **tied_fn(
            """    params = dict(model.named_parameters(remove_duplicate=False))
    return params["lm_head.weight"] is params["transformer.wte.weight"]"""
        ),
    },
    # matmul with .mT; `is` with helpers of its own
    "matmul_and_helpers": {
        **unembed_fn("""    return torch.matmul(h, wte.mT)"""),
        "tied": """
def head_weight(model):
    return model.lm_head.weight


def table_weight(model):
    return model.transformer.wte.weight


def tied(model) -> bool:
    return head_weight(model) is table_weight(model)""".strip(),
    },
}

UNEMBED_ONLY = {"test_unembed"}
TIED_ONLY = {"test_tied"}


def unembed_says(phrase: str) -> dict[str, str]:
    return {"test_unembed": phrase}


def tied_says(phrase: str) -> dict[str, str]:
    return {"test_tied": phrase}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- unembed ---
    "softmax_after_the_product": {
        "answers": unembed_fn("""    return (h @ wte.T).softmax(dim=-1)"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("a softmax was applied"),
    },
    "log_softmax_after_the_product": {
        "answers": unembed_fn("""    return F.log_softmax(h @ wte.T, dim=-1)"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("a log_softmax was applied"),
    },
    # V != d on GPT-2: raises. Only a model with V == d would run it (the hidden square case).
    "no_transpose": {
        "answers": unembed_fn("""    return h @ wte"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("h @ wte cannot be multiplied"),
    },
    # wte taken for a Conv1D weight stored (in, out), passed to F.linear transposed: raises too.
    "conv1d_convention": {
        "answers": unembed_fn("""    return F.linear(h, wte.T)  # weight as (d, V), like Conv1D"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("wte is not a Conv1D weight"),
    },
    # The weight made to the (d, V) shape the product wants: runs, wrong numbers.
    "wte_reshaped_instead_of_transposed": {
        "answers": unembed_fn("""    return h @ wte.view(h.shape[-1], -1)  # (d, V)"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("reshaped to (d, V) instead of transposed"),
    },
    # Exact enough where ln_f is 1/0 (the stand-in): the random model with a real ln_f shows it.
    "layer_norm_again": {
        "answers": unembed_fn(
            """    h = F.layer_norm(h, h.shape[-1:])  # normalise before reading the vocabulary
    return h @ wte.T"""
        ),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("h was normalised again"),
    },
    # The notebook's ln_f, a second time: right shape on the lesson model, raises on the others.
    "the_notebooks_ln_f_again": {
        "answers": unembed_fn("""    return model.transformer.ln_f(h) @ wte.T"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("ln_f was applied again"),
    },
    "bias_added": {
        "answers": unembed_fn(
            """    bias = wte.mean(dim=-1)  # one output bias per token
    return h @ wte.T + bias"""
        ),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("a bias was added"),
    },
    # "For numerical stability": softmax would not notice, lm_head's logits differ.
    "max_subtracted": {
        "answers": unembed_fn(
            """    logits = h @ wte.T
    return logits - logits.max(dim=-1, keepdim=True).values"""
        ),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("shifted by one number per position"),
    },
    # Lesson 01's similarity instead of the dot product.
    "cosine_similarity": {
        "answers": unembed_fn("""    return F.normalize(h, dim=-1) @ F.normalize(wte, dim=-1).T"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("cosine similarities"),
    },
    # The notebook's wte instead of the argument: right on the lesson model only.
    "the_notebooks_wte": {
        "answers": unembed_fn("""    return h @ model.transformer.wte.weight.T"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("instead of its arguments"),
    },
    # Right values from the model's own head: not written by hand.
    "calls_lm_head": {
        "answers": unembed_fn("""    return model.lm_head(h)"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("must be written by hand"),
    },
    # .t_() transposes wte itself, in place.
    "transposes_wte_in_place": {
        "answers": unembed_fn("""    return h @ wte.t_()"""),
        "loses": UNEMBED_ONLY,
        "says": unembed_says("in place"),
    },
    # --- tied ---
    "tied_by_torch_equal": {
        "answers": tied_fn(
            """    return torch.equal(model.lm_head.weight, model.transformer.wte.weight)"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("equal values are not the same tensor"),
    },
    "tied_by_allclose": {
        "answers": tied_fn(
            """    return torch.allclose(model.lm_head.weight, model.transformer.wte.weight)"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("equal values are not the same tensor"),
    },
    # == then .all(): the equal-values test again, and a tensor, not a bool.
    "tied_by_elementwise_equality": {
        "answers": tied_fn(
            """    return (model.lm_head.weight == model.transformer.wte.weight).all()"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("equal values are not the same tensor"),
    },
    "tied_always_true": {
        "answers": tied_fn("""    return True  # GPT-2 ties its embeddings"""),
        "loses": TIED_ONLY,
        "says": tied_says("True for every model"),
    },
    # .data is a new tensor object at every access: False even for GPT-2.
    "tied_by_data_is": {
        "answers": tied_fn(
            """    return model.lm_head.weight.data is model.transformer.wte.weight.data"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("a.data is b.data is False"),
    },
    # A Parameter compared with a module: always False.
    "tied_parameter_is_module": {
        "answers": tied_fn("""    return model.lm_head.weight is model.transformer.wte"""),
        "loses": TIED_ONLY,
        "says": tied_says("False even for a tied model"),
    },
    # Right on GPT-2, untied and copied models alike: only the models whose config and weights
    # disagree show it.
    "tied_by_the_config": {
        "answers": tied_fn("""    return model.config.tie_word_embeddings"""),
        "loses": TIED_ONLY,
        "says": tied_says("tie_word_embeddings"),
    },
    "tied_inverted": {
        "answers": tied_fn(
            """    return model.lm_head.weight is not model.transformer.wte.weight"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("the opposite"),
    },
    # Right values, as a 0-d bool tensor: refused (tied promises a Python bool).
    "tied_returns_a_tensor": {
        "answers": tied_fn(
            """    return torch.tensor(model.lm_head.weight is model.transformer.wte.weight)"""
        ),
        "loses": TIED_ONLY,
        "says": tied_says("not a Python bool"),
    },
}
