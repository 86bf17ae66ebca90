"""XP, levels and achievements: the rules, and their storage in a real nbgrader gradebook.

Gradebooks here are built with nbgrader's own API (assignments, grade cells, submissions, scores),
the same rows that ``nbgrader autograde`` and the formgrader write.
"""

import functools
import multiprocessing
import sqlite3
import threading
from datetime import datetime, timedelta

import nbformat
import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from stream_course import progress_store
from stream_course.course import COURSE_ID
from stream_course.grader.xp import watch_manual_grades
from stream_course.grading import read_grades
from stream_course.lessons import LESSONS, all_lessons
from stream_course.lessons import lesson as registered
from stream_course.progress import (
    ACHIEVEMENTS,
    LESSON_BONUS,
    LEVELS,
    TRACK_LESSONS,
    XP_PER_POINT,
    level_for,
    xp_bar,
)
from stream_course.progress_store import read_progress, update_progress
from stream_course.progress_views import progress_csv, progress_table, student_detail

T0 = datetime(2026, 11, 2, 9, 0)


def test_level_boundaries():
    assert (level_for(0).number, level_for(0).name) == (0, "Token")
    assert level_for(119).number == 0
    assert level_for(120).number == 1
    assert xp_bar(0).endswith("0 / 120 XP to next level")
    assert xp_bar(119).startswith("[" + "#" * 19 + "-]")
    assert [lv.min_xp for lv in LEVELS] == sorted({lv.min_xp for lv in LEVELS})


def test_top_level_needs_about_the_whole_track(course_root):
    """The whole track's XP, added up from the lessons' own points (autograded, from the
    registry; hand-graded, from the notebooks): the top level takes about all of it."""
    assert len(LESSONS) == TRACK_LESSONS
    track = 0
    for found in all_lessons():
        path = course_root / "source" / found.assignment / f"{found.assignment}.ipynb"
        manual = sum(
            cell.metadata["nbgrader"]["points"]
            for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("grade")
        )
        track += (found.auto_points + manual) * XP_PER_POINT + LESSON_BONUS
    assert 0.9 * track <= LEVELS[-1].min_xp <= track, track
    assert len(ACHIEVEMENTS) == 12 and len({a.key for a in ACHIEVEMENTS}) == 12


def test_milestone_lessons_earn_their_achievements(gradebook_url):
    attention = registered("attention_output").assignment
    forward = registered("decoding").assignment
    url = make_gradebook(gradebook_url, lessons=(attention, forward))
    submit(url, "ada", lesson=attention, auto=9, manual=2)
    update_progress(url, "ada")
    assert "own_attention" in awards(url, "ada") and "forward_pass" not in awards(url, "ada")
    submit(url, "ada", lesson=forward, auto=5, manual=None)  # 5 of 11 points: not done yet
    update_progress(url, "ada")
    assert "forward_pass" not in awards(url, "ada")
    submit(url, "ada", lesson=forward, auto=9, manual=None)
    update_progress(url, "ada")
    assert "forward_pass" in awards(url, "ada")


def make_gradebook(url, lessons=("01_word_embedding",), auto=9, manual=2, duedate=None):
    """Lessons with one autograded and one written part, and three students, at ``url``."""
    with Gradebook(url, course_id=COURSE_ID) as gb:
        for name in lessons:
            gb.add_assignment(name, duedate=duedate)
            gb.add_notebook(name, name)
            gb.add_grade_cell("tests", name, name, max_score=auto, cell_type="code")
            if manual:
                gb.add_grade_cell("reflection", name, name, max_score=manual, cell_type="markdown")
        for student in ("ada", "grace", "linus"):
            gb.add_student(student)
    return url


def submit(url, student, lesson="01_word_embedding", auto=None, manual=None, at=T0):
    """A (re)submission as autograde leaves it: auto score set, written answer waiting."""
    with Gradebook(url, course_id=COURSE_ID) as gb:
        gb.update_or_create_submission(lesson, student, timestamp=at)
        for grade in gb.find_submission_notebook(lesson, lesson, student).grades:
            if grade.cell_type == "code":
                grade.auto_score, grade.needs_manual_grade = auto, False
            else:
                grade.auto_score = None
                grade.manual_score = manual
                grade.needs_manual_grade = manual is None
        gb.db.commit()


