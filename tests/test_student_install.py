"""What a student installs (the Colab cell's pip install, or a wheel built from the repository)
carries no answer key: no reference solution, no sample answers, and no importable name that
returns an exercise's answer."""

import json
import subprocess
import sys
import zipfile

import pytest

from stream_course.lessons import LESSONS, lesson

from .conftest import judged, package_tree

pytestmark = pytest.mark.slow

# Runs in a fresh interpreter that imports the installed wheel: every callable that the package
# defines is handed in as the student's answer to every hidden part that calls a function, and
# the recordings are written out for the grader's judge (in the test process, with the key).
PROBE = r"""
import importlib, inspect, itertools, json, os, pkgutil, select, signal, sys, time, warnings
warnings.simplefilter("ignore")
import torch
# One thread: a child forked after a multi-threaded matmul in this process can hang in
# OpenMP, and every candidate would then wait out its 10 s deadline.
torch.set_num_threads(1)
# What the package's functions import when first called (plots, nbgrader's commands), imported
# once here: each forked child would otherwise import it again.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot, nbformat, nbgrader.apps
import stream_course
from stream_course.checks.record import record_part
from stream_course.checks.toolkit import Copies, clone_arguments, fingerprint
from stream_course.lessons import LESSONS, lesson
from stream_course.models import load_model

installed, out, planted = sys.argv[1], sys.argv[2], sys.argv[3:]
assert stream_course.__file__.startswith(installed), stream_course.__file__
modules = [stream_course, *planted]
modules += [info.name for info in pkgutil.walk_packages(stream_course.__path__, "stream_course.")]
candidates = {}
for name in modules:
    try:
        module = importlib.import_module(name) if isinstance(name, str) else name
    except Exception:
        continue
    for attribute, value in vars(module).items():
        if callable(value) and getattr(value, "__module__", "").startswith(("stream_course", *planted)):
            qualified = f"{value.__module__}.{getattr(value, '__qualname__', attribute)}"
            candidates.setdefault(qualified, value)


# The cases' own tensors instead of copies: each candidate runs in a forked child, whose writes
# this process never sees (copy-on-write). A copy of the lesson model's 350 MB state dict in
# every child cost more than most candidates' calls. Their fingerprints are taken here, once per
# part, before any child is forked: a child's snapshot before each call reads them
# (Copies.known) and only the one after the call hashes. A call that changes its inputs is
# still recorded as such (so is every later call of that child on the same tensor), which no
# right answer is.
class Originals(Copies):
    def __init__(self, cases):
        super().__init__()
        self._handed = {}  # id of a case's tensor -> the detached view every call gets
        for case in cases:
            clone_arguments(case.args, self)

    def of(self, tensor):
        handed = self._handed.get(id(tensor))
        if handed is None:
            handed = self._handed[id(tensor)] = tensor.detach()
            self.known[id(handed)] = fingerprint(handed)
        return handed


# Candidates run in forked children, one per core at a time: a candidate may fork, exit or hang
# (10 s at most); the probe goes on.
SLOTS = len(os.sched_getaffinity(0))
running = {}  # pid -> (deadline, result file, what the recording is of, pidfd)
recordings = []
calls = itertools.count()  # each child's result file gets its own name


def start(found, grade_id, part, cases, originals, name, function, model, tokenizer):
    result = f"{out}.{next(calls)}.call"
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        try:
            answers = {n: function if n == part.calls else None for n in part.answers}
            payload = record_part(
                found.assignment, grade_id, part, answers, model, tokenizer, cases, originals
            )
            with open(result, "w") as file:
                json.dump(payload, file)
        finally:
            os._exit(0)
    pidfd = os.pidfd_open(pid)  # readable once the child has ended
    running[pid] = (time.monotonic() + 10, result, (found.slug, grade_id, name), pidfd)


def wait_below(slots):
    while len(running) >= slots:
        # Wake when a child ends or the first deadline passes (a polling interval would leave a
        # core idle for half of it after each of some 2,700 calls).
        first = min(entry[0] for entry in running.values())
        pidfds = [entry[3] for entry in running.values()]
        select.select(pidfds, [], [], max(0.0, first - time.monotonic()))
        for pid, (deadline, result, (slug, grade_id, name), pidfd) in list(running.items()):
            done = os.waitpid(pid, os.WNOHANG) != (0, 0)
            if not done and time.monotonic() < deadline:
                continue
            try:
                os.killpg(pid, signal.SIGKILL)  # the candidate's own children too
                if not done:
                    os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(pidfd)
            del running[pid]
            if os.path.exists(result):
                with open(result) as file:
                    payload = json.load(file)
                os.remove(result)
                recordings.append(
                    {"slug": slug, "grade_id": grade_id, "candidate": name, "payload": payload}
                )


model, tokenizer = load_model()
torch.set_grad_enabled(False)
for slug in LESSONS:
    found = lesson(slug)
    for grade_id, part in found.parts.items():
        if part.calls is None:
            continue
        cases = part.cases(model, tokenizer)
        originals = Originals(cases)
        case = cases[0]
        for name, function in sorted(candidates.items()):
            try:
                inspect.signature(function).bind(*case.args, **case.kwargs)
            except (TypeError, ValueError):
                continue  # cannot even be called as the exercise's function
            wait_below(SLOTS)
            start(found, grade_id, part, cases, originals, name, function, model, tokenizer)
wait_below(1)
with open(out, "w") as file:
    json.dump({"candidates": sorted(candidates), "recordings": recordings}, file)
"""

