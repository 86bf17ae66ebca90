"""The real nbgrader pipeline in a scratch course directory, grades read back from gradebook.db.

generate_assignment -> submitted/ (reference, blank, right and wrong sample answers) -> autograde
-> generate_feedback -> export. Each wrong answer must lose exactly the parts it breaks.
"""

import copy
import csv
import os
import shutil
import sqlite3
import sys

import nbformat
import pytest

from stream_course.course import run_nbgrader
from stream_course.demo import answer_variants, sample_submission, submit
from stream_course.grading import read_grades
from stream_course.self_check import GRADING_NOTE

from . import other_users
from .conftest import LESSON01

pytestmark = pytest.mark.slow

AUTO_PARTS = {
    "test_wte": 1,
    "test_token_id": 2,
    "test_cosine_neighbors": 2,
    "test_cosine_metric": 2,
    "test_neighbors": 1,
    "test_categories": 1,
}


def duplicate_a_test_cell(notebook):
    index = next(i for i, c in enumerate(notebook.cells) if "check.check_wte" in c.source)
    notebook.cells.insert(index, copy.deepcopy(notebook.cells[index]))


def lose_all_cell_metadata(notebook):  # as after some Colab / LMS round trips
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)


# Walks up from its working copy to the course's gradebook and hidden sources.
TAMPERING = """
import pathlib, sqlite3
course = pathlib.Path.cwd().parents[2]
for secret in ("gradebook.db", "source", "submitted"):
    print(secret, "visible" if (course / secret).exists() else "hidden")
try:
    with sqlite3.connect(course / "gradebook.db") as db:
        db.execute("UPDATE grade SET extra_credit = 100")
    print("TAMPERED")
except sqlite3.Error as error:
    print("blocked:", error)
"""

FORK_BOMB = """
import os, time
while True:  # stops at the sandbox's process limit (BlockingIOError)
    if os.fork() == 0:
        time.sleep(3600)
        os._exit(0)
"""

ESCAPES = """
import pathlib, socket
for target in ("/usr/lib/planted.py", "/tmp/../../etc/planted", "../../planted.txt"):
    try:
        pathlib.Path(target).write_text("x")
        print("WROTE", target)
    except OSError as error:
        print("no write:", target, type(error).__name__)
try:
    socket.create_connection(("pypi.org", 443), timeout=3)
    print("NETWORK")
except OSError as error:
    print("no network:", type(error).__name__)
"""

PATCHES = """
import numpy.testing, torch
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
"""

# The hidden cells become `pass`: nothing is recorded, so nothing can be judged right.
INPUT_TRANSFORMER = """
get_ipython().input_transformers_cleanup.append(
    lambda lines: ["pass\\n"] if any("check." in line for line in lines) else lines
)
"""

# Its cosine_neighbors shows an extra "recording" inside the hidden cells that call it.
FORGED_RECORDING = """
from IPython.display import display as _display
from stream_course.checks.record import ANSWERS_MIME as _MIME
_honest = cosine_neighbors
def cosine_neighbors(wte, idx, k=10):
    _display({_MIME: {"lesson": "01_word_embedding", "part": "test_cosine_metric"}}, raw=True)
    return _honest(wte, idx, k)
"""

# Rebinds the hidden cells' collect so that they record the easy wte part, and silences the
# visible checks that would fail first: the judge reads the part from the cell, not the recording.
CLAIMS_ANOTHER_PART = """
_honest_collect = check.collect
def _easy_part(grade_id, model, tokenizer, **answers):
    _honest_collect("test_wte", model, tokenizer, wte=model.transformer.wte.weight)
check.collect = _easy_part
check.check_cosine_neighbors = check.check_neighbors = lambda *args: None
"""

