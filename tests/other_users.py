"""Running the course as another, ordinary user: an instructor's account on a shared machine or
in a JupyterHub server, where grading has no root (the sandbox's user mode).

The tests run as root (CI does). They hand a folder to such a user and run the course's own
environment as that user, which works only where that user can run this Python and read the
course: a venv made from a Python every user can run (.ci/run uses Debian's /usr/bin/python3)
in a folder every user can read. pyenv's interpreters live under /root (mode 0700).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# An account every Debian system has, with no home and no files.
NOBODY = 65534
CHECK = "import nbgrader, stream_course, torch"


def why_others_cannot_run() -> str:
    """ "" if this environment can be run as another user, else the reason."""
    if os.geteuid() != 0:
        return "switching to another user needs root (CI runs as root)"
    tried = subprocess.run(
        [*as_user(NOBODY), sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": "/"},
    )
    if tried.returncode != 0:
        return (
            f"another user cannot run this environment ({sys.executable}: "
            f"{tried.stderr.strip().splitlines()[-1:]}); make the venv from a Python every user "
            "can run, in a folder they can read (PYTHON=/usr/bin/python3 make test)"
        )
    return ""


def as_user(uid: int, gid: int | None = None) -> list[str]:
    """The command prefix that runs what follows as ``uid`` (no supplementary groups)."""
    gid = uid if gid is None else gid
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]


def shared_folder(prefix: str) -> Path:
    """A new folder every user can reach (pytest's own tmp folders are root's alone, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def give(path: Path, uid: int) -> None:
    """Hand ``path`` and everything under it to ``uid``."""
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, uid, uid)


def shared_models(standin_dir: Path, into: Path) -> Path:
    """A cache folder (``STREAM_CACHE``) every user can read, holding the stand-in model:
    hard links where it can (no copy of the weights), else a copy."""
    target = into / "models" / standin_dir.name
    target.parent.mkdir(parents=True)
    try:
        shutil.copytree(standin_dir, target, copy_function=os.link)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(standin_dir, target)
    for folder, _, files in os.walk(into):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return into


def run_as_nobody(command: list[str], shared: Path, standin_dir: Path, cwd: Path):
    """Run ``command`` as NOBODY once ``shared`` (a ``shared_folder``) and all in it are handed
    to that account: its home in ``shared/home``, the stand-in model in ``shared/cache``."""
    home = shared / "home"
    home.mkdir(exist_ok=True)
    give(shared, NOBODY)
    cache = shared_models(standin_dir, shared / "cache")
    return subprocess.run(
        [*as_user(NOBODY), *command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=user_environment(home, cache),
    )


def user_environment(home: Path, cache: Path) -> dict[str, str]:
    """What a grading user's shell would hold, offline, with the shared model cache."""
    kept = {k: v for k, v in os.environ.items() if k.startswith(("STREAM_", "HF_", "LANG"))}
    return {
        **kept,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "STREAM_CACHE": str(cache),
    }
