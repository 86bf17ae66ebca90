"""``stream-course autograde LESSON --jobs N``: ``nbgrader autograde``, several submissions at once.

nbgrader grades one submission after another (nbgrader #174). This runs N ordinary ``nbgrader
autograde`` applications in the course directory, each over its own share of the students
(``--CourseDirectory.student_id_exclude`` names everyone else's), so the sandbox, the course's
preprocessors and the gradebook are exactly those of a plain run. SQLite lets one process write at
a time; every worker waits for the others' short transactions (``timeout`` in the database URL)
instead of failing with "database is locked". Each worker's summary is merged into one.

The workers are forked from one process that has imported nbgrader (~3 s: jsonschema builds its
format grammars) and loaded the judge's model once: the ``stream-course autograde`` command
itself, or, for a caller in Python (whose process may hold threads, which fork() does not copy),
a fresh ``python -m stream_course.grader.parallel``. The workers' kernels are forked from one
warm parent that has imported the libraries and loaded the model once
(``stream_course.grader.warm_kernels``; same sandbox); ``--cold`` starts each kernel anew.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUMMARY = re.compile(
    r"Autograde summary[^\n]*: (\d+) graded[^,]*, (\d+) flagged[^,]*, (\d+) failed"
)
LOCK_WAIT_SECONDS = 300


def submitted_students(root: Path, lesson: str) -> list[str]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / lesson).is_dir())


def no_submissions(root: Path, lesson: str) -> str:
    return (
        f"No submissions of {lesson} in {root / 'submitted'}.\n"
        f"{lesson} 제출물이 submitted/에 없습니다: 먼저 collect 또는 zip_collect를 실행하세요."
    )


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` -> (i, n), 0 <= i < n: one of n machines splitting a batch (a Kubernetes Indexed
    Job's ``JOB_COMPLETION_INDEX`` is i)."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index, count = -1, 0
    if not 0 <= index < count:
        raise SystemExit(
            f"--shard {text}: write i/n with 0 <= i < n, e.g. --shard 0/4 ... --shard 3/4.\n"
            f"--shard {text}: i/n 형식(0 <= i < n)으로 쓰세요. 예: --shard 0/4 ... --shard 3/4."
        )
    return index, count


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """Whether ``shard`` grades ``student``: a hash of the student id alone, so the split is the
    same on every machine and stays put when other students hand in."""
    if shard is None:
        return True
    index, count = shard
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % count == index


def shares(students: list[str], jobs: int) -> list[list[str]]:
    """Round-robin shares, so that each worker gets a similar mix."""
    jobs = max(1, min(jobs, len(students)))
    return [students[i::jobs] for i in range(jobs)]


def autograde(
    root: Path,
    lesson: str | list[str],
    jobs: int | None = None,
    extra: tuple[str, ...] = (),
    warm: bool = True,
    shard: tuple[int, int] | None = None,
) -> tuple[int, str]:
    """Grade every submission of ``lesson`` (or of each lesson of a list, in one batch) with
    ``jobs`` workers; return (exit code, summary). ``warm``: the workers fork their kernels from
    one warm parent (stream_course.grader.warm_kernels). ``shard`` (i, n): only the students of
    share i of n (``in_shard``). The exit code is nbgrader's: 1 when any submission could not be
    graded."""
    lessons = [lesson] if isinstance(lesson, str) else list(lesson)
    if not any(submitted_students(root, name) for name in lessons):  # said here, not in a child
        raise SystemExit(no_submissions(root, lessons[0]))
    request = {"lessons": lessons, "jobs": jobs, "extra": list(extra), "warm": warm, "shard": shard}
    batch = subprocess.run(
        [sys.executable, "-m", "stream_course.grader.parallel", json.dumps(request)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    lines = batch.stdout.strip().splitlines()
    if batch.returncode != 0 or not lines:
        raise RuntimeError(f"the grading batch stopped:\n{batch.stderr[-3000:]}")
    result = json.loads(lines[-1])
    return result["code"], result["summary"]


def run_batch(
    root: Path,
    lesson: str | list[str],
    jobs: int | None,
    extra: tuple[str, ...],
    warm: bool,
    shard: tuple[int, int] | None = None,
) -> tuple[int, str]:
    """``autograde`` in this process, which must be a fresh one with no other thread (the
    ``stream-course`` command, or ``autograde``'s own subprocess): start the warm parent, load what
    every worker needs, then, lesson after lesson, fork the workers, wait, merge their summaries.
    Several lessons share one start-up (~10 s: the warm parent, nbgrader, the judge's model)."""
    import threading

    from stream_course.grader import warm_kernels

    lessons = [lesson] if isinstance(lesson, str) else list(lesson)
    submitted = {name: submitted_students(root, name) for name in lessons}
    if not any(submitted.values()):
        raise SystemExit(no_submissions(root, lessons[0]))
    mine = {
        name: [s for s in everyone if in_shard(s, shard)] for name, everyone in submitted.items()
    }
    if not any(mine.values()):  # a shard may be empty: nothing to do is not an error
        return 0, f"Shard {shard[0]}/{shard[1]}: no submissions to grade / 채점할 제출물 없음"
    if threading.active_count() > 1:  # fork() copies only this thread: a worker could deadlock
        raise RuntimeError("run_batch() forks: call autograde() from a process with threads")
    cores = len(os.sched_getaffinity(0))
    jobs = jobs or cores
    # Each worker's kernels get its share of the cores: with one thread per core in every
    # kernel, N kernels' thread pools would contend for the same cores.
    extra = (f"--SandboxedKernelManager.kernel_threads={max(1, cores // jobs)}", *extra)
    parent = None
    if warm:
        warm_root = root / "autograded"
        warm_root.mkdir(exist_ok=True)
        extra = (*extra, f"--SandboxedKernelManager.warm_root={warm_root.resolve()}")
        # One warm parent for all workers, loading while this process loads the grader's side.
        parent = _start_shared_parent(root, warm_root)
        if parent is not None:
            extra = (*extra, f"--SandboxedKernelManager.warm_parent={parent.socket}")

    codes, summaries = [], []
    try:
        with warm_kernels.loading_before_fork() as threads:
            # Imported after the warm parent has started (nbgrader takes ~3 s), meanwhile.
            from nbgrader.apps import NbGraderApp  # noqa: F401 (imported once, for every worker)
            from sqlalchemy.engine import make_url

            from stream_course.grader.judge import trusted_model
            from stream_course.grading import db_url

            trusted_model()  # the judge's model, loaded once for every worker
        url = make_url(db_url(root))
        if url.get_backend_name() == "sqlite":  # workers wait for each other's writes
            url = url.update_query_dict({"timeout": str(LOCK_WAIT_SECONDS)})
        options = (f"--CourseDirectory.db_url={url.render_as_string(hide_password=False)}", *extra)
        for name, students in mine.items():
            if not students:
                summaries.append(no_submissions(root, name))
                continue
            code, summary = _grade_lesson(name, students, submitted[name], jobs, options, threads)
            codes.append(code)
            summaries.append(summary)
    finally:
        if parent is not None:
            parent.stop()
    return max(codes), "\n".join(summaries)


def _grade_lesson(
    lesson: str,
    students: list[str],
    everyone: list[str],
    jobs: int,
    options: tuple[str, ...],
    threads: int,
) -> tuple[int, str]:
    """Fork ``jobs`` workers, each ``nbgrader autograde`` (with ``options``) over its share of
    ``students``; every other student of ``everyone`` (who handed in) is excluded."""
    start = time.perf_counter()
    fork = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="stream-autograde-") as logs:
        workers = []
        for number, share in enumerate(shares(students, jobs)):
            others = ",".join(s for s in everyone if s not in share)
            argv = ["autograde", lesson, *options]
            if others:
                argv.append(f"--CourseDirectory.student_id_exclude={others}")
            log = Path(logs) / f"worker-{number}.log"
            worker = fork.Process(target=_worker, args=(argv, str(log), threads))
            worker.start()
            workers.append((worker, log))
        for worker, _ in workers:
            worker.join()
        texts = [log.read_text(errors="replace") if log.exists() else "" for _, log in workers]
        codes = [worker.exitcode for worker, _ in workers]
    elapsed = time.perf_counter() - start
    code = max((c if c is not None and c >= 0 else 1) for c in codes)
    return code, merge_summaries(texts, len(workers), elapsed)


def _worker(argv: list[str], log: str, threads: int) -> None:
    """A forked worker: ``nbgrader autograde`` on its share, its output into ``log``."""
    import torch
    from nbgrader.apps import NbGraderApp

    from stream_course.grader import batch_report

    sys.stdout.flush()
    sys.stderr.flush()
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    torch.set_num_threads(threads)
    try:
        NbGraderApp.launch_instance(argv=argv)
    finally:
        # nbgrader's run prints it at exit; a forked worker leaves with os._exit, without atexit.
        batch_report.print_summary()


def _start_shared_parent(root: Path, warm_root: Path):
    """Start the warm parent (stream_course.grader.warm_kernels) in the sandbox that the course's
    nbgrader_config.py sets up, so that its kernels see what the workers' cold kernels would.
    It starts with the sandbox's defaults before that file is read (it imports nbgrader and
    torch: ~2 s the parent can spend loading), and again if the file changes the sandbox."""
    from traitlets.config.loader import PyFileConfigLoader

    from stream_course.grader import warm_kernels
    from stream_course.grader.sandbox import SandboxedKernelManager, SandboxError

    early = SandboxedKernelManager(warm_root=str(warm_root))
    parent = None
    if shutil.which(early.bwrap) is not None:
        parent = warm_kernels.WarmParent(early)
        parent.start(early)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    manager = SandboxedKernelManager(config=config, warm_root=str(warm_root))
    executable = shutil.which(manager.bwrap)
    try:
        if executable is not None:
            manager.check_mode(executable)
    except SandboxError:
        executable = None
    if executable is None or not manager.can_fork_warm:
        # No bubblewrap, or none that can work here: no warm parent. Each worker's kernel
        # manager refuses to start with a message that says what to do (or runs cold: unsandboxed
        # where allowed, or in user mode started by root).
        if parent is not None:
            parent.stop()
        return None
    if parent is None or parent.launch(manager) != parent.launched:
        if parent is not None:
            parent.stop()
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


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="one grading batch (see autograde())")
    arguments.add_argument("request", help="JSON: lessons, jobs, extra, warm")
    request = json.loads(arguments.parse_args().request)
    shard = tuple(request["shard"]) if request.get("shard") else None
    code, summary = run_batch(
        Path.cwd(),
        request["lessons"],
        request["jobs"],
        tuple(request["extra"]),
        request["warm"],
        shard,
    )
    print(json.dumps({"code": code, "summary": summary}))
