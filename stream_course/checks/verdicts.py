"""Verdicts outside the student's kernel: record in the kernel, judge in the grader.

Hidden test cells call ``collect(part, ...)``. In the student's kernel it runs the part's checks
with the student's functions wrapped in a ``Recorder`` (every call: a fingerprint of its arguments,
the result, whether it modified its arguments) and its values frozen to JSON, and shows that as
one output of type ``ANSWERS_MIME``. Whatever the checks concluded in there is ignored.

The grader then calls ``judge(payload, model, tokenizer)`` in its own process, with its own model:
the same checks run again, the student's functions replaced by a ``Replayer`` that gives back the
recorded results for the same arguments. Patching torch, the course package or IPython inside the
kernel can change what is recorded (that is: the answers), never the verdict.
"""

from __future__ import annotations

import contextlib
import io
import numbers
import zlib

import numpy as np
import torch

try:
    from xxhash import xxh3_64_hexdigest as _digest
except ImportError:  # a student's own environment (e.g. Colab) without it: only slower

    def _digest(raw) -> str:
        return f"crc32-{zlib.crc32(raw):08x}"


ANSWERS_MIME = "application/vnd.stream.answers+json"
BIG = 10_000  # tensors with more elements are recorded by fingerprint, not by value
MAX_PAYLOAD = 5_000_000  # characters of JSON the grader accepts from one hidden cell


class MissingAnswer(AssertionError):
    """The recording has no answer for a question the grader asks."""


def fingerprint(value) -> str:
    """Names a value for the recording. Tensors: shape, dtype and a 64-bit XXH3 digest of their
    bytes, read in place (no copy). A fast non-cryptographic hash, on purpose: it only has to tell
    honest answers apart and notice a changed input; a student who forges a recording could forge
    any hash too, and gains nothing (the judge decides from the grader's own model). It runs
    twice per recorded call over the 154 MB GPT-2 table: ~10 ms each (CRC-32: ~50 ms)."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous()
        raw = memoryview(data.view(torch.uint8).numpy()) if data.numel() else b""
        return f"tensor{tuple(data.shape)}:{data.dtype}:{_digest(raw)}"
    return repr(value)[:200]


def freeze(value):
    """JSON-safe record of a value that ``thaw`` can rebuild with the same types."""
    if isinstance(value, torch.Tensor):
        if value.numel() > BIG:
            return {"type": "big_tensor", "shape": list(value.shape), "print": fingerprint(value)}
        return {
            "type": "tensor",
            "float": value.is_floating_point(),
            "shape": list(value.shape),
            "values": value.detach().cpu().flatten().tolist(),
        }
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "values": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, numbers.Integral):
        return {"type": "int", "value": int(value)}
    if isinstance(value, float):
        return {"type": "float", "value": value}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "items": [freeze(v) for v in value][:100_000]}
    if isinstance(value, dict):
        return {
            "type": "dict",
            "items": [[freeze(k), freeze(v)] for k, v in value.items()][:10_000],
        }
    return {"type": "other", "repr": repr(value)[:200], "name": type(value).__name__}


class Opaque:
    """Stands for a recorded value of a type that is not rebuilt (a module, a function...)."""

    def __init__(self, name: str, text: str):
        self.name, self.text = name, text

    def __repr__(self) -> str:
        return self.text


def thaw(record, known_tensors=()):
    kind = record["type"]
    if kind == "big_tensor":
        for tensor in known_tensors:  # the grader's own tensor, if the student handed in that one
            if fingerprint(tensor) == record["print"]:
                return tensor
        return torch.full(record["shape"], float("nan"))  # right shape, certainly wrong values
    if kind == "tensor":
        dtype = torch.float32 if record["float"] else torch.int64
        return torch.tensor(record["values"], dtype=dtype).reshape(record["shape"])
    if kind == "ndarray":
        return np.array(record["values"], dtype=record["dtype"])
    if kind in ("bool", "int", "float", "str"):
        return record["value"]
    if kind in ("list", "tuple"):
        items = [thaw(v, known_tensors) for v in record["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {thaw(k): thaw(v, known_tensors) for k, v in record["items"]}
    return Opaque(record["name"], record["repr"])


class Recorder:
    """Wraps a student's function in the kernel and records every call."""

    def __init__(self, function):
        self.function, self.calls = function, []

    def __call__(self, *args):
        call = {"args": [fingerprint(a) for a in args]}
        self.calls.append(call)
        try:
            result = self.function(*args)
        except Exception as error:
            call["raised"] = {
                "type": type(error).__name__,
                "message": str(error)[:2000],
                "value_error": isinstance(error, ValueError),
            }
            raise
        finally:
            call["mutated"] = any(
                isinstance(a, torch.Tensor) and fingerprint(a) != before
                for a, before in zip(args, call["args"], strict=True)
            )
        call["result"] = freeze(result)
        return result


class Replayer:
    """Plays a recording back in the grader: same questions, the student's recorded answers."""

    def __init__(self, calls, known_tensors=()):
        self.calls, self.known_tensors, self.position = list(calls), known_tensors, 0

    def __call__(self, *args):
        if self.position >= len(self.calls):
            raise MissingAnswer("no recorded answer for this call (the check did not finish)")
        call = self.calls[self.position]
        self.position += 1
        if call.get("args") != [fingerprint(a) for a in args]:
            raise MissingAnswer("the recorded answers are for other questions")
        if call.get("mutated"):
            for argument in args:  # do again what the student's function did: change its input
                if isinstance(argument, torch.Tensor):
                    argument.data.add_(1.0)
        if "raised" in call:
            raised = call["raised"]
            kind = ValueError if raised["value_error"] else RuntimeError
            raise kind(
                f"{raised['type']}: {raised['message']}"
                if kind is RuntimeError
                else raised["message"]
            )
        return thaw(call["result"], self.known_tensors)


def record(part: str, lesson: int, checks, answers: dict, context: dict) -> dict:
    """Run ``checks`` on the student's answers in the kernel, recording them; never raises
    AssertionError (the verdict is not decided here)."""
    recorders = {n: Recorder(a) for n, a in answers.items() if callable(a)}
    values = {n: freeze(a) for n, a in answers.items() if not callable(a)}
    wrapped = {**{n: a for n, a in answers.items() if not callable(a)}, **recorders}
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the visible checks already printed
            checks(**wrapped, **context)
    except Exception:  # the same failure will be found again by the judge
        pass
    return {
        "lesson": lesson,
        "part": part,
        "values": values,
        "calls": {name: recorder.calls for name, recorder in recorders.items()},
    }


def replay_answers(payload: dict, known_tensors=()) -> dict:
    answers = {n: thaw(v, known_tensors) for n, v in payload["values"].items()}
    answers.update({n: Replayer(c, known_tensors) for n, c in payload["calls"].items()})
    return answers
