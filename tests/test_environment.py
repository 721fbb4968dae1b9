"""pyproject.toml's ranges, requirements.txt (the lock) and Binder's files agree.

pyproject.toml says what coordlab needs, as ranges; requirements.txt says the exact versions
the course runs with. CI and ``python3 course.py`` install ``-c requirements.txt -e .[dev]``,
Binder installs requirements.txt as it is: these tests make sure that is one environment.
"""
import importlib.util
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCK = (ROOT / "requirements.txt").read_text()
COURSE_TOOLS = {"jupyterlab", "notebook", "nbval", "nbclient", "pytest", "pytest-xdist", "hypothesis", "ruff",
                "playwright", "build"}


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line.strip())
            assert match, f"requirements.txt: {line!r} is not a plain name==version pin"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def lock_platform() -> tuple[str, str]:
    match = re.search(r"Resolved for Python (\d+\.\d+) on (\w+)", LOCK)
    assert match, "requirements.txt's header names the Python and platform it was resolved for"
    return match.group(1), match.group(2)


def declared() -> list[tuple[str, Requirement]]:
    """Every requirement pyproject.toml states: (where, requirement)."""
    found = [("dependencies", Requirement(r)) for r in PROJECT["dependencies"]]
    for extra, requirements in PROJECT["optional-dependencies"].items():
        found += [(f"[{extra}]", Requirement(r)) for r in requirements]
    return found


def needed(extras: set[str]) -> dict[str, set[str]]:
    """coordlab[extras] and everything it needs here, by name: pyproject.toml for coordlab,
    the installed packages' metadata for the rest, markers evaluated for this interpreter."""
    wanted: dict[str, set[str]] = {"coordlab": set(extras)}
    todo = ["coordlab"]
    while todo:
        name = todo.pop()
        if name == "coordlab":
            requirements = list(PROJECT["dependencies"])
            requirements += [r for e in sorted(wanted[name]) for r in PROJECT["optional-dependencies"].get(e, [])]
            requirements = [Requirement(r) for r in requirements]
        else:
            requirements = [Requirement(r) for r in metadata.requires(name) or []]
            requirements = [r for r in requirements if r.marker is None
                            or any(r.marker.evaluate({"extra": e}) for e in {"", *wanted[name]})]
        for requirement in requirements:
            dependency = canonicalize_name(requirement.name)
            before = set(wanted.get(dependency, set()))
            if dependency not in wanted or not set(requirement.extras) <= before:
                wanted[dependency] = before | set(requirement.extras)
                todo.append(dependency)
    return wanted


on_the_lock_platform = pytest.mark.skipif(
    (f"{sys.version_info.major}.{sys.version_info.minor}", sys.platform) != lock_platform(),
    reason=f"requirements.txt was resolved for Python {' on '.join(lock_platform())}; other interpreters "
           "and platforms install it as constraints, with their own extra packages")


def test_runtime_dependencies_are_ranges_that_pin_nothing():
    for requirement in (Requirement(r) for r in PROJECT["dependencies"]):
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and not operators & {"==", "===", "~=", "<", "<="}, requirement


def test_course_and_test_tools_are_extras_not_library_dependencies():
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert runtime & COURSE_TOOLS == set()
    assert {"course", "test", "dev"} <= set(PROJECT["optional-dependencies"])
    course = {canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["course"]}
    assert course == {"jupyterlab"}


def test_every_range_admits_its_locked_version():
    lock = locked()
    problems = []
    for where, requirement in declared():
        name = canonicalize_name(requirement.name)
        if name == "coordlab":
            continue
        if name not in lock:
            problems.append(f"pyproject.toml {where}: {requirement} is not in requirements.txt")
        elif not requirement.specifier.contains(lock[name], prereleases=True):
            problems.append(f"pyproject.toml {where}: {requirement} excludes the locked {name}=={lock[name]}")
    assert problems == [], "fix the range, or run: python3 course.py lock"


@on_the_lock_platform
def test_the_lock_is_exactly_what_coordlab_dev_needs():
    closure = set(needed({"dev"})) - {"coordlab"}
    lock = set(locked())
    assert {"missing from the lock": sorted(closure - lock), "locked but not needed": sorted(lock - closure)} == {
        "missing from the lock": [], "locked but not needed": []}, "run: python3 course.py lock"


@on_the_lock_platform
def test_this_environment_runs_the_locked_versions():
    wrong = {}
    for name, version in locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert wrong == {}, "(installed, locked): delete .venv and run python3 course.py test"


def test_binder_installs_the_lock_on_the_locked_python():
    # repo2docker prefers environment.yml to requirements.txt, and reads only binder/ if it exists.
    assert not (ROOT / "environment.yml").exists() and not (ROOT / "binder").exists()
    assert (ROOT / "runtime.txt").read_text().strip() == f"python-{lock_platform()[0]}"
    assert "pip install --no-deps -e ." in (ROOT / "postBuild").read_text()


def test_course_py_reinstalls_when_the_ranges_or_the_lock_change(tmp_path):
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    for name in ("pyproject.toml", "requirements.txt"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    assert course.fingerprint(tmp_path) == course.fingerprint(ROOT)
    prints = {course.fingerprint(tmp_path)}
    for name in ("requirements.txt", "pyproject.toml"):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "\n# changed\n")
        prints.add(course.fingerprint(tmp_path))
    assert len(prints) == 3
    assert course.LOCK == ROOT / "requirements.txt" and course.EXTRAS == "dev"