# student -> (sample answer, start of the answer cell the code is appended to, code)
HOSTILE = {
    "ae_hangs": ("reference", "wte = ", "\nimport time\nwhile True:\n    time.sleep(1)"),
    "af_kills_its_kernel": (
        "reference",
        "wte = ",
        "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    ),
    # swallows every exception, the failing checks' too, around a dot-product answer
    "ag_custom_exc": (
        "dot_product",
        "def cosine",
        "\nget_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
    ),
    # 1 GiB blocks until the address-space limit says no (MemoryError); wte is already set
    "aj_eats_memory": ("reference", "wte = ", "\nhog = [bytearray(2**30) for _ in range(64)]"),
    "ak_fork_bomb": ("reference", "neighbor_tokens = ", FORK_BOMB),
    "al_prints_20_mb": ("reference", "wte = ", "\nfor _ in range(20):\n    print('x' * 10**6)"),
    "am_writes_a_huge_file": (
        "reference",
        "wte = ",
        "\nwith open('/tmp/huge.bin', 'wb') as f:\n    f.write(bytes(300 * 2**20))",
    ),
    "ad_tamperer": ("reference", "wte = ", TAMPERING),
    "an_tries_to_escape": ("reference", "wte = ", ESCAPES),
    "ao_patches_torch_and_numpy": ("dot_product", "def cosine", PATCHES),
    "ap_input_transformer": ("dot_product", "def cosine", INPUT_TRANSFORMER),
    "aq_forged_recording": ("dot_product", "def cosine", FORGED_RECORDING),
    "ar_exits": ("reference", "wte = ", "\nimport sys\nsys.exit('bye')"),
    "at_claims_another_part": ("dot_product", "def cosine", CLAIMS_ANOTHER_PART),
}

# The exact outcome of every hostile or damaged hand-in: its auto score, and what the summary
# at the end of `nbgrader autograde` says about it. Every other student is graded as usual.
OUTCOMES = {
    "aa_duplicated_cells": (
        9,
        "FLAGGED aa_duplicated_cells 01_word_embedding: repaired: duplicated",
    ),
    "ab_metadata_lost": (9, "FLAGGED ab_metadata_lost 01_word_embedding: repaired: cell metadata"),
    "ac_invalid_json": (0, "FAILED  ac_invalid_json 01_word_embedding: not a readable notebook"),
    "ad_tamperer": (9, None),
    # stopped at the time limit (an interrupt, warm or cold), the rest graded
    "ae_hangs": (9, "FLAGGED ae_hangs 01_word_embedding: cell 12 (wte) stopped after 30 s"),
    "af_kills_its_kernel": (0, "FAILED  af_kills_its_kernel 01_word_embedding: the kernel died"),
    "ag_custom_exc": (4, None),
    "ah_deleted_test_cell": (
        7,
        "FLAGGED ah_deleted_test_cell 01_word_embedding: repaired: cells not found: "
        "test_cosine_metric",
    ),
    "ai_empty_file": (0, "FAILED  ai_empty_file 01_word_embedding: not a readable notebook"),
    "aj_eats_memory": (9, None),
    "ak_fork_bomb": (9, None),
    "al_prints_20_mb": (
        9,
        "FLAGGED al_prints_20_mb 01_word_embedding: cell 12 (wte) printed over",
    ),
    "am_writes_a_huge_file": (9, None),
    "an_tries_to_escape": (9, None),
    "ao_patches_torch_and_numpy": (4, None),
    # installed in the third answer cell: the two answers before it still count
    "ap_input_transformer": (
        3,
        "FLAGGED ap_input_transformer 01_word_embedding: test_cosine_neighbors: 0 recordings "
        "where the checks make 1",
    ),
    # wte and token_id: the forging cosine_neighbors imports the course's ANSWERS_MIME, so
    # neighbors and categories, which call it, use the course's own code as well
    "aq_forged_recording": (
        3,
        "FLAGGED aq_forged_recording 01_word_embedding: test_cosine_metric: 10 recordings where "
        "the checks make 1",
    ),
    "ar_exits": (9, None),
    "as_wrong_notebook": (
        0,
        "FLAGGED as_wrong_notebook 01_word_embedding: repaired: this does not",
    ),
    # the dot-product answer's own parts, and categories, which it also made record wte
    "at_claims_another_part": (
        3,
        "FLAGGED at_claims_another_part 01_word_embedding: test_cosine_neighbors: a recording "
        "claims test_wte of 01_word_embedding",
    ),
}
# Cheats among the sample answers (source/01_word_embedding/sample_answers.py), in the same batch.
SAMPLE_CHEATS = ("patches_the_checks", "ast_transformer_drops_the_tests")


def test_the_corpus_is_large_enough():
    assert len(OUTCOMES) + len(SAMPLE_CHEATS) >= 20


BROKEN = {"aa_duplicated_cells": duplicate_a_test_cell, "ab_metadata_lost": lose_all_cell_metadata}


def make_course(course_root, into):
    shutil.copy2(course_root / "nbgrader_config.py", into / "nbgrader_config.py")
    shutil.copytree(course_root / "source", into / "source")
    return into


def corpus_hand_in(course, student):
    """What ``student`` of OUTCOMES hands in: a notebook, or the text of an unreadable file."""
    if student == "ac_invalid_json":
        return '{"cells": ['
    if student == "ai_empty_file":
        return ""
    if student == "as_wrong_notebook":
        other_homework = nbformat.v4.new_notebook()
        other_homework.cells = [
            nbformat.v4.new_markdown_cell("# Homework 3: linear regression"),
            nbformat.v4.new_code_cell("import numpy as np\nprint(np.polyfit([0, 1], [1, 3], 1))"),
        ]
        return other_homework
    variant, start, code = HOSTILE.get(student, ("reference", "wte = ", ""))
    notebook = sample_submission(course, LESSON01, variant)
    if student in BROKEN:
        BROKEN[student](notebook)
    elif student == "ah_deleted_test_cell":
        notebook.cells = [c for c in notebook.cells if "test_cosine_metric" not in str(c.metadata)]
    else:
        cell = next(c for c in notebook.cells if c.source.startswith(start))
        cell.source += code
    return notebook


def hand_in_the_corpus(course, variants, students):
    """Sample answers ``variants``, then the broken and hostile hand-ins ``students`` (names in
    OUTCOMES), into submitted/."""
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    for variant in variants:
        submit(course, variant, LESSON01, sample_submission(course, LESSON01, variant))
    for student in students:
        hand_in = corpus_hand_in(course, student)
        if isinstance(hand_in, str):
            folder = course / "submitted" / student / LESSON01
            folder.mkdir(parents=True)
            (folder / f"{LESSON01}.ipynb").write_text(hand_in)
        else:
            submit(course, student, LESSON01, hand_in)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Execute.timeout = 30  # the hanging hand-in waits this long\n")
        # A smaller address space than the default 8 GiB, so the memory hog stays cheap here.
        config.write("c.SandboxedKernelManager.memory_limit = 4 * 2**30\n")


# Plain `nbgrader autograde` (cold kernels, one after another) gets the hand-ins whose outcome
# depends on how a kernel is started, limited and stopped, and the unreadable file that makes
# nbgrader exit 1. Repairs and the judge are the same code warm or cold: those attacks are graded
# warm only, where the whole corpus is.
COLD_CORPUS = (
    "ac_invalid_json",
    "ad_tamperer",
    "ae_hangs",
    "af_kills_its_kernel",
    "aj_eats_memory",
    "ak_fork_bomb",
    "al_prints_20_mb",
    "am_writes_a_huge_file",
    "an_tries_to_escape",
    "ar_exits",
)


@pytest.fixture(scope="module")
def graded(course_root, standin_dir, tmp_path_factory):
    course = make_course(course_root, tmp_path_factory.mktemp("course"))
    samples = answer_variants(course, LESSON01)
    # Every sample answer is graded in tests/test_lessons_graded.py; here the corpus, beside
    # a right, a wrong and a blank notebook.
    hand_in_the_corpus(course, ["reference", "blank", "dot_product"], COLD_CORPUS)
    autograde = run_nbgrader(course, "autograde", LESSON01, "--force", check=False)
    (course / "autograde.log").write_text(autograde.stderr)  # kept for a reader of a failure
    # nbgrader grades everyone, then exits 1 because of the notebooks it could not grade.
    assert autograde.returncode == 1 and "submitted/ac_invalid_json" in autograde.stderr
    run_nbgrader(course, "generate_feedback", LESSON01, "--force")
    run_nbgrader(course, "export", "--to", "grades.csv")
    grades = {row.student: row for row in read_grades(course, LESSON01)}
    return course, samples, grades, autograde.stderr


@pytest.fixture(scope="module")
def graded_warm(course_root, standin_dir, tmp_path_factory):
    """The whole corpus of broken and hostile hand-ins and the sample cheats, graded the fastest
    way: `stream-course autograde --jobs 2`, kernels forked from a warm parent (warm_kernels)."""
    from stream_course.grader.parallel import autograde

    course = make_course(course_root, tmp_path_factory.mktemp("warm"))
    hand_in_the_corpus(course, ["reference", "blank", *SAMPLE_CHEATS], OUTCOMES)
    code, summary = autograde(course, LESSON01, jobs=2)
    (course / "autograde.log").write_text(summary)
    assert code == 1  # as nbgrader: some notebooks could not be graded
    return course, {row.student: row for row in read_grades(course, LESSON01)}, summary


@pytest.fixture(scope="module")
def graded_rootless(course_root, standin_dir):
    """The kernel-life hand-ins (COLD_CORPUS) graded as an ordinary user, as an instructor's own
    JupyterHub server would: `stream-course autograde --jobs 2` with no root, so the sandbox is
    a user namespace (sandbox.py, mode "user"), warm kernels and two at once."""
    reason = other_users.why_others_cannot_run()
    if reason:
        pytest.skip(reason)
    shared = other_users.shared_folder("stream-rootless-")
    try:
        (shared / "course").mkdir()
        course = make_course(course_root, shared / "course")
        hand_in_the_corpus(course, ["reference", "blank"], COLD_CORPUS)
        command = [sys.executable, "-m", "stream_course.cli", "--course", str(course)]
        graded = other_users.run_as_nobody(
            [*command, "autograde", LESSON01, "--jobs", "2"], shared, standin_dir, cwd=course
        )
        (course / "autograde.log").write_text(graded.stdout + graded.stderr)
        assert graded.returncode == 1, graded.stderr[-3000:]  # the unreadable notebook
        assert os.stat(course / "gradebook.db").st_uid == other_users.NOBODY
        yield course, {row.student: row for row in read_grades(course, LESSON01)}, graded.stdout
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@pytest.fixture(params=["nbgrader", "warm", "rootless"])
def corpus(request):
    """(course, grades, summary, the corpus's students) of plain `nbgrader autograde` (cold
    kernels, COLD_CORPUS), of `stream-course autograde` (warm kernels, the whole corpus), and of
    the same as an ordinary user (COLD_CORPUS): each hand-in has the same outcome in all."""
    if request.param == "nbgrader":
        course, _, grades, stderr = request.getfixturevalue("graded")
        return course, grades, stderr[stderr.index("Autograde summary") :], COLD_CORPUS
    if request.param == "rootless":
        return (*request.getfixturevalue("graded_rootless"), COLD_CORPUS)
    return (*request.getfixturevalue("graded_warm"), tuple(OUTCOMES))


def auto_parts(row):
    return {name: score for name, (score, _) in row.parts.items() if name in AUTO_PARTS}


def test_every_submission_is_graded(graded):
    course, samples, grades, _ = graded
    assert set(grades) == {"reference", "blank", "dot_product", *COLD_CORPUS}
    for name in ["reference", "blank", "dot_product"]:
        assert (course / "autograded" / name / LESSON01 / f"{LESSON01}.ipynb").exists(), name
    assert len(samples["WRONG"]) >= 10 and len(samples["RIGHT"]) >= 4


def test_reference_gets_full_marks_and_waits_for_a_hand_grade(graded):
    _, _, grades, _ = graded
    row = grades["reference"]
    assert auto_parts(row) == AUTO_PARTS
    assert (row.auto_score, row.max_auto_score) == (9, 9)
    assert row.max_manual_score == 2 and row.needs_manual_grade


def test_the_graded_notebook_says_why_its_self_check_was_skipped(corpus):
    course, *_ = corpus
    path = course / "autograded" / "reference" / LESSON01 / f"{LESSON01}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if "check_lesson(1, globals())" in c.source]
    assert [o["data"]["text/plain"] for o in cell.outputs] == [GRADING_NOTE]


def test_blank_release_gets_no_auto_points(graded):
    _, _, grades, _ = graded
    assert grades["blank"].auto_score == 0
    assert set(auto_parts(grades["blank"]).values()) == {0}


def test_feedback_and_export_are_written(graded):
    course, _, grades, _ = graded
    ungraded = {name for name, (_, said) in OUTCOMES.items() if said and "FAILED" in said}
    for student in set(grades) - ungraded:  # notebooks that never finished have no feedback
        html = (course / "feedback" / student / LESSON01 / f"{LESSON01}.html").read_text()
        assert "01 / 12" in html
        for hidden in (
            "grade_wte",
            "grade_token_id",
            "grade_cosine_neighbors",
            "grade_cosine_metric",
        ):
            assert hidden not in html, f"hidden test {hidden} leaked into {student}'s feedback"
    wrong = (course / "feedback" / "dot_product" / LESSON01 / f"{LESSON01}.html").read_text()
    assert "dot-product neighbours" in wrong  # the failing check's message still teaches
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["student_id"] for r in rows} >= set(grades)


