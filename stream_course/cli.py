"""``stream-course``: the course's command line (run it in the course directory)."""

from __future__ import annotations

import argparse
from pathlib import Path

from stream_course.course import assignments, build_editions, find_course_root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="stream-course", description=__doc__)
    parser.add_argument("--course", type=Path, help="course directory (default: found from cwd)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="regenerate release/ and notebooks/ from source/")
    commands.add_parser("demo", help="the instructor's pipeline on sample submissions, offline")
    autograde = commands.add_parser(
        "autograde", help="nbgrader autograde with several submissions at once (same config)"
    )
    autograde.add_argument("assignment", nargs="+", help="one lesson or several (one start-up)")
    autograde.add_argument("--jobs", type=int, help="workers (default: one per CPU core)")
    autograde.add_argument("--force", action="store_true", help="regrade graded submissions")
    autograde.add_argument(
        "--shard",
        metavar="I/N",
        help="grade only share I of N (0 <= I < N; stable per student id), to split a batch "
        "across N machines that share one gradebook",
    )
    autograde.add_argument(
        "--cold",
        action="store_true",
        help="start every kernel anew instead of forking it from a warm parent (slower)",
    )
    grades = commands.add_parser("grades", help="print grades and XP from gradebook.db")
    grades.add_argument("assignment", nargs="?", help="default: every lesson")
    progress = commands.add_parser("progress", help="XP, levels and achievements from gradebook.db")
    progress.add_argument("--student", help="one student's lessons, pending grades, achievements")
    progress.add_argument("--csv", action="store_true", help="CSV for the LMS, on stdout")
    progress.add_argument("--html", type=Path, metavar="DIR", help="write static HTML pages to DIR")
    progress.add_argument(
        "--recompute", action="store_true", help="recompute every student from the grades first"
    )
    args = parser.parse_args(argv)
    root = find_course_root(args.course)

    if args.command == "build":
        for path in build_editions(root):
            print("wrote", path.relative_to(root))
    elif args.command == "demo":
        from stream_course.demo import run_demo

        run_demo(root)
    elif args.command == "autograde":
        from stream_course.grader.parallel import parse_shard, run_batch

        shard = parse_shard(args.shard) if args.shard else None
        # This process is fresh and has no other thread: the batch forks its workers from it.
        force = ("--force",) if args.force else ()
        code, summary = run_batch(root, args.assignment, args.jobs, force, not args.cold, shard)
        print(summary)
        raise SystemExit(code)
    elif args.command == "grades":
        from stream_course.grading import format_grade_table, read_grades

        names = [args.assignment] if args.assignment else assignments(root)
        print(format_grade_table([row for name in names for row in read_grades(root, name)]))
    elif args.command == "progress":
        show_progress(root, args)


def show_progress(root: Path, args: argparse.Namespace) -> None:
    from stream_course.grading import db_url, gradebook_exists
    from stream_course.progress_store import read_progress, update_all
    from stream_course.progress_views import (
        progress_csv,
        progress_table,
        student_detail,
        write_progress_pages,
    )

    url = db_url(root)
    if not gradebook_exists(url):
        where = root / "gradebook.db" if url.startswith("sqlite:") else "$STREAM_GRADEBOOK_URL"
        raise SystemExit(
            f"No gradebook in {where} yet: run `nbgrader autograde` (or `make demo`) first.\n"
            f"아직 {where}에 gradebook이 없습니다. 먼저 `nbgrader autograde`(또는 `make demo`)를 "
            "실행하세요."
        )
    if args.recompute:
        update_all(url)
    progress = read_progress(url)
    if args.csv:
        print(progress_csv(progress), end="")
    elif args.student:
        print(student_detail(progress, args.student))
    else:
        print(progress_table(progress))
    if args.html:
        pages = write_progress_pages(progress, args.html)
        print(f"wrote {len(pages)} pages: {pages[0]}")


if __name__ == "__main__":
    main()
