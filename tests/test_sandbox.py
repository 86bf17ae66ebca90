"""The grading kernel's sandbox, tried from inside: what student code can and cannot do."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from stream_course.grader.sandbox import SANDBOX_UID_BASE, SandboxedKernelManager, SandboxError

from .conftest import ROOT as REPO

pytestmark = pytest.mark.slow


def run_cells(sources, cwd, **manager_config):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        kernel_manager_class=SandboxedKernelManager,
        timeout=180,
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.km = client.create_kernel_manager()
    for name, value in manager_config.items():
        setattr(client.km, name, value)
    client.execute()
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells]


@pytest.fixture
def course(tmp_path):
    (tmp_path / "gradebook.db").write_text("grades")
    (tmp_path / "source").mkdir()
    workdir = tmp_path / "autograded" / "eve" / "01_word_embedding"
    workdir.mkdir(parents=True)
    return tmp_path, workdir


def test_student_code_is_confined(course, standin_dir):
    root, workdir = course
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    out = run_cells(
        [
            "import os, socket, subprocess\nprint(os.getuid(), os.getcwd())",
            f"print([os.path.exists(p) for p in ('{root}/gradebook.db', '{root}/source', "
            f"'{REPO}/source', '{REPO}/.git', '/root/.bash_history')])",
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    print('open')\n"
            "except OSError as error:\n    print('no network:', error.errno)",
            f"for path in ('/usr/x', '/etc/x', '{root}/x', '../x'):\n"
            "    try:\n        open(path, 'w')\n        print('wrote', path)\n"
            "    except OSError as error:\n        print('refused', error.errno)",
            "open('/tmp/stream-sandbox-scratch', 'w').write('private')\n"
            "try:\n    block = bytearray(12 * 2**30)\n    print('allocated')\n"
            "except MemoryError:\n    print('memory bounded')",
            "children = []\ntry:\n    for _ in range(2000):\n"
            "        children.append(subprocess.Popen(['sleep', '30']))\n    print('unbounded')\n"
            "except OSError:\n    print('processes bounded')\nfor child in children:\n"
            "    child.kill()\n    child.wait()",
            "from stream_course.models import load_model\nmodel, tokenizer = load_model()\n"
            "print(tokenizer.encode(' computer'))",
        ],
        workdir,
    )
    listener.close()
    uid, cwd = out[0].split()
    assert cwd == str(workdir) and int(uid) >= SANDBOX_UID_BASE  # no account, no privileges
    assert out[1].strip() == "[False, False, False, False, False]"
    assert out[2].startswith("no network")
    assert "wrote" not in out[3] and out[3].count("refused") == 4
    assert out[4].strip() == "memory bounded"
    assert not Path("/tmp/stream-sandbox-scratch").exists()  # the kernel's /tmp is its own
    assert out[5].strip() == "processes bounded"
    assert out[6].strip() == "[3644]"  # the lesson itself still works inside


def test_without_bubblewrap_grading_refuses_unless_told(course):
    _, workdir = course
    with pytest.raises(SandboxError, match="refuses to start"):
        run_cells(["print('ran')"], workdir, bwrap="no-such-bwrap")
    out = run_cells(
        ["import os\nprint(os.getuid())"], workdir, bwrap="no-such-bwrap", allow_unsandboxed=True
    )
    assert out[0].strip() == "0"  # it ran, unconfined, as the instructor asked


START_A_KERNEL = """
import asyncio, sys
from stream_course.grader.sandbox import SandboxedKernelManager, SandboxError
manager = SandboxedKernelManager(kernel_name="python3", mode=sys.argv[1])
try:
    asyncio.run(manager.start_kernel())
    print("STARTED")
except SandboxError as error:
    print(error)
"""


def test_where_the_mode_cannot_work_grading_refuses_and_says_what_to_do(tmp_path):
    """User mode where bubblewrap can make no user namespace (here: a namespace whose own limit
    is 0, as a locked-down machine or container would have), and root mode without root."""
    script = tmp_path / "start.py"
    script.write_text(START_A_KERNEL)
    no_more_namespaces = subprocess.run(
        [
            "unshare", "--user", "--map-root-user", "sh", "-c",
            'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$1" user',
            sys.executable, str(script),
        ],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    said = no_more_namespaces.stdout
    assert "cannot make a user namespace" in said and "refuses to start" in said, said
    assert "apparmor_restrict_unprivileged_userns" in said and "사용자 네임스페이스" in said
    not_root = subprocess.run(
        ["unshare", "--user", sys.executable, str(script), "root"],  # uid 65534 inside
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert "needs the grader to run as root" in not_root.stdout, not_root.stdout + not_root.stderr


# As an ordinary user, a cold kernel and a warm one each report what they are and may do.
WHAT_AM_I = r"""
import asyncio, sys, nbformat
from nbclient import NotebookClient
from stream_course.grader.sandbox import SandboxedKernelManager
workdir, warm_root = sys.argv[1], sys.argv[2]
cells = [
    "import os, ctypes\n"
    "status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
    "print(os.getuid(), status['CapEff'].strip(), status['CapBnd'].strip(), status['NoNewPrivs'].strip())",
    "import subprocess\nmade = subprocess.run(['unshare', '--user', 'true'], capture_output=True)\n"
    "print('namespace made' if made.returncode == 0 else 'no namespace')",
]
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
client = NotebookClient(notebook, kernel_name="python3", timeout=120,
                        resources={"metadata": {"path": workdir}})
client.km = SandboxedKernelManager(kernel_name="python3", warm_root=warm_root)
client.execute()
print("|".join("".join(o.get("text", "") for o in c.outputs).strip() for c in notebook.cells))
"""


@pytest.mark.parametrize("warm", [False, True])
def test_as_an_ordinary_user_the_kernel_has_no_capabilities(standin_dir, warm):
    """User mode (sandbox.py): no capability, no way to gain one, no user namespace of its own,
    the working copy still its own."""
    from . import other_users

    reason = other_users.why_others_cannot_run()
    if reason:
        pytest.skip(reason)
    shared = other_users.shared_folder("stream-user-mode-")
    try:
        workdir = shared / "autograded" / "eve" / "lesson"
        workdir.mkdir(parents=True)
        (shared / "what_am_i.py").write_text(WHAT_AM_I)
        warm_root = str(shared / "autograded") if warm else ""
        script = [sys.executable, str(shared / "what_am_i.py"), str(workdir), warm_root]
        ran = other_users.run_as_nobody(script, shared, standin_dir, cwd=shared)
        assert ran.returncode == 0, ran.stderr[-3000:]
        identity, namespaces = ran.stdout.strip().splitlines()[-1].split("|")
        uid, effective, bounding, no_new_privileges = identity.split()
        assert int(uid) >= SANDBOX_UID_BASE and effective == "0" * 16
        assert no_new_privileges == "1" and (warm or bounding == "0" * 16)
        assert namespaces == "no namespace"
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_user_mode_started_by_root_runs_cold_with_no_capabilities(course):
    """Root may choose user mode too: the kernel has no capability, and starts cold (a warm
    parent started by root cannot mount its kernels' /proc in user mode)."""
    root, workdir = course
    out = run_cells(
        [
            "import os\nstatus = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
            "print(os.getuid(), status['CapEff'].strip(), status['NoNewPrivs'].strip())"
        ],
        workdir,
        mode="user",
        warm_root=str(root / "autograded"),
    )
    uid, effective, no_new_privileges = out[0].split()
    assert int(uid) >= SANDBOX_UID_BASE and effective == "0" * 16 and no_new_privileges == "1"