def test_gradebook_is_intact(graded):
    course, _, _, _ = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_damaged_right_answers_are_repaired_and_get_full_marks(graded_warm):
    course, grades, _ = graded_warm
    for name in BROKEN:
        assert auto_parts(grades[name]) == AUTO_PARTS, name
        graded_notebook = nbformat.read(
            course / "autograded" / name / LESSON01 / f"{LESSON01}.ipynb", as_version=4
        )
        assert graded_notebook.metadata["stream"]["repairs"], name


def test_an_unreadable_notebook_scores_zero_without_stopping_the_batch(graded):
    course, _, grades, _ = graded
    assert grades["ac_invalid_json"].auto_score == 0
    assert not (course / "autograded" / "ac_invalid_json").exists()


def test_student_code_cannot_reach_the_gradebook_or_the_sources(corpus):
    course, grades, *_ = corpus
    notebook = nbformat.read(
        course / "autograded" / "ad_tamperer" / LESSON01 / f"{LESSON01}.ipynb", as_version=4
    )
    (wte_cell,) = [c for c in notebook.cells if c.source.startswith("wte = ")]
    printed = "".join(o.get("text", "") for o in wte_cell.outputs)
    assert "gradebook.db hidden" in printed and "source hidden" in printed
    assert "submitted hidden" in printed and "TAMPERED" not in printed
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM grade WHERE extra_credit > 0").fetchone() == (0,)
    assert grades["ad_tamperer"].auto_score == 9  # its right answers still count


