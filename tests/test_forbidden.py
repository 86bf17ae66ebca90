"""The write-it-yourself rule (stream_course.checks.forbidden): a built-in an exercise forbids is
found in the answer's cell, and in what the answer takes from the student's other cells."""

from stream_course.checks.forbidden import answer_source, scan

BANNED = ("layer_norm", "LayerNorm")
HAND_WRITTEN = """
def layer_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / (var + eps).sqrt() * weight + bias
"""


def uses(answer: str, *others: str) -> list[str]:
    return scan(answer_source(answer, list(others)), BANNED).uses


def test_a_hand_written_answer_uses_nothing_forbidden():
    assert (
        uses(HAND_WRITTEN, "import torch\neps = 1e-5", "def unused():\n    return F.layer_norm")
        == []
    )


def test_a_built_in_called_in_the_answer_is_found():
    answer = (
        "def layer_norm(x, w, b, eps=1e-5):\n    return F.layer_norm(x, x.shape[-1:], w, b, eps)"
    )
    assert uses(answer) == ["F.layer_norm"]


def test_an_alias_or_import_in_another_cell_is_found():
    answer = "def layer_norm(x, w, b, eps=1e-5):\n    return ln(x, x.shape[-1:], w, b, eps)"
    assert uses(answer, "import torch.nn.functional as F\nln = F.layer_norm") == ["F.layer_norm"]
    imported = "from torch.nn.functional import layer_norm as ln"
    assert uses(answer, imported) == ["from torch.nn.functional import layer_norm"]
    helper = "def helper(x):\n    return ln(x, x.shape[-1:])"
    wrapped = "def layer_norm(x, w, b, eps=1e-5):\n    return helper(x) * w + b"
    assert uses(wrapped, helper, imported) == ["from torch.nn.functional import layer_norm"]


def test_a_star_import_anywhere_is_left_for_an_instructor_to_read():
    answer = "def layer_norm(x, w, b, eps=1e-5):\n    return group_norm(x, 1, w, b, eps)"
    findings = scan(answer_source(answer, ["from torch.nn.functional import *"]), BANNED)
    assert findings.uses == [] and findings.suspicious == ["from torch.nn.functional import *"]
