"""Grading kernels inside bubblewrap: student code runs with no network, sees only what it needs,
runs as an unprivileged user, and is bounded in memory, processes and file size.

Two ways to become that unprivileged user (``SandboxedKernelManager.mode``):

- ``root``, when the grader runs as root (``sudo``, CI, a grading service): files are handed to a
  uid with no account, one per grading process, and the kernel drops to it (``setpriv``).
- ``user``, when it runs as an ordinary account (an instructor's JupyterHub server): bubblewrap
  makes a user namespace (``--unshare-user``) in which the kernel has no capabilities. Outside it
  stays the instructor's uid. Its process limit counts the processes in its own namespace (Linux
  5.14 and newer), which also count toward the instructor's own limit; its files in the working
  copy belong to the instructor.

``stream_course.grader.execute.SandboxedExecute`` is nbgrader's ``Execute`` with
``SandboxedKernelManager``; nbgrader_config.py puts it in ``Autograde.autograde_preprocessors``, so
plain ``nbgrader autograde`` and the formgrader's button grade in the sandbox. Inside it the kernel
can read: the system (/usr, /etc), Python and this environment, the ``stream_course`` package, the
model caches, and its own working copy. Not ``source/``, ``gradebook.db``, ``.git`` or other
students' files: they are never mounted. This module imports neither nbgrader nor torch, so that
``stream-course autograde`` can start its warm parent early.

Without bubblewrap, grading refuses to start unless the instructor passes
``--SandboxedKernelManager.allow_unsandboxed=True``, and then it says so loudly.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Enum, Integer, List, Unicode, default

from stream_course.grader import warm_kernels

# Kernels run as a uid with no account and no files: its own per grading process, so that the
# process limit (counted per uid) of one grader's kernels never squeezes a concurrent grader's.
SANDBOX_UID_BASE = 1_000_000
# Environment the kernel keeps (everything else, tokens included, is dropped).
KEPT_ENV_PREFIXES = ("STREAM_", "HF_", "TRANSFORMERS_", "OMP_", "MKL_", "LANG", "LC_")
# How long a kernel's shutdown waits for the processes it left to end.
SANDBOX_EXIT_SECONDS = 30


class SandboxError(RuntimeError):
    """The sandbox cannot start; the message says what to do."""


NO_USER_NAMESPACE = (
    "bubblewrap cannot make a user namespace here ({reason}), and grading as an ordinary user "
    "needs one; grading refuses to start. Either grade as root (sudo stream-course autograde ...), "
    "or allow unprivileged user namespaces: `sysctl kernel.unprivileged_userns_clone=1` (Debian), "
    "`sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for bwrap "
    "(Ubuntu 24.04 and newer), or, in a container, a seccomp profile that allows them "
    "(deploy/kubernetes/README.md).\n"
    "bubblewrap이 사용자 네임스페이스를 만들 수 없어 일반 사용자로는 격리 채점을 할 수 없으므로 "
    "채점을 시작하지 않습니다. root로 채점하거나 비특권 사용자 네임스페이스를 허용하세요."
)
_user_namespaces: dict[str, str] = {}


def user_namespace_refusal(bwrap: str) -> str:
    """Why ``bwrap`` cannot make a user namespace for this user ("" if it can), asked once."""
    if bwrap not in _user_namespaces:
        try:
            tried = subprocess.run(
                [bwrap, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--", "true"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            reason = "" if tried.returncode == 0 else tried.stderr.strip() or "bwrap failed"
        except (OSError, subprocess.TimeoutExpired) as error:
            reason = str(error)
        _user_namespaces[bwrap] = reason
    return _user_namespaces[bwrap]


class SandboxedKernelManager(AsyncKernelManager):
    bwrap = Unicode("bwrap", help="bubblewrap executable").tag(config=True)
    allow_unsandboxed = Bool(
        False, help="grade without a sandbox where bubblewrap is missing (unsafe)"
    ).tag(config=True)
    memory_limit = Integer(8 * 2**30, help="address-space limit of the kernel, bytes").tag(
        config=True
    )
    max_tasks = Integer(
        256, help="processes and threads of the sandbox user (a fork bomb stops here)"
    ).tag(config=True)
    max_file_size = Integer(100 * 2**20, help="largest file the kernel may write, bytes").tag(
        config=True
    )
    extra_readable = List(Unicode(), help="more paths the kernel may read").tag(config=True)
    uid = Integer(help="uid (and gid) the kernel runs as; default: one per grading process").tag(
        config=True
    )
    mode = Enum(
        ("auto", "root", "user"),
        "auto",
        help="root: hand the kernel's files to `uid` and drop to it (the grader runs as root); "
        "user: a user namespace, for a grader that is an ordinary user; auto: root if root",
    ).tag(config=True)
    warm_root = Unicode(
        "",
        help="kernels working under this folder are forked from a warm parent that has imported "
        "the libraries and loaded the model once (stream_course.grader.warm_kernels); empty: all cold",
    ).tag(config=True)
    warm_parent = Unicode(
        "", help="socket of a warm parent shared by several graders (stream-course autograde)"
    ).tag(config=True)
    kernel_threads = Integer(
        0,
        help="torch/OpenMP threads of each kernel (OMP_NUM_THREADS); 0: the libraries' default, "
        "one per core. stream-course autograde gives the kernels of N workers cores/N each",
    ).tag(config=True)

    @default("uid")
    def _default_uid(self):
        return SANDBOX_UID_BASE + os.getpid()

    @property
    def in_user_namespace(self) -> bool:
        """True when the kernel is confined by a user namespace rather than by a uid switch."""
        return self.mode == "user" or (self.mode == "auto" and os.geteuid() != 0)

    @property
    def can_fork_warm(self) -> bool:
        """Warm kernels need root mode, or user mode as an ordinary user: started by root, a
        user-mode parent cannot mount its kernels' /proc (EPERM), so root in user mode is cold."""
        return not (self.in_user_namespace and os.geteuid() == 0)

    def check_mode(self, executable: str) -> None:
        """Refuse, saying what to do, where the chosen mode cannot work."""
        if self.in_user_namespace:
            reason = user_namespace_refusal(executable)
            if reason:
                raise SandboxError(NO_USER_NAMESPACE.format(reason=reason))
        elif os.geteuid() != 0:
            raise SandboxError(
                "SandboxedKernelManager.mode = 'root' needs the grader to run as root; as an "
                "ordinary user, use mode 'user' (or 'auto').\n"
                "mode 'root'는 root로 채점할 때만 쓸 수 있습니다. 'user'나 'auto'를 쓰세요."
            )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # A private folder per kernel for its connection file and IPC sockets: the usual runtime
        # folder holds the keys of the instructor's other kernels.
        shared = warm_kernels.kernels_dir(self.warm_parent) if self.warm_root else None
        self._private = Path(tempfile.mkdtemp(prefix="stream-kernel-", dir=shared))
        self.transport = "ipc"  # --unshare-net gives the kernel its own loopback: no TCP
        self.connection_file = str(self._private / "kernel.json")

    async def _async_pre_start_kernel(self, **kw):
        command, kw = await super()._async_pre_start_kernel(**kw)
        executable = shutil.which(self.bwrap)
        if executable is None:
            if not self.allow_unsandboxed:
                raise SandboxError(
                    "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed; "
                    "grading refuses to start. Install it (Debian/Ubuntu: apt-get install "
                    "bubblewrap) or, knowing that student code will run as you, pass "
                    "--SandboxedKernelManager.allow_unsandboxed=True.\n"
                    "bubblewrap(bwrap)이 없어 학생 코드를 격리할 수 없으므로 채점을 시작하지 않습니다."
                )
            self.log.warning("!!! GRADING WITHOUT A SANDBOX: student code runs as you !!!")
            return command, kw
        self.check_mode(executable)
        if not self.in_user_namespace:
            for path in [self._private, *self._private.iterdir()]:
                os.chown(path, self.uid, self.uid)  # the kernel must read its key
        cwd = str(Path(kw.get("cwd") or os.getcwd()).resolve())
        kw["env"] = self._sandbox_env(kw.get("env") or os.environ)
        warm_root = self.warm_root if self.can_fork_warm else ""
        if warm_root and Path(cwd).is_relative_to(Path(warm_root).resolve()):
            parent = await asyncio.to_thread(warm_kernels.warm_parent, self)
            if parent is not None:
                return parent.kernel_command(self, cwd, kw["env"]), kw
        # bwrap starts the kernel in a new session (so that it cannot type into the grader's
        # terminal), where no signal sent to bwrap reaches it. The kernel interrupts itself on
        # a control message instead: a cell past the time limit is stopped, the rest graded.
        self.kernel_spec.interrupt_mode = "message"
        writable = [str(self._private), cwd]
        # The kernel's own interpreter may import the course from elsewhere than this grader does
        # (another venv, an editable install of another folder): mount what it will import.
        imports = await asyncio.to_thread(kernel_import_paths, command[0])
        args = self._bwrap_args(cwd, writable, imports)
        return [executable, *args, "--", *self._limits(), *command], kw

    def _bwrap_args(
        self, cwd: str, writable: list[str], imports: list[str] = (), nested_users: bool = False
    ) -> list[str]:
        """``nested_users``: code inside may make user namespaces (the warm parent does, one per
        kernel, in user mode); else a sandbox in user mode is denied them (--disable-userns)."""
        args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
        if self.in_user_namespace:
            args += ["--unshare-user", "--uid", str(self.uid), "--gid", str(self.uid)]
            if not nested_users:
                args.append("--disable-userns")
        args += ["--die-with-parent", "--new-session", "--unsetenv", "JPY_PARENT_PID"]
        args += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
        system = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32")
        for path in system:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        readable = self._readable_paths()
        readable += [path for path in imports if path not in readable]
        # Folders above each mount point, readable by the sandbox user (bwrap makes them 0700).
        made = set(system) | {"/", "/tmp"}
        for path in [*readable, *writable]:
            for parent in reversed(Path(path).parents):
                if str(parent) not in made:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
        for path in readable:
            args += ["--ro-bind", path, path]
        for path in writable:
            args += ["--bind", path, path]
        return [*args, "--chdir", cwd]

    def _readable_paths(self) -> list[str]:
        import stream_course
        from stream_course.standin import cache_dir

        candidates = [
            sys.base_prefix,
            sys.prefix,
            Path(stream_course.__file__).parent,
            cache_dir() / "models",
            *self.extra_readable,
        ]
        try:
            from huggingface_hub import constants

            candidates.append(constants.HF_HUB_CACHE)
        except ImportError:
            pass
        paths = []
        for candidate in candidates:
            resolved = Path(candidate).resolve()
            if resolved.exists() and str(resolved) not in paths:
                paths.append(str(resolved))
        return paths

    def _limits(self) -> list[str]:
        limits = [
            "prlimit",
            f"--as={self.memory_limit}",
            f"--nproc={self.max_tasks}",
            f"--fsize={self.max_file_size}",
            "--",
        ]
        if self.in_user_namespace:  # bwrap already made it uid ``uid``, with no capabilities
            return limits
        return [
            *limits,
            "setpriv",
            f"--reuid={self.uid}",
            f"--regid={self.uid}",
            "--clear-groups",
            "--",
        ]

    def _sandbox_env(self, env) -> dict[str, str]:
        from stream_course.standin import cache_dir

        kept = {k: v for k, v in env.items() if k.startswith(KEPT_ENV_PREFIXES)}
        kept.update(
            PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            HOME="/tmp",
            USER="student",  # the uid has no account; getpass.getuser() reads this
            LOGNAME="student",
            MPLCONFIGDIR="/tmp/matplotlib",
            STREAM_CACHE=str(cache_dir()),
            STREAM_GRADING="1",  # the lesson's last cell then skips its self-check (self_check)
        )
        if self.kernel_threads > 0:
            kept.update(OMP_NUM_THREADS=str(self.kernel_threads))
        return kept

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        # A killed kernel's namespace dies a moment after the kernel: its processes (a fork
        # bomb's 256) still count against the uid's process limit, and the next kernel of this
        # grader, same uid, could start no thread. Return once they are gone. (In a user
        # namespace the count is the namespace's own, and the next kernel gets a new one.)
        if not self.in_user_namespace:
            left = await asyncio.to_thread(wait_until_gone, self.uid, SANDBOX_EXIT_SECONDS)
            if left:
                self.log.warning("%d processes of sandbox uid %d still ending", left, self.uid)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)


