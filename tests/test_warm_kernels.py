"""Kernels forked from a warm parent (stream_course.grader.warm_kernels), tried from inside and outside:
the same sandbox as a cold kernel, nothing shared between submissions, interrupts still work."""

import asyncio
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

from stream_course.grader import warm_kernels
from stream_course.grader.execute import SandboxedExecute
from stream_course.grader.sandbox import SandboxedKernelManager, processes_of

pytestmark = pytest.mark.slow


def run_cells(sources, cwd, warm_root, timeout=180, **config):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        notebook,
        timeout=timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.km = SandboxedKernelManager(kernel_name="python3", warm_root=str(warm_root), **config)
    client.execute()
    return [printed(cell) for cell in notebook.cells]


def printed(cell) -> str:
    """What a cell printed to stdout, and its error if any (stderr: library progress bars)."""
    return "".join(
        o.get("text", "") if o.output_type == "stream" else f"{o.ename}: {o.evalue}"
        for o in cell.outputs
        if o.get("name") != "stderr" and o.output_type in ("stream", "error")
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory, standin_dir):
    root = tmp_path_factory.mktemp("warm") / "autograded"
    for student in ("eve", "mallory"):
        (root / student / "01_word_embedding").mkdir(parents=True)
    (root.parent / "gradebook.db").write_text("grades")
    return root


# Writes a file into every folder it may write to, and lists the marks it can see.
MARK_EVERY_WRITABLE_FOLDER = """
import os
marked = []
for folder, subfolders, _ in os.walk('/'):
    subfolders[:] = [s for s in subfolders if os.path.join(folder, s) not in ('/proc', '/sys')]
    if os.access(folder, os.W_OK):
        try:
            with open(os.path.join(folder, '.eve-was-here'), 'w') as mark:
                marked.append(folder)
        except OSError:
            pass
print(sorted(marked))
"""
FIND_MARKS = """
import os
print([f for f, _, files in os.walk('/') if '.eve-was-here' in files and not f.startswith('/proc')])
"""

# Leaves traces for the next submission (a file in /tmp, a background process in a session of
# its own) and looks around for other students and the warm parent.
SNOOP = [
    "import os, pathlib, subprocess, sys\n"
    "pathlib.Path('/tmp/left-by-eve').write_text('x')\n"
    "sleeper = [sys.executable, '-c', 'import time; time.sleep(120)']\n"
    "subprocess.Popen(sleeper, start_new_session=True)\n"
    "print('children started')",
    "print(sorted(os.listdir('..')))",
    "print(os.getuid(), os.getgid(), os.getgroups())",
    "print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'NoNewPrivs'))])",
    "print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))",
    "import socket\n"
    "s = socket.socket(socket.AF_UNIX)\n"
    f"try:\n    s.connect({str(warm_kernels.kernels_dir() / 'parent.sock')!r}); print('REACHED PARENT')\n"
    "except OSError as error:\n    print('no parent:', type(error).__name__)",
    "try:\n    socket.create_connection(('pypi.org', 443), timeout=3); print('NETWORK')\n"
    "except OSError as error:\n    print('no network:', type(error).__name__)",
    "import sys\nprint('torch' in sys.modules, __name__)",
    MARK_EVERY_WRITABLE_FOLDER,
]


def test_a_warm_kernel_is_sandboxed_and_leaves_nothing_behind(course):
    eve, mallory = course / "eve" / "01_word_embedding", course / "mallory" / "01_word_embedding"
    uid = SandboxedKernelManager().uid
    started, others, ids, caps, pids, parent, network, fresh, marked = run_cells(SNOOP, eve, course)
    assert started.strip() == "children started"
    assert others.strip() == "['01_word_embedding']"  # the course folder shows only its own lesson
    assert ids.strip() == f"{uid} {uid} []"
    assert "CapEff:\\t0000000000000000" in caps and "NoNewPrivs:\\t1" in caps
    assert pids.strip().startswith("[1, ") and len(eval(pids)) <= 3  # its own PID namespace
    assert "no parent: FileNotFoundError" in parent and "no network:" in network
    assert fresh.strip() == "True __main__"  # torch came from the warm parent

    assert "'/tmp'" in marked and "'/dev/shm'" in marked  # she could write somewhere...

    # ...but the next submission finds none of it: fresh /tmp, no marks anywhere, and eve's
    # background process ended with her kernel.
    tmp, marks = run_cells(["import os; print(os.listdir('/tmp'))", FIND_MARKS], mallory, course)
    assert "left-by-eve" not in tmp and marks.strip() == "[]"
    assert processes_of(uid) == []  # the sleeper ended with her kernel's PID namespace


@pytest.mark.parametrize("threads", [0, 1])
def test_a_warm_kernel_grades_like_a_cold_one(course, threads):
    lesson = [
        "from stream_course.models import load_model\n"
        "model, tokenizer = load_model()\n"
        "print(tokenizer.encode('The cat sat'), model.get_input_embeddings().weight.shape)",
        "import torch\nprint(torch.get_num_threads())",
        "import os\nprint(sorted(os.environ))",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]); print(plt.get_backend())",
    ]
    cwd = course / "eve" / "01_word_embedding"
    warm = run_cells(lesson, cwd, course, kernel_threads=threads)
    cold = run_cells(lesson, cwd, "", kernel_threads=threads)
    assert warm == cold
    assert "[464, 3797, 3332] torch.Size([50257, 768])" in warm[0]
    assert "'STREAM_GRADING'" in warm[2]
    if threads:  # a parallel grader's share of the cores
        assert warm[1].strip() == str(threads)