# A module that gives Lesson 01's answer away: the probe must catch it (a probe that cannot
# fail would prove nothing).
PLANTED = """
import torch.nn.functional as F

def neighbours_for_you(wte, idx, k=10):
    unit = F.normalize(wte.detach().float(), dim=1)
    sims = unit @ unit[idx]
    sims[idx] = -float("inf")
    return sims.topk(k).indices.tolist()
"""


@pytest.fixture(scope="module")
def installed(course_root, tmp_path_factory):
    """The wheel built from the repository, installed on its own into a folder (--no-deps, as
    the Colab cell installs it)."""
    out = tmp_path_factory.mktemp("student")
    wheels, target = out / "wheels", out / "site"
    tree = package_tree(course_root, out / "tree")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", wheels, tree], check=True)
    (wheel,) = wheels.glob("stream_course-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", target, wheel], check=True)
    return wheel, target


def test_the_wheel_holds_no_answer_key_or_sample_answers(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("stream_course/lessons/word_embedding/") for name in names)
    for name in names:
        assert "answer_key" not in name and "sample_answers" not in name, name
        assert not name.startswith("source/"), name
    text = "\n".join(
        zipfile.ZipFile(wheel).read(n).decode("utf-8", "replace")
        for n in names
        if n.endswith(".py")
    )
    for secret in ("JUDGES = {", "class NeighborIndex", "def reference_index"):
        assert secret not in text, secret


def test_no_installed_name_returns_an_exercise_answer(
    installed, tmp_path, standin_dir, model, tokenizer
):
    _, target = installed
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "stream_planted.py").write_text(PLANTED)
    out = tmp_path / "recordings.json"
    # Whatever a candidate writes lands in this test's folder, never in the real caches.
    home = tmp_path / "home"
    env = {
        "PYTHONPATH": f"{target}:{planted}",
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "STREAM_CACHE": str(home / "stream"),
        "STREAM_MODEL": str(standin_dir),
        "HF_HUB_OFFLINE": "1",
    }
    probe = [sys.executable, "-c", PROBE, str(target), str(out), "stream_planted"]
    subprocess.run(probe, check=True, env=env, cwd=tmp_path, timeout=1200)
    found = json.loads(out.read_text())
    assert len(found["candidates"]) > 100  # the whole package was walked
    parts = {
        (lesson(s).assignment, g) for s in LESSONS for g, p in lesson(s).parts.items() if p.calls
    }
    assert {(lesson(r["slug"]).assignment, r["grade_id"]) for r in found["recordings"]} <= parts
    answered = set()
    for recording in found["recordings"]:
        verdict = judged(
            recording["slug"], recording["grade_id"], [recording["payload"]], model, tokenizer
        )
        if verdict.failure is None:
            answered.add((recording["candidate"], recording["grade_id"]))
    planted_answers = {(c, g) for c, g in answered if c.startswith("stream_planted.")}
    assert ("stream_planted.neighbours_for_you", "test_cosine_neighbors") in planted_answers
    assert answered == planted_answers, f"installed names that answer exercises: {answered}"
