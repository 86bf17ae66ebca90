"""XP progress stored in gradebook.db itself, in the course's own tables beside nbgrader's.

``update_progress`` recomputes one student from nbgrader's grades in one transaction, so it can
run after every autograde, manual grade and feedback run: the same grades give the same XP,
a lowered regrade lowers it, and a crash half-way leaves the previous state whole.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy.exc
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stream_course.course import COURSE_ID
from stream_course.progress import (
    ACHIEVEMENT_BY_KEY,
    LessonResult,
    StudentStanding,
    earned_achievements,
)


class Base(DeclarativeBase):
    pass


class LessonProgress(Base):
    """One student's XP in one lesson (nbgrader student id, assignment name)."""

    __tablename__ = "stream_lesson_progress"
    student_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    assignment: Mapped[str] = mapped_column(String(128), primary_key=True)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    xp: Mapped[int] = mapped_column(Integer)
    bonus: Mapped[int] = mapped_column(Integer)
    pending_manual: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The first submission we graded and whether it passed every autograded test: kept when
    # the student resubmits, so "first try" cannot be earned by trying again.
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    first_try: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class StudentProgress(Base):
    __tablename__ = "stream_student_progress"
    student_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    xp: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    lessons_done: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AchievementAward(Base):
    """When and why an achievement was awarded; removed if a regrade takes its reason away."""

    __tablename__ = "stream_achievement"
    student_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # nbgrader stores naive UTC times


def lesson_result(gradebook: Gradebook, student: str, assignment) -> LessonResult | None:
    """The one reading of a student's grades in a lesson (``grades`` and ``progress`` both use it)."""
    try:
        submission = gradebook.find_submission(assignment.name, student)
    except MissingEntry:
        return None
    auto = max_auto = manual = max_manual = 0.0
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            # Capped: extra credit or a hand-typed score never gives more than the part is worth.
            earned = min(max(grade.score or 0.0, 0.0), grade.max_score)
            if grade.cell_type == "code":  # test cells, even when a grader overrode the score
                auto, max_auto = auto + earned, max_auto + grade.max_score
            else:
                manual, max_manual = manual + earned, max_manual + grade.max_score
    stored = gradebook.db.get(LessonProgress, (student, assignment.name))
    all_auto = max_auto > 0 and auto >= max_auto
    if stored is None or stored.first_submitted_at in (None, submission.timestamp):
        first_try = all_auto  # this is (a regrade of) the first submission
    else:
        first_try = stored.first_try
    due = assignment.duedate
    return LessonResult(
        assignment=assignment.name,
        points=auto + manual,
        max_points=max_auto + max_manual,
        auto_points=auto,
        max_auto_points=max_auto,
        manual_points=manual,
        max_manual_points=max_manual,
        pending_manual=bool(submission.needs_manual_grade),
        submitted_at=submission.timestamp,
        on_time=bool(due and submission.timestamp and submission.timestamp <= due),
        first_try=first_try,
    )


def track_order(gradebook: Gradebook) -> list[str]:
    return sorted(assignment.name for assignment in gradebook.assignments)


RETRIES = 5
# PostgreSQL's codes for clashes that a fresh transaction gets past: two graders inserting the
# same new row or creating the XP tables at once (unique violation, duplicate table), a
# serialization failure, a deadlock.
CLASHES = {"23505", "42P07", "40001", "40P01"}


def _clash(error: sqlalchemy.exc.DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) in CLASHES:
        return True
    # SQLite: another grader held the write lock past the timeout, or created the tables first.
    return "locked" in str(error.orig) or "already exists" in str(error.orig)


def update_progress(db_url: str, student: str) -> StudentStanding:
    """Recompute and store one student's XP, level and achievements (one transaction). Graders
    running at once may clash (a locked SQLite file, both creating the XP tables): the
    transaction is rolled back whole and tried again, a few times, with growing pauses."""
    for attempt in range(RETRIES):
        try:
            return _update(db_url, student)
        except sqlalchemy.exc.DBAPIError as error:
            if not _clash(error) or attempt == RETRIES - 1:
                raise
            time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def _update(db_url: str, student: str) -> StudentStanding:
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        Base.metadata.create_all(gradebook.engine)
        session = gradebook.db
        try:
            standing = _store(gradebook, student)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return standing


def _store(gradebook: Gradebook, student: str) -> StudentStanding:
    session, now = gradebook.db, _now()
    standing = StudentStanding(student)
    assignments = sorted(gradebook.assignments, key=lambda a: a.name)
    for assignment in assignments:
        result = lesson_result(gradebook, student, assignment)
        if result is None:
            continue
        standing.lessons.append(result)
        row = session.get(LessonProgress, (student, assignment.name))
        if row is None:
            row = LessonProgress(student_id=student, assignment=assignment.name)
            session.add(row)
        if row.first_submitted_at is None:
            row.first_submitted_at = result.submitted_at
        row.points, row.max_points = result.points, result.max_points
        row.xp, row.bonus = result.xp, result.bonus
        row.pending_manual, row.submitted_at = result.pending_manual, result.submitted_at
        row.first_try, row.updated_at = result.first_try, now

    progress = session.get(StudentProgress, student) or StudentProgress(student_id=student)
    progress.xp, progress.level = standing.xp, standing.level.number
    progress.lessons_done, progress.updated_at = standing.lessons_done, now
    session.add(progress)

    earned = earned_achievements(standing, [a.name for a in assignments])
    stored = {
        award.key: award
        for award in session.scalars(
            select(AchievementAward).where(AchievementAward.student_id == student)
        )
    }
    for key, award in stored.items():
        if key not in earned:
            session.delete(award)  # a lowered regrade took its reason away
    for key, reason in earned.items():
        if key not in stored and key in ACHIEVEMENT_BY_KEY:  # an award keeps its first when and why
            session.add(
                AchievementAward(student_id=student, key=key, awarded_at=now, reason=reason)
            )
    return standing


def update_all(db_url: str) -> list[StudentStanding]:
    """Recompute every student (each in its own transaction)."""
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        students = sorted(student.id for student in gradebook.students)
    return [update_progress(db_url, student) for student in students]


def read_progress(db_url: str) -> dict:
    """Everything the instructor views need, as plain data (no recomputation)."""
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        Base.metadata.create_all(gradebook.engine)
        session = gradebook.db
        track = track_order(gradebook)
        students = sorted(student.id for student in gradebook.students)
        lessons = {
            (row.student_id, row.assignment): row for row in session.scalars(select(LessonProgress))
        }
        totals = {row.student_id: row for row in session.scalars(select(StudentProgress))}
        awards: dict[str, list[AchievementAward]] = {}
        for award in session.scalars(
            select(AchievementAward).order_by(AchievementAward.awarded_at)
        ):
            awards.setdefault(award.student_id, []).append(award)
        return {
            "track": track,
            "students": {
                student: {
                    "xp": totals[student].xp if student in totals else 0,
                    "level": totals[student].level if student in totals else 0,
                    "lessons_done": totals[student].lessons_done if student in totals else 0,
                    "lessons": {
                        name: {
                            "xp": lessons[(student, name)].xp,
                            "points": lessons[(student, name)].points,
                            "max_points": lessons[(student, name)].max_points,
                            "bonus": lessons[(student, name)].bonus,
                            "pending_manual": lessons[(student, name)].pending_manual,
                        }
                        for name in track
                        if (student, name) in lessons
                    },
                    "achievements": [
                        {"key": a.key, "awarded_at": a.awarded_at, "reason": a.reason}
                        for a in awards.get(student, [])
                    ],
                }
                for student in students
            },
        }