_kernel_imports: dict[str, list[str]] = {}
FIND_IMPORTS = """
import importlib.util, json, sys
spec = importlib.util.find_spec("stream_course")
package = list(spec.submodule_search_locations or []) if spec else []
print(json.dumps([sys.base_prefix, sys.prefix, *package]))
"""


def kernel_import_paths(executable: str) -> list[str]:
    """Where the kernel's interpreter finds Python and the ``stream_course`` package, asked once
    per interpreter. A kernel that cannot import the course fails every submission at the
    instructor's setup cell: say so before grading anyone."""
    if executable not in _kernel_imports:
        try:
            found = subprocess.run(
                [executable, "-c", FIND_IMPORTS],
                capture_output=True,
                text=True,
                timeout=120,
                cwd="/",
                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            )
            paths = json.loads(found.stdout.strip().splitlines()[-1])
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as error:
            raise SandboxError(
                f"the kernel's Python ({executable}) did not start: {error}"
            ) from None
        if len(paths) < 3:
            raise SandboxError(
                f"the kernel's Python ({executable}) cannot import stream_course, so every "
                "submission would fail at the setup cell. Install the course package into it "
                "(`pip install -e .` in the course directory) or point the python3 kernel at the "
                "environment that has it.\n"
                f"커널의 Python({executable})이 stream_course를 불러올 수 없습니다. "
                "코스 패키지를 그 환경에 설치하세요."
            )
        _kernel_imports[executable] = [str(Path(p).resolve()) for p in paths if Path(p).exists()]
    return _kernel_imports[executable]


def processes_of(uid: int) -> list[int]:
    """Process ids owned by ``uid`` (a scan of /proc: a few ms)."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                found.append(int(entry.name))
        except FileNotFoundError:  # ended while we looked
            continue
    return found


def wait_until_gone(uid: int, seconds: float) -> int:
    """Wait up to ``seconds`` until ``uid`` owns no process; return how many are left."""
    deadline = time.monotonic() + seconds
    while (left := len(processes_of(uid))) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left
