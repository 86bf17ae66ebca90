"""A student's view, in a real browser: JupyterLab on localhost with the release notebook (answers
filled in), driven by Playwright in headless Chromium (Debian's, no browser download): run all
cells, see every self-check pass and the XP bar rendered. The screenshot is kept as an artifact."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from stream_course.course import fill_answers, solution_sources

from .conftest import LESSON01, ROOT

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab(tmp_path, course_root, standin_dir):
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    release = nbformat.read(course_root / "release" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    nbformat.write(fill_answers(release, solution_sources(source)), tmp_path / f"{LESSON01}.ipynb")
    port, token = free_port(), "stream-browser-test"
    jupyter = Path(sys.executable).parent / "jupyter"
    server = subprocess.Popen(
        [
            jupyter,
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A student's first lesson: no XP kept locally yet (other tests' lessons keep theirs).
        env={
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start")
        yield f"{base}/lab/tree/{LESSON01}.ipynb?token={token}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_release_notebook_runs_in_jupyterlab(lab):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM, "chromium is missing: `make test` installs it (apt-get install chromium)"

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(lab)
        page.locator(".jp-Notebook").wait_for(timeout=120_000)
        try:
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
                timeout=120_000
            )
            started = page.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[(\d+|\*)\]"))
            # JupyterLab sometimes asks which kernel to start; its dialog blocks every click.
            kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
            # A click that lands before the kernel connects does nothing; one that runs the cells
            # shows "[*]" at once, so a short wait tells the two apart.
            for _ in range(8):
                if kernel_dialog.is_visible():
                    kernel_dialog.get_by_role("button", name="Select", exact=True).click()
                try:
                    page.get_by_role("menuitem", name="Run", exact=True).click(timeout=20_000)
                except PlaywrightTimeout:
                    continue  # the dialog came up meanwhile: accept it on the next round
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                try:
                    started.first.wait_for(timeout=10_000)
                    break
                except PlaywrightTimeout:
                    continue
            check = page.locator(".stream-self-check")
            expect(check).to_be_visible(timeout=600_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "lesson01-last-state.png"))
        check.scroll_into_view_if_needed()
        expect(check).to_contain_text("5 / 5")
        expect(check.locator("progress.stream-xp")).to_have_attribute("value", "90")
        page.screenshot(path=str(ARTIFACTS / "lesson01-self-check.png"))
        # Every code cell ran ("[n]:"), none is left waiting, and none shows an error.
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_text_contents()
        assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
        assert page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
        # nbgrader's Validate button (its JupyterLab extension) on the same notebook.
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("Success", timeout=600_000)
        page.screenshot(path=str(ARTIFACTS / "lesson01-validate.png"))
        browser.close()