@pytest.mark.parametrize("warm", [True, False])
def test_a_cell_past_the_time_limit_is_interrupted_warm_or_cold(course, warm):
    cwd = course / "eve" / "01_word_embedding"
    cells = ["import time\ntime.sleep(600)", "print('still here')"]
    hang, after = run_cells(cells, cwd, course if warm else "", 5)
    assert hang.startswith("KeyboardInterrupt")
    assert after.strip() == "still here"  # interrupted, not killed


def test_a_kill_reaches_the_warm_kernel(course):
    cwd = course / "eve" / "01_word_embedding"

    async def start_and_kill():
        manager = SandboxedKernelManager(kernel_name="python3", warm_root=str(course))
        await manager.start_kernel(cwd=str(cwd))
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)  # forked and dropped to the sandbox uid by now
        assert await manager.is_alive() and processes_of(manager.uid)
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
        return manager.uid

    assert processes_of(asyncio.run(start_and_kill())) == []


# An exit hook, and a hundred copies of the kernel (torch loaded) in sessions of their own: their
# memory takes a moment to tear down after a kill.
LEAVES_WORK_BEHIND = """
import atexit, os, time, torch
atexit.register(lambda: open('written-at-exit', 'w').close())
for _ in range(100):
    if os.fork() == 0:
        os.setsid()
        time.sleep(600)
        os._exit(0)
print('started')
"""


@pytest.mark.parametrize("warm", [True, False])
def test_the_grader_ends_a_kernel_at_once_and_waits_for_all_it_started(course, warm):
    cwd = course / "eve" / "01_word_embedding"
    cwd.chmod(0o777)  # writable by the sandbox uid, as the exit hook would need
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LEAVES_WORK_BEHIND)])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3"}
    config = Config({"SandboxedKernelManager": {"warm_root": str(course) if warm else ""}})
    notebook, _ = SandboxedExecute(timeout=120, config=config).preprocess(
        notebook, {"metadata": {"path": str(cwd)}}
    )
    assert notebook.cells[0].outputs[0].text.strip() == "started"
    # Killed, not asked to stop: no exit hook of the student's ran after the graded cells...
    assert not (cwd / "written-at-exit").exists()
    # ...and grading went on only once the sleepers had ended with the sandbox's PID namespace:
    # the next kernel, same uid, gets the whole process limit.
    assert processes_of(SandboxedKernelManager().uid) == []


def test_the_warm_parent_refuses_other_folders_and_system_uids(course, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    inside = course / "eve" / "01_word_embedding"
    manager = SandboxedKernelManager(kernel_name="python3", warm_root=str(course))
    parent = warm_kernels.warm_parent(manager)
    for cwd, uid in ((outside, manager.uid), (inside, 0)):
        manager.uid = uid
        command = parent.kernel_command(manager, str(cwd), dict(os.environ))
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "did not start a kernel" in result.stderr


def test_a_warm_kernel_reads_what_the_sandbox_mounts_under_tmp(course, tmp_path):
    """A venv, model cache or extra folder under /tmp stays readable under the fresh /tmp."""
    data = tmp_path / "data"  # pytest's tmp_path lies under /tmp
    data.mkdir()
    (data / "hello.txt").write_text("hello")
    cwd = course / "eve" / "01_word_embedding"
    source = f"print(open({str(data / 'hello.txt')!r}).read())"
    (out, write) = run_cells(
        [source, f"open({str(data / 'x')!r}, 'w')"], cwd, course, extra_readable=[str(data)]
    )
    assert out.strip() == "hello"
    assert "Read-only file system" in write or "Permission denied" in write


@pytest.mark.parametrize("configured", [False, True])
def test_the_shared_parent_starts_early_and_again_if_the_course_config_changes_it(
    course, tmp_path, configured, monkeypatch
):
    from stream_course.grader.parallel import _start_shared_parent

    data = tmp_path / "data"
    data.mkdir()
    (data / "hello.txt").write_text("hello")
    setting = f"c.SandboxedKernelManager.extra_readable = [{str(data)!r}]\n" if configured else ""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n" + setting)
    # A grading process checks its shared parent once; this one asks for a new one on the same
    # socket in each case.
    monkeypatch.setattr(warm_kernels, "_parent", None)
    socket = str(warm_kernels.kernels_dir() / "parent.sock")
    earlier = processes_mentioning(socket)  # this process's own parent, from the tests before
    parent = _start_shared_parent(tmp_path, course)
    try:
        defaults = parent.launch(SandboxedKernelManager(warm_root=str(course)))
        assert (parent.launched == defaults) is not configured  # started again only if changed
        cwd = course / "eve" / "01_word_embedding"
        (read,) = run_cells(
            [f"print(open({str(data / 'hello.txt')!r}).read())"],
            cwd,
            course,
            warm_parent=parent.socket,
        )
        assert read.strip() == "hello" if configured else "No such file" in read
    finally:
        parent.stop()
    # Neither parent left anything running: not the one started again, not the early one.
    assert parent.socket == socket and processes_mentioning(socket) <= earlier


def processes_mentioning(text: str) -> set[str]:
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if text in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.add(pid)
        except OSError:  # ended while we looked
            continue
    return found
