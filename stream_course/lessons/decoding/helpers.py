"""Lesson 12 helpers: plot next-token probabilities sorted from the largest down, at several
temperatures and with a top-k cut-off.

The probabilities are computed in the notebook, with the student's own ``next_token_probs``;
nothing here computes a forward pass, a softmax or a top-k filter.
"""

from __future__ import annotations

import torch

__all__ = ["entropy", "plot_sorted_probs"]


def entropy(probs: torch.Tensor) -> float:
    """Shannon entropy in nats of one probability vector (0 · log 0 counted as 0)."""
    p = probs.detach().double().flatten()
    p = p[p > 0]
    return float(-(p * p.log()).sum())


def plot_sorted_probs(
    curves: dict[str, torch.Tensor], *, cut: dict[str, torch.Tensor], top_k: int, shown: int = 300
):
    """Two panels. Left: each of ``curves`` (label -> (V,) probabilities), sorted from the
    largest down, on log-log axes (rank 1 … ``shown``). Right: the same for ``cut`` (label ->
    probabilities with and without a top-k filter), with the cut-off rank ``top_k`` marked."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(13, 4.6))  # no layout engine: it costs a second
    for axis, panel in zip(axes, (curves, cut), strict=True):
        for label, probs in panel.items():
            ordered = probs.detach().float().flatten().sort(descending=True).values[:shown]
            ranks = torch.arange(1, len(ordered) + 1)
            positive = ordered > 0  # filtered tokens (probability 0) cannot be drawn on a log axis
            axis.plot(
                ranks[positive],
                ordered[positive],
                marker=".",
                markersize=3,
                label=f"{label} (entropy {entropy(probs):.2f} nats)",
            )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("rank of the token (1 = most likely)")
        axis.set_ylabel("probability")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize=8, loc="lower left")
    axes[0].set_title("temperature: T < 1 sharpens, T > 1 flattens")
    axes[1].axvline(top_k, color="tab:red", linestyle="--", linewidth=1)
    axes[1].annotate(
        f"top-k = {top_k}: every rank after it gets probability 0",
        (top_k, 0.5),
        xycoords=("data", "axes fraction"),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize=8,
        color="tab:red",
    )
    axes[1].set_title("top-k: the k most likely tokens keep all the probability")
    figure.suptitle("Next-token probabilities, sorted from the most likely down")
    return figure
