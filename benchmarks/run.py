"""`make bench`: neighbour-search figures, measured side by side in one run, as ratios, and the
time of Lesson 01 top to bottom on the offline stand-in.

Then grading throughput (benchmarks/autograde.py): plain `nbgrader autograde` against the course's
parallel runner with warm kernels on 20 submissions, and two shards at once against one run with
two jobs. Writes benchmarks/results.json. `--lessons 4 5` or `--shards` measure only those and
merge them into results.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from stream_course.grader.judge import load_answer_key

SOURCE = Path(__file__).resolve().parent.parent / "source"
LESSON01 = SOURCE / "01_word_embedding/01_word_embedding.ipynb"
# The reference search lives in Lesson 01's answer key (grader-only).
NeighborIndex = load_answer_key(SOURCE, "01_word_embedding").NeighborIndex

VOCAB, D_MODEL, K = 50_257, 768, 10
REPEATS = 30
BATCH = 64


def best_of(function, repeats=REPEATS) -> float:
    """Median wall time of ``function()`` in seconds (after one warm-up call)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seed_style(weight, query):
    sims = F.cosine_similarity(weight, weight[query].unsqueeze(0), dim=1)
    sims[query] = -torch.inf
    return sims.topk(K).indices


def lesson_run_seconds(path: Path) -> float:
    """Wall time of running a lesson notebook top to bottom in a fresh kernel (model cached)."""
    import nbformat
    from nbclient import NotebookClient

    from stream_course.standin import ensure_standin

    ensure_standin()  # a one-time build is set-up, not lesson time
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    return time.perf_counter() - start


def main() -> dict:
    torch.manual_seed(0)
    weight = torch.randn(VOCAB, D_MODEL)
    index = NeighborIndex(weight)
    query = 3644
    queries = torch.randint(0, VOCAB, (BATCH,))
    assert seed_style(weight, query).tolist() == index.query(query, K)[0]

    naive = best_of(lambda: seed_style(weight, query))
    reference = best_of(lambda: index.query(query, K))
    floor = best_of(lambda: index.unit_rows @ index.unit_rows[query])  # one pass over the table
    batched = best_of(lambda: index.query_batch(queries, K), repeats=10) / BATCH
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads",
        "matrix": f"{VOCAB}x{D_MODEL} float32",
        "seconds": {
            "naive_cosine_similarity": naive,
            "reference_query": reference,
            "matvec_floor": floor,
            "batched_per_query": batched,
        },
        "knn_speedup_vs_naive": naive / reference,
        "knn_time_over_floor": reference / floor,
        "knn_batch_speedup": reference / batched,
        "lesson01_run_seconds": lesson_run_seconds(LESSON01),
    }
    from autograde import (  # benchmarks/autograde.py
        measure,
        seconds_per_submission,
        shards_against_jobs,
    )

    from stream_course.lessons import all_lessons

    # Every lesson: top to bottom on the stand-in, and grading throughput (warm, --jobs 2).
    results["lessons"] = {
        found.assignment: {
            "run_seconds": lesson_run_seconds(
                SOURCE / found.assignment / f"{found.assignment}.ipynb"
            ),
            "grading_seconds_per_submission": seconds_per_submission(found.assignment),
        }
        for found in all_lessons()
    }

    results["course_grading"] = course_grading(results["lessons"])
    grading = measure()
    results.update(grading)
    results["shards"] = shards_against_jobs()
    print(f"{'figure':<30} value")
    for key, value in results["seconds"].items():
        print(f"{key:<30} {value * 1e3:8.2f} ms")
    for key in (
        "knn_speedup_vs_naive",
        "knn_time_over_floor",
        "knn_batch_speedup",
        "lesson01_run_seconds",
        "plain_nbgrader_seconds",
        "parallel_seconds",
        "autograde_speedup_vs_nbgrader",
        "peak_memory_one_submission_mb",
    ):
        print(f"{key:<30} {results[key]:8.2f}")
    print("lesson                      run s   graded s/submission (warm, --jobs 2)")
    for name, figures in results["lessons"].items():
        print(
            f"  {name:<24} {figures['run_seconds']:6.2f}   "
            f"{figures['grading_seconds_per_submission']:6.2f}"
        )
    course = results["course_grading"]
    print(
        f"the whole course, {course['notebooks']} notebooks (one batch per lesson): "
        f"{course['seconds'] / 60:.1f} min"
    )
    print(f"plain nbgrader, per notebook ({grading['submissions']} submissions):")
    for key, value in grading["plain_breakdown_per_notebook"].items():
        print(f"  {key:<28} {value:6.2f} s")
    print("warm kernels, kernel time per notebook:")
    for key, value in grading["warm_cells_per_notebook"].items():
        print(f"  {key:<28} {value:6.2f} s")
    print_shards(results["shards"])
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("wrote", out)
    return results


def print_shards(shards: dict) -> None:
    print(
        f"{shards['submissions']} submissions of Lesson 01: one process, --jobs 2 "
        f"{shards['one_process_2_jobs_seconds']:.1f} s; two --shard i/2 processes at once, "
        f"--jobs 1 each {shards['two_shards_1_job_seconds']:.1f} s"
    )


def shards_only() -> dict:
    """Measure only shards against jobs and merge it into results.json."""
    from autograde import shards_against_jobs  # benchmarks/autograde.py

    out = Path(__file__).with_name("results.json")
    results = json.loads(out.read_text())
    results["shards"] = shards_against_jobs()
    print_shards(results["shards"])
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("wrote", out)
    return results


def course_grading(lessons: dict) -> dict:
    """Time to grade SUBMISSIONS hand-ins of every lesson, each lesson one
    `stream-course autograde --jobs 2` batch (as measured per lesson, start-up included)."""
    from autograde import SUBMISSIONS  # benchmarks/autograde.py

    per_lesson = {
        name: figures["grading_seconds_per_submission"] * SUBMISSIONS
        for name, figures in lessons.items()
    }
    return {
        "notebooks": SUBMISSIONS * len(per_lesson),
        "seconds": sum(per_lesson.values()),
    }


def lessons_only(keys: list[str]) -> dict:
    """Measure only some lessons (run time and grading throughput) and merge their figures into
    results.json, keeping every other figure: for a lesson just added, without the whole bench."""
    from autograde import seconds_per_submission  # benchmarks/autograde.py

    from stream_course.lessons import lesson

    out = Path(__file__).with_name("results.json")
    results = json.loads(out.read_text())
    for key in keys:
        found = lesson(int(key) if key.isdigit() else key)
        figures = {
            "run_seconds": lesson_run_seconds(
                SOURCE / found.assignment / f"{found.assignment}.ipynb"
            ),
            "grading_seconds_per_submission": seconds_per_submission(found.assignment),
        }
        results["lessons"][found.assignment] = figures
        print(
            f"  {found.assignment:<24} {figures['run_seconds']:6.2f}   "
            f"{figures['grading_seconds_per_submission']:6.2f}",
            flush=True,
        )
    results["lessons"] = dict(sorted(results["lessons"].items()))
    results["course_grading"] = course_grading(results["lessons"])
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("wrote", out)
    return results


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--lessons"]:  # e.g. --lessons 4 5 6 7
        lessons_only(sys.argv[2:])
    elif sys.argv[1:2] == ["--shards"]:
        shards_only()
    else:
        main()
