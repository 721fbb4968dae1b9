"""Execute course notebooks in place, and generate exercises/ from solutions/.

    python tools/notebooks.py execute notebooks/01_simulated_world.ipynb [...]
    python tools/notebooks.py exercises            # regenerate every exercises/ notebook
    python tools/notebooks.py exercises solutions/02_centralized_exercises.ipynb   # just that one
    python tools/notebooks.py outputs --base HEAD notebooks/*.ipynb   # outputs changed since HEAD?

Notebooks are committed executed (so readers see real results on GitHub and Binder) and
``pytest --nbval`` re-executes them and compares. ``execute`` runs one top to bottom in a
fresh kernel, without timing metadata or widget state, so a re-run diffs only where a
result really changed. ``exercises`` replaces everything between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` with ``raise NotImplementedError(...)`` and clears outputs:
exercises are never edited by hand.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
IGNORED = "nbval-ignore-output"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STUB = 'raise NotImplementedError("Your answer goes here: replace this line.")'


def execute(path: Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh python3 kernel and save it with its outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def strip_solutions(source: str) -> str:
    """Replace each BEGIN/END SOLUTION block with a stub at the same indentation."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError("### BEGIN SOLUTION inside another solution block")
            inside = True
            out.append(begin.group("indent") + STUB)
        elif END.match(line):
            if not inside:
                raise ValueError("### END SOLUTION without a BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("### BEGIN SOLUTION without an END")
    return "\n".join(out)


def exercise_from_solution(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The exercise twin of a solutions notebook: answers stubbed, outputs cleared."""
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def generate_exercises(solutions: Path = ROOT / "solutions", exercises: Path = ROOT / "exercises",
                       only: list[Path] | None = None) -> list[Path]:
    """Write exercises/NAME for every solutions/NAME (or just for ``only``); return the paths written."""
    exercises.mkdir(exist_ok=True)
    written = []
    for path in only or sorted(solutions.glob("*.ipynb")):
        target = exercises / path.name
        nbformat.write(exercise_from_solution(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def changed_outputs(path: Path, base: str) -> list[str]:
    """The code cells of ``path`` whose outputs differ from the same notebook at git revision ``base``.

    Cells are matched by position; execution counts and sources are not compared, so a change
    that only renames imports reports nothing. This is how a refactoring proves it changed no result.
    """
    relative = path.resolve().relative_to(ROOT).as_posix()
    old = json.loads(subprocess.run(["git", "show", f"{base}:{relative}"], cwd=ROOT, check=True,
                                    capture_output=True, text=True).stdout)
    new = json.loads(path.read_text())

    def comparable(output: dict) -> dict:
        # A widget view's model id is new on every run; what it shows is compared in its text sibling.
        data = {k: v for k, v in output.get("data", {}).items() if k != WIDGET_VIEW}
        text = "".join(output.get("text", ""))
        return {k: v for k, v in output.items() if k != "execution_count"} | {"data": data, "text": text}

    def outputs(nb: dict) -> list[list]:
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        # Wall-clock cells (tagged as nbval ignores them) differ on every run by design.
        return [[] if IGNORED in c.get("metadata", {}).get("tags", []) else coalesce(c["outputs"])
                for c in cells]

    def coalesce(cell_outputs: list[dict]) -> list[dict]:
        # How printed text is split into stream chunks depends on timing, not on the result.
        merged: list[dict] = []
        for output in map(comparable, cell_outputs):
            previous = merged[-1] if merged else {}
            if output.get("output_type") == "stream" and previous.get("output_type") == "stream" \
                    and previous.get("name") == output.get("name"):
                merged[-1] = previous | {"text": previous["text"] + output["text"]}
            else:
                merged.append(output)
        return merged

    before, after = outputs(old), outputs(new)
    if len(before) != len(after):
        return [f"{relative}: {len(before)} code cells at {base}, {len(after)} now"]
    return [f"{relative}: code cell {i + 1} has different outputs" for i, (a, b) in enumerate(zip(before, after))
            if a != b]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="execute notebooks in place")
    run.add_argument("paths", nargs="+", type=Path)
    gen = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    gen.add_argument("paths", nargs="*", type=Path, help="solutions notebooks (default: all)")
    compare = sub.add_parser("outputs", help="list code cells whose outputs changed since a git revision")
    compare.add_argument("--base", default="HEAD")
    compare.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "execute":
        for path in args.paths:
            print(f"executing {path} ...", flush=True)
            execute(path)
    elif args.command == "exercises":
        for path in generate_exercises(only=[p.resolve() for p in args.paths] or None):
            print(f"wrote {path.relative_to(ROOT)}")
    else:
        changes = [line for path in args.paths for line in changed_outputs(path, args.base)]
        print("\n".join(changes) or f"no output changed since {args.base}")
        return 1 if changes else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
