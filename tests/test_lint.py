"""ruff keeps the code style in one place (pyproject.toml)."""

import subprocess
import sys
from pathlib import Path


def test_ruff_is_clean(course_root):
    ruff = Path(sys.executable).parent / "ruff"
    folders = ["stream_course", "tests", "source", "benchmarks", "deploy"]
    result = subprocess.run(
        [ruff, "check", *folders], cwd=course_root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
