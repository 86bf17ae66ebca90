"""Lesson 08 helpers: read what every block received, what its attention and its MLP added, and
what it returned (hooks during one forward pass), and plot their lengths per position. Nothing
here computes a block: the values are the model's own."""

from __future__ import annotations

import torch

from stream_course.checks.toolkit import say
from stream_course.synthetic import hooked


def capture_block_parts(model, ids: torch.Tensor) -> dict[int, dict[str, torch.Tensor]]:
    """``{layer: {"x", "attn", "mlp", "out"}}`` for one full, causal forward pass of ``ids``:
    ``x`` is what ``h[i]`` received (the residual stream), ``attn`` what ``h[i].attn`` returned and
    ``mlp`` what ``h[i].mlp`` returned (the two vectors the block adds), ``out`` what ``h[i]``
    returned; each (B, T, d)."""
    layers = range(model.config.n_layer)
    names = [f"transformer.h.{i}{part}" for i in layers for part in ("", ".attn", ".mlp")]
    with torch.no_grad(), hooked(model, names) as seen:
        model.transformer(ids)
    parts = {}
    for i in layers:
        block = f"transformer.h.{i}"
        parts[i] = {
            "x": seen[block][0],
            "attn": seen[f"{block}.attn"][1][0].detach(),  # GPT2Attention returns (out, weights)
            "mlp": seen[f"{block}.mlp"][1].detach(),
            "out": seen[block][1].detach(),
        }
    return parts


def plot_block_norms(parts: dict[int, dict[str, torch.Tensor]], tokens: list[str], layers=None):
    """One panel per layer (default: first and last): the lengths ‖x‖ (the stream entering the
    block), ‖attn out‖, ‖mlp out‖ and ‖x + attn + mlp‖ (what leaves it) at each position of the
    first sequence."""
    import matplotlib.pyplot as plt

    _require_block_parts(parts, tokens)
    layers = sorted({0, max(parts)}) if layers is None else layers
    figure, axes = plt.subplots(
        1,
        len(layers),
        figsize=(max(6.0, 0.45 * len(tokens) + 2.5) * len(layers), 4.4),
        squeeze=False,
    )
    styles = {
        "x": ("‖x‖ (stream in)", "tab:gray", "-", "o"),
        "attn": ("‖attn out‖", "tab:blue", "-", "s"),
        "mlp": ("‖mlp out‖", "tab:orange", "-", "^"),
        "out": ("‖x + attn + mlp‖ (stream out)", "black", "--", None),
    }
    positions = range(len(tokens))
    for axis, layer in zip(axes[0], layers, strict=True):
        for key, (label, colour, line, marker) in styles.items():
            norms = parts[layer][key][0].float().norm(dim=-1)
            axis.plot(positions, norms, line, color=colour, marker=marker, label=label)
        axis.set_title(f"block h[{layer}]")
        axis.set_xticks(list(positions), [repr(t) for t in tokens], rotation=60, fontsize=8)
        axis.set_xlabel("position (token)")
        axis.set_ylabel("length of the vector")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=8)
    figure.suptitle("What each block reads (x) and what it adds (attn, mlp), per position")
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.28, top=0.85, wspace=0.2)
    return figure


def _require_block_parts(parts, tokens) -> None:
    """What plot_block_norms reads, checked before a figure is sized by it (a long wrong
    ``tokens`` would make a figure hundreds of inches wide)."""
    keys = {"x", "attn", "mlp", "out"}
    readable = (
        isinstance(parts, dict)
        and parts
        and all(isinstance(p, dict) and keys <= set(p) for p in parts.values())
    )
    if not readable:
        raise ValueError(
            say(
                "plot_block_norms reads what capture_block_parts(model, ids) returns: "
                "{layer: {'x', 'attn', 'mlp', 'out'}}, each (B, T, d).",
                "plot_block_norms는 capture_block_parts(model, ids)가 돌려주는 "
                "{layer: {'x', 'attn', 'mlp', 'out'}}(각각 (B, T, d))를 읽습니다.",
            )
        )
    length = next(iter(parts.values()))["x"].shape[1]
    if len(tokens) != length:
        raise ValueError(
            say(
                f"plot_block_norms needs one label per position: the parts have T = {length}, "
                f"tokens has {len(tokens)}.",
                f"plot_block_norms에는 위치마다 이름이 하나씩 필요합니다: parts의 T = {length}, "
                f"tokens는 {len(tokens)}개입니다.",
            )
        )
