"""A hand grade saved through the real formgrader (Jupyter server + nbgrader's extension, on
localhost) updates the student's XP in the gradebook (SQLite or PostgreSQL): the course config's
listener is loaded there."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from stream_course.course import COURSE_ID
from stream_course.progress_store import read_progress, update_progress

from .test_progress import make_gradebook, submit

pytestmark = pytest.mark.slow
TOKEN = "stream-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or "null")


@pytest.fixture
def formgrader(course_root, gradebook_url, tmp_path):
    """The course's config in a scratch folder; its gradebook.db, or on PostgreSQL the database
    that $STREAM_GRADEBOOK_URL names (the server inherits it)."""
    shutil.copy2(course_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    url = make_gradebook(gradebook_url)
    port = free_port()
    server = subprocess.Popen(
        [
            Path(sys.executable).parent / "jupyter-server",
            "--allow-root",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(60):
            try:
                request(port, "GET", "/api/status")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("jupyter server did not start")
        yield url, port
    finally:
        server.terminate()
        server.wait(30)


def test_a_hand_grade_saved_in_the_formgrader_updates_xp(formgrader):
    url, port = formgrader
    submit(url, "ada", auto=9, manual=None)
    update_progress(url, "ada")
    assert read_progress(url)["students"]["ada"]["xp"] == 90
    with Gradebook(url, course_id=COURSE_ID) as gb:
        grade_id = gb.find_grade("reflection", "01_word_embedding", "01_word_embedding", "ada").id

    saved = request(port, "PUT", f"/formgrader/api/grade/{grade_id}", {"manual_score": 2})
    assert saved["manual_score"] == 2

    ada = read_progress(url)["students"]["ada"]
    assert ada["xp"] == 140  # 11 points x 10 + the bonus for a flawless lesson
    assert {"perfect_lesson", "reflective"} <= {a["key"] for a in ada["achievements"]}
