"""The self-study edition on "Colab": a fresh virtual environment holding only what Colab ships,
a stand-in `google.colab` module imported at kernel start (as on Colab), and the notebook's first
cell installing the course package without touching Colab's torch."""

import json
import subprocess
import sys
from importlib.metadata import version

import nbformat
import pytest
from nbclient import NotebookClient

from stream_course.course import fill_answers, solution_sources

from .conftest import LESSON01, package_tree

pytestmark = pytest.mark.slow

# What a Colab runtime has that the lesson uses (not nbgrader, not JupyterLab, not this package).
COLAB_SHIPS = ["torch", "transformers", "numpy", "matplotlib", "ipykernel", "platformdirs"]


def pip_versions(python) -> dict[str, str]:
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    ).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(listed)}


@pytest.fixture(scope="module")
def colab(tmp_path_factory, course_root):
    where = tmp_path_factory.mktemp("colab")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = str(venv / "bin" / "python")
    pins = [f"{name}=={version(name)}" for name in COLAB_SHIPS]
    # --no-compile: byte-compiling every file of torch and transformers took half of this
    # install's CPU time (33 -> 15 s here); the kernel compiles only what it imports.
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-compile", *pins], check=True)
    # google.colab, imported at kernel start from an IPython startup file, as Colab does.
    standin = where / "standin" / "google" / "colab"
    standin.mkdir(parents=True)
    (standin / "__init__.py").write_text('"""Stand-in for Colab\'s module in tests."""\n')
    startup = where / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text(
        f"import sys\nsys.path.insert(0, {str(where / 'standin')!r})\nimport google.colab\n"
    )
    kernel = where / "jupyter" / "kernels" / "colab"
    kernel.mkdir(parents=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab stand-in",
        "language": "python",
    }
    (kernel / "kernel.json").write_text(json.dumps(spec))
    return where, python, package_tree(course_root, where / "package")


def test_first_cell_installs_the_course_and_the_lesson_runs(
    colab, course_root, standin_dir, monkeypatch
):
    where, python, package = colab
    before = pip_versions(python)
    assert "stream-course" not in before
    monkeypatch.setenv("JUPYTER_PATH", str(where / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(where / "ipython"))
    monkeypatch.setenv("STREAM_PACKAGE", str(package))
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    edition = nbformat.read(course_root / "notebooks" / f"{LESSON01}.ipynb", as_version=4)
    notebook = fill_answers(edition, solution_sources(source))
    NotebookClient(
        notebook, timeout=900, kernel_name="colab", resources={"metadata": {"path": str(where)}}
    ).execute()

    first = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert "Installing the course package" in first and "ready / 준비 완료" in first
    after = pip_versions(python)
    assert "stream-course" in after
    assert {k: v for k, v in after.items() if k != "stream-course"} == before  # torch untouched
    assert "nbgrader" not in after
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]
    (check,) = [c for c in notebook.cells if "check_lesson(1, globals())" in c.source]
    assert "<b>5 / 5</b>" in check.outputs[0].data["text/html"]


def test_first_cell_does_nothing_outside_colab(course_root):
    edition = nbformat.read(course_root / "notebooks" / f"{LESSON01}.ipynb", as_version=4)
    first = edition.cells[1]
    assert "google.colab" in first.source and "--no-deps" in first.source
    result = subprocess.run(
        [sys.executable, "-c", first.source.replace("sys.executable", "'/no/such/python'")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout == ""
