"""A class on JupyterHub, end to end, with real accounts (deploy/hub): the hub on 127.0.0.1, PAM
logins, each server run as its user, nbgrader's exchange folder, and grading in the instructor's
own server (no root there, so the sandbox is a user namespace).

The instructor releases Lesson 01; three students fetch it, and hand in right answers, a
dot-product answer and an attack (the tamperer of the corpus); the instructor collects,
autogrades, and returns feedback, all through the servers' own REST APIs (what the formgrader's
and the assignment list's buttons call); the students fetch their feedback. Then a browser logs a
student in and sees the lesson in the assignment list, and an instructor opens the formgrader.
Accounts, home folders, groups and processes are removed afterwards, and the fixture checks
that nothing is left. Runs as root (CI does).
"""

import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from stream_course.course import COURSE_ID
from stream_course.demo import sample_submission
from stream_course.grading import read_grades
from stream_course.progress import lesson_xp
from stream_course.progress_store import read_progress

from . import other_users
from .conftest import LESSON01, ROOT
from .test_browser import CHROMIUM, free_port
from .test_grading_pipeline import HOSTILE, corpus_hand_in

pytestmark = pytest.mark.slow

KIT = ROOT / "deploy" / "hub"
TAG = secrets.token_hex(2)
INSTRUCTOR = f"stream{TAG}i"
# student -> (what they hand in, its auto score out of 9)
HAND_INS = {
    f"stream{TAG}a": "reference",
    f"stream{TAG}b": "dot_product",
    f"stream{TAG}c": "ad_tamperer",
}
SCORES = {"reference": 9, "dot_product": 4, "ad_tamperer": 9}
GROUPS = {"STREAM_HUB_STUDENTS": f"stream{TAG}s", "STREAM_HUB_INSTRUCTORS": f"stream{TAG}t"}


class Hub:
    """The hub's REST API with the kit's admin service token, and each user's server behind it."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def call(self, method: str, path: str, body=None, timeout: float = 600):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def start_server(self, user: str) -> None:
        self.call("POST", f"/hub/api/users/{user}/server")
        for _ in range(240):
            if self.call("GET", f"/hub/api/users/{user}")["servers"].get("", {}).get("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{user}'s server did not start")

    def on_server(self, user: str, method: str, path: str, body=None):
        return self.call(method, f"/user/{user}/{path}", body)


@pytest.fixture(scope="module")
def hub(standin_dir, tmp_path_factory):
    reason = other_users.why_others_cannot_run()
    if reason:
        pytest.skip(reason)
    assert shutil.which("npm"), "npm is missing: the hub's proxy comes from the npm registry"
    shared = other_users.shared_folder("stream-hub-")
    state, exchange = tmp_path_factory.mktemp("hub-state"), shared / "exchange"
    passwords = tmp_path_factory.mktemp("hub") / "passwords"
    users = [INSTRUCTOR, *HAND_INS]
    passwords.write_text("".join(f"{user}:pw-{TAG}-{user}\n" for user in users))
    setup = [sys.executable, str(KIT / "setup_class.py"), "--instructors", INSTRUCTOR]
    setup += ["--students", ",".join(HAND_INS), "--exchange", str(exchange)]
    setup += ["--instructor-group", GROUPS["STREAM_HUB_INSTRUCTORS"]]
    setup += ["--student-group", GROUPS["STREAM_HUB_STUDENTS"]]
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        **GROUPS,
        "STREAM_HUB_STATE": str(state),
        "STREAM_HUB_URL": f"http://127.0.0.1:{port}",
        "STREAM_HUB_INTERNAL_URL": f"http://127.0.0.1:{free_port()}",
        "STREAM_HUB_PROXY_API": f"http://127.0.0.1:{free_port()}",
        "STREAM_HUB_API_TOKEN": token,
        "STREAM_EXCHANGE": str(exchange),
        "STREAM_CACHE": str(other_users.shared_models(standin_dir, shared / "cache")),
    }
    hub_process = None
    try:
        subprocess.run(
            [*setup, "--passwords", str(passwords), "--state", str(state)],
            check=True,
            env=environment,
        )
        hub_process = subprocess.Popen(
            [Path(sys.executable).parent / "jupyterhub", "-f", KIT / "jupyterhub_config.py"],
            cwd=state,
            env=environment,
            stdout=open(state / "hub.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        hub = Hub(f"http://127.0.0.1:{port}", token)
        for _ in range(120):
            try:
                hub.call("GET", "/hub/api/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        # As each would on first login (the test starts their servers, the browser logs in later).
        hub.call("POST", "/hub/api/users", {"usernames": users})
        for user in users:
            hub.start_server(user)
        yield hub, passwords
    finally:
        if hub_process is not None:
            os.killpg(hub_process.pid, signal.SIGTERM)  # the hub and its proxy
            try:
                hub_process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(hub_process.pid, signal.SIGKILL)
        uids = {user: pwd.getpwnam(user).pw_uid for user in users if _account(user)}
        subprocess.run([*setup, "--remove"], env=environment)  # ends the users' servers too
        shutil.rmtree(shared, ignore_errors=True)
        left = leftovers(uids, GROUPS.values())
        assert not left, f"the class was not removed: {left}"


def _account(user: str) -> bool:
    try:
        return bool(pwd.getpwnam(user))
    except KeyError:
        return False


def leftovers(uids: dict[str, int], groups) -> list[str]:
    """What of a removed class is still there: accounts, home folders, groups, processes."""
    left = [f"account {user}" for user in uids if _account(user)]
    left += [f"home {user}" for user in uids if Path("/home", user).exists()]
    for group in groups:
        try:
            grp.getgrnam(group)
            left.append(f"group {group}")
        except KeyError:
            pass
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue  # ended meanwhile
        real_uid = int(next(line for line in lines if line.startswith("Uid:")).split()[1])
        if real_uid in uids.values():
            left.append(f"process {status.parent.name} of uid {real_uid}")
    return left


@pytest.fixture(scope="module")
def taught(hub, course_root):
    """The whole loop, release to feedback, through the servers' own APIs."""
    hub, _ = hub
    lesson = {"course_id": COURSE_ID, "assignment_id": LESSON01}
    grading = f"formgrader/api/assignment/{LESSON01}"
    generated = hub.on_server(INSTRUCTOR, "POST", f"{grading}/assign")  # generate_assignment
    assert generated["success"], generated["log"][-3000:]
    released = hub.on_server(INSTRUCTOR, "POST", f"{grading}/release")
    assert released["success"], released
    for student, hand_in in HAND_INS.items():
        listed = hub.on_server(student, "POST", "assignments/fetch", lesson)
        assert listed["success"], listed
        assert any(a["assignment_id"] == LESSON01 for a in listed["value"]), listed
        notebook = (
            corpus_hand_in(course_root, hand_in)
            if hand_in in HOSTILE
            else sample_submission(course_root, LESSON01, hand_in)
        )
        path = f"api/contents/{LESSON01}/{LESSON01}.ipynb"
        hub.on_server(student, "PUT", path, {"type": "notebook", "content": notebook})
        submitted = hub.on_server(student, "POST", "assignments/submit", lesson)
        assert submitted["success"], submitted
    collected = hub.on_server(INSTRUCTOR, "POST", f"{grading}/collect")
    assert collected["success"], collected
    graded = {}
    for student in HAND_INS:
        graded[student] = hub.on_server(
            INSTRUCTOR, "POST", f"formgrader/api/submission/{LESSON01}/{student}/autograde"
        )
    for step in ("generate_feedback", "release_feedback"):
        done = hub.on_server(INSTRUCTOR, "POST", f"{grading}/{step}")
        assert done["success"], done
    for student in HAND_INS:
        fetched = hub.on_server(student, "POST", "assignments/fetch_feedback", lesson)
        assert fetched["success"], fetched
    course = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / "stream-course"
    return hub, course, graded


