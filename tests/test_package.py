"""coordlab as a package: the wheel and sdist build, and the wheel works in a clean environment.

``python -m build`` makes the sdist and then the wheel from that sdist (so the sdist is
complete). The wheel goes into a fresh virtual environment, with the locked versions of its
runtime dependencies (requirements.txt as constraints, so the run is reproducible) and
nothing else: no JupyterLab, no pytest. There, away from the source tree, ``import coordlab``,
every shipped TSPLIB instance loads, and the README's example prints what it promises.
Needs the package index (or pip's cache) for setuptools and the runtime dependencies.
"""
import json
import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

pytestmark = pytest.mark.packaging

# Run in the clean environment, from an empty directory.
CHECK = r'''
import importlib.util, io, json, sys, contextlib
from pathlib import Path
import coordlab
from coordlab.patterns.swarm import INSTANCES, load

example = Path(sys.argv[1]).read_text()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    exec(compile(example, "README.md", "exec"), {})
instances = {name: [load(name).cities, load(name).optimum] for name in INSTANCES}
print(json.dumps({
    "file": coordlab.__file__,
    "version": coordlab.__version__,
    "instances": instances,
    "readme": out.getvalue(),
    "course tools": [m for m in ("jupyterlab", "pytest", "nbval", "ruff", "playwright")
                     if importlib.util.find_spec(m)],
}))
'''


def run(*command, cwd=ROOT, env=None):
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_wheel_and_sdist_build_and_the_wheel_works_in_a_clean_environment(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    [wheel] = dist.glob("coordlab-*.whl")
    [sdist] = dist.glob("coordlab-*.tar.gz")

    tsplib = {p.name for p in (ROOT / "coordlab" / "data" / "tsplib").iterdir() if p.is_file()}
    wheel_files = zipfile.ZipFile(wheel).namelist()
    assert {f"coordlab/data/tsplib/{name}" for name in tsplib} <= set(wheel_files)
    assert not [f for f in wheel_files if f.split("/")[0] in {"tests", "notebooks", "tools", "benchmarks"}]
    sdist_files = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert {"pyproject.toml", "README.md"} | {f"coordlab/data/tsplib/{name}" for name in tsplib} <= sdist_files

    env_dir = tmp_path / "clean"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    run(python, "-m", "pip", "install", "--quiet", "-c", ROOT / "requirements.txt", wheel)
    run(python, "-m", "pip", "check")

    [example] = re.findall(r"```python\n(.*?)```", README, re.S)
    (tmp_path / "example.py").write_text(example)
    (tmp_path / "check.py").write_text(CHECK)
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}} | {"MPLBACKEND": "Agg"}
    seen = json.loads(run(python, tmp_path / "check.py", tmp_path / "example.py", cwd=away, env=env))

    assert Path(seen["file"]).resolve().is_relative_to(env_dir.resolve()), "imported the installed wheel"
    assert seen["course tools"] == [], "the library alone installs no course or test tool"
    assert set(seen["instances"]) == {"eil51", "berlin52", "st70", "kroA100"}
    assert seen["instances"]["berlin52"] == [52, 7542] and seen["instances"]["eil51"] == [51, 426]
    assert seen["readme"].startswith("completed ✅ all checks")
