"""Lesson 02 helpers: a picture of the position table (cosine similarities between its rows)."""

from __future__ import annotations

import torch


def sinusoidal_positions(n_positions: int, d_model: int) -> torch.Tensor:
    """The fixed sin/cos position table of the original Transformer (Vaswani et al., 2017):
    not learned, smooth by construction. Shown beside GPT-2's learned table for comparison."""
    position = torch.arange(n_positions, dtype=torch.float32)[:, None]
    frequency = 10_000 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    table = torch.zeros(n_positions, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : d_model // 2]
    return table


def _cosine_matrix(rows: torch.Tensor) -> torch.Tensor:
    unit = torch.nn.functional.normalize(rows.detach().float(), dim=1)
    return unit @ unit.T


def similarity_by_distance(table: torch.Tensor, distances) -> list[float]:
    """Mean cosine similarity of rows i and i + k of ``table``, for each distance k."""
    unit = torch.nn.functional.normalize(table.detach().float(), dim=1)
    return [(unit[:-k] * unit[k:]).sum(dim=1).mean().item() for k in distances]


def plot_position_similarity(wpe: torch.Tensor, first: int = 128, columns: int = 4):
    """Four panels: cosine similarity between the first ``first`` rows of ``wpe`` and of a
    sinusoidal table of the same shape, mean similarity against the distance between positions,
    and the ``columns`` columns of ``wpe`` that change most along the positions."""
    import matplotlib.pyplot as plt

    table = torch.as_tensor(wpe).detach().float()
    n_positions, width = table.shape
    first = min(first, n_positions)
    fixed = sinusoidal_positions(n_positions, width)
    figure, axes = plt.subplots(2, 2, figsize=(11, 9), layout="constrained")
    for axis, rows, title in (
        (axes[0, 0], table, "this model's wpe (learned)"),
        (axes[0, 1], fixed, "sinusoidal positions (fixed)"),
    ):
        image = axis.imshow(_cosine_matrix(rows[:first]).numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
        axis.set_title(f"{title}\ncosine similarity of rows 0–{first - 1}")
        axis.set_xlabel("position j")
        axis.set_ylabel("position i")
    figure.colorbar(image, ax=axes[0, :], shrink=0.9, label="cosine similarity")

    distances = [k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if k < n_positions]
    for rows, label in ((table, "this model's wpe"), (fixed, "sinusoidal")):
        axes[1, 0].plot(distances, similarity_by_distance(rows, distances), "o-", label=label)
    axes[1, 0].set_xscale("log", base=2)
    axes[1, 0].axhline(0, color="grey", linewidth=0.8)
    axes[1, 0].set_xlabel("distance |i − j| between positions")
    axes[1, 0].set_ylabel("mean cosine similarity")
    axes[1, 0].set_title("how similar are positions k apart?")
    axes[1, 0].legend()

    varied = table.std(dim=0).topk(min(columns, width)).indices.tolist()
    for column in varied:
        axes[1, 1].plot(table[:, column].numpy(), linewidth=0.8, label=f"dimension {column}")
    axes[1, 1].set_xlabel("position")
    axes[1, 1].set_ylabel("value in wpe")
    axes[1, 1].set_title(f"the {len(varied)} dimensions of wpe that vary most")
    axes[1, 1].legend(fontsize=8)
    return figure
