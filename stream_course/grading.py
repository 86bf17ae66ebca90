"""Reading grades back from nbgrader's gradebook (``gradebook.db``) through nbgrader's own API."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from stream_course.course import COURSE_ID
from stream_course.progress import lesson_xp


@dataclass
class SubmissionGrade:
    student: str
    assignment: str
    auto_score: float  # autograded code cells
    max_auto_score: float
    manual_score: float  # written answers graded by hand (0 until graded)
    max_manual_score: float
    needs_manual_grade: bool
    parts: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)

    @property
    def score(self) -> float:
        return self.auto_score + self.manual_score

    @property
    def max_score(self) -> float:
        return self.max_auto_score + self.max_manual_score

    @property
    def xp(self) -> int:
        return lesson_xp(self.score, self.max_score, self.needs_manual_grade)


# A class graded on several machines shares one PostgreSQL gradebook: its SQLAlchemy URL, e.g.
# postgresql+psycopg://grader:secret@db.example.org/stream (README: "Grading across machines").
GRADEBOOK_URL_VARIABLE = "STREAM_GRADEBOOK_URL"


def db_url(root: Path) -> str:
    """The course's gradebook, as nbgrader_config.py hands it to nbgrader
    (``c.CourseDirectory.db_url``): $STREAM_GRADEBOOK_URL if set, else gradebook.db in ``root``."""
    return (
        os.environ.get(GRADEBOOK_URL_VARIABLE)
        or f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"
    )


def gradebook_exists(url: str) -> bool:
    """Whether nbgrader has made its gradebook at ``url`` (opening one would create it)."""
    import sqlalchemy

    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").exists()
    engine = sqlalchemy.create_engine(url)
    try:
        return sqlalchemy.inspect(engine).has_table("assignment")
    finally:
        engine.dispose()


def read_grades(root: Path, assignment: str) -> list[SubmissionGrade]:
    """One row per student with a submission of ``assignment``, sorted by student id. Scores are
    read as XP reads them (stream_course.progress_store.lesson_result: each part capped at its
    maximum), so ``grades`` and ``progress`` never disagree."""
    from stream_course.progress_store import lesson_result

    rows = []
    with Gradebook(db_url(root), course_id=COURSE_ID) as gradebook:
        try:
            lesson = gradebook.find_assignment(assignment)
        except MissingEntry:
            return []
        for student in sorted(gradebook.students, key=lambda s: s.id):
            result = lesson_result(gradebook, student.id, lesson)
            if result is None:
                continue
            submission = gradebook.find_submission(assignment, student.id)
            parts = {
                grade.name: (grade.score, grade.max_score)
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
            rows.append(
                SubmissionGrade(
                    student=student.id,
                    assignment=assignment,
                    auto_score=result.auto_points,
                    max_auto_score=result.max_auto_points,
                    manual_score=result.manual_points,
                    max_manual_score=result.max_manual_points,
                    needs_manual_grade=result.pending_manual,
                    parts=parts,
                )
            )
    return rows


def format_grade_table(rows: list[SubmissionGrade]) -> str:
    header = f"{'student':<12} {'assignment':<20} {'auto':>9} {'by hand':>9} {'XP':>5}  status"
    lines = [header, "-" * len(header)]
    for row in rows:
        status = (
            "needs manual grade / 수동 채점 대기"
            if row.needs_manual_grade
            else "graded / 채점 완료"
        )
        lines.append(
            f"{row.student:<12} {row.assignment:<20} "
            f"{row.auto_score:>4g} / {row.max_auto_score:<2g} "
            f"{row.manual_score:>4g} / {row.max_manual_score:<2g} {row.xp:>5}  {status}"
        )
    return "\n".join(lines)
