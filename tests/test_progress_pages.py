"""The static progress pages, rendered by headless Chromium and checked by structure and text."""

import shutil
import subprocess
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest

from stream_course.progress import ACHIEVEMENTS
from stream_course.progress_store import read_progress, update_progress
from stream_course.progress_views import write_progress_pages

from .test_progress import T0, make_gradebook, submit

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium is needed for the page tests: `apt-get install chromium` (.ci/run does)")


def rendered_dom(page, tmp_path) -> str:
    result = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Elements(HTMLParser):
    """Collects (tag, attributes, text) of every element of a rendered DOM."""

    def __init__(self, html):
        super().__init__()
        self.found, self.stack = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.found.append(element)
        self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for element in self.stack:
            element[2] += data

    def select(self, tag=None, cls=None, id=None):
        return [
            e
            for e in self.found
            if (tag is None or e[0] == tag)
            and (cls is None or cls in e[1].get("class", "").split())
            and (id is None or e[1].get("id") == id)
        ]


@pytest.fixture
def pages(gradebook_url, tmp_path):
    url = make_gradebook(gradebook_url, lessons=("01_a", "02_b"), duedate=T0 + timedelta(days=3))
    submit(url, "ada", lesson="01_a", auto=9, manual=2, at=datetime(2026, 11, 3))
    submit(url, "grace", lesson="01_a", auto=4, manual=None)
    for student in ("ada", "grace", "linus"):
        update_progress(url, student)
    return write_progress_pages(read_progress(url), tmp_path / "site")


def test_overview_lists_every_student_with_level_xp_and_counts(pages, tmp_path):
    dom = Elements(rendered_dom(pages[0], tmp_path))
    rows = {e[1]["data-student"]: e[2] for e in dom.select("tr", cls="student")}
    assert set(rows) == {"ada", "grace", "linus"}
    assert "Level 1 — Embedding" in rows["ada"] and "140" in rows["ada"]
    assert "Level 0 — Token" in rows["linus"] and "0 / 12" in rows["linus"]
    assert [e[1]["href"] for e in dom.select("a") if "students/" in e[1].get("href", "")] == [
        "students/ada.html",
        "students/grace.html",
        "students/linus.html",
    ]


def test_student_page_shows_level_bar_lessons_and_achievements(pages, tmp_path):
    ada = next(p for p in pages if p.name == "ada.html")
    dom = Elements(rendered_dom(ada, tmp_path))
    assert "Level 1 — Embedding" in dom.select(id="level")[0][2]
    assert "140 / 250 XP to next level" in " ".join(dom.select(id="xp-bar")[0][2].split())
    lessons = {e[1]["data-lesson"]: e[2] for e in dom.select("tr", cls="lesson")}
    assert "11 / 11" in lessons["01_a"] and "not submitted" in lessons["02_b"]
    earned = {e[1]["data-key"] for e in dom.select("li", cls="earned")}
    locked = {e[1]["data-key"] for e in dom.select("li", cls="locked")}
    assert earned == {"first_submission", "first_try", "perfect_lesson", "on_time", "reflective"}
    assert earned | locked == {a.key for a in ACHIEVEMENTS} and not earned & locked


def test_student_ids_are_escaped(tmp_path):
    progress = {
        "track": [],
        "students": {
            "<b>x</b>": {"xp": 0, "level": 0, "lessons_done": 0, "lessons": {}, "achievements": []}
        },
    }
    (index, *_) = write_progress_pages(progress, tmp_path / "site")
    assert "<b>x</b>" not in index.read_text() and "&lt;b&gt;x&lt;/b&gt;" in index.read_text()
