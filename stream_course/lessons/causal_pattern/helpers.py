"""Lesson 05 helpers: token labels, a summary of what each head attends to, and a picture of
every head's attention pattern. They read patterns they are given; none computes one."""

from __future__ import annotations

import torch

from stream_course.checks.toolkit import say


def token_labels(tokenizer, ids) -> list[str]:
    """Each id decoded on its own, as the plots and tables label rows and columns."""
    return [tokenizer.decode([i]) for i in torch.as_tensor(ids).flatten().tolist()]


def _uniform_weights(length: int) -> torch.Tensor:
    """Row i spread evenly over keys 0 … i: what a head that prefers nothing would do."""
    return torch.ones(length, length).tril() / torch.arange(1, length + 1)[:, None]


def head_habits(patterns: dict[int, torch.Tensor]) -> int:
    """For each layer's pattern (H, T, T): the head that puts most weight on the previous token
    (key i - 1) and the head that puts most on the first token (key 0), averaged over the rows
    i >= 1 (row 0 can only see itself), and how far the layer's heads are from an even spread
    over the visible keys. Returns the layer with the strongest previous-token head."""
    length = next(iter(patterns.values())).shape[-1]
    even = _uniform_weights(length)
    # An even spread gives row i's previous token and first token 1 / (i + 1) each.
    baseline = (1 / torch.arange(2, length + 1)).mean().item()
    print(
        f"an even spread would give / 고르게 퍼지면: previous {baseline:.2f}, first {baseline:.2f}"
    )
    print(f"{'layer':>5} | {'previous-token head':>19} | {'first-token head':>16} | max |p - even|")
    strongest, best = 0, -1.0
    for layer, pattern in patterns.items():
        pattern = pattern.detach().float()
        previous = pattern.diagonal(-1, dim1=-2, dim2=-1).mean(-1)  # (H,), rows 1 … T-1
        first = pattern[..., 1:, 0].mean(-1)
        gap = (pattern - even).abs().amax().item()
        p_head, f_head = int(previous.argmax()), int(first.argmax())
        print(
            f"{layer:>5} | head {p_head:>2}: {previous[p_head]:>9.2f} | head {f_head:>2}: "
            f"{first[f_head]:>6.2f} | {gap:.2f}"
        )
        if previous[p_head].item() > best:
            strongest, best = layer, previous[p_head].item()
    return strongest


def plot_patterns(pattern: torch.Tensor, tokens: list[str], title: str = ""):
    """One heatmap per head of ``pattern`` (H, T, T): row i = the query of token i, column j =
    the key of token j, colour = weight (0 to 1). The future (j > i) is drawn grey: the mask
    leaves nothing there. Token labels on the left column and the bottom row."""
    import matplotlib.pyplot as plt
    import numpy as np

    pattern = torch.as_tensor(pattern).detach().float()
    shape, labels = tuple(pattern.shape), len(tokens)
    # Before any axes are made: a wrong tensor (a (B, H, T, T) batch, an embedding table) would
    # otherwise become thousands of panels and keep the kernel busy for minutes.
    if len(shape) != 3 or shape[1] != shape[2] or shape[2] != labels:
        raise ValueError(
            say(
                f"plot_patterns draws one layer's pattern, shape (heads, T, T), with T token "
                f"labels; it got shape {shape} and {labels} labels. For a (B, H, T, T) batch "
                "pass pattern[0].",
                f"plot_patterns는 한 층의 패턴(shape (heads, T, T))을 토큰 이름 T개와 함께 "
                f"그립니다. 받은 shape은 {shape}, 이름은 {labels}개입니다. (B, H, T, T) batch라면 "
                "pattern[0]을 넘기세요.",
            )
        )
    heads, length = shape[0], shape[-1]
    columns = min(4, heads)
    rows = -(-heads // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(2.6 * columns + 1.4, 2.6 * rows + 0.9), squeeze=False
    )
    figure.subplots_adjust(left=0.1, right=0.88, bottom=0.12, top=0.92, wspace=0.08, hspace=0.2)
    colours = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
    future = np.triu(np.ones((length, length), dtype=bool), 1)
    labels = [repr(t)[1:-1] for t in tokens]
    ticks = range(length)
    for head, axis in enumerate(axes.flat):
        if head >= heads:
            axis.axis("off")
            continue
        shown = np.ma.masked_array(pattern[head].numpy(), mask=future)
        image = axis.imshow(shown, cmap=colours, vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(f"head {head}", fontsize=9, pad=3)
        column = head % columns
        last_row = head + columns >= heads
        axis.set_xticks(ticks, labels if last_row else [], rotation=90, fontsize=7)
        axis.set_yticks(ticks, labels if column == 0 else [], fontsize=7)
    bar = figure.add_axes((0.9, 0.3, 0.015, 0.4))
    figure.colorbar(image, cax=bar, label="weight (each row sums to 1)")
    figure.suptitle(f"{title}: query (row) reads key (column); grey = future, masked".lstrip(": "))
    return figure
