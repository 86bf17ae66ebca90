"""``make demo``: the instructor's whole pipeline on sample submissions, offline.

Three lessons in turn, each: generate_assignment -> (students submit) -> autograde ->
generate_feedback, with nbgrader's real commands in the course directory; after each lesson the
grades and the XP read back from gradebook.db, so XP is seen moving across the track; then one
export and the progress pages.
"""

from __future__ import annotations

import runpy
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from stream_course.course import fill_answers, run_nbgrader, solution_sources
from stream_course.grading import db_url, format_grade_table, read_grades
from stream_course.progress_store import read_progress
from stream_course.progress_views import progress_table, write_progress_pages

# lesson -> {student id -> the sample answer they hand in: "reference", "blank" or a sample's
# name in source/<lesson>/sample_answers.py}. The first lesson of the track, the one that
# completes attention, and the last one (each of the last two earns an achievement).
DEMO_PLAN = {
    "01_word_embedding": {"ada": "reference", "grace": "dot_product", "linus": "blank"},
    "06_attention_output": {
        "ada": "reference",
        "grace": "heads_merged_without_transpose",
        "linus": "reference",
    },
    "12_decoding": {"ada": "reference", "grace": "reference", "linus": "top_k_not_renormalised"},
}


def answer_variants(root: Path, assignment: str) -> dict:
    """The instructor-only sample answers in source/<assignment>/sample_answers.py."""
    return runpy.run_path(str(root / "source" / assignment / "sample_answers.py"))


def sample_submission(root: Path, assignment: str, variant: str) -> nbformat.NotebookNode:
    """The release notebook as a student would hand it in for ``variant``."""
    release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    if variant == "blank":
        return release
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = solution_sources(source)
    if variant != "reference":
        samples = answer_variants(root, assignment)
        chosen = samples["RIGHT"].get(variant) or samples["WRONG"][variant]["answers"]
        answers.update(chosen)
    return fill_answers(release, answers)


def submit(root: Path, student: str, assignment: str, notebook: nbformat.NotebookNode) -> Path:
    """Place a notebook where nbgrader collects it: submitted/<student>/<assignment>/."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(notebook, path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp)
    return path


def refuse_real_submissions(root: Path, students: set[str]) -> None:
    """The demo regrades everything in submitted/: never do that to real students' work."""
    submitted = root / "submitted"
    others = sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.exists() else []
    others = [name for name in others if name not in students]
    if others:
        raise SystemExit(
            f"submitted/ holds real submissions ({', '.join(others[:5])}...); the demo would "
            "regrade them and add sample students to gradebook.db. Run it in a fresh clone.\n"
            "submitted/에 실제 학생 제출물이 있습니다. demo가 이를 다시 채점하고 gradebook.db에 "
            "예시 학생을 추가하게 되므로, 새로 clone한 저장소에서 실행하세요."
        )


def run_demo(root: Path, plan: dict[str, dict[str, str]] = DEMO_PLAN) -> str:
    """Grade ``plan``'s sample submissions lesson by lesson; returns the final grade table."""
    refuse_real_submissions(root, {student for students in plan.values() for student in students})
    (root / "exports").mkdir(exist_ok=True)
    started = time.perf_counter()
    warm = f"--SandboxedKernelManager.warm_root={root.resolve() / 'autograded'}"
    for number, (assignment, students) in enumerate(plan.items(), start=1):
        print(f"\n=== {assignment} ({number} / {len(plan)}) ===", flush=True)
        steps = [
            ("release / 배포", ["generate_assignment", assignment, "--force"]),
            # Kernels forked from one warm parent (grader/warm_kernels.py), not started cold.
            ("autograde / 자동 채점", ["autograde", assignment, "--force", warm]),
            ("feedback / 피드백", ["generate_feedback", assignment, "--force"]),
        ]
        for label, args in steps:
            t0 = time.perf_counter()
            print(f"==> nbgrader {' '.join(args)}   [{label}]", flush=True)
            run_nbgrader(root, *args)
            if args[0] == "generate_assignment":
                for student, variant in students.items():
                    submit(root, student, assignment, sample_submission(root, assignment, variant))
                    print(f"    submitted/{student}/{assignment}  ({variant})")
            print(f"    done in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"\nXP after {assignment} / {assignment} 채점 후 XP:")
        print(progress_table(read_progress(db_url(root))), flush=True)
    print("==> nbgrader export --to exports/grades.csv   [export / 내보내기]", flush=True)
    run_nbgrader(root, "export", "--to", "exports/grades.csv")
    table = format_grade_table([row for name in plan for row in read_grades(root, name)])
    print(
        f"\nGrades from gradebook.db / gradebook.db의 성적 ({time.perf_counter() - started:.0f} s):"
    )
    print(table)
    progress = read_progress(db_url(root))
    pages = write_progress_pages(progress, root / "progress")
    print("\nProgress from gradebook.db / gradebook.db의 진행 상황 (XP, levels, achievements):")
    print(progress_table(progress))
    print(
        "\nFeedback / 피드백: feedback/<student>/<lesson>/   CSV: exports/grades.csv   "
        f"HTML: {pages[0].relative_to(root)}"
    )
    return table