def test_hostile_and_damaged_hand_ins_score_exactly_what_they_earn(corpus, course_root):
    _, grades, _, students = corpus
    wrong = answer_variants(course_root, LESSON01)["WRONG"]
    assert {name: grades[name].auto_score for name in students} == {
        name: OUTCOMES[name][0] for name in students
    }
    for name in set(SAMPLE_CHEATS) & set(grades):  # each loses the parts it cheats on
        expected = sum(p for t, p in AUTO_PARTS.items() if t not in wrong[name]["loses"])
        assert grades[name].auto_score == expected, name
    assert grades["reference"].auto_score == 9  # graded in the same batch, after all of them


def test_autograde_ends_with_a_summary_of_the_batch(corpus):
    _, grades, summary, students = corpus
    said_of = {name: OUTCOMES[name][1] for name in students if OUTCOMES[name][1]}
    failed = [name for name, said in said_of.items() if "FAILED" in said]
    flagged = [name for name, said in said_of.items() if "FLAGGED" in said]
    assert f"{len(grades) - len(failed)} graded" in summary.splitlines()[0]
    assert f"{len(failed)} failed" in summary.splitlines()[0]
    for name, said in said_of.items():
        assert said in summary, name
    named = {line.split()[1] for line in summary.splitlines()[1:] if line.startswith("  ")}
    assert set(failed) | set(flagged) <= named
    assert "reference" not in named and "blank" not in named


