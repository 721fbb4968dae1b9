#!/usr/bin/env python3
"""Open the course, or run every test, on a machine that has only Python.

    python3 course.py lab     # JupyterLab at notebooks/00_start_here.ipynb
    python3 course.py test    # ruff, unit tests + every notebook re-executed and compared (nbval)

Both first make sure ``.venv`` exists and holds exactly what pyproject.toml pins
(re-installing when pyproject.toml changes), so they work on a fresh clone.
Extra arguments after ``test`` go to pytest, e.g. ``python3 course.py test tests/test_viz.py``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "coordlab-installed.txt"
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
TEST_ARGS = ["-n", "2", "--dist", "loadfile"]


def venv_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return VENV / scripts / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> Path:
    """Create .venv and install coordlab with its pinned dependencies, unless already done."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and venv_python().exists():
        return venv_python()
    if not venv_python().exists():
        print(f"creating a virtual environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    python = str(venv_python())
    print("installing coordlab and its pinned dependencies (about a minute the first time) ...", flush=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)
    return venv_python()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test"):
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - course.py itself runs on any python3
        print(f"coordlab needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
        return 2
    python = str(ensure_environment())
    if argv[0] == "lab":
        # The repository is the root (so exercises/ and solutions/ are reachable); the
        # browser opens at the first notebook.
        return subprocess.call([python, "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}",
                                f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}", *argv[1:]], cwd=ROOT)
    # Lint first (ruff, configured in pyproject.toml): a lint error fails the run like a test.
    lint = subprocess.call([python, "-m", "ruff", "check", "."], cwd=ROOT)
    tests = subprocess.call([python, "-m", "pytest", *TEST_ARGS, *argv[1:]], cwd=ROOT)
    return lint or tests


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
