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