def test_each_hand_in_is_graded_in_the_instructors_server_without_root(taught):
    _, course, graded = taught
    for student, result in graded.items():
        assert result["success"], (student, result.get("error", "")[-3000:])
        # Graded as the instructor, in a user namespace: nbgrader's log of the run says so.
        assert "SandboxError" not in result.get("log", "")
    grades = {row.student: row.auto_score for row in read_grades(course, LESSON01)}
    assert grades == {student: SCORES[hand_in] for student, hand_in in HAND_INS.items()}
    gradebook = course / "gradebook.db"
    assert gradebook.stat().st_uid == os.stat(course).st_uid != 0  # written by the instructor


def test_the_attack_could_not_reach_the_course(taught):
    _, course, _ = taught
    (student,) = [s for s, hand_in in HAND_INS.items() if hand_in == "ad_tamperer"]
    notebook = nbformat.read(
        course / "autograded" / student / LESSON01 / f"{LESSON01}.ipynb", as_version=4
    )
    (cell,) = [c for c in notebook.cells if c.source.startswith("wte = ")]
    printed = "".join(o.get("text", "") for o in cell.outputs)
    assert "gradebook.db hidden" in printed and "source hidden" in printed, printed
    assert "TAMPERED" not in printed


def test_the_gradebook_holds_each_students_xp(taught):
    _, course, _ = taught
    progress = read_progress(f"sqlite:///{course / 'gradebook.db'}")["students"]
    for student, hand_in in HAND_INS.items():
        lesson = progress[student]["lessons"][LESSON01]
        assert lesson["points"] == SCORES[hand_in]
        expected = lesson_xp(lesson["points"], lesson["max_points"], lesson["pending_manual"])
        assert lesson["xp"] == expected and progress[student]["xp"] >= expected > 0


def test_students_fetched_their_own_feedback(taught):
    hub, _, _ = taught
    for student in HAND_INS:
        home = Path(os.path.expanduser(f"~{student}"))
        feedback = list((home / LESSON01 / "feedback").glob(f"*/{LESSON01}.html"))
        assert len(feedback) == 1, student
        html = feedback[0].read_text()
        assert "01 / 12" in html and "grade_wte" not in html  # progress shown, tests hidden
        assert feedback[0].stat().st_uid == home.stat().st_uid


def test_a_student_logs_in_and_an_instructor_opens_the_formgrader(taught, hub):
    from playwright.sync_api import expect, sync_playwright

    api, _, _ = taught
    _, passwords = hub
    password = dict(line.split(":", 1) for line in passwords.read_text().splitlines())
    student = next(iter(HAND_INS))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for user, then in ((student, "lab"), (INSTRUCTOR, "formgrader")):
            page = browser.new_context().new_page()
            page.goto(f"{api.url}/hub/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password[user])
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url(f"**/user/{user}/**", timeout=120_000)
            if then == "lab":
                page.locator(".jp-LabShell").wait_for(timeout=120_000)
                page.get_by_role("menuitem", name="Nbgrader").click()
                page.get_by_role("menuitem", name="Assignment List").click()
                expect(page.locator(".jp-Activity")).to_contain_text(LESSON01, timeout=60_000)
                expect(page.get_by_role("menuitem", name="Formgrader")).to_have_count(0)
            else:
                page.goto(f"{api.url}/user/{user}/formgrader")
                expect(page.locator("body")).to_contain_text(LESSON01, timeout=60_000)
            page.screenshot(path=str(ROOT / "tests" / "artifacts" / f"hub-{then}.png"))
        browser.close()
