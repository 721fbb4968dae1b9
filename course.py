#!/usr/bin/env python3
"""Open the course, or run every test, on a machine that has only Python.

    python3 course.py lab     # JupyterLab at notebooks/00_start_here.ipynb
    python3 course.py test    # ruff, unit tests, every notebook re-executed and compared (nbval)
                              # and opened in JupyterLab in headless Chromium, the wheel built
    python3 course.py lock    # for maintainers: re-resolve requirements.txt (see below)

Both lab and test first make sure ``.venv`` exists and holds coordlab with its ``dev`` extra
at exactly the versions in requirements.txt, the lock (re-installing whenever
pyproject.toml or requirements.txt changes), so they work on a fresh clone.
Extra arguments after ``test`` go to pytest, e.g. ``python3 course.py test tests/test_viz.py``.

pyproject.toml says what coordlab needs, as ranges; requirements.txt (the lock) says the exact
versions the course runs with: CI, this script and Binder install the same file. After
changing a range in pyproject.toml, ``python3 course.py lock`` resolves again in a fresh
environment, keeping every locked version that still fits; ``lock --upgrade`` takes the newest
versions the ranges allow. Re-run the tests (and re-execute the notebooks) before committing it.
"""
from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "coordlab-installed.txt"
LOCK = ROOT / "requirements.txt"
EXTRAS = "dev"  # the course (JupyterLab), the tests and the linter: see pyproject.toml
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
TEST_ARGS = ["-n", "2", "--dist", "loadfile"]


def venv_python(environment: Path = VENV) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return environment / scripts / ("python.exe" if os.name == "nt" else "python")


def fingerprint(root: Path = ROOT) -> str:
    """What .venv was installed from: pyproject.toml's ranges and the lock. Either changing re-installs."""
    return hashlib.sha256((root / "pyproject.toml").read_bytes() + b"\0" + (root / LOCK.name).read_bytes()).hexdigest()


def ensure_environment() -> Path:
    """Create .venv and install coordlab[dev] at the locked versions, unless already done."""
    wanted = fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and venv_python().exists():
        return venv_python()
    if not venv_python().exists():
        print(f"creating a virtual environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    python = str(venv_python())
    print("installing coordlab and the locked versions of what it needs (about a minute the first time) ...",
          flush=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-c", str(LOCK), "-e", f"{ROOT}[{EXTRAS}]"],
                   check=True)
    STAMP.write_text(wanted)
    return venv_python()


def lock(upgrade: bool) -> int:
    """Resolve coordlab[dev] in a fresh environment and write the exact versions to requirements.txt."""
    with tempfile.TemporaryDirectory(prefix="coordlab-lock-") as tmp:
        venv.create(tmp, with_pip=True)
        python = str(venv_python(Path(tmp)))
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        keep = [] if upgrade or not LOCK.exists() else ["-c", str(LOCK)]
        subprocess.run([python, "-m", "pip", "install", "--quiet", *keep, f"{ROOT}[{EXTRAS}]"], check=True)
        frozen = subprocess.run([python, "-m", "pip", "freeze", "--exclude", "coordlab"], check=True,
                                capture_output=True, text=True).stdout
    lines = [line for line in frozen.splitlines() if line.strip() and not line.startswith("#")]
    unpinned = [line for line in lines if "==" not in line]
    if unpinned:
        print(f"not written: these are not plain name==version pins: {unpinned}")
        return 1
    pins = sorted(lines, key=str.lower)
    version = ".".join(platform.python_version_tuple()[:2])
    LOCK.write_text(
        "# The exact versions the course runs with: CI and `python3 course.py` install them as\n"
        "# constraints (pip install -c requirements.txt -e .[dev]); Binder installs this file as it is.\n"
        f"# Resolved for Python {version} on {sys.platform} by `python3 course.py lock` from pyproject.toml's\n"
        "# ranges; do not edit by hand. tests/test_environment.py checks the two agree.\n"
        + "".join(pin + "\n" for pin in pins))
    print(f"wrote {len(pins)} pins to {LOCK.name} (Python {version}, {sys.platform})")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "lock"):
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - course.py itself runs on any python3
        print(f"coordlab needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
        return 2
    if argv[0] == "lock":
        return lock(upgrade="--upgrade" in argv[1:])
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
