"""Hidden tests, the kernel's half: run the student's answers on a part's cases and record them.

A hidden test cell calls ``check.collect("test_embed", model, tokenizer, embed=embed)``. Here, in
the student's kernel, the part's cases are built (inputs only: seeded synthetic models, the lesson
model's activations), the student's function is called on a fresh copy of each case's inputs, and
what it returned is recorded *by value* (tensors up to ``BY_VALUE`` elements; larger ones by
fingerprint) with whether it raised or changed its inputs. That recording is shown as one output
of type ``ANSWERS_MIME``. Nothing is decided here.

The grader (stream_course.grader.judge) builds the same cases again from the same seeds with its own
model, computes the references with the lesson's answer key (source/<lesson>/answer_key.py, never
installed), and compares with the lesson's tolerance. The part is the cell's nbgrader grade_id
and the lesson the assignment being graded, whatever a recording claims.
"""

from __future__ import annotations

import base64
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from stream_course.checks.toolkit import Copies, clone_arguments, fail, fingerprint, snapshot

ANSWERS_MIME = "application/vnd.stream.answers+json"
BY_VALUE = 1_000_000  # tensor elements recorded by value; larger tensors by fingerprint
MAX_PAYLOAD = 16_000_000  # characters of JSON the grader accepts from one hidden cell


@dataclass
class Case:
    """One call of the student's function: ``label`` names it in messages; ``context`` holds what
    the answer key may need to compute the reference (never sent anywhere)."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    _reference: Any = field(default=None, init=False, repr=False, compare=False)

    def reference(self, compute: Callable[..., Any], *args) -> Any:
        """``compute(*args)`` the first time, then what it returned: the judge keeps a part's cases
        for every notebook of a batch (judge.cases_of), and a reference that depends on the case
        alone need not be computed again for each submission. Callers only read it."""
        if self._reference is None:
            self._reference = compute(*args)
        return self._reference


@dataclass(frozen=True)
class Part:
    """A hidden test cell: the answers it hands in and, for the one answer that is a function
    (``calls``), how to build the cases it is called on."""

    answers: tuple[str, ...]
    calls: str | None = None
    cases: Callable[[Any, Any], list[Case]] | None = None


@dataclass(frozen=True)
class Fingerprint:
    """A recorded tensor too big to keep by value: it can only be compared for equality."""

    shape: tuple
    dtype: str
    print: str

    def matches(self, tensor: torch.Tensor) -> bool:
        return fingerprint(tensor) == self.print


@dataclass(frozen=True)
class Opaque:
    """A recorded value of a type that is not rebuilt (a module, a function...)."""

    name: str
    text: str

    def __repr__(self) -> str:
        return self.text


_DTYPES = {
    str(d): d
    for d in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.int8,
        torch.uint8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}


def freeze(value):
    """JSON-safe record of a value that ``thaw`` rebuilds with the same types and dtypes."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous()
        if str(data.dtype) not in _DTYPES or data.is_complex():
            return {"type": "other", "repr": f"tensor {data.dtype}", "name": "Tensor"}
        if data.numel() > BY_VALUE:
            return {
                "type": "fingerprint",
                "shape": list(data.shape),
                "dtype": str(data.dtype),
                "print": fingerprint(data),
            }
        raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
        return {
            "type": "tensor",
            "dtype": str(data.dtype),
            "shape": list(data.shape),
            "data": base64.b64encode(raw).decode("ascii"),
        }
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return {"type": "list", "items": [freeze(v) for v in value.tolist()][:100_000]}
        return {"type": "ndarray", "tensor": freeze(torch.from_numpy(np.ascontiguousarray(value)))}
    if isinstance(value, bool | np.bool_):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, numbers.Integral):
        return {"type": "int", "value": int(value)}
    if isinstance(value, numbers.Real):
        return {"type": "float", "value": float(value)}
    if isinstance(value, str):
        return {"type": "str", "value": value[:100_000]}
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "items": [freeze(v) for v in value][:100_000]}
    if isinstance(value, dict):
        items = [[freeze(k), freeze(v)] for k, v in value.items()][:10_000]
        return {"type": "dict", "items": items}
    return {"type": "other", "repr": repr(value)[:200], "name": type(value).__name__}


