"""The write-it-yourself rule (stream_course.checks.forbidden): a built-in an exercise forbids is
found in the answer's cell, and in what the answer takes from the student's other cells."""

import pytest
import torch

from stream_course.checks.forbidden import answer_source, check_written_by_hand, course_uses, scan

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


# The course's own checks hold near-answers (a hint computes a mistake from the same pieces).
SETUP = """import torch
from stream_course.lessons.decoding import checks as check
from stream_course.models import load_model
model, tokenizer = load_model()"""
PROBS = "def next_token_probs(logits, temperature=1.0, top_k=None):\n    return {body}"


def test_an_answer_built_from_the_courses_checks_is_found():
    composed = PROBS.format(
        body="check._renormalised((logits / temperature).softmax(-1), check._kept(logits, top_k))"
    )
    assert course_uses("next_token_probs", composed, [SETUP]) == [
        "from stream_course.lessons.decoding import checks"
    ]
    aliased = "kept = check._kept\nnext_token_probs = lambda logits, t=1.0, k=None: kept(logits, k)"
    assert course_uses("next_token_probs", aliased, [SETUP]) != []
    helper = "def helper(x, k):\n    from stream_course.lessons.decoding.checks import _kept\n    return _kept(x, k)"
    assert course_uses(
        "next_token_probs", PROBS.format(body="helper(logits, top_k)"), [helper]
    ) == ["from stream_course.lessons.decoding.checks import _kept"]
    by_name = PROBS.format(
        body="sys.modules['stream_course.lessons.decoding.checks']._kept(logits, 1)"
    )
    assert course_uses("next_token_probs", by_name, [SETUP]) != []
    assert scan(by_name, ()).suspicious == ["sys.modules"]


def test_the_lessons_model_and_a_self_check_in_the_answers_cell_are_not_uses():
    own = PROBS.format(body="(logits / temperature).softmax(-1) + 0 * model.lm_head.weight.sum()")
    cell = (
        own
        + "\n\ncheck.check_next_token_probs(next_token_probs, model)\nx = check.spread_logits(0, 1, 5)"
    )
    assert course_uses("next_token_probs", cell, [SETUP]) == []
    # an answer bound some other way: its cell is read, but not the self-check called there
    looped = "for next_token_probs in [len]:\n    pass\n\ncheck.check_next_token_probs(len, model)"
    assert course_uses("next_token_probs", looped, [SETUP]) == []
    # a parameter that shares a global's name is the parameter (Python's scoping)
    shadowing = (
        "def next_token_probs(check, temperature=1.0, top_k=None):\n    return check.softmax(-1)"
    )
    assert course_uses("next_token_probs", shadowing, [SETUP]) == []


def test_the_self_check_names_the_courses_code_an_answer_calls():
    from stream_course.checks.toolkit import CheckFailure
    from stream_course.lessons.decoding import checks as check

    namespace = {"check": check, "torch": torch}
    exec(PROBS.format(body="check._kept(logits, top_k).float()"), namespace)
    with pytest.raises(CheckFailure, match="course's own code"):
        check_written_by_hand(namespace["next_token_probs"], (), "next_token_probs")
    exec(PROBS.format(body="(logits / temperature).softmax(-1)"), namespace)
    check_written_by_hand(namespace["next_token_probs"], (), "next_token_probs")
