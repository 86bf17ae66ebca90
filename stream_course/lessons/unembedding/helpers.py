"""Lesson 10 helpers: say whether the lesson model is the offline stand-in, and draw top-k token
bar charts. The logits themselves are computed in the notebook with the student's own
``unembed``; nothing here computes them."""

from __future__ import annotations

from pathlib import Path

import torch

from stream_course.standin import STANDIN_NAME

__all__ = ["is_standin", "plot_top_tokens"]


def is_standin(model) -> bool:
    """True when ``model`` was loaded from Stream's offline stand-in (random blocks), not GPT-2."""
    return Path(str(model.name_or_path)).name.startswith(STANDIN_NAME)


def plot_top_tokens(panels: dict[str, tuple[list[str], torch.Tensor, str]]):
    """One horizontal bar chart per entry of ``panels`` (title -> (tokens, values, what the
    values are)), the first token on top."""
    import matplotlib.pyplot as plt

    rows = max(len(tokens) for tokens, *_ in panels.values())
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(4.6 * len(panels), 0.32 * rows + 1.6),
        layout="constrained",
        squeeze=False,
    )
    for axis, (title, (tokens, values, label)) in zip(axes[0], panels.items(), strict=True):
        values = torch.as_tensor(values).detach().float()
        positions = range(len(tokens))
        axis.barh(positions, values.numpy(), color="tab:blue")
        axis.set_yticks(positions, [repr(t) for t in tokens], fontsize=9)
        axis.invert_yaxis()
        axis.set_title(title, fontsize=10)
        axis.set_xlabel(label)
    return figure
