"""Lesson 09 helpers: read the residual stream of a forward pass (every hidden state, and what
the last block returned before ln_f), and plot the length of the stream at every stage and
position.

The stages themselves are computed in the notebook, with the student's own ``transformer_block``
and ``gpt2_stack``; nothing here runs a block or the stack."""

from __future__ import annotations

import torch

from stream_course.lessons.stack.checks import block_params, capture_stack

__all__ = ["block_params", "capture_stack", "plot_residual_norms"]


def plot_residual_norms(norms: dict[str, torch.Tensor], tokens: list[str]):
    """Left: a heatmap of ‖h‖ (stages × positions, log colour scale), one row per entry of
    ``norms`` (stage name -> a (positions,) tensor of lengths). Right: the mean length of each
    stage over the positions, on a log axis."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    stages = list(norms)
    values = torch.stack([torch.as_tensor(norms[s]).detach().float() for s in stages])
    width = max(7.0, 0.55 * len(tokens) + 3.0)
    figure, (left, right) = plt.subplots(
        1,
        2,
        figsize=(width + 5.0, 0.45 * len(stages) + 3.0),
        layout="constrained",
        gridspec_kw={"width_ratios": [width, 5.0]},
    )
    image = left.imshow(values.numpy(), cmap="magma", aspect="auto", norm=LogNorm())
    left.set_xticks(range(len(tokens)), [repr(t) for t in tokens], rotation=60, fontsize=8)
    left.set_yticks(range(len(stages)), stages)
    left.set_xlabel("position (token)")
    left.set_title("‖h‖ at every stage and position")
    figure.colorbar(image, ax=left, shrink=0.9, label="‖h‖ (log scale)")
    means = values.mean(dim=1)
    right.plot(range(len(stages)), means.numpy(), marker="o")
    for i, mean in enumerate(means.tolist()):
        right.annotate(f"{mean:.3g}", (i, mean), textcoords="offset points", xytext=(0, 6))
    right.set_yscale("log")
    right.margins(x=0.12, y=0.25)  # room for the labels
    right.set_xticks(range(len(stages)), stages, rotation=45, ha="right", fontsize=8)
    right.set_ylabel("mean ‖h‖ over positions")
    right.set_title("Mean length per stage")
    figure.suptitle("The residual stream through the stack, and after ln_f")
    return figure
