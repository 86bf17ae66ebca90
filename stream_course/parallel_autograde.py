"""``stream-course autograde LESSON --jobs N``: ``nbgrader autograde``, several submissions at once.

nbgrader grades one submission after another (nbgrader #174). This starts N ordinary
``nbgrader autograde`` processes in the course directory, each over its own share of the students
(``--CourseDirectory.student_id_exclude`` names everyone else's), so the sandbox, the course's
preprocessors and the gradebook are exactly those of a plain run. SQLite lets one process write at
a time; every worker waits for the others' short transactions (``timeout`` in the database URL)
instead of failing with "database is locked". Each worker's summary is merged into one.

The workers fork their kernels from one warm parent that has imported the libraries and loaded
the model once (``stream_course.warm_kernels``; same sandbox); ``--cold`` starts each kernel anew.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stream_course.grading import db_url

SUMMARY = re.compile(
    r"Autograde summary[^\n]*: (\d+) graded[^,]*, (\d+) flagged[^,]*, (\d+) failed"
)
LOCK_WAIT_SECONDS = 300


def submitted_students(root: Path, lesson: str) -> list[str]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / lesson).is_dir())


def shares(students: list[str], jobs: int) -> list[list[str]]:
    """Round-robin shares, so that each worker gets a similar mix."""
    jobs = max(1, min(jobs, len(students)))
    return [students[i::jobs] for i in range(jobs)]


def autograde(
    root: Path,
    lesson: str,
    jobs: int | None = None,
    extra: tuple[str, ...] = (),
    warm: bool = True,
) -> tuple[int, str]:
    """Grade every submission of ``lesson`` with ``jobs`` workers; return (exit code, summary).
    ``warm``: the workers fork their kernels from one warm parent (stream_course.warm_kernels).
    The exit code is nbgrader's: 1 when any submission could not be graded."""
    students = submitted_students(root, lesson)
    if not students:
        raise SystemExit(
            f"No submissions of {lesson} in {root / 'submitted'}.\n"
            f"{lesson} 제출물이 submitted/에 없습니다: 먼저 collect 또는 zip_collect를 실행하세요."
        )
    jobs = jobs or os.cpu_count() or 1
    url = f"{db_url(root)}?timeout={LOCK_WAIT_SECONDS}"
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    parent = None
    if warm:
        warm_root = root / "autograded"
        warm_root.mkdir(exist_ok=True)
        extra = (*extra, f"--SandboxedKernelManager.warm_root={warm_root.resolve()}")
        # One warm parent for all workers, loading while they start.
        parent = _start_shared_parent(root, warm_root)
        extra = (*extra, f"--SandboxedKernelManager.warm_parent={parent.socket}")

    def work(share: list[str]) -> subprocess.CompletedProcess:
        others = ",".join(s for s in students if s not in share)
        command = [nbgrader, "autograde", lesson, f"--CourseDirectory.db_url={url}", *extra]
        if others:
            command.append(f"--CourseDirectory.student_id_exclude={others}")
        return subprocess.run(command, cwd=root, capture_output=True, text=True)

    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(work, shares(students, jobs)))
    finally:
        if parent is not None:  # not only at exit: a caller may grade several lessons
            parent.process.kill()
            parent.process.wait()
    elapsed = time.perf_counter() - start
    return max(r.returncode for r in results), merge_summaries(
        [r.stderr for r in results], jobs, elapsed
    )


def _start_shared_parent(root: Path, warm_root: Path):
    """Start the warm parent (stream_course.warm_kernels) in the sandbox that the course's
    nbgrader_config.py sets up, so that its kernels see what the workers' cold kernels would."""
    from traitlets.config.loader import PyFileConfigLoader

    from stream_course import warm_kernels
    from stream_course.sandbox import SandboxedKernelManager

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    manager = SandboxedKernelManager(config=config, warm_root=str(warm_root))
    parent = warm_kernels.WarmParent(manager)
    parent.start(manager)
    return parent


def merge_summaries(logs: list[str], jobs: int, seconds: float) -> str:
    totals, details = [0, 0, 0], []
    for log in logs:
        found = SUMMARY.search(log)
        if found is None:  # a worker that stopped before its summary: show its last words
            details.append("  WORKER STOPPED: " + (log.strip().splitlines() or ["?"])[-1])
            continue
        totals = [t + int(n) for t, n in zip(totals, found.groups(), strict=True)]
        details += [line for line in log[found.end() :].splitlines() if line.startswith("  ")]
    graded, flagged, failed = totals
    head = (
        f"Autograde summary / 자동 채점 요약: {graded} graded / 채점됨, {flagged} flagged / "
        f"확인 필요, {failed} failed / 실패 ({jobs} workers, {seconds:.1f} s)"
    )
    return "\n".join([head, *sorted(details)])
