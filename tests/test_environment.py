"""Set-up files agree: environment.yml lists exactly pyproject's dependencies."""

import tomllib

import yaml
from packaging.requirements import Requirement


def normalised(requirements):
    return {(r.name.lower(), str(r.specifier)) for r in map(Requirement, requirements)}


def test_environment_yml_matches_pyproject(course_root):
    project = tomllib.loads((course_root / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((course_root / "environment.yml").read_text())
    (pip_section,) = [d["pip"] for d in conda["dependencies"] if isinstance(d, dict)]
    assert normalised(pip_section) == normalised(project["dependencies"])
    assert "pip" in conda["dependencies"]


def test_ci_runs_the_readme_test_command(course_root):
    assert "make test" in (course_root / ".ci" / "run").read_text()
    assert "make test" in (course_root / "README.md").read_text()
    assert "make demo" in (course_root / "README.md").read_text()


def test_the_test_environment_does_not_compile_iri_grammars_in_every_process():
    """The dev extra's rfc3987 keeps jsonschema from importing rfc3987-syntax (1.2 CPU seconds
    per process that imports nbformat: every nbgrader command the suite runs)."""
    import subprocess
    import sys

    imported = subprocess.run(
        [sys.executable, "-c", "import sys, nbformat; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'jsonschema'" in imported and "'rfc3987'" in imported
    assert "rfc3987_syntax" not in imported
