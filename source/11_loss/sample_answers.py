"""Sample answers to Lesson 11, as students write them: instructor-only material (never released).

Each variant replaces some solution cells of the release notebook (keyed by nbgrader grade_id);
every other solution cell gets the reference answer from source/. ``loses`` names the graded parts
(test cells) that must score 0; every other part must get full marks. ``says`` names, per lost
part, a phrase the cell's error must contain: the visible self-check and the grader's judge give
the same message (checks.verify_loss); the feedback shows the judge's.

The part ``test_next_token_loss`` uses labels = ids (every row has T - 1 targets), the part
``test_next_token_loss_padding`` rows with different numbers of -100: a mistake about -100 or
about how the mean is taken only loses the second.
"""

LOSS = """
def next_token_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
{body}
"""


def loss_fn(body: str) -> dict[str, str]:
    return {"next_token_loss": LOSS.format(body=body).strip()}


# Differently written right answers: all must get full marks.
RIGHT = {
    # classes in dimension 1: (B, V, T-1) against (B, T-1); F.cross_entropy ignores -100 by default
    "class_dim_cross_entropy": loss_fn(
        """    return F.cross_entropy(logits[:, :-1].transpose(1, 2), labels[:, 1:])"""
    ),
    # log_softmax, gather, a mask; -100 replaced before the gather, then left out by the mask
    "log_softmax_gather_mask": loss_fn(
        """    log_probs = F.log_softmax(logits[:, :-1], dim=-1)
    targets = labels[:, 1:]
    counted = targets != -100
    picked = log_probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * counted).sum() / counted.sum()"""
    ),
    # float64 by hand: logsumexp minus the target's logit, boolean indexing, back to float32
    "float64_nll_by_hand": loss_fn(
        """    z = logits[:, :-1].double()
    targets = labels[:, 1:]
    keep = targets != -100
    nll = torch.logsumexp(z, dim=-1) - z.gather(-1, targets.masked_fill(~keep, 0)[..., None])[..., 0]
    return nll[keep].mean().to(logits.dtype)"""
    ),
    # nn.CrossEntropyLoss per token, then sum over counted / their number; explicit contiguous view
    "module_per_token_then_masked_mean": loss_fn(
        """    import torch.nn as nn

    B, T, V = logits.shape
    per_token = nn.CrossEntropyLoss(reduction="none")(
        logits[:, :-1].contiguous().view(-1, V), labels[:, 1:].contiguous().view(-1)
    )
    counted = (labels[:, 1:] != -100).reshape(-1)
    return per_token.sum() / counted.sum()"""
    ),
    # a loop over rows adding sums and counts; F.nll_loss on log_softmax with reduction="sum"
    "loop_over_rows_sum_and_count": {
        "next_token_loss": """
import torch.nn as nn


def row_sum_and_count(row_logits, row_labels):
    \"\"\"The summed loss of one sequence and its number of counted targets.\"\"\"
    targets = row_labels[1:]
    total = F.nll_loss(F.log_softmax(row_logits[:-1], dim=-1), targets, reduction="sum")
    return total, (targets != -100).sum()


def next_token_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    total, count = 0.0, 0
    for row_logits, row_labels in zip(logits, labels):
        row_total, row_count = row_sum_and_count(row_logits, row_labels)
        total, count = total + row_total, count + row_count
    return total / count""".strip(),
    },
    # einsum with a one-hot of the targets (-100 rows are all zero)
    "one_hot_einsum": loss_fn(
        """    V = logits.shape[-1]
    targets = labels[:, 1:]
    keep = targets != -100
    one_hot = F.one_hot(targets.clamp(min=0), V).to(logits.dtype) * keep[..., None]
    log_probs = logits[:, :-1].log_softmax(-1)
    return -torch.einsum("btv,btv->", log_probs, one_hot) / keep.sum()"""
    ),
}

BOTH = {"test_next_token_loss", "test_next_token_loss_padding"}
PADDING = {"test_next_token_loss_padding"}


def says_both(phrase: str) -> dict[str, str]:
    return {part: phrase for part in BOTH}


