"""Every lesson's sample answers, graded through the real nbgrader pipeline (generate_assignment,
submit, `stream-course autograde` with warm sandboxed kernels, all lessons in one batch, the
gradebook): every right style gets full marks, every common mistake loses exactly the parts it
breaks, a blank notebook gets nothing, and the attack corpus (tests/attacks.py) earns nothing
beyond the answer it rides on. A lesson added to the registry is graded here with no new test
file."""

import nbformat
import pytest

from stream_course.course import generate_every_assignment, scratch_course
from stream_course.demo import answer_variants, sample_submission, submit
from stream_course.grading import read_grades
from stream_course.lessons import LESSONS, lesson

from .attacks import ATTACKS, attacked
from .conftest import korean

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def every_lesson_graded(course_root, standin_dir, tmp_path_factory):
    """One scratch course with every lesson's samples and attacks, graded in one batch (one
    start-up for all twelve lessons): (course, exit code, assignment -> (samples, summary))."""
    from stream_course.grader.parallel import autograde

    course = scratch_course(course_root, tmp_path_factory.mktemp("lessons"))
    assignments = [lesson(slug).assignment for slug in LESSONS]
    samples_of = {}
    generate_every_assignment(course)
    for assignment in assignments:
        found = lesson(assignment)
        samples = samples_of[assignment] = answer_variants(course, assignment)
        for variant in ["reference", "blank", *samples["RIGHT"], *samples["WRONG"]]:
            submit(course, variant, assignment, sample_submission(course, assignment, variant))
        wrong = next(iter(samples["WRONG"]))  # each attack rides on the lesson's first mistake
        for attack in ATTACKS:
            submit(course, attack, assignment, attacked(course, found, attack, wrong))
    code, summary = autograde(course, assignments, jobs=2)
    sections = ["Autograde summary" + text for text in summary.split("Autograde summary")[1:]]
    assert len(sections) == len(assignments), summary
    summaries = dict(zip(assignments, sections, strict=True))
    return course, code, {name: (samples_of[name], summaries[name]) for name in assignments}


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, every_lesson_graded):
    course, code, lessons = every_lesson_graded
    found = lesson(request.param)
    samples, summary = lessons[found.assignment]
    grades = {row.student: row for row in read_grades(course, found.assignment)}
    return found, samples, grades, code, summary, course


def cell_errors(course, student: str, assignment: str) -> dict[str, str]:
    """grade_id -> the error each graded cell of an autograded notebook shows (the verdict)."""
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    errors = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        shown = [o.get("evalue", "") for o in cell.get("outputs", []) if o.output_type == "error"]
        if grade_id and shown:
            errors[grade_id] = "\n".join(shown)
    return errors


def auto_parts(found, row):
    return {name: score for name, (score, _) in row.parts.items() if name in found.parts}


def full_marks(found, row):
    return {name: points for name, (_, points) in row.parts.items() if name in found.parts}


def test_every_sample_is_graded(graded):
    found, samples, grades, code, summary, _ = graded
    assert code == 0, summary  # the whole batch: no lesson's notebook failed to grade
    assert "0 failed" in summary.splitlines()[0], summary
    assert len(samples["RIGHT"]) >= 4 and len(samples["WRONG"]) >= 5
    assert set(grades) == {"reference", "blank", *samples["RIGHT"], *samples["WRONG"], *ATTACKS}


def test_reference_and_every_right_style_get_full_marks(graded):
    found, samples, grades, *_ = graded
    for name in ["reference", *samples["RIGHT"]]:
        row = grades[name]
        assert auto_parts(found, row) == full_marks(found, row), name
        assert row.auto_score == row.max_auto_score == found.auto_points, name


def test_every_wrong_answer_loses_exactly_the_parts_it_breaks(graded):
    found, samples, grades, *_ = graded
    for name, variant in samples["WRONG"].items():
        assert variant["loses"] <= set(found.parts), name
        row = grades[name]
        expected = {
            part: 0 if part in variant["loses"] else points
            for part, points in full_marks(found, row).items()
        }
        assert auto_parts(found, row) == expected, name


def test_a_blank_notebook_gets_no_auto_points(graded):
    found, _, grades, *_ = graded
    assert grades["blank"].auto_score == 0


def test_each_wrong_answer_is_told_what_is_wrong_in_both_languages(graded):
    """A wrong sample's ``says`` names, per part, a phrase its feedback must contain: the
    mistake is named, not only a deviation, in English and in Korean."""
    found, samples, _, _, _, course = graded
    for name, variant in samples["WRONG"].items():
        says = variant.get("says", {})
        errors = cell_errors(course, name, found.assignment) if says else {}
        for part, phrase in says.items():
            assert phrase in errors.get(part, ""), (name, part, errors.get(part))
            assert korean(errors.get(part, "")), (name, part, errors)


def test_attacks_earn_nothing_beyond_the_answer_they_ride_on(graded):
    """Patched comparisons, dropped or forged recordings, a hidden cell claiming another part:
    verdicts are decided outside the kernel, so none earns a point the WRONG answer underneath
    does not; a right answer that snoops around the sandbox keeps every point."""
    found, samples, grades, _, summary, course = graded
    wrong_name, wrong = next(iter(samples["WRONG"].items()))
    honest = auto_parts(found, grades[wrong_name])
    first = next(iter(found.parts))
    for attack, rides_on in ATTACKS.items():
        got = auto_parts(found, grades[attack])
        if rides_on == "reference":
            assert got == full_marks(found, grades[attack]), attack
            continue
        for part in found.parts:
            assert got[part] <= honest[part], (attack, part, got, honest)
            assert part not in wrong["loses"] or got[part] == 0, (attack, part, got)
        if attack in ("drops_the_hidden_tests", "forges_recordings"):
            assert grades[attack].auto_score == 0, (attack, got)
            assert f"FLAGGED {attack} {found.assignment}" in summary, attack
        if attack == "claims_the_first_part":
            assert all(got[part] == 0 for part in found.parts if part != first), got
            assert f"a recording claims {first} of {found.assignment}" in summary
    snooped = cell_outputs(course, "snoops_with_a_right_answer", found.assignment)
    assert "no write:" in snooped and "FOUND" not in snooped and "WROTE" not in snooped


def cell_outputs(course, student: str, assignment: str) -> str:
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    return "".join(
        output.get("text", "")
        for cell in nbformat.read(path, as_version=4).cells
        for output in cell.get("outputs", [])
    )
