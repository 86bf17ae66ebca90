"""Lesson 03 helpers: read every LayerNorm's input and output, print their scales, and plot one
token's vector before and after LayerNorm."""

from __future__ import annotations

import torch

from stream_course.lessons.layer_norm.checks import layer_norm_names, short_name
from stream_course.synthetic import hooked


def capture_layer_norms(model, ids: torch.Tensor) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``{"transformer.h.0.ln_1": (input, output), ..., "transformer.ln_f": (input, output)}``:
    what every LayerNorm received and returned during one full forward pass of ``ids``, in the
    order the model runs them (forward hooks). ``model.get_submodule(name)`` is the module."""
    names = layer_norm_names(model)
    with torch.no_grad(), hooked(model, names) as seen:
        model.transformer(ids)
    return {name: (seen[name][0], seen[name][1].detach()) for name in names}


def _number(value: float) -> str:
    return f"{round(value, 3) + 0.0:.3f}"  # + 0.0: no "-0.000"


def _spread(values: torch.Tensor) -> str:
    """The smallest and largest of per-token values, e.g. "0.041 – 0.052"."""
    return f"{_number(values.min().item())} – {_number(values.max().item())}"


def show_scales(captured: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> None:
    """For each LayerNorm: the per-token mean and standard deviation of what it receives and of
    what it returns (smallest – largest over the tokens)."""
    columns = ("input mean", "input std", "output mean", "output std")
    print(f"{'module':<10}", *(f"{c:>16}" for c in columns))
    for name, (x, y) in captured.items():
        cells = [
            _spread(t.mean(-1)) if kind == "mean" else _spread(t.std(-1, correction=0))
            for t in (x, y)
            for kind in ("mean", "std")
        ]
        print(f"{short_name(name):<10}", *(f"{c:>16}" for c in cells))


def plot_layer_norm_effect(
    before: torch.Tensor,
    standardised: torch.Tensor,
    after: torch.Tensor,
    tokens: list[str],
    position: int,
):
    """Three panels for one sequence, each tensor (T, d): the histogram of token ``position``'s
    d numbers before LayerNorm; the same token standardised (weight 1, bias 0) and after the
    module's weight and bias; the standard deviation of every token before and after (log scale)."""
    import matplotlib.pyplot as plt

    before, standardised, after = (t.detach().float() for t in (before, standardised, after))
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))

    def summary(row: torch.Tensor) -> str:
        return f"mean {_number(row.mean().item())}, std {_number(row.std(correction=0).item())}"

    token = tokens[position]
    axes[0].hist(before[position].numpy(), bins=60, color="tab:gray")
    axes[0].set_title(f"before: token {position} {token!r}\n{summary(before[position])}")
    axes[0].set_xlabel("value of one coordinate")
    axes[0].set_ylabel("coordinates")

    axes[1].hist(standardised[position].numpy(), bins=60, alpha=0.6, label="weight 1, bias 0")
    axes[1].hist(after[position].numpy(), bins=60, alpha=0.6, label="with ln_1's weight, bias")
    axes[1].set_title(
        f"after: standardised {summary(standardised[position])}\n"
        f"with weight and bias {summary(after[position])}",
        fontsize=9,
    )
    axes[1].set_xlabel("value of one coordinate")
    axes[1].legend(fontsize=8)

    steps = range(len(tokens))
    for values, label, style in (
        (before, "before", "o-"),
        (standardised, "standardised", "s-"),
        (after, "after (weight, bias)", "^--"),
    ):
        axes[2].plot(steps, values.std(-1, correction=0).numpy(), style, label=label)
    axes[2].set_yscale("log")
    axes[2].set_xticks(list(steps), [repr(t) for t in tokens], rotation=60, fontsize=7)
    axes[2].set_title("std of each token's vector")
    axes[2].legend(fontsize=8)
    figure.suptitle("LayerNorm gives every token the same scale, whatever it had before")
    figure.tight_layout()
    return figure
