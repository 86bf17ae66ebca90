"""Lesson 01 helpers: a neighbour table and a trained-versus-random embedding plot."""

from __future__ import annotations

import torch


def show_neighbors(neighbors, weight: torch.Tensor, tokenizer, query_id: int) -> None:
    """Print rank, id, decoded token and cosine similarity of each neighbour of ``query_id``."""
    ids = [int(i) for i in torch.as_tensor(neighbors).flatten().tolist()]
    unit = torch.nn.functional.normalize(weight.detach()[[query_id, *ids]].float(), dim=1)
    sims = unit[1:] @ unit[0]  # only these rows: no need to normalise the whole table
    print(f"query / 질의: {tokenizer.decode([query_id])!r} (id {query_id})")
    print(f"{'rank':>4}  {'id':>6}  {'token':<18}  cosine")
    for rank, (token, sim) in enumerate(zip(ids, sims.tolist(), strict=True), start=1):
        print(f"{rank:>4}  {token:>6}  {tokenizer.decode([token])!r:<18}  {sim:.3f}")


def _project_2d(rows: torch.Tensor) -> torch.Tensor:
    """The two principal components of a few rows (PCA via SVD)."""
    centred = rows - rows.mean(dim=0)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    return centred @ vh[:2].T


def plot_trained_vs_random(weight: torch.Tensor, tokenizer, groups: dict[str, list[str]], seed=0):
    """Side by side: word groups in the trained table and in a fresh ``nn.Embedding`` (PCA, 2-D)."""
    import matplotlib.pyplot as plt

    words = [(group, word) for group, members in groups.items() for word in members]
    ids = [tokenizer.encode(" " + word)[0] for _, word in words]
    torch.manual_seed(seed)
    fresh = torch.nn.Embedding(*weight.shape).weight
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for axis, (title, table) in zip(
        axes, [("trained embedding", weight), ("fresh nn.Embedding (random)", fresh)], strict=True
    ):
        points = _project_2d(table.detach().float()[ids]).numpy()
        for group in groups:
            mask = [g == group for g, _ in words]
            axis.scatter(points[mask, 0], points[mask, 1], label=group, s=40)
        for (_, word), (x, y) in zip(words, points, strict=True):
            axis.annotate(word, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
        axis.set_title(title)
        axis.set_xticks([])
        axis.set_yticks([])
    axes[0].legend(loc="best", fontsize=8)
    figure.suptitle("PCA of token rows: trained rows cluster by meaning, random rows do not")
    figure.tight_layout()
    return figure
