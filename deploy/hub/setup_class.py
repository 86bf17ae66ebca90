"""Set up (or remove) one Stream class on a JupyterHub host. Run as root, with the Python of the
environment the hub will run (every account must be able to run it):

    python deploy/hub/setup_class.py --instructors alice --students bob,carol,dave \\
        --passwords passwords.txt

It makes, each step skipped where already done:
- the groups stream-instructors and stream-students, and an account per name (useradd -m), with
  the passwords of a `name:password` file if one is given (chpasswd);
- nbgrader's exchange folder (mode 1777: everyone hands in, nobody reads another's files);
- each instructor's course folder, ~/stream-course (nbgrader_config.py and source/ of this
  checkout), and ~/.jupyter/nbgrader_config.py, which points the formgrader at it;
- the hub's state folder (root's alone), with configurable-http-proxy from npm.

`--remove` ends the accounts' processes and deletes the accounts, their homes and the exchange.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parents[1]
PROXY = "configurable-http-proxy@5.3.0"  # the version this kit was tested with
COURSE_FOLDER = "stream-course"
INSTRUCTOR_CONFIG = '''"""Written by deploy/hub/setup_class.py: the formgrader grades the course in {course}."""
c = get_config()  # noqa: F821
load_subconfig("nbgrader_config.py", path="{course}")  # noqa: F821
'''


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


def others_can_use(path: Path) -> bool:
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    return subprocess.run([*nobody, "test", "-r", str(path)]).returncode == 0


def make_account(name: str, group: str) -> Path:
    run("groupadd", "--force", group)
    if subprocess.run(["id", "-u", name], capture_output=True).returncode != 0:
        run("useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, name)
    else:
        run("usermod", "--append", "--groups", group, name)
    return Path(os.path.expanduser(f"~{name}"))


def give(path: Path, name: str) -> None:
    """Hand ``path`` and everything under it to account ``name``."""
    account = pwd.getpwnam(name)
    os.lchown(path, account.pw_uid, account.pw_gid)
    for folder, dirs, files in os.walk(path):
        for entry in dirs + files:
            os.lchown(os.path.join(folder, entry), account.pw_uid, account.pw_gid)


def course_folder(home: Path, name: str) -> Path:
    """The instructor's own copy of the course, and the formgrader's pointer to it."""
    course = home / COURSE_FOLDER
    if not course.exists():
        course.mkdir()
        shutil.copy2(CHECKOUT / "nbgrader_config.py", course / "nbgrader_config.py")
        shutil.copytree(CHECKOUT / "source", course / "source")
    config = home / ".jupyter" / "nbgrader_config.py"
    config.parent.mkdir(exist_ok=True)
    config.write_text(INSTRUCTOR_CONFIG.format(course=course))
    give(course, name)
    give(config.parent, name)
    return course


def set_up(args) -> None:
    if not others_can_use(Path(sys.executable)) or not others_can_use(HERE / "roles"):
        sys.exit(
            f"Other accounts cannot run {sys.executable} or read {HERE}: the hub runs each "
            "server as its user from this environment. Put the checkout and its venv in a "
            "world-readable prefix (for example /opt/stream), made from a Python every user can "
            "run (not pyenv's under /root)."
        )
    for name in args.instructors:
        course_folder(make_account(name, args.instructor_group), name)
    for name in args.students:
        make_account(name, args.student_group)
    if args.passwords:
        with open(args.passwords, "rb") as passwords:
            run("chpasswd", stdin=passwords)
    args.exchange.mkdir(parents=True, exist_ok=True)
    args.exchange.chmod(0o1777)
    args.state.mkdir(parents=True, exist_ok=True)
    args.state.chmod(0o700)
    if not (args.state / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        run("npm", "install", "--silent", "--prefix", str(args.state), PROXY)
    print(f"Class ready. Start the hub as root:\n  STREAM_HUB_STATE={args.state} "
          f"STREAM_EXCHANGE={args.exchange} {Path(sys.executable).parent}/jupyterhub "
          f"-f {HERE / 'jupyterhub_config.py'}")  # fmt: skip


def remove(args) -> None:
    for name in [*args.instructors, *args.students]:
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            subprocess.run(["pkill", "--signal", "KILL", "--uid", name])
            for _ in range(100):  # a killed process is gone a moment later; userdel refuses before
                if subprocess.run(["pgrep", "--uid", name], capture_output=True).returncode:
                    break
                time.sleep(0.1)
            run("userdel", "--remove", name, stderr=subprocess.DEVNULL)
    for group in (args.instructor_group, args.student_group):
        try:
            if not grp.getgrnam(group).gr_mem:  # the class's own group, now empty
                run("groupdel", group)
        except KeyError:
            pass
    shutil.rmtree(args.exchange, ignore_errors=True)


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instructors", type=names, default=[], help="comma-separated accounts")
    parser.add_argument("--students", type=names, default=[], help="comma-separated accounts")
    parser.add_argument("--passwords", help="file of name:password lines, for chpasswd")
    parser.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"))
    parser.add_argument("--state", type=Path, default=Path("/srv/stream-hub"))
    parser.add_argument("--instructor-group", default="stream-instructors")
    parser.add_argument("--student-group", default="stream-students")
    parser.add_argument("--remove", action="store_true", help="delete the accounts and exchange")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("Run as root: it makes accounts, groups and the exchange folder.")
    remove(args) if args.remove else set_up(args)


if __name__ == "__main__":
    main()
