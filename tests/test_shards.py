"""`stream-course autograde LESSON --shard i/n`: n machines (or n runs) split one batch, each
grading a share that depends on the student id alone, and together they give one run's grades."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stream_course.course import run_nbgrader, scratch_course
from stream_course.demo import sample_submission, submit
from stream_course.grader.parallel import in_shard, parse_shard
from stream_course.grading import read_grades

from .conftest import LESSON01

STUDENTS = [f"s{number:03d}" for number in range(300)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_student_is_in_exactly_one_shard(count):
    for student in STUDENTS:
        assert sum(in_shard(student, (index, count)) for index in range(count)) == 1
    sizes = [sum(in_shard(s, (index, count)) for s in STUDENTS) for index in range(count)]
    assert min(sizes) > len(STUDENTS) / count / 2  # no shard is starved


def test_a_students_shard_does_not_depend_on_who_else_handed_in():
    # A hash of the id alone: the same answer whatever the batch, on any machine.
    assert [in_shard(s, (1, 3)) for s in STUDENTS] == [in_shard(s, (1, 3)) for s in STUDENTS]
    assert in_shard("ada", None)


@pytest.mark.parametrize("text", ["2/2", "-1/2", "1", "a/b", "0/0"])
def test_a_bad_shard_says_how_to_write_one(text):
    with pytest.raises(SystemExit, match="0 <= i < n"):
        parse_shard(text)


AUTOGRADE = [str(Path(sys.executable).parent / "stream-course"), "autograde", LESSON01]


def grade(course: Path, *options: str) -> str:
    done = subprocess.run([*AUTOGRADE, "--jobs", "1", *options], cwd=course, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return done.stdout.decode()


@pytest.mark.slow
def test_two_shards_grade_what_one_run_grades(course_root, standin_dir, tmp_path):
    (tmp_path / "one").mkdir()
    one_run = scratch_course(course_root, tmp_path / "one")
    run_nbgrader(one_run, "generate_assignment", LESSON01, "--force")
    hand_ins = {"ada": "reference", "grace": "dot_product", "linus": "blank", "ken": "reference"}
    for student, variant in hand_ins.items():
        submit(one_run, student, LESSON01, sample_submission(one_run, LESSON01, variant))
    sharded = tmp_path / "sharded"
    shutil.copytree(one_run, sharded)

    grade(one_run)
    first = {s for s in hand_ins if in_shard(s, (0, 2))}
    assert first and first != set(hand_ins)  # these ids fall in both shards
    grade(sharded, "--shard", "0/2")
    assert {p.name for p in (sharded / "autograded").iterdir() if p.is_dir()} == first
    grade(sharded, "--shard", "1/2")
    assert scores(sharded) == scores(one_run)
    assert scores(one_run)["ada"][0] == 9 and scores(one_run)["linus"][0] == 0


@pytest.mark.slow
def test_shards_at_once_on_postgresql_grade_what_one_run_grades(
    course_root, standin_dir, tmp_path, postgres_server, monkeypatch
):
    """Three `--shard i/3` processes at once (three machines, here one), one PostgreSQL gradebook:
    the scores and the XP of one plain run."""
    from stream_course.grading import db_url

    from .postgres import new_database

    (tmp_path / "one").mkdir()
    one_run = scratch_course(course_root, tmp_path / "one")
    run_nbgrader(one_run, "generate_assignment", LESSON01, "--force")
    hand_ins = {
        "ada": "reference",
        "grace": "dot_product",
        "linus": "blank",
        "ken": "reference",
        "barbara": "dot_product",
        "edsger": "reference",
    }
    assert all(any(in_shard(s, (i, 3)) for s in hand_ins) for i in range(3))  # none idle
    for student, variant in hand_ins.items():
        submit(one_run, student, LESSON01, sample_submission(one_run, LESSON01, variant))
    sharded = tmp_path / "sharded"
    shutil.copytree(one_run, sharded)
    grade(one_run)
    alone, alone_xp = scores(one_run), standings(db_url(one_run))

    shared = new_database(postgres_server, "shards_at_once")
    monkeypatch.setenv("STREAM_GRADEBOOK_URL", shared)  # for nbgrader and the shards alike
    # The gradebook and the lesson exist before the shards start, as in a real class.
    run_nbgrader(sharded, "generate_assignment", LESSON01, "--force")
    shards = [
        subprocess.Popen(
            [*AUTOGRADE, "--jobs", "1", "--shard", f"{i}/3"],
            cwd=sharded,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    for shard in shards:
        _, stderr = shard.communicate(timeout=900)
        assert shard.returncode == 0, stderr.decode()[-3000:]
    assert scores(sharded) == alone and standings(shared) == alone_xp
    assert alone["ada"][0] == 9 and alone["grace"][0] == 4 and alone["linus"][0] == 0


def scores(course):
    return {row.student: (row.auto_score, row.parts) for row in read_grades(course, LESSON01)}


def standings(url):
    """student -> XP, level and achievements (without their times) in the gradebook at ``url``."""
    from stream_course.progress_store import read_progress

    return {
        student: (standing["xp"], standing["level"], [a["key"] for a in standing["achievements"]])
        for student, standing in read_progress(url)["students"].items()
    }
