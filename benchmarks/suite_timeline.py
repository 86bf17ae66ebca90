"""Where the test suite's time goes: a pytest plugin that logs every test phase (setup, call,
teardown) with its worker, wall time and CPU time, and a summary of such a log.

    make test PYTEST_ADDOPTS="-p benchmarks.suite_timeline"     # writes suite_timeline.jsonl
    python benchmarks/suite_timeline.py suite_timeline.jsonl     # per file, per worker

CPU is the worker's own and that of the children it has reaped (getrusage): grading kernels that
run in a sandbox are not its children, so their CPU is missing. When every worker is busy to the
end (the summary's per-worker lines), the suite is CPU-bound and only less work makes it faster.
$SUITE_TIMELINE names another log file.
"""

from __future__ import annotations

import collections
import json
import os
import resource
import sys
import time

import pytest

LOG = os.environ.get("SUITE_TIMELINE", "suite_timeline.jsonl")


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, reaped.ru_utime + reaped.ru_stime


def _logged(phase: str):
    @pytest.hookimpl(hookwrapper=True)
    def hook(item):
        start, (own, reaped) = time.time(), _cpu()
        yield
        own_after, reaped_after = _cpu()
        entry = {
            "test": item.nodeid,
            "phase": phase,
            "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "start": start,
            "wall": time.time() - start,
            "cpu": own_after - own + reaped_after - reaped,
        }
        with open(LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")

    return hook


pytest_runtest_setup = _logged("setup")
pytest_runtest_call = _logged("call")
pytest_runtest_teardown = _logged("teardown")


def summary(path: str, top: int = 15) -> str:
    entries = [json.loads(line) for line in open(path)]
    begin = min(e["start"] for e in entries)
    end = max(e["start"] + e["wall"] for e in entries)
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for entry in entries:
        totals = files[entry["test"].split("::")[0]]
        totals[0] += entry["wall"]
        totals[1] += entry["cpu"]
    lines = [f"{end - begin:.0f} s from the first test to the last"]
    for name, (wall, cpu) in sorted(files.items(), key=lambda item: -item[1][0])[:top]:
        lines.append(f"  {wall:7.0f} s wall {cpu:7.0f} s CPU (seen)  {name}")
    workers = collections.defaultdict(list)
    for entry in entries:
        workers[entry["worker"]].append(entry)
    for worker, mine in sorted(workers.items()):
        busy = sum(e["wall"] for e in mine)
        last = max(e["start"] + e["wall"] for e in mine) - begin
        lines.append(f"  {worker}: busy {busy:.0f} s, last test ended at {last:.0f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(sys.argv[1] if len(sys.argv) > 1 else LOG))
