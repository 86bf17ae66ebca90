"""The lessons' plot helpers refuse, at once and in both languages, what they cannot draw: a
wrong tensor would otherwise become thousands of panels or a figure hundreds of inches wide."""

import matplotlib
import pytest
import torch

from stream_course.lessons.block.helpers import capture_block_parts, plot_block_norms
from stream_course.lessons.causal_pattern.helpers import plot_patterns
from stream_course.synthetic import synthetic_gpt2, token_ids

from .conftest import korean

matplotlib.use("Agg")


def causal(heads: int, length: int) -> torch.Tensor:
    scores = torch.randn(heads, length, length).masked_fill(
        torch.ones(length, length).triu(1).bool(), float("-inf")
    )
    return scores.softmax(-1)


def test_plot_patterns_draws_one_layer_and_refuses_a_batch_or_wrong_labels():
    import matplotlib.pyplot as plt

    tokens = ["The", " cat", " sat", " down"]
    figure = plot_patterns(causal(3, 4), tokens, "layer 0")
    assert len([a for a in figure.axes if a.images]) == 3
    plt.close(figure)
    for pattern, labels in ((causal(3, 4)[None], tokens), (causal(3, 4), tokens[:3])):
        with pytest.raises(ValueError, match=r"\(heads, T, T\)") as refused:
            plot_patterns(pattern, labels)
        assert korean(str(refused.value))
    with pytest.raises(ValueError, match=r"pattern\[0\]"):
        plot_patterns(torch.randn(50, 768), tokens)  # an embedding table, not a pattern


def test_plot_block_norms_reads_capture_block_parts_only():
    import matplotlib.pyplot as plt

    model = synthetic_gpt2(0, n_layer=2, n_head=2, n_embd=8)
    ids = token_ids(0, 1, 5, model.config.vocab_size)
    parts = capture_block_parts(model, ids)
    figure = plot_block_norms(parts, [str(i) for i in range(5)])
    assert len(figure.axes) == 2  # the first block and the last
    plt.close(figure)
    with pytest.raises(ValueError, match="capture_block_parts") as refused:
        plot_block_norms(torch.randn(4, 5, 8), list("abcde"))
    assert korean(str(refused.value))
    with pytest.raises(ValueError, match="T = 5, tokens has 768") as refused:
        plot_block_norms(parts, list(range(768)))
    assert korean(str(refused.value))
