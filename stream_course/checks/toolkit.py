"""The check toolkit every lesson uses: one message format, one way to call a student's function,
one tensor comparison with hints for known mistakes, a mutation guard, expect-raises.

Visible self-checks (in the student's kernel) and the grader's answer keys (source/<lesson>/
answer_key.py) are both written with it, so a failure reads the same wherever it is found.
Nothing here computes an exercise's answer.
"""

from __future__ import annotations

import functools
import numbers
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import torch

try:
    from xxhash import xxh3_64_hexdigest as _digest
except ImportError:  # a student's own environment (e.g. Colab) without it: only slower

    def _digest(raw) -> str:
        return f"crc32-{zlib.crc32(raw):08x}"


class CheckFailure(AssertionError):
    """A check failed; the message says, in English and Korean, what probably went wrong."""


def say(english: str, korean: str) -> str:
    """The one bilingual message format (nbgrader shows the first line of each, so EN first)."""
    return f"\n  EN: {english}\n  KO: {korean}"


def fail(english: str, korean: str) -> NoReturn:
    raise CheckFailure(say(english, korean))


def require(condition: bool, english: str, korean: str) -> None:
    if not condition:
        fail(english, korean)


def passed(what: str) -> None:
    print(f"✓ {what}: passed / 통과")


GRADING = "STREAM_GRADING"  # set in the grader's kernels (stream_course.grader.sandbox)
SKIPPED_WHILE_GRADING = (
    "self-check skipped while grading: this cell's hidden test decides / "
    "채점 중이라 자가 점검을 건너뜁니다: 이 셀의 숨은 테스트가 채점합니다"
)


def visible_check(check: Callable[..., None]) -> Callable[..., None]:
    """An exercise's visible self-check, for the student. In the grader's kernels it only says
    so: the same cell's hidden test decides, outside the kernel and on cases of its own, and
    every graded cell has one; running the visible cases too would cost a fifth of a notebook's
    grading time and decide nothing."""

    @functools.wraps(check)
    def run(*args, **kwargs) -> None:
        if os.environ.get(GRADING):
            print(SKIPPED_WHILE_GRADING)
            return
        check(*args, **kwargs)

    return run


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)} ({value.dtype})"
    if isinstance(value, np.ndarray):
        return f"numpy array of shape {value.shape} ({value.dtype})"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    return type(value).__name__


def call(function: Callable, *args, name: str, **kwargs):
    """Call a student's function; an exception it raises becomes a message that teaches."""
    try:
        return function(*args, **kwargs)
    except CheckFailure:
        raise
    except Exception as error:
        fail(
            f"{name} raised {type(error).__name__}: {error}",
            f"{name} 호출 중 {type(error).__name__} 예외가 발생했습니다: {error}",
        )