def awards(url, student):
    """key -> when, as stored (read with SQL, not through the code under test)."""
    engine = sqlalchemy.create_engine(url)
    query = "SELECT key, awarded_at FROM stream_achievement WHERE student_id = :student"
    try:
        with engine.connect() as db:
            return dict(db.execute(sqlalchemy.text(query), {"student": student}).all())
    finally:
        engine.dispose()


def test_xp_is_points_times_ten_plus_bonus_for_a_perfect_lesson(gradebook_url):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=None)
    assert update_progress(url, "ada").xp == 90  # written answer not graded yet: no bonus
    submit(url, "ada", auto=9, manual=2)
    assert update_progress(url, "ada").xp == 11 * 10 + LESSON_BONUS


def test_boundary_119_and_120_xp_through_the_gradebook(gradebook_url):
    url = make_gradebook(gradebook_url, auto=20, manual=0)
    submit(url, "ada", auto=11.9)
    submit(url, "grace", auto=12)
    assert (update_progress(url, "ada").xp, update_progress(url, "ada").level.number) == (119, 0)
    assert (update_progress(url, "grace").xp, update_progress(url, "grace").level.number) == (
        120,
        1,
    )


def test_three_regrades_change_nothing(gradebook_url):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=2)
    first = update_progress(url, "ada").xp
    stored = awards(url, "ada")
    for _ in range(3):
        assert update_progress(url, "ada").xp == first
    assert awards(url, "ada") == stored  # same awards, same award times
    assert {"first_submission", "first_try", "perfect_lesson", "reflective"} <= set(stored)


def test_a_lowered_regrade_lowers_xp_and_takes_back_what_it_no_longer_earns(gradebook_url):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=2)
    assert update_progress(url, "ada").xp == 140
    submit(url, "ada", auto=5, manual=2)  # the instructor fixed a test and regraded
    assert update_progress(url, "ada").xp == 70
    assert "perfect_lesson" not in awards(url, "ada")
    assert read_progress(url)["students"]["ada"]["xp"] == 70


def test_resubmitting_cannot_earn_first_try_or_more_than_the_maximum(gradebook_url, tmp_path):
    url = make_gradebook(gradebook_url)
    submit(url, "grace", auto=4, manual=None, at=T0)
    update_progress(url, "grace")
    submit(url, "grace", auto=9, manual=None, at=T0 + timedelta(days=1))
    standing = update_progress(url, "grace")
    assert standing.xp == 90
    assert "first_try" not in awards(url, "grace")
    with Gradebook(url, course_id=COURSE_ID) as gb:  # extra credit is capped at the part's points
        grade = gb.find_grade("tests", "01_word_embedding", "01_word_embedding", "grace")
        grade.extra_credit = 50
        gb.db.commit()
    assert update_progress(url, "grace").xp == 90
    # `stream-course grades` reads the course's gradebook (gradebook.db in the course folder, or
    # $STREAM_GRADEBOOK_URL) the same way: the same XP, the same capped score.
    (row,) = read_grades(tmp_path, "01_word_embedding")
    assert (row.xp, row.auto_score) == (90, 9)


def test_student_without_submission(gradebook_url):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9)
    assert update_progress(url, "linus").xp == 0
    progress = read_progress(url)
    assert progress["students"]["linus"] == {
        "xp": 0,
        "level": 0,
        "lessons_done": 0,
        "lessons": {},
        "achievements": [],
    }
    assert "not submitted" in student_detail(progress, "linus")


def test_pending_manual_grade_is_shown_and_the_formgrader_save_updates_xp(gradebook_url):
    watch_manual_grades()
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=None)
    update_progress(url, "ada")
    progress = read_progress(url)
    assert progress["students"]["ada"]["lessons"]["01_word_embedding"]["pending_manual"]
    assert "pending" in student_detail(progress, "ada")
    # What the formgrader's "save" does: set manual_score on the Grade and commit.
    with Gradebook(url, course_id=COURSE_ID) as gb:
        grade = gb.find_grade("reflection", "01_word_embedding", "01_word_embedding", "ada")
        grade.manual_score = 2
        grade.needs_manual_grade = False
        gb.db.commit()
    after = read_progress(url)["students"]["ada"]
    assert after["xp"] == 140 and not after["lessons"]["01_word_embedding"]["pending_manual"]


