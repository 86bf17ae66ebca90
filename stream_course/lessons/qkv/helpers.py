"""Lesson 04 helpers: read what GPT-2's attention receives, print the shapes on the way from x to
q, k, v, and draw the layout of one token's c_attn output as q/k/v × heads."""

from __future__ import annotations

import torch

from stream_course.synthetic import attention_seen, hooked


def capture_attention_inputs(model, ids: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """What every block computed on the way into attention during one full forward pass of
    ``ids``, read from inside the model. Item ``i`` (block ``h[i]``) holds ``"x"`` (the output of
    ``ln_1``, (B, T, d)), ``"c_attn"`` (the output of ``attn.c_attn``, (B, T, 3d)), and ``"q"``,
    ``"k"``, ``"v"`` as GPT-2's attention function received them ((B, n_head, T, d_head) each)."""
    blocks = range(model.config.n_layer)
    names = [f"transformer.h.{i}.{m}" for i in blocks for m in ("ln_1", "attn.c_attn")]
    with torch.no_grad(), hooked(model, names) as seen, attention_seen(model) as received:
        model.transformer(ids)
    return [
        {
            "x": seen[f"transformer.h.{i}.ln_1"][1].detach(),
            "c_attn": seen[f"transformer.h.{i}.attn.c_attn"][1].detach(),
            **dict(zip(("q", "k", "v"), received[i][:3], strict=True)),
        }
        for i in blocks
    ]


def show_shape_walk(config, batch: int, length: int) -> None:
    """The shapes from the output of ln_1 to q, k and v, with this model's sizes."""
    d, heads = config.n_embd, config.n_head
    d_head = d // heads
    steps = [
        ("x = ln_1(residual)", f"(B, T, d) = {(batch, length, d)}"),
        ("c_attn(x) = x @ W + b", f"(B, T, 3·d) = {(batch, length, 3 * d)}"),
        ("split into [q | k | v]", f"3 × (B, T, d) = 3 × {(batch, length, d)}"),
        ("cut d into heads", f"(B, T, n_head, d_head) = {(batch, length, heads, d_head)}"),
        ("transpose(1, 2)", f"(B, n_head, T, d_head) = {(batch, heads, length, d_head)}"),
    ]
    print(f"d = {d}, n_head = {heads}, d_head = d // n_head = {d_head}")
    for step, shape in steps:
        print(f"  {step:<24} -> {shape}")


def plot_qkv_layout(row: torch.Tensor, n_head: int, *, token: str = ""):
    """One token's c_attn output, its 3·d numbers as they come out: on top as one strip cut into
    q | k | v and into heads, below as a (3·n_head) × d_head grid whose rows are q, k, v of each
    head, with the length of each row on the right. The numbers are drawn, not interpreted: the
    picture is the layout."""
    import matplotlib.pyplot as plt

    values = torch.as_tensor(row).detach().float().flatten()
    d = values.numel() // 3
    d_head = d // n_head
    grid = values.reshape(3 * n_head, d_head)  # row r: part r // n_head, head r % n_head
    limit = max(float(values.abs().quantile(0.99)), 1e-6)  # a few large values keep their colour
    style = {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit, "interpolation": "nearest"}

    figure = plt.figure(figsize=(12, 9.5))
    layout = figure.add_gridspec(
        2,
        3,
        height_ratios=(1, 9),
        width_ratios=(5, 1, 0.12),
        left=0.12,
        right=0.94,
        top=0.93,
        bottom=0.06,
        hspace=0.35,
        wspace=0.08,
    )
    strip = figure.add_subplot(layout[0, :2])
    strip.imshow(values[None, :].numpy(), aspect="auto", **style)
    for boundary in range(d_head, 3 * d, d_head):
        major = boundary % d == 0
        strip.axvline(
            boundary - 0.5, color="black" if major else "grey", linewidth=2 if major else 0.3
        )
    strip.set_yticks([])
    strip.set_xticks(
        [d / 2, 3 * d / 2, 5 * d / 2],
        [f"q: numbers 0 … {d - 1}", f"k: {d} … {2 * d - 1}", f"v: {2 * d} … {3 * d - 1}"],
    )
    strip.set_title(
        f"c_attn output of token {token!r}: {3 * d} numbers = q | k | v, each cut into "
        f"{n_head} heads of d_head = {d_head} (thin lines)"
    )

    cells = figure.add_subplot(layout[1, 0])
    image = cells.imshow(grid.numpy(), aspect="auto", **style)
    for boundary in (n_head, 2 * n_head):
        cells.axhline(boundary - 0.5, color="black", linewidth=2)
    labels = [f"{name} · head {h}" for name in ("q", "k", "v") for h in range(n_head)]
    cells.set_yticks(range(3 * n_head), labels, fontsize=7 if n_head > 8 else 9)
    cells.set_xlabel(f"index inside the head (0 … d_head − 1 = {d_head - 1})")
    cells.set_title(f"the same numbers in rows of d_head = {d_head}: (q, k, v) × heads")

    lengths = figure.add_subplot(layout[1, 1])
    colours = ["tab:blue"] * n_head + ["tab:orange"] * n_head + ["tab:green"] * n_head
    lengths.barh(range(3 * n_head), grid.norm(dim=1).numpy(), height=0.8, color=colours)
    lengths.set_ylim(3 * n_head - 0.5, -0.5)  # row 0 on top, as in the grid
    lengths.set_yticks([])
    lengths.set_xlabel("length of the row")
    lengths.set_title("|row|")
    figure.colorbar(image, cax=figure.add_subplot(layout[1, 2]), label="value")
    return figure
