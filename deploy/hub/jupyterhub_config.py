"""JupyterHub for one Stream class on one host: the machine's own accounts log in (PAM), each
gets a JupyterLab server run as that account, and nbgrader's exchange folder carries lessons,
submissions and feedback. setup_class.py makes the accounts, groups, exchange and the
instructor's course folder; the README's "Teaching with JupyterHub" gives the commands.

Run as root (the hub starts each server as its user):

    STREAM_HUB_STATE=/srv/stream-hub jupyterhub -f deploy/hub/jupyterhub_config.py

Roles come from Unix groups. Students' servers have the assignment list and the validate
button; instructors' also have the formgrader and "Create Assignment". Each role's settings are a
folder in roles/, put first on the server's JUPYTER_CONFIG_PATH: nothing system-wide changes,
and other Jupyter users of the machine keep theirs.
"""

import grp
import os
import sys
from pathlib import Path

from jupyterhub.spawner import Spawner

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
here = Path(__file__).resolve().parent
state = Path(os.environ.get("STREAM_HUB_STATE", "/srv/stream-hub"))
STUDENTS = os.environ.get("STREAM_HUB_STUDENTS", "stream-students")
INSTRUCTORS = os.environ.get("STREAM_HUB_INSTRUCTORS", "stream-instructors")

c.JupyterHub.bind_url = os.environ.get("STREAM_HUB_URL", "http://127.0.0.1:8000")
# Where the hub and the proxy's REST API listen for each other (change them to run two hubs).
c.JupyterHub.hub_bind_url = os.environ.get("STREAM_HUB_INTERNAL_URL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = os.environ.get("STREAM_HUB_PROXY_API", "http://127.0.0.1:8001")
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [str(state / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# Passwords are the accounts' own (PAM). For an LMS, an LTI 1.3 authenticator instead
# (jupyterhub-ltiauthenticator; deploy/kubernetes/values.yaml shows one).
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}
c.PAMAuthenticator.open_sessions = False  # no systemd-logind session per server

# Each server runs from the hub's own environment, which every account must be able to run:
# a venv in a world-readable prefix (not under /root).
environment_bin = Path(sys.executable).parent
c.Spawner.cmd = [str(environment_bin / "jupyterhub-singleuser")]
# First on PATH: nbgrader runs this environment's `alembic` (and the terminal finds `nbgrader`).
c.Spawner.environment = {
    "PATH": os.pathsep.join([str(environment_bin), "/usr/local/bin", "/usr/bin", "/bin"])
}
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# The model settings (a shared, prepared cache; offline) and the exchange reach every server.
# Not STREAM_GRADEBOOK_URL: a PostgreSQL gradebook's password is the instructors' alone.
SHARED_SETTINGS = ("STREAM_MODEL", "STREAM_CACHE", "STREAM_EXCHANGE", "HF_HOME", "HF_HUB_OFFLINE")
c.Spawner.env_keep = [*Spawner.class_traits()["env_keep"].default(), *SHARED_SETTINGS]
c.Spawner.mem_limit = os.environ.get("STREAM_HUB_MEM_LIMIT")  # enforced by SystemdSpawner


def in_group(name: str, group: str) -> bool:
    try:
        return name in grp.getgrnam(group).gr_mem
    except KeyError:
        return False


def choose_role(spawner) -> None:
    """Instructors get the grading tools, students the assignment list (roles/)."""
    role = "instructor" if in_group(spawner.user.name, INSTRUCTORS) else "student"
    folders = [here / "roles" / role, here / "roles" / "everyone"]
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join(map(str, folders))
    if role == "instructor" and (gradebook := os.environ.get("STREAM_GRADEBOOK_URL")):
        spawner.environment["STREAM_GRADEBOOK_URL"] = gradebook


c.Spawner.pre_spawn_hook = choose_role

# A token for scripts that manage the class through the hub's REST API (starting servers,
# reading activity): only when STREAM_HUB_API_TOKEN is set.
if token := os.environ.get("STREAM_HUB_API_TOKEN"):
    c.JupyterHub.services = [{"name": "stream-admin", "api_token": token}]
    c.JupyterHub.load_roles = [
        {
            "name": "stream-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers"],
            "services": ["stream-admin"],
        }
    ]
