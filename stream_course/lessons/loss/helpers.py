"""Lesson 11 helpers: plot the loss token by token along a sentence, against the loss of a
uniform guess. The per-token losses themselves are computed in the notebook, with the student's
own ``next_token_loss``; nothing here computes a loss."""

from __future__ import annotations

import torch

__all__ = ["plot_token_losses"]


def plot_token_losses(losses, targets: list[str], uniform: float, *, title: str = ""):
    """One bar per target token (``targets[i]`` is the token that position i had to predict,
    ``losses[i]`` its loss in nats), the mean of the bars, and a dashed line at ``uniform``
    (ln V, the loss of a guess that gives every token the same probability)."""
    import matplotlib.pyplot as plt

    values = torch.as_tensor(losses).detach().float()
    mean = values.mean().item()
    figure, axis = plt.subplots(figsize=(max(7.0, 0.55 * len(targets) + 2.0), 4.2))
    colours = ["tab:red" if v > uniform else "tab:blue" for v in values.tolist()]
    axis.bar(range(len(targets)), values.numpy(), color=colours)
    axis.axhline(
        uniform, color="black", linestyle="--", label=f"uniform guess, ln V = {uniform:.2f}"
    )
    axis.axhline(mean, color="tab:orange", label=f"mean = the loss, {mean:.2f}")
    axis.set_xticks(range(len(targets)), [repr(t) for t in targets], rotation=60, fontsize=8)
    axis.set_xlabel("the token to predict (target)")
    axis.set_ylabel("loss = -ln p(target)  [nats]")
    axis.set_ylim(0, max(values.max().item(), uniform) * 1.15)
    axis.legend(loc="upper center", ncol=2, fontsize=8)
    axis.set_title(title or "Loss token by token (red: worse than a uniform guess)")
    figure.subplots_adjust(bottom=0.3)
    return figure