def thaw(record):
    kind = record["type"]
    if kind == "tensor":
        dtype = _DTYPES[record["dtype"]]
        raw = bytearray(base64.b64decode(record["data"]))
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        return flat.reshape(record["shape"]).clone()
    if kind == "fingerprint":
        return Fingerprint(tuple(record["shape"]), record["dtype"], record["print"])
    if kind == "ndarray":
        return thaw(record["tensor"]).numpy()
    if kind in ("bool", "int", "float", "str"):
        return record["value"]
    if kind in ("list", "tuple"):
        items = [thaw(v) for v in record["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {_hashable(thaw(k)): thaw(v) for k, v in record["items"]}
    return Opaque(record["name"], record["repr"])


def _hashable(key):
    return key if isinstance(key, (str, int, float, bool, tuple)) else repr(key)


# --- running a part in the kernel --------------------------------------------------------------


def run_case(function: Callable, case: Case, source: Copies | None = None) -> dict:
    """Call ``function`` on fresh copies of the case's inputs; what it did, as JSON.
    ``source``: the copies of the cases before it (toolkit.Copies)."""
    args = clone_arguments(case.args, source)
    before = snapshot(args, source.known if source is not None else None)
    outcome: dict[str, Any] = {}
    try:
        outcome["result"] = freeze(function(*args, **case.kwargs))
    except Exception as error:
        outcome["raised"] = {
            "type": type(error).__name__,
            "message": str(error)[:2000],
            "value_error": isinstance(error, ValueError),
        }
    outcome["mutated"] = snapshot(args) != before
    return outcome


def record_part(
    lesson: str,
    grade_id: str,
    part: Part,
    answers: dict,
    model,
    tokenizer,
    cases=None,
    copies: Copies | None = None,
) -> dict:
    """The recording of one hidden test cell (``cases``: the part's cases, if already built;
    ``copies``: where each call's inputs come from, a new ``Copies`` unless given)."""
    values = {n: freeze(v) for n, v in answers.items() if n != part.calls}
    calls: list[dict] = []
    if part.calls is not None:
        function = answers.get(part.calls)
        cases = part.cases(model, tokenizer) if cases is None else cases
        if callable(function):
            copies = Copies() if copies is None else copies
            calls = [run_case(function, case, copies) for case in cases]
        else:
            not_callable = {"type": "TypeError", "message": "not a function", "value_error": False}
            calls = [{"raised": not_callable, "mutated": False} for _ in cases]
    return {"lesson": lesson, "part": grade_id, "values": values, "calls": calls}


def collector(slug: str) -> Callable:
    """The ``collect`` of one lesson's checks module (see the module docstring)."""

    def collect(grade_id: str, model, tokenizer, **answers) -> None:
        from IPython.display import display

        from stream_course.lessons import lesson

        found = lesson(slug)
        payload = record_part(
            found.assignment, grade_id, found.parts[grade_id], answers, model, tokenizer
        )
        note = f"answers for '{grade_id}' recorded for the grader / 채점용 답을 기록했습니다"
        display({ANSWERS_MIME: payload, "text/plain": note}, raw=True)

    return collect


# --- reading a recording back (the grader) -------------------------------------------------------


@dataclass
class Outcome:
    """What the student's function did on one case, as recorded."""

    value: Any = None
    raised: dict | None = None
    mutated: bool = False

    def get(self, name: str):
        """The returned value; a bilingual failure if the call raised or changed its inputs."""
        if self.raised is not None:
            kind, message = self.raised.get("type", "Exception"), self.raised.get("message", "")
            fail(
                f"{name} raised {kind}: {message}",
                f"{name} 호출 중 {kind} 예외가 발생했습니다: {message}",
            )
        if self.mutated:
            fail(
                f"{name} changed its inputs in place (+=, .add_(), x[...] = ...). Compute new "
                "tensors instead.",
                f"{name}이(가) 입력을 제자리에서(in-place) 바꿨습니다(+=, .add_(), x[...] = ... 등). "
                "새 tensor를 만들어 계산하세요.",
            )
        return self.value


def outcomes(payload: dict) -> list[Outcome]:
    return [
        Outcome(
            value=thaw(call["result"]) if "result" in call else None,
            raised=call.get("raised") if "result" not in call else None,
            mutated=bool(call.get("mutated")),
        )
        for call in payload["calls"]
    ]