def test_on_time_and_streak_achievements(gradebook_url):
    lessons = ("01_a", "02_b", "03_c")
    url = make_gradebook(gradebook_url, lessons=lessons, duedate=T0 + timedelta(days=7))
    for n, lesson in enumerate(lessons):
        submit(url, "ada", lesson=lesson, auto=9, manual=2, at=T0 + timedelta(days=4 * n))
    update_progress(url, "ada")
    earned = awards(url, "ada")
    assert {"on_time", "streak_3", "perfect_3"} <= set(earned)
    assert "halfway" not in earned


def test_a_failure_halfway_leaves_the_previous_state_whole(gradebook_url, monkeypatch):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=None)
    update_progress(url, "ada")
    before = read_progress(url)
    submit(url, "ada", auto=3, manual=None)

    def crash(*args):
        raise RuntimeError("grading machine lost power")

    monkeypatch.setattr(progress_store, "earned_achievements", crash)
    with pytest.raises(RuntimeError):
        update_progress(url, "ada")
    assert read_progress(url) == before


def _grade_in_process(url, student):
    update_progress(url, student)


def test_two_students_graded_at_once(gradebook_url, tmp_path):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=2)
    submit(url, "grace", auto=4, manual=1)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_grade_in_process, args=(url, s)) for s in ("ada", "grace")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    students = read_progress(url)["students"]
    assert (students["ada"]["xp"], students["grace"]["xp"]) == (140, 50)
    if url.startswith("sqlite:"):
        with sqlite3.connect(tmp_path / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_grader_waits_while_another_holds_the_gradebook(gradebook_url, tmp_path):
    """Another grader in the middle of a long write: past SQLite's own 5 s busy timeout the XP
    update is retried, and PostgreSQL makes it wait for the lock; either way it is not lost."""
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=2)
    update_progress(url, "grace")  # the XP tables exist, so that they can be locked
    if url.startswith("sqlite:"):
        holder = sqlite3.connect(
            tmp_path / "gradebook.db", isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN EXCLUSIVE")
        end_the_write = functools.partial(holder.execute, "ROLLBACK")
    else:
        import psycopg

        holder = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        # psycopg opened a transaction: the lock holds until it ends.
        holder.execute("LOCK TABLE stream_lesson_progress IN ACCESS EXCLUSIVE MODE")
        end_the_write = holder.rollback
    release = threading.Timer(6, end_the_write)
    release.start()
    try:
        assert update_progress(url, "ada").xp == 140
    finally:
        release.join()
        holder.close()


def test_instructor_views(gradebook_url):
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=None)
    update_progress(url, "ada")
    progress = read_progress(url)
    table = progress_table(progress)
    assert "ada" in table and "Level 0 — Token" in table and "90 / 120 XP to next level" in table
    assert "1 / 12" in table and f"2 / {len(ACHIEVEMENTS)}" in table
    rows = progress_csv(progress).splitlines()
    assert rows[0].startswith("student_id,xp,level")
    assert rows[1] == "ada,90,0,Token,1,2,first_submission;first_try"


def test_the_commands_read_the_course_gradebook(gradebook_url, tmp_path, capsys):
    """`stream-course grades` and `progress` in a course folder: gradebook.db there, or the
    PostgreSQL database that $STREAM_GRADEBOOK_URL names."""
    from stream_course.cli import main

    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "source").mkdir()
    with pytest.raises(SystemExit, match="No gradebook"):  # opening one would make an empty one
        main(["--course", str(tmp_path), "progress"])
    url = make_gradebook(gradebook_url)
    submit(url, "ada", auto=9, manual=2)
    main(["--course", str(tmp_path), "progress", "--recompute", "--html", str(tmp_path / "site")])
    printed = capsys.readouterr().out
    assert "ada" in printed and "Level 1 — Embedding" in printed
    assert (tmp_path / "site" / "students" / "ada.html").exists()
    main(["--course", str(tmp_path), "grades", "01_word_embedding"])
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("ada")]
    assert "9 / 9" in row and "2 / 2" in row and "140" in row
