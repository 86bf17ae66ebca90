"""Lesson 07 helpers: read what every MLP received and computed (hooks), and plot GELU's shapes
next to the pre-activations GPT-2 feeds it. The tanh GELU in the plot is the student's own
``gelu_new``, passed in; nothing here computes it or the MLP."""

from __future__ import annotations

import math

import torch

from stream_course.synthetic import hooked


def capture_mlp(model, ids: torch.Tensor) -> dict[int, dict[str, torch.Tensor]]:
    """``{layer: {"x": ..., "pre": ..., "out": ...}}`` for one full forward pass of ``ids``
    (hooks): ``x`` is what ``h[i].ln_2`` returned (the MLP's input), ``pre`` what ``c_fc``
    returned (before the GELU) and ``out`` what ``h[i].mlp`` returned, each (B, T, ·)."""
    layers = range(model.config.n_layer)
    parts = {"x": "ln_2", "pre": "mlp.c_fc", "out": "mlp"}
    names = [f"transformer.h.{i}.{part}" for i in layers for part in parts.values()]
    with torch.no_grad(), hooked(model, names) as seen:
        model.transformer(ids)
    return {
        i: {key: seen[f"transformer.h.{i}.{part}"][1].detach() for key, part in parts.items()}
        for i in layers
    }


def _erf_form(x: torch.Tensor) -> torch.Tensor:
    """GELU's exact definition x·Φ(x), for comparison only (GPT-2 does not use it)."""
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def plot_gelu(gelu_new, pre_activations: torch.Tensor, span: float = 4.0, tolerance=1e-5):
    """Three panels: ``gelu_new`` (tanh form), the erf form and ReLU on [-span, span]; the
    difference ``gelu_new - erf form`` with the hidden tests' tolerance band; the histogram of
    ``pre_activations`` (what c_fc returned) under the GELU curve, with how far apart the two
    GELU forms are on them."""
    import matplotlib.pyplot as plt

    x = torch.linspace(-span, span, 401)
    tanh_form, erf_form = gelu_new(x).float(), _erf_form(x)
    gap = tanh_form - erf_form
    pre = pre_activations.detach().float().flatten()
    pre_gap = (gelu_new(pre).float() - _erf_form(pre)).abs()

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.6))  # no layout engine: it costs a second
    axes[0].plot(x, tanh_form, label="GELU, tanh form (your gelu_new)", linewidth=2.5)
    axes[0].plot(x, erf_form, "--", label="GELU, erf form x·Φ(x)", linewidth=1.5)
    axes[0].plot(x, x.clamp(min=0), ":", label="ReLU max(0, x)", color="tab:gray")
    lowest = int(tanh_form.argmin())
    axes[0].annotate(
        f"minimum {tanh_form[lowest]:.3f}\nat x = {x[lowest]:.2f}",
        (x[lowest].item(), tanh_form[lowest].item()),
        xytext=(-span * 0.95, 1.2),
        arrowprops={"arrowstyle": "->"},
        fontsize=8,
    )
    axes[0].axhline(0, color="black", linewidth=0.6)
    axes[0].axvline(0, color="black", linewidth=0.6)
    axes[0].set_title("three activations: the GELU forms overlap")
    axes[0].set_xlabel("x (pre-activation)")
    axes[0].legend(fontsize=8, loc="upper left")

    widest = int(gap.abs().argmax())
    axes[1].plot(x, gap * 1e4, color="tab:red")
    axes[1].axhspan(-tolerance * 1e4, tolerance * 1e4, color="tab:green", alpha=0.3)
    axes[1].annotate(
        f"largest |gap| {gap.abs()[widest]:.1e}\nat x = {x[widest]:.2f}",
        (x[widest].item(), gap[widest].item() * 1e4),
        fontsize=8,
        xytext=(0.36, 0.62),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->"},
    )
    axes[1].axhline(0, color="black", linewidth=0.6)
    axes[1].set_title(
        "tanh form − erf form (×10⁻⁴)\ngreen band: the gelu_new tests' tolerance ±1e-5",
        fontsize=10,
    )
    axes[1].set_xlabel("x")

    limit = max(span, pre.abs().max().item())
    bins = torch.linspace(-limit, limit, 121)
    counts = torch.histogram(pre, bins=bins).hist
    axes[2].stairs(counts.numpy(), bins.numpy(), fill=True, color="tab:gray", alpha=0.7)
    axes[2].set_ylabel("how many pre-activations")  # linear: a log axis costs half a second
    axes[2].set_xlabel("value of c_fc's output (what GELU receives)")
    curve = axes[2].twinx()
    grid = torch.linspace(-limit, limit, 401)
    curve.plot(grid, gelu_new(grid).float(), color="tab:blue", linewidth=2)
    curve.set_ylabel("GELU(x)", color="tab:blue")
    near_linear = (pre.abs() < 1).float().mean().item()
    negative = (pre < 0).float().mean().item()
    axes[2].set_title(
        f"{pre.numel():,} pre-activations: std {pre.std():.2f}, "
        f"{near_linear:.0%} in |x| < 1, {negative:.0%} < 0\n"
        f"largest |tanh − erf| on them: {pre_gap.max():.1e}",
        fontsize=10,
    )
    figure.suptitle("GELU: a smooth ReLU that lets small negative values through")
    figure.subplots_adjust(left=0.04, right=0.95, bottom=0.12, top=0.8, wspace=0.3)
    return figure
