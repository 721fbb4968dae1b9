"""environment.yml (Binder) and pyproject.toml (pip) must pin the same packages, same versions."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pip_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        assert version, f"pyproject.toml: {requirement!r} is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)=([^=\s]+)\s*", line)
        if match and match.group(1) != "python":
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_and_pyproject_pin_the_same_versions():
    assert conda_pins() == pip_pins()


def test_the_declared_course_packages_are_all_there():
    assert {"jupyterlab", "ipywidgets", "matplotlib", "networkx", "numpy", "nbval", "pytest"} <= set(pip_pins())
