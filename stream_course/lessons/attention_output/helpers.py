"""Lesson 06 helpers: read what GPT-2's attention received and returned in a forward pass, and
plot how much each head writes at each position (a heads × positions heatmap per layer).

The per-head contributions themselves are computed in the notebook, with the student's own
``attention_output``; nothing here computes an attention output."""

from __future__ import annotations

import torch

from stream_course.lessons.attention_output.checks import capture_attention

__all__ = ["capture_attention", "plot_head_contributions"]


def plot_head_contributions(norms: dict[str, torch.Tensor], tokens: list[str]):
    """One heatmap per entry of ``norms`` (title -> a (heads, positions) tensor of the lengths
    ‖z_h W_O[h]‖ of what each head adds at each position), the tokens along the x axis."""
    import matplotlib.pyplot as plt

    panels = {title: torch.as_tensor(n).detach().float() for title, n in norms.items()}
    heads = max(n.shape[0] for n in panels.values())
    width = max(6.0, 0.5 * len(tokens) + 2.5)
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(width * len(panels), 0.32 * heads + 2.6),
        layout="constrained",
        squeeze=False,
    )
    for axis, (title, values) in zip(axes[0], panels.items(), strict=True):
        image = axis.imshow(values.numpy(), cmap="viridis", aspect="auto")
        axis.set_title(title)
        axis.set_xticks(range(len(tokens)), [repr(t) for t in tokens], rotation=60, fontsize=8)
        axis.set_yticks(range(values.shape[0]), [f"head {h}" for h in range(values.shape[0])])
        axis.set_xlabel("position (token)")
        figure.colorbar(image, ax=axis, shrink=0.9, label="‖z_h W_O[h]‖")
    figure.suptitle("How much each head writes into the residual stream at each position")
    return figure
