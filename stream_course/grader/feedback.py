"""What students see in nbgrader's feedback: hidden tests stay hidden (with nbgrader's
``ClearHiddenTests``), failing test cells show their message instead of a traceback, and the
lesson's XP and the student's level come first."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from stream_course.progress import ACHIEVEMENT_BY_KEY, next_level, xp_bar
from stream_course.progress_store import read_progress, update_progress


class ShortenTestTracebacks(NbGraderPreprocessor):
    """In feedback, a failing test cell shows its message, not a traceback: IPython's traceback
    quotes the cell's source, hidden test lines included."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ShowProgressInFeedback(NbGraderPreprocessor):
    """Put the XP earned in this lesson and the level reached at the top of the feedback."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        standing = update_progress(info["db_url"], info["student"])
        progress = read_progress(info["db_url"])["students"][info["student"]]
        lesson = next(r for r in standing.lessons if r.assignment == info["assignment"])
        level, upcoming = standing.level, next_level(standing.xp)
        names = [ACHIEVEMENT_BY_KEY[a["key"]] for a in progress["achievements"]]
        badges = ", ".join(f"{a.name} / {a.korean}" for a in names) or "none yet / 아직 없음"
        waiting = (
            "\n\n*Some answers are still to be graded by hand; XP will grow when they are. / "
            "아직 수동 채점이 끝나지 않은 답안이 있습니다. 채점이 끝나면 XP가 늘어납니다.*"
            if lesson.pending_manual
            else ""
        )
        to_next = f" · next / 다음: {upcoming.name} at {upcoming.min_xp} XP" if upcoming else ""
        text = (
            f"### Progress / 진행 상황\n\n"
            f"**XP earned in this lesson / 이 레슨에서 얻은 XP: {lesson.xp} XP** "
            f"({lesson.points:g} / {lesson.max_points:g} points / 점"
            f"{f', +{lesson.bonus} bonus / 보너스' if lesson.bonus else ''})\n\n"
            f"**Level {level.number} — {level.name} / 레벨 {level.number} — {level.korean}**"
            f"{to_next}\n\n`{xp_bar(standing.xp)}`\n\n"
            f"Achievements / 업적: {badges}{waiting}"
        )
        cell = new_markdown_cell(text)
        cell.metadata["stream"] = {"progress": True}
        nb.cells.insert(0, cell)
        return nb, resources
