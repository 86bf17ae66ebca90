"""Instructor views of the XP stored in gradebook.db: a terminal table, one student's detail,
CSV for the LMS, and static HTML pages (course overview + one page per student)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from stream_course.progress import (
    ACHIEVEMENT_BY_KEY,
    ACHIEVEMENTS,
    LEVELS,
    TRACK_LESSONS,
    level_for,
    next_level,
    xp_bar,
)


def _level_label(xp: int) -> str:
    level = level_for(xp)
    return f"Level {level.number} — {level.name}"


def progress_table(progress: dict) -> str:
    header = (
        f"{'student':<12} {'XP':>5}  {'level':<28} {'to next level':<48} "
        f"{'lessons':>7}  achievements"
    )
    lines = [header, "-" * len(header)]
    for student, data in progress["students"].items():
        lines.append(
            f"{student:<12} {data['xp']:>5}  {_level_label(data['xp']):<28} "
            f"{xp_bar(data['xp']):<48} {data['lessons_done']:>2} / {TRACK_LESSONS:<2}  "
            f"{len(data['achievements'])} / {len(ACHIEVEMENTS)}"
        )
    return "\n".join(lines)


def student_detail(progress: dict, student: str) -> str:
    if student not in progress["students"]:
        known = ", ".join(progress["students"]) or "none / 없음"
        raise SystemExit(
            f"No student {student!r} in gradebook.db / gradebook.db에 없는 학생입니다. Known: {known}"
        )
    data = progress["students"][student]
    level = level_for(data["xp"])
    lines = [
        f"{student}: {_level_label(data['xp'])} / 레벨 {level.number} — {level.korean}, {data['xp']} XP",
        xp_bar(data["xp"]),
        f"Lessons done / 완료한 레슨: {data['lessons_done']} / {TRACK_LESSONS}",
        "",
        f"{'lesson':<22} {'points':>9} {'XP':>5} {'bonus':>6}  manual grade / 수동 채점",
    ]
    for name in progress["track"]:
        lesson = data["lessons"].get(name)
        if lesson is None:
            lines.append(f"{name:<22} {'—':>9} {0:>5} {0:>6}  not submitted / 미제출")
            continue
        pending = "pending / 대기 중" if lesson["pending_manual"] else "done / 완료"
        points = f"{lesson['points']:g} / {lesson['max_points']:g}"
        lines.append(f"{name:<22} {points:>9} {lesson['xp']:>5} {lesson['bonus']:>6}  {pending}")
    earned = {a["key"]: a for a in data["achievements"]}
    lines += ["", f"Achievements / 업적: {len(earned)} / {len(ACHIEVEMENTS)}"]
    for achievement in ACHIEVEMENTS:
        if achievement.key in earned:
            award = earned[achievement.key]
            lines.append(
                f"  ✓ {achievement.name} / {achievement.korean} — "
                f"{award['awarded_at']:%Y-%m-%d %H:%M} — {award['reason']}"
            )
        else:
            lines.append(
                f"  · {achievement.name} / {achievement.korean} — locked: {achievement.rule}"
            )
    return "\n".join(lines)


def progress_csv(progress: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "student_id",
            "xp",
            "level",
            "level_name",
            "lessons_done",
            "achievements",
            "achievement_keys",
        ]
    )
    for student, data in progress["students"].items():
        level = level_for(data["xp"])
        keys = [a["key"] for a in data["achievements"]]
        writer.writerow(
            [
                student,
                data["xp"],
                level.number,
                level.name,
                data["lessons_done"],
                len(keys),
                ";".join(keys),
            ]
        )
    return out.getvalue()


def _page_data(xp: int) -> dict:
    level, upcoming = level_for(xp), next_level(xp)
    if upcoming is None:
        return {"level": level, "next": None, "percent": 100}
    percent = int(100 * (xp - level.min_xp) / (upcoming.min_xp - level.min_xp))
    return {"level": level, "next": upcoming, "percent": percent}


def page_name(student: str) -> str:
    """A file name for a student's page that is safe whatever the student id holds."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", student)
    if safe != student:  # keep two ids that differ only in odd characters apart
        safe += "-" + hashlib.sha1(student.encode()).hexdigest()[:8]
    return f"{safe}.html"


def write_progress_pages(progress: dict, out: Path) -> list[Path]:
    """index.html and students/<id>.html under ``out``; returns the files written."""
    env = Environment(
        loader=PackageLoader("stream_course", "templates"), autoescape=select_autoescape()
    )
    common = {
        "track": progress["track"],
        "track_lessons": TRACK_LESSONS,
        "achievements": ACHIEVEMENTS,
        "achievement_by_key": ACHIEVEMENT_BY_KEY,
        "levels": LEVELS,
    }
    students = {
        student: {
            **data,
            **_page_data(data["xp"]),
            "earned": {a["key"]: a for a in data["achievements"]},
            "page": page_name(student),
        }
        for student, data in progress["students"].items()
    }
    (out / "students").mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(
        env.get_template("progress_index.html").render(students=students, **common)
    )
    for student, data in students.items():
        page = out / "students" / data["page"]
        page.write_text(
            env.get_template("progress_student.html").render(student=student, data=data, **common)
        )
        written.append(page)
    return written
