"""Grading throughput: plain `nbgrader autograde` against `stream-course autograde --jobs N` (warm
kernels, stream_course.grader.warm_kernels) on the same 20 Lesson 01 submissions, side by side, sandbox
on in both, scores checked identical.

Also: two shards at once (`--shard i/2`, one job each) against one run with two jobs, and where
a plain run's time goes (kernel start and nbgrader's own work against the notebook's
cells, from nbclient's per-cell timestamps), and the peak memory of grading one submission.
Run by `make bench` (benchmarks/run.py); `python benchmarks/autograde.py` alone prints its figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

from stream_course.course import run_nbgrader, scratch_course
from stream_course.demo import answer_variants, sample_submission, submit
from stream_course.grader.warm_kernels import process_tree
from stream_course.grading import read_grades
from stream_course.standin import ensure_standin

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_word_embedding"
SUBMISSIONS = 20


def make_course(into: Path, lesson: str = LESSON) -> Path:
    """A scratch course with SUBMISSIONS hand-ins of ``lesson``: its sample answers, in turn."""
    scratch_course(ROOT, into)
    run_nbgrader(into, "generate_assignment", lesson, "--force")
    samples = answer_variants(into, lesson)
    variants = ["reference", *samples["RIGHT"], *samples["WRONG"], "blank"]
    for number in range(SUBMISSIONS):
        variant = variants[number % len(variants)]
        notebook = sample_submission(into, lesson, variant)
        submit(into, f"s{number + 1:02d}", lesson, notebook)
    return into


def seconds_per_submission(lesson: str, jobs: int = 2) -> float:
    """Wall time of `stream-course autograde --jobs 2` (warm kernels) over SUBMISSIONS hand-ins
    of ``lesson``, start-up included, divided by their number."""
    command = [str(Path(sys.executable).parent / "stream-course"), "autograde", lesson]
    with tempfile.TemporaryDirectory(prefix="stream-bench-") as scratch:
        course = make_course(Path(scratch), lesson)
        return timed([*command, "--jobs", str(jobs)], course) / SUBMISSIONS


def scores(course: Path) -> dict:
    return {
        row.student: (row.auto_score, {k: v for k, (v, _) in row.parts.items()})
        for row in read_grades(course, LESSON)
    }


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if "Autograde summary" not in result.stderr + result.stdout:
        raise RuntimeError(f"{command} did not finish its batch:\n{result.stderr[-3000:]}")
    return elapsed


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def where_time_goes(course: Path, total_seconds: float) -> dict:
    """Per notebook, in seconds: the setup cell (imports, model load), the other cells, and the
    rest (kernel start and shutdown, nbgrader's own steps, judging outside the kernel)."""
    setup, cells = [], []
    for path in sorted((course / "autograded").glob(f"*/{LESSON}/{LESSON}.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            timing = cell.metadata.get("execution", {})
            if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
                continue
            seconds = _stamp(timing["shell.execute_reply"]) - _stamp(timing["iopub.execute_input"])
            is_setup = cell.metadata.get("nbgrader", {}).get("grade_id") == "setup"
            (setup if is_setup else cells).append(seconds)
    count = SUBMISSIONS
    per_notebook = total_seconds / count
    setup_s, cells_s = sum(setup) / count, sum(cells) / count
    return {
        "per_notebook": per_notebook,
        "setup_cell_imports_and_model": setup_s,
        "other_cells": cells_s,
        "kernel_start_and_nbgrader": per_notebook - setup_s - cells_s,
    }


def _tree_pss(pid: int) -> int:
    """Proportional set size of ``pid`` and all its descendants, bytes: each shared page counted
    once in all (a kernel forking a helper would double a sum of resident sizes)."""
    total = 0
    for current in process_tree(pid):
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += sum(int(line.split()[1]) * 1024 for line in rollup if line[:4] == "Pss:")
        except (FileNotFoundError, ProcessLookupError):  # ended while we looked
            continue
    return total


def peak_memory_of_one(course: Path) -> int:
    """Peak memory (PSS of grader + sandboxed kernel), sampled every 20 ms, grading one student."""
    command = [str(Path(sys.executable).parent / "nbgrader"), "autograde", LESSON]
    command += ["--student", "s01", "--force"]
    process = subprocess.Popen(
        command, cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_pss(process.pid))
        time.sleep(0.02)
    return peak


def shards_against_jobs() -> dict:
    """The same SUBMISSIONS Lesson 01 hand-ins graded two ways on this machine: one
    `stream-course autograde --jobs 2`, and two `--jobs 1 --shard i/2` processes at once (what two
    machines would run, sharing one gradebook: here SQLite, whose lock they take turns on).
    Scores checked identical."""
    ensure_standin()
    command = [str(Path(sys.executable).parent / "stream-course"), "autograde", LESSON]
    with tempfile.TemporaryDirectory(prefix="stream-bench-") as scratch:
        one, two = Path(scratch) / "one", Path(scratch) / "two"
        one.mkdir()
        make_course(one)
        shutil.copytree(one, two)
        one_seconds = timed([*command, "--jobs", "2"], one)
        start = time.perf_counter()
        shards = [
            subprocess.Popen(
                [*command, "--jobs", "1", "--shard", f"{index}/2"],
                cwd=two,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for index in range(2)
        ]
        for shard in shards:
            out, err = shard.communicate()
            if shard.returncode != 0 or "Autograde summary" not in out + err:
                raise RuntimeError(f"a shard did not finish its batch:\n{err[-3000:]}")
        two_seconds = time.perf_counter() - start
        if scores(one) != scores(two):
            raise AssertionError("the shards' scores differ from one run's")
    return {
        "submissions": SUBMISSIONS,
        "one_process_2_jobs_seconds": one_seconds,
        "two_shards_1_job_seconds": two_seconds,
        "identical_scores": True,
    }


def measure(jobs: int | None = None) -> dict:
    ensure_standin()
    jobs = jobs or os.cpu_count() or 1
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="stream-bench-") as scratch:
        plain, fast = Path(scratch) / "plain", Path(scratch) / "fast"
        plain.mkdir()
        make_course(plain)
        shutil.copytree(plain, fast)
        plain_s = timed([str(bin_dir / "nbgrader"), "autograde", LESSON], plain)
        fast_s = timed(
            [str(bin_dir / "stream-course"), "autograde", LESSON, "--jobs", str(jobs)], fast
        )
        same = scores(plain) == scores(fast)
        if not same:
            raise AssertionError("the parallel run's scores differ from nbgrader's")
        return {
            "submissions": SUBMISSIONS,
            "jobs": jobs,
            "plain_nbgrader_seconds": plain_s,
            "parallel_seconds": fast_s,
            "identical_scores": same,
            "autograde_speedup_vs_nbgrader": plain_s / fast_s,
            "plain_breakdown_per_notebook": where_time_goes(plain, plain_s),
            # Kernel time per notebook with warm kernels (the rest of a parallel run's wall time
            # cannot be split per notebook: two workers share the cores).
            "warm_cells_per_notebook": {
                key: value
                for key, value in where_time_goes(fast, fast_s).items()
                if key in ("setup_cell_imports_and_model", "other_cells")
            },
            "peak_memory_one_submission_mb": peak_memory_of_one(plain) / 2**20,
        }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