def test_deleted_cells_and_cut_output_are_noted_in_the_graded_notebook(graded_warm):
    course, _, _ = graded_warm

    def graded_notebook(student):
        path = course / "autograded" / student / LESSON01 / f"{LESSON01}.ipynb"
        return path, nbformat.read(path, as_version=4)

    _, deleted = graded_notebook("ah_deleted_test_cell")
    assert "cells not found: test_cosine_metric" in deleted.metadata["stream"]["repairs"]
    path, loud = graded_notebook("al_prints_20_mb")
    assert path.stat().st_size < 3_000_000 and "output cut" in path.read_text()


def test_the_sandbox_held(corpus):
    course, *_ = corpus
    notebook = nbformat.read(
        course / "autograded" / "an_tries_to_escape" / LESSON01 / f"{LESSON01}.ipynb",
        as_version=4,
    )
    (cell,) = [c for c in notebook.cells if c.source.startswith("wte = ")]
    printed = "".join(o.get("text", "") for o in cell.outputs)
    assert "WROTE" not in printed and "NETWORK" not in printed
    assert printed.count("no write:") == 3 and "no network:" in printed
    assert not (course / "autograded" / "planted.txt").exists()
    notebook = nbformat.read(
        course / "autograded" / "am_writes_a_huge_file" / LESSON01 / f"{LESSON01}.ipynb",
        as_version=4,
    )
    (cell,) = [c for c in notebook.cells if c.source.startswith("wte = ")]
    assert "File too large" in str(cell.outputs)  # stopped at the 100 MiB file-size limit


