"""XP follows every grade: after ``SaveAutoGrades`` in autograde (``RecordProgress``) and when
the formgrader saves a hand grade (``watch_manual_grades``, a SQLAlchemy listener). The rules are
in stream_course.progress, the tables in stream_course.progress_store."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Grade, Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from stream_course.course import COURSE_ID
from stream_course.progress_store import update_progress


class RecordProgress(NbGraderPreprocessor):
    """Store the student's XP, level and achievements right after their grades are saved."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        standing = update_progress(info["db_url"], info["student"])
        self.log.info(
            "XP of %s is now %d (level %d)", info["student"], standing.xp, standing.level.number
        )
        return nb, resources


def _recompute_after_manual_grades(session: Session) -> None:
    grade_ids = session.info.pop("stream_manual_grades", set())
    if not grade_ids:
        return
    url = session.get_bind().url.render_as_string(hide_password=False)
    with Gradebook(url, course_id=COURSE_ID) as gradebook:
        students = {
            gradebook.db.get(Grade, grade_id).notebook.assignment.student.id
            for grade_id in grade_ids
        }
    for student in sorted(students):
        update_progress(url, student)


def _collect_manual_grades(session: Session, flush_context) -> None:
    for obj in session.dirty | session.new:
        if isinstance(obj, Grade) and inspect(obj).attrs.manual_score.history.has_changes():
            session.info.setdefault("stream_manual_grades", set()).add(obj.id)


def watch_manual_grades() -> None:
    """Recompute XP whenever a session commits a changed hand-graded score (idempotent)."""
    if not event.contains(Session, "after_flush", _collect_manual_grades):
        event.listen(Session, "after_flush", _collect_manual_grades)
        event.listen(Session, "after_commit", _recompute_after_manual_grades)