# Wrong answers: each must lose exactly the parts in ``loses``.
WRONG = {
    # --- the shift ---
    "not_shifted": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("not shifted"),
    },
    "not_shifted_last_position_dropped": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, :-1].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("not shifted"),
    },
    "shifted_the_wrong_way": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.cross_entropy(logits[:, 1:].reshape(-1, V), labels[:, :-1].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("wrong way"),
    },
    # Shifts the labels as transformers does inside, then shifts them again.
    "labels_shifted_twice": {
        "answers": loss_fn(
            """    shifted = F.pad(labels[:, 1:], (0, 1), value=-100)  # labels[t] = token t + 1
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), shifted[:, 1:].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("shifted twice"),
    },
    # --- the mean ---
    "sum_instead_of_mean": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="sum"
    )"""
        ),
        "loses": BOTH,
        "says": says_both("not their mean"),
    },
    # Equal to the token mean when every row has T - 1 targets: only padding shows it.
    "mean_of_per_sequence_means": {
        "answers": loss_fn(
            """    per_row = [
        F.cross_entropy(row_logits[:-1], row_labels[1:])
        for row_logits, row_labels in zip(logits, labels)
    ]
    return torch.stack(per_row).mean()"""
        ),
        "loses": PADDING,
        "says": {"test_next_token_loss_padding": "mean of per-sequence means"},
    },
    "per_token_losses_returned": {
        "answers": loss_fn(
            """    nll = F.cross_entropy(
        logits[:, :-1].transpose(1, 2), labels[:, 1:], reduction="none"
    )  # (B, T-1)
    return nll"""
        ),
        "loses": BOTH,
        "says": says_both("one loss per token"),
    },
    "python_float_returned": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
    return loss.item()"""
        ),
        "loses": BOTH,
        "says": says_both(".item()"),
    },
    # --- -100 ---
    # -100 replaced by token 0 so that the gather works, but never masked out.
    "ignored_targets_clamped_to_0": {
        "answers": loss_fn(
            """    log_probs = F.log_softmax(logits[:, :-1], dim=-1)
    targets = labels[:, 1:].clamp(min=0)
    return -log_probs.gather(-1, targets.unsqueeze(-1)).mean()"""
        ),
        "loses": PADDING,
        "says": {"test_next_token_loss_padding": "were scored"},
    },
    # Masked out of the sum, but the mean still divides by B·(T-1).
    "ignored_targets_counted_in_the_mean": {
        "answers": loss_fn(
            """    log_probs = F.log_softmax(logits[:, :-1], dim=-1)
    targets = labels[:, 1:]
    keep = targets != -100
    picked = log_probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).mean()"""
        ),
        "loses": PADDING,
        "says": {"test_next_token_loss_padding": "counted in the mean"},
    },
    # gather with -100 as an index: fine while labels = ids, raises on padding.
    "gather_with_minus_100_raises": {
        "answers": loss_fn(
            """    log_probs = F.log_softmax(logits[:, :-1], dim=-1)
    picked = log_probs.gather(-1, labels[:, 1:].unsqueeze(-1))
    return -picked.mean()"""
        ),
        "loses": PADDING,
        "says": {"test_next_token_loss_padding": "-100 is not a token id"},
    },
    # --- the cross-entropy itself ---
    "softmax_before_cross_entropy": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    probs = logits[:, :-1].softmax(dim=-1)
    return F.cross_entropy(probs.reshape(-1, V), labels[:, 1:].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("softmax before the cross-entropy"),
    },
    "log_base_2": {
        "answers": loss_fn(
            """    log2_probs = torch.log2(logits[:, :-1].softmax(dim=-1))
    targets = labels[:, 1:]
    keep = targets != -100
    picked = log2_probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).sum() / keep.sum()"""
        ),
        "loses": BOTH,
        "says": says_both("log base 2"),
    },
    "nll_loss_on_raw_logits": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.nll_loss(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("used as log-probabilities"),
    },
    # --- tensors ---
    # .view on the slice logits[:, :-1]: works for B = 1, raises as soon as B > 1.
    "view_on_a_slice_raises": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].view(-1, V), labels[:, 1:].view(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("raised RuntimeError"),
    },
    "float64_result": {
        "answers": loss_fn(
            """    V = logits.shape[-1]
    z = logits[:, :-1].double().reshape(-1, V)
    return F.cross_entropy(z, labels[:, 1:].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("torch.float64"),
    },
    # Right value, but the logits are shifted by their maximum in place.
    "stabilises_the_logits_in_place": {
        "answers": loss_fn(
            """    logits -= logits.max(dim=-1, keepdim=True).values  # for numerical stability
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))"""
        ),
        "loses": BOTH,
        "says": says_both("in place"),
    },
    # Right value, but computed by transformers' own loss function: the grader reads the cell.
    "uses_transformers_loss_function": {
        "answers": loss_fn(
            """    from transformers.loss.loss_utils import ForCausalLMLoss

    return ForCausalLMLoss(logits, labels, vocab_size=logits.shape[-1])"""
        ),
        "loses": BOTH,
        "says": says_both("must be written by hand"),
    },
}