def test_parallel_autograde_grades_like_nbgrader(course_root, standin_dir, tmp_path):
    """`stream-course autograde --jobs 2`: two nbgrader workers share one gradebook."""
    from stream_course.grader.parallel import autograde

    course = make_course(course_root, tmp_path)
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    for student, variant in (("p1", "reference"), ("p2", "dot_product"), ("p3", "blank")):
        submit(course, student, LESSON01, sample_submission(course, LESSON01, variant))
    broken = course / "submitted" / "p4" / LESSON01
    broken.mkdir(parents=True)
    (broken / f"{LESSON01}.ipynb").write_text("{")
    code, summary = autograde(course, LESSON01, jobs=2)
    assert code == 1  # as nbgrader: one submission could not be graded
    grades = {row.student: row.auto_score for row in read_grades(course, LESSON01)}
    assert grades == {"p1": 9, "p2": 4, "p3": 0, "p4": 0}
    head, *lines = summary.splitlines()
    assert "3 graded" in head and "1 failed" in head and "2 workers" in head
    assert len(lines) == 1
    assert lines[0].startswith("  FAILED  p4 01_word_embedding: not a readable notebook")
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_autograde_with_nothing_submitted_says_what_to_do(course_root, tmp_path, capsys):
    from stream_course.cli import main
    from stream_course.grader.parallel import autograde

    course = make_course(course_root, tmp_path)
    with pytest.raises(SystemExit) as from_the_command:
        main(["--course", str(course), "autograde", LESSON01])
    with pytest.raises(SystemExit) as from_python:
        autograde(course, LESSON01)
    for stopped in (from_the_command, from_python):
        assert f"No submissions of {LESSON01}" in str(stopped.value.code)
        assert "collect" in str(stopped.value.code)  # the step that fills submitted/
    assert not (course / "gradebook.db").exists()  # nothing was started
