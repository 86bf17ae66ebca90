"""Warm grading kernels: a parent that has imported torch, transformers and IPython and loaded the
lesson model once, forking one sandboxed kernel per submission.

A cold sandboxed kernel (``stream_course.grader.sandbox``) spends about half of a Lesson 01 submission's
grading time importing libraries and loading the model (benchmarks/autograde.py). With
``--SandboxedKernelManager.warm_root=DIR`` (``stream-course autograde`` sets it to ``autograded/``),
kernels whose working folder is under DIR come from a warm parent instead::

    warm parent: bubblewrap as for a cold kernel (no network, read-only system and venv), root
    │            inside it, runs only course code: imports, model, then waits for requests
    └─ keeper: new mount, IPC and PID namespaces in which the kernel sees its own working copy
       │       and connection folder (other submissions and kernels are covered), a fresh /tmp and
       │       /dev/shm; relays signals and reports the exit status
       └─ init: PID 1 of a new PID namespace with its own /proc; in user mode its own user
          │      namespace (so that its process limit counts its own processes only); resource
          │      limits, setsid, drops to the sandbox uid and every capability; passes signals on
          │      and reaps orphans
          └─ kernel: ipykernel. When it ends, init ends, and so does the namespace: nothing a
                     student started outlives the submission.

The kernel manager launches ``python -m stream_course.grader.warm_kernels attach SOCKET REQUEST`` as the
kernel process: it asks the warm parent for a kernel, forwards signals (interrupts on timeout), and
exits with the kernel's status, so jupyter_client and nbgrader see an ordinary local kernel.
Fork safety: the parent never runs a parallel torch operation (an OpenMP pool does not survive
fork(); the kernel would hang), never creates a zmq context, and never starts a thread.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Imported by the warm parent so that each kernel finds them in memory. Not matplotlib_inline:
# it hooks into IPython when imported, so each kernel imports it itself.
PRELOADED_MODULES = (
    "numpy",
    "torch",
    "transformers",
    "transformers.models.gpt2.modeling_gpt2",
    "matplotlib.pyplot",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # with debugpy: what a kernel imports as it starts
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "tornado.queues",
    "stream_course.models",
    "stream_course.self_check",
)

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel would choose
# Figures in graded notebooks are drawn once, as the figure is laid out, not cropped to a tight
# box: the crop draws every figure twice (0.3-0.5 s of a submission). The lessons' figures keep
# their titles, labels and legends inside the figure (tests/test_lessons_graded.py).
GRADING_KERNEL_CONFIG = {"InlineBackend": {"print_figure_kwargs": {"bbox_inches": None}}}
# The warm parent keeps these capabilities, to build each kernel's namespaces and drop to its uid.
PARENT_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_DAC_OVERRIDE")
# Empty mount points at the sandbox root, where the keeper parks a folder while it covers its parent.
PARKING = ("/.stream-cwd", "/.stream-kernel", "/.stream-covered")
LOWEST_KERNEL_UID = 1000  # a request for a system uid (root included) is refused

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x08000000, 0x20000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 1, 38, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags: int, data=None) -> None:
    def raw(text):
        return None if text is None else str(text).encode()

    result = _libc.mount(raw(source), raw(target), raw(fstype), flags, raw(data))
    _call(result, f"mount {target}")


def _die_with_parent() -> None:
    _call(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]


def _drop_capabilities() -> None:
    """No capability left, none to regain: a uid switch clears them only when leaving root, and
    in user mode the kernel keeps the parent's uid."""
    _call(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl ambient")
    none = (_CapData * 2)()
    _call(_libc.capset(ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), none), "capset")
    _call(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")


def _enter_own_user_namespace() -> None:
    """A user namespace for this kernel alone, same uid: RLIMIT_NPROC counts per user namespace
    (Linux 5.14+), so a fork bomb here cannot stop other kernels of the parent from starting
    threads. Code inside may make no user namespace of its own (as bwrap's --disable-userns)."""
    uid, gid = os.getuid(), os.getgid()
    _call(_libc.unshare(CLONE_NEWUSER), "unshare user namespace")
    for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny")):
        Path(f"/proc/self/{name}").write_text(text)
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    Path("/proc/sys/user/max_user_namespaces").write_text("0")


# --- the warm parent ----------------------------------------------------------------------------


@contextlib.contextmanager
def loading_before_fork():
    """Around imports and model loading in a process that will fork(): no OpenMP thread pool
    (a GNU OpenMP pool does not survive fork: a child hung in its first parallel op) and no tqdm
    monitor thread for loading bars. Yields torch's thread count, for each child to set again."""
    import threading

    import torch
    import tqdm

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    monitor_interval = tqdm.tqdm.monitor_interval
    tqdm.tqdm.monitor_interval = 0
    try:
        yield threads
    finally:
        tqdm.tqdm.monitor_interval = monitor_interval
    if threading.active_count() > 1:
        print(f"[stream] threads before fork(): {threading.enumerate()}", file=sys.stderr)


def draw_one_figure() -> None:
    """Draw a small figure with Agg, as a grading kernel draws (log axis, legend, titles): the
    fonts are loaded and the text caches filled once here, not in every kernel's first plot.
    Agg starts no thread."""
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    axis = figure.add_subplot()
    axis.plot([1, 10], [1, 10], label="line")
    axis.set_xscale("log")
    axis.set_title("title")
    axis.legend()
    figure.suptitle("figure")
    figure.savefig(io.BytesIO(), format="png")


def serve(socket_path: str, warm_root: str, kernels_dir: str, readable: str = "[]") -> None:
    """Import, load the model, then fork a keeper for every request on ``socket_path``.
    ``readable``: JSON list of the sandbox's read-only mounts (some may lie under /tmp)."""
    readable_mounts = json.loads(readable)
    # Checked before seconds of imports and loading, not when the socket is bound after them.
    if not os.path.isdir(os.path.dirname(os.fspath(socket_path)) or "."):
        raise SystemExit(f"[stream warm kernel] no folder for the socket {socket_path}")
    before = dict(os.environ)
    os.environ["MPLBACKEND"] = INLINE_BACKEND  # matplotlib reads it when imported
    import importlib

    with loading_before_fork() as threads:  # each kernel gets ``threads`` back
        for name in PRELOADED_MODULES:
            importlib.import_module(name)
        from stream_course import lessons, models

        lessons.all_lessons()  # every lesson's package: its metadata, helpers and checks

        models.preload()
        draw_one_figure()
    # Variables the imports set (as they would have in a cold kernel); each kernel gets them too.
    set_by_imports = {k: v for k, v in os.environ.items() if before.get(k) != v}
    import gc

    gc.collect()
    gc.freeze()  # keep the parent's objects out of the kernels' collections (fewer copied pages)

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the system
    while True:
        connection, _ = server.accept()
        if os.fork() == 0:
            server.close()
            code = 70
            try:
                code = _keep(
                    connection, warm_root, kernels_dir, readable_mounts, threads, set_by_imports
                )
            except BaseException as error:  # noqa: BLE001 (report anything, then leave)
                print(f"[stream warm kernel] {type(error).__name__}: {error}", file=sys.stderr)
            finally:
                sys.stderr.flush()
                os._exit(code)
        connection.close()


def _keep(
    connection: socket.socket,
    warm_root: str,
    kernels_dir: str,
    readable: list[str],
    threads: int,
    set_by_imports: dict,
) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    lines = _Lines(connection)
    line = lines.next()
    if not line:  # a readiness probe
        return 0
    request = json.loads(line)
    cwd, kernel_dir, uid = request["cwd"], request["kernel_dir"], request["uid"]
    if uid is not None and int(uid) < LOWEST_KERNEL_UID:  # None: user mode, the parent's uid
        raise PermissionError(f"refusing kernel uid {uid}")
    for path, parent in ((cwd, warm_root), (kernel_dir, kernels_dir)):
        if not Path(path).resolve().is_relative_to(Path(parent).resolve()):
            raise PermissionError(f"{path} is not under {parent}")

    _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the parent
    shown = ((cwd, warm_root, PARKING[0]), (kernel_dir, kernels_dir, PARKING[1]))
    for keep, _, parking in shown:  # set aside: the fresh /tmp may cover them
        _mount(keep, parking, None, MS_BIND | MS_REC)
    scratch = [path for path in ("/tmp", "/dev/shm") if os.path.isdir(path)]
    # Read-only mounts under /tmp (a venv or model cache there) are copied aside and come back.
    # Copied, not moved: in user mode bwrap's mounts are locked to this namespace (no MS_MOVE).
    covered = _outermost([p for p in readable if any(_under(p, s) for s in scratch)])
    for number, path in enumerate(covered):
        os.makedirs(f"{PARKING[2]}/{number}", exist_ok=True)  # left by an earlier keeper
        _mount(path, f"{PARKING[2]}/{number}", None, MS_BIND | MS_REC)
    for path in scratch:  # the writable places every kernel gets afresh
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for number, path in enumerate(covered):
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"{PARKING[2]}/{number}", path, None, MS_MOVE)
    for keep, parent, parking in shown:
        _show_only(keep, parent, parking)

    init = os.fork()  # PID 1 of the new PID namespace; it forks the kernel (_run_kernel)
    if init == 0:
        connection.close()
        code = 70
        try:
            _run_kernel(request, threads, set_by_imports)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(bool(stop.code))
        except BaseException as error:  # noqa: BLE001
            print(f"[stream warm kernel] {type(error).__name__}: {error}", file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    connection.sendall(b"started\n")
    ended, running = os.pidfd_open(init), True
    while running:
        ready, _, _ = select.select([connection, ended], [], [])
        if ended in ready:
            break
        for line in lines.available():
            if line is None:  # the grader let go of this kernel: end it
                os.kill(init, signal.SIGKILL)
                running = False
            elif line.startswith("signal "):
                number = int(line.split()[1])
                # init passes signals on to the kernel; terminate means now: killing init ends
                # the whole namespace.
                os.kill(init, signal.SIGKILL if number == signal.SIGTERM else number)
    _, status = os.waitpid(init, 0)
    try:
        connection.sendall(f"exited {os.waitstatus_to_exitcode(status)}\n".encode())
    except OSError:
        pass
    return 0


def _positive_int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and int(text) > 0 else None


def _under(path: str, folder: str) -> bool:
    return Path(path).is_relative_to(folder)


def _outermost(paths: list[str]) -> list[str]:
    """Paths not inside another of them (moving a mount moves the mounts inside it)."""
    return [p for p in paths if not any(p != q and _under(p, q) for q in paths)]


def _show_only(keep: str, parent: str, parking: str) -> None:
    """Cover ``parent`` with an empty read-only folder tree that holds only ``keep`` (parked)."""
    os.makedirs(parent, mode=0o755, exist_ok=True)
    _mount("tmpfs", parent, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    os.makedirs(keep)
    _mount(parking, keep, None, MS_MOVE)
    _mount(None, parent, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _run_kernel(request: dict, threads: int, set_by_imports: dict) -> None:
    import resource

    _die_with_parent()
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # sees its namespace only
    os.setsid()
    if request["uid"] is None:
        _enter_own_user_namespace()  # first: the namespace's process count starts here
    for limit, value in (
        (resource.RLIMIT_AS, request["memory_limit"]),
        (resource.RLIMIT_NPROC, request["max_tasks"]),
        (resource.RLIMIT_FSIZE, request["max_file_size"]),
    ):
        resource.setrlimit(limit, (value, value))
    if request["uid"] is not None:
        uid = int(request["uid"])
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _drop_capabilities()  # from here on: no capabilities, no way back

    # This process is PID 1 of the namespace, which the kernel must not be (PID 1 ignores
    # signals it has no handler for, even a student's own SIGKILL). It stays as a small init:
    # passes signals on, reaps orphans, and leaves with the kernel's status, ending the namespace.
    kernel = os.fork()
    if kernel != 0:
        _init(kernel)
    _die_with_parent()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"], **set_by_imports, PWD=request["cwd"])  # PWD: as bwrap sets it
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    import numpy
    import torch

    # As a cold kernel: torch reads OMP_NUM_THREADS when it starts, else uses every core.
    torch.set_num_threads(_positive_int(os.environ.get("OMP_NUM_THREADS")) or threads)
    numpy.random.seed()  # a cold kernel seeds numpy from the OS; forked ones must not share it
    from ipykernel.kernelapp import IPKernelApp

    # History in memory, as a cold sandboxed kernel ends up with; and so no history thread, which
    # IPython stops and restarts around every fork() (one refused at the process limit would
    # leave it stopped and the next cell failing to restart it).
    sys.argv = [
        sys.executable,
        "-f",
        request["connection_file"],
        "--HistoryManager.hist_file=:memory:",
    ]
    from traitlets.config import Config  # here: `attach` runs in a bare interpreter

    IPKernelApp.launch_instance(argv=sys.argv[1:], config=Config(GRADING_KERNEL_CONFIG))


def _init(kernel: int) -> None:
    def forward(number, _frame):
        os.kill(kernel, number)

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, forward)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


class _Lines:
    """Newline-separated messages from a socket, usable with select()."""

    def __init__(self, connection: socket.socket):
        self.connection, self.buffer = connection, b""

    def next(self) -> str | None:
        while b"\n" not in self.buffer:
            try:
                chunk = self.connection.recv(4096)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def available(self) -> list[str | None]:
        """After select() said the socket is readable: every complete line (None at the end)."""
        lines = [self.next()]
        while lines[-1] is not None and b"\n" in self.buffer:
            lines.append(self.next())
        return lines


# --- in the grader -------------------------------------------------------------------------------

READY_TIMEOUT = 300  # seconds for the parent to import and load the model (building the stand-in)
_kernels_dir: Path | None = None
_parent: WarmParent | None = None


def kernels_dir(shared_socket: str = "") -> Path:
    """The folder of kernel connection folders that the warm parent mounts: beside a shared
    parent's socket, else this grading process's own."""
    global _kernels_dir
    if shared_socket:
        return Path(shared_socket).parent
    if _kernels_dir is None:
        _kernels_dir = Path(tempfile.mkdtemp(prefix="stream-warm-"))
        _kernels_dir.chmod(0o755)
        atexit.register(shutil.rmtree, _kernels_dir, True)
    return _kernels_dir


def warm_parent(manager) -> WarmParent | None:
    """The warm parent for ``manager``'s kernels: the shared one it was given
    (``SandboxedKernelManager.warm_parent``), else this process's own, started on first use.
    None (kernels start cold) if it cannot start, with the reason in the log."""
    global _parent
    if manager.warm_parent:  # checked for readiness once, not before every kernel
        if _parent is None or _parent.socket != manager.warm_parent:
            shared = WarmParent(manager, manager.warm_parent)
            _parent = shared if shared.wait_until_ready(manager) else None
        return _parent
    wanted = (str(Path(manager.warm_root).resolve()), manager._readable_paths())
    if _parent is not None and _parent.process is not None:  # one this process started
        if _parent.process.poll() is not None:
            manager.log.warning(
                "The warm kernel parent ended (%s); starting a new one", _parent.ended()
            )
        elif (_parent.warm_root, _parent.readable) == wanted:
            return _parent
        else:
            _parent.stop()  # another course folder or other mounts: another sandbox
    _parent = WarmParent(manager)
    _parent.start(manager)
    if not _parent.wait_until_ready(manager):
        _parent.stop()
        _parent = None
    return _parent


class WarmParent:
    """A warm parent's socket; ``start`` runs the parent itself in bubblewrap."""

    def __init__(self, manager, socket_path: str = ""):
        self.warm_root = str(Path(manager.warm_root).resolve())
        self.readable = manager._readable_paths()
        self.socket = socket_path or str(kernels_dir() / "parent.sock")
        self.process: subprocess.Popen | None = None
        self.launched: tuple[list[str], dict] | None = None

    def launch(self, manager) -> tuple[list[str], dict]:
        """The parent's command and environment for ``manager``'s settings."""
        shared = kernels_dir(self.socket)
        warm_root = str(Path(manager.warm_root).resolve())
        args = manager._bwrap_args(warm_root, [str(shared), warm_root], nested_users=True)
        for parking in PARKING:
            args += ["--dir", parking]
        for capability in PARENT_CAPABILITIES:
            args += ["--cap-add", capability]
        command = [shutil.which(manager.bwrap), *args, "--", sys.executable, "-m", __name__]
        command += ["serve", self.socket, warm_root, str(shared)]
        command.append(json.dumps(manager._readable_paths()))
        return command, manager._sandbox_env(os.environ)

    def start(self, manager) -> None:
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        self.launched = self.launch(manager)
        command, env = self.launched
        manager.log.info("Starting a warm kernel parent (imports and model, once)")
        # Kernels print start-up notes on their own stdout; errors still reach stderr.
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        atexit.register(self.stop)

    def stop(self) -> None:
        """End the parent and everything in its sandbox. Killing bubblewrap alone is not enough:
        its PID 1 then ends only by --die-with-parent, which missed now and then (seen when the
        parent was stopped while loading). Returns once they have all ended."""
        if self.process is None:
            return
        ends = []
        for pid in reversed(process_tree(self.process.pid)):  # innermost first: none reparented
            with contextlib.suppress(ProcessLookupError):
                ends.append(os.pidfd_open(pid))
                signal.pidfd_send_signal(ends[-1], signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        for end in ends:  # readable once that process has ended
            select.select([end], [], [], max(0.0, deadline - time.monotonic()))
            os.close(end)

    def wait_until_ready(self, manager, seconds: float = READY_TIMEOUT) -> bool:
        """True once the parent takes requests (it listens after loading everything)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect(self.socket)
                return True
            except OSError:
                time.sleep(0.1)
        manager.log.warning(
            "Warm kernels unavailable (%s), starting kernels cold", self.ended() or "no answer"
        )
        return False

    def ended(self) -> str:
        code = None if self.process is None else self.process.poll()
        return "" if code is None else f"the warm parent ended with status {code}"

    def kernel_command(self, manager, cwd: str, env: dict) -> list[str]:
        request = {
            "cwd": cwd,
            "kernel_dir": str(manager._private),
            "connection_file": manager.connection_file,
            "uid": None if manager.in_user_namespace else manager.uid,
            "memory_limit": manager.memory_limit,
            "max_tasks": manager.max_tasks,
            "max_file_size": manager.max_file_size,
            "env": env,
        }
        request_path = Path(manager._private) / "warm-request.json"
        request_path.write_text(json.dumps(request))
        return [sys.executable, "-m", __name__, "attach", self.socket, str(request_path)]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, each after its parent (read from /proc)."""
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        with contextlib.suppress(OSError):  # ended while we looked
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
    return tree


# --- the kernel process the grader sees ----------------------------------------------------------


def attach(socket_path: str, request_path: str) -> int:
    """Ask the warm parent for a kernel and stand in for it until it exits."""
    _die_with_parent()  # the grader went away: the socket closes and the keeper ends the kernel
    request = Path(request_path).read_bytes()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(socket_path)
    connection.sendall(request.strip() + b"\n")
    lines = _Lines(connection)
    if lines.next() != "started":
        print("[stream warm kernel] the warm parent did not start a kernel", file=sys.stderr)
        return 1

    def forward(number, _frame):
        connection.sendall(f"signal {number}\n".encode())

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, forward)
    while (line := lines.next()) is not None:
        if line.startswith("exited "):
            code = int(line.split()[1])
            return code if code >= 0 else 128 - code
    return 1


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "serve":
        serve(*arguments)
    elif command == "attach":
        sys.exit(attach(*arguments))
    else:
        sys.exit(
            f"usage: python -m stream_course.grader.warm_kernels serve|attach ...; got {command}"
        )
