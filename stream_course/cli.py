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
    grades = commands.add_parser("grades", help="print grades and XP from gradebook.db")
    grades.add_argument("assignment", nargs="?", help="default: every lesson")
    args = parser.parse_args(argv)
    root = find_course_root(args.course)

    if args.command == "build":
        for path in build_editions(root):
            print("wrote", path.relative_to(root))
    elif args.command == "demo":
        from stream_course.demo import run_demo

        run_demo(root)
    elif args.command == "grades":
        from stream_course.grading import format_grade_table, read_grades

        names = [args.assignment] if args.assignment else assignments(root)
        print(format_grade_table([row for name in names for row in read_grades(root, name)]))


if __name__ == "__main__":
    main()