def fresh_copy(value, copies: dict | None = None, source: Copies | None = None):
    """A detached copy of every tensor in ``value``, also inside dicts, lists and tuples (a
    block's state_dict, a list of them); anything else is passed as it is. A tensor met twice
    (a state_dict's tied wte and lm_head) is copied once, and stays shared in the copy.
    ``source``: where copies come from when one call follows another (``Copies``)."""
    copies = {} if copies is None else copies
    if isinstance(value, torch.Tensor):
        if id(value) not in copies:
            copies[id(value)] = value.detach().clone() if source is None else source.of(value)
        return copies[id(value)]
    if isinstance(value, dict):
        return type(value)((key, fresh_copy(item, copies, source)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(fresh_copy(item, copies, source) for item in value)
    return value


class Copies:
    """Copies of the inputs of calls made one after another (a hidden test's cases). Every call
    gets copies that hold what the original held when it was first copied: a copy that earlier
    calls left as it was, which its fingerprint shows, is handed on to the next call that passes
    the same tensor; one they changed is copied again. A part's cases often share a big table
    (Lesson 01's neighbour queries all pass the 50,257 × 768 wte), and a fingerprint costs a
    fraction of a clone, whose fresh pages must be faulted in as well as written."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[torch.Tensor, str]] = {}  # view of an original -> copy
        # id of a kept copy -> its fingerprint as just checked: the call's snapshot of its
        # arguments (``snapshot(args, known)``) need not hash the same bytes again.
        self.known: dict[int, str] = {}

    def of(self, tensor: torch.Tensor) -> torch.Tensor:
        key = _view(tensor)
        kept = self._kept.get(key) if key is not None else None
        if kept is not None and fingerprint(kept[0]) == kept[1]:
            return kept[0]
        copy = tensor.detach().clone()
        if key is not None:
            if kept is not None:
                del self.known[id(kept[0])]  # replaced: its id may be reused
            self._kept[key] = (copy, fingerprint(copy))
            self.known[id(copy)] = self._kept[key][1]
        return copy


def _view(tensor: torch.Tensor) -> tuple | None:
    """Which memory a tensor shows (the same for a tensor, its .detach() and a Parameter made
    from it); None for a tensor without ordinary storage."""
    try:
        pointer = tensor.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):
        return None
    layout = (tensor.storage_offset(), tuple(tensor.shape), tuple(tensor.stride()))
    return (pointer, *layout, tensor.dtype, str(tensor.device))


def fingerprint(value) -> str:
    """Shape, dtype and a 64-bit XXH3 digest of a tensor's bytes, read in place (no copy)."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous()
        raw = memoryview(data.reshape(-1).view(torch.uint8).numpy()) if data.numel() else b""
        return f"tensor{tuple(data.shape)}:{data.dtype}:{_digest(raw)}"
    return repr(value)[:200]


def snapshot(value, known: dict[int, str] | None = None) -> Any:
    """What a function's arguments hold, to tell afterwards whether it changed them in place:
    every tensor's fingerprint, every dict's keys in order, every list's length; anything else
    is not looked at. Hashing reads each tensor once, where torch.equal against a second copy
    reads two: 0.03 s against 0.3 s for the lesson model's state dict (350 MB). ``known``: id ->
    fingerprint of tensors hashed a moment ago, with nothing run since (``Copies.known``)."""
    if isinstance(value, torch.Tensor):
        printed = known.get(id(value)) if known else None
        return fingerprint(value) if printed is None else printed
    if isinstance(value, dict):
        return ("dict", tuple((key, snapshot(item, known)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(snapshot(item, known) for item in value))
    return None


def clone_arguments(args: Sequence, source: Copies | None = None) -> tuple:
    """Fresh copies of every argument's tensors: each call gets its own (LESSON_TRACK §1)."""
    copies: dict = {}
    return tuple(fresh_copy(a, copies, source) for a in args)


def unchanged(function: Callable, *args, name: str, **kwargs):
    """Call ``function`` on copies of ``args`` and fail if it changed any of them in place."""
    copies = clone_arguments(args)
    before = [snapshot(copy) for copy in copies]
    result = call(function, *copies, name=name, **kwargs)
    for position, (then, copy) in enumerate(zip(before, copies, strict=True)):
        if snapshot(copy) != then:
            fail(
                f"{name} changed its argument #{position + 1} in place (an in-place op such as "
                "+=, .add_(), .div_() or x[...] = ...). Compute new tensors instead.",
                f"{name}이(가) {position + 1}번째 인자를 제자리에서(in-place) 바꿨습니다(+=, .add_(), "
                ".div_(), x[...] = ... 등). 새 tensor를 만들어 계산하세요.",
            )
    return result


def expect_raises(
    function: Callable, *args, exception: type[BaseException] = ValueError, name: str, why: str
) -> None:
    """``function(*args)`` must raise ``exception`` (with a message); ``why`` says when, in English."""
    try:
        got = function(*args)
    except exception as error:
        require(
            bool(str(error).strip()),
            f"{name}: raise {exception.__name__} with a message that says what went wrong.",
            f"{name}: 무엇이 잘못됐는지 알려 주는 메시지와 함께 {exception.__name__}를 발생시키세요.",
        )
        return
    except Exception as error:
        fail(
            f"{name} raised {type(error).__name__}; {why}: raise {exception.__name__} instead.",
            f"{name}이(가) {type(error).__name__}를 발생시켰습니다. {exception.__name__}를 발생시키세요.",
        )
    fail(
        f"{name} returned {got!r}; {why}: raise {exception.__name__} instead.",
        f"{name}이(가) {got!r}를 돌려줬습니다. 이 경우에는 {exception.__name__}를 발생시켜야 합니다.",
    )


# --- coercion --------------------------------------------------------------------------------


def as_tensor(value, name: str) -> torch.Tensor:
    """A tensor, or a numpy array made into one (dtype kept); anything else fails."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, np.ndarray) and value.dtype != object:
        return torch.from_numpy(np.ascontiguousarray(value))
    fail(
        f"{name} should be a torch.Tensor, got {describe(value)}.",
        f"{name}은(는) torch.Tensor여야 하는데 {describe(value)}입니다.",
    )


def as_ids(value, name: str) -> list[int]:
    """Any sequence of ints (list, tuple, numpy array, integer tensor) -> list[int]."""
    if isinstance(value, torch.Tensor):
        require(
            not value.is_floating_point(),
            f"{name} holds floats {value.flatten()[:3].tolist()}...: scores? Return the token ids "
            "(e.g. topk(...).indices).",
            f"{name}에 실수가 들어 있습니다 {value.flatten()[:3].tolist()}... 점수인가요? "
            "token id를 돌려주세요 (예: topk(...).indices).",
        )
        return [int(v) for v in value.flatten().tolist()]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    require(
        isinstance(value, (list, tuple)),
        f"{name} should be a list of token ids, got {describe(value)}",
        f"{name}는 token id의 list여야 하는데 {describe(value)}입니다",
    )
    ids = []
    for item in value:
        if isinstance(item, torch.Tensor) and item.numel() == 1:
            item = item.item()
        require(
            isinstance(item, numbers.Integral) and not isinstance(item, bool),
            f"{name} holds {item!r} ({type(item).__name__}), not a token id. Scores or "
            "(id, score) pairs? Return only the ids.",
            f"{name}에 token id가 아닌 {item!r}가 들어 있습니다. 점수나 (id, 점수) 쌍인가요? "
            "id만 돌려주세요.",
        )
        ids.append(int(item))
    return ids


# --- comparing tensors -----------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """A known mistake: ``wrong(*inputs)`` computes what that mistake returns. When an answer
    misses the reference but matches ``wrong``, the message says which mistake it was."""

    english: str
    korean: str
    wrong: Callable[..., torch.Tensor]


def close(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> bool:
    """``torch.allclose`` semantics on float32 copies: same shape, every entry within tolerance."""
    if got.shape != expected.shape:
        return False
    got, expected = got.detach().float(), expected.detach().float()
    return bool(torch.isfinite(got).all()) and torch.allclose(got, expected, atol=atol, rtol=rtol)


def compare(
    got,
    expected: torch.Tensor,
    name: str,
    *,
    atol: float = 1e-4,
    rtol: float = 1e-4,
    hints: Sequence[Hint] = (),
    inputs: Sequence = (),
    dtype: torch.dtype | None = torch.float32,
) -> None:
    """Type, shape, dtype and finiteness first, then ``|got - expected| <= atol + rtol·|expected|``.
    On a miss, each hint's ``wrong(*inputs)`` is tried so the message can name the mistake."""
    if isinstance(got, tuple) and len(got) == 1:
        fail(
            f"{name} is a 1-tuple: drop the trailing comma or take [0].",
            f"{name}이(가) 원소 하나짜리 tuple입니다. 뒤의 쉼표를 지우거나 [0]을 쓰세요.",
        )
    got = as_tensor(got, name)
    expected = expected.detach()
    shape, want = tuple(got.shape), tuple(expected.shape)
    if shape != want:
        transposed = len(shape) >= 2 and shape[:-2] + shape[-2:][::-1] == want
        swapped_heads = len(shape) == 4 and (shape[0], shape[2], shape[1], shape[3]) == want
        extra = (
            " The last two dimensions are swapped: a missing or extra transpose?"
            if transposed
            else " Dimensions 1 and 2 are swapped: heads need .transpose(1, 2)."
            if swapped_heads
            else ""
        )
        extra_ko = (
            " 마지막 두 차원이 바뀌었습니다. transpose가 빠졌거나 더 들어갔나요?"
            if transposed
            else " 1번과 2번 차원이 바뀌었습니다. head에는 .transpose(1, 2)가 필요합니다."
            if swapped_heads
            else ""
        )
        fail(
            f"{name} has shape {shape}, expected {want}.{extra}",
            f"{name}의 shape이 {shape}입니다. 기대값은 {want}입니다.{extra_ko}",
        )
    if dtype is not None and got.is_floating_point() and got.dtype != dtype:
        fail(
            f"{name} is {got.dtype}, expected {dtype}: keep the inputs' dtype "
            "(no .double() or numpy float64 on the way).",
            f"{name}의 dtype이 {got.dtype}입니다. 기대값은 {dtype}입니다. 입력의 dtype을 유지하세요"
            "(.double()이나 numpy float64를 거치지 마세요).",
        )
    if got.is_floating_point() and not bool(torch.isfinite(got).all()):
        bad = int((~torch.isfinite(got)).sum())
        fail(
            f"{name} has {bad} NaN or infinite entries. A division by zero, a log of 0, or a "
            "mask filled after the softmax?",
            f"{name}에 NaN이나 무한대 값이 {bad}개 있습니다. 0으로 나누기, log(0), softmax 뒤에 "
            "채운 mask 같은 것이 없는지 확인하세요.",
        )
    if close(got, expected, atol, rtol):
        return
    for hint in hints:
        try:
            wrong = hint.wrong(*clone_arguments(inputs))
        except Exception:  # a hint that does not apply to these inputs
            continue
        if isinstance(wrong, torch.Tensor) and close(got, wrong, atol, rtol):
            fail(f"{name}: {hint.english}", f"{name}: {hint.korean}")
    deviation = (got.float() - expected.float()).abs().max().item()
    fail(
        f"{name} differs from the reference by up to {deviation:.3g} "
        f"(allowed: {atol:g} + {rtol:g}·|reference|).",
        f"{name}이(가) 기준값과 최대 {deviation:.3g}만큼 다릅니다 (허용: {atol:g} + {rtol:g}·|기준값|).",
    )
