"""Memory and time a learner meets: each notebook's Run All wall time and its kernel's memory.

    python benchmarks/notebook_memory.py              # every notebook in notebooks/ and exercises/
    python benchmarks/notebook_memory.py --slow 5     # and list the cells that take over 5 s
    python benchmarks/notebook_memory.py --no-browser # headless only (no chromium needed)

Two passes per notebook, each in a fresh kernel:

* headless (nbclient, cell by cell): each cell's wall time, the whole notebook's, and the
  kernel's resident memory after the last cell and at its peak (Linux ``/proc``: VmRSS, VmHWM);
* in JupyterLab in headless Chromium (``tests/lab_browser.py``, when chromium and playwright
  are there): Run -> Run All Cells until every cell shows its count, and the kernel's memory
  then (widgets and images rendered, as a learner sees them).

Prints a Markdown table for the README and the slow cells. Wall-clock figures depend on the
machine and on what else runs on it; memory is steadier. The test suite asserts only the
memory bound (``tests/test_browser.py``), never a time.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import lab_browser  # noqa: E402 - needs the repository on sys.path first

MB = 1 << 20


def headless(path: str) -> dict:
    """Run ``path`` cell by cell in a fresh kernel; per-cell seconds, total seconds, kernel memory."""
    nb = nbformat.read(ROOT / path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str((ROOT / path).parent)}})
    cells = []
    with client.setup_kernel():
        pid = client.km.provisioner.pid
        start = time.monotonic()
        number = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            number += 1
            before = time.monotonic()
            client.execute_cell(cell, index)
            cells.append({"cell": number, "seconds": time.monotonic() - before, "source": cell.source})
        seconds = time.monotonic() - start
        memory = lab_browser.process_memory(pid)
    return {"seconds": seconds, "cells": cells, "memory": memory}


def in_browser(paths: list[str]) -> dict[str, dict]:
    """Run each notebook in JupyterLab in headless Chromium; Run All seconds and kernel memory."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="coordlab-bench-") as tmp:
        work = Path(tmp)
        root = lab_browser.copy_course(work / "course")
        with lab_browser.lab_server(root, work / "jupyter") as lab, lab_browser.browser(work / "profile") as context:
            for path in paths:
                page = context.new_page()
                try:
                    run = lab_browser.run_notebook(page, lab, path, work.parent / "coordlab-bench-screenshots")
                finally:
                    page.close()
                    lab.shut_down(path)
                results[path] = {"seconds": run.seconds, "memory": run.memory, "problems": run.problems}
                print(f"  browser {path}: {run.seconds:.1f} s, {mb(run.memory, 'peak')} MB peak", file=sys.stderr)
            server = lab_browser.process_memory(lab.process.pid)
            print(f"\nJupyterLab server after the tour: {mb(server, 'rss')} MB resident, {mb(server, 'peak')} MB peak",
                  file=sys.stderr)
    return results


def mb(memory: dict, key: str) -> str:
    return f"{memory[key] / MB:.0f}" if key in memory else "?"


def first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return (lines[0][:70] + "…") if lines and len(lines[0]) > 70 else (lines[0] if lines else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: notebooks/ and exercises/)")
    parser.add_argument("--slow", type=float, default=5.0, help="list cells slower than this many seconds")
    parser.add_argument("--no-browser", action="store_true", help="skip the JupyterLab pass")
    args = parser.parse_args(argv)
    paths = args.paths or lab_browser.course_notebooks()

    runs = {}
    for path in paths:
        runs[path] = headless(path)
        print(f"  headless {path}: {runs[path]['seconds']:.1f} s, {mb(runs[path]['memory'], 'peak')} MB peak",
              file=sys.stderr)
    browser = {}
    if not args.no_browser:
        problem = lab_browser.missing_browser()
        if problem:
            print(f"no JupyterLab pass: {problem}", file=sys.stderr)
        else:
            browser = in_browser(paths)

    print("| notebook | code cells | Run All in JupyterLab | Run All headless | kernel memory after Run All "
          "| kernel peak |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in paths:
        run, seen = runs[path], browser.get(path)
        shown = f"{seen['seconds']:.1f} s" if seen else "–"
        memory = seen["memory"] if seen and seen["memory"] else run["memory"]
        peak = max(run["memory"].get("peak", 0), (seen or {}).get("memory", {}).get("peak", 0))
        print(f"| {path} | {len(run['cells'])} | {shown} | {run['seconds']:.1f} s | {mb(memory, 'rss')} MB "
              f"| {peak / MB:.0f} MB |")
    print(f"\nCells taking more than {args.slow:g} s (headless):\n")
    print("| notebook | cell | seconds | starts with |")
    print("|---|---:|---:|---|")
    for path in paths:
        for cell in runs[path]["cells"]:
            if cell["seconds"] > args.slow:
                print(f"| {path} | {cell['cell']} | {cell['seconds']:.1f} | `{first_line(cell['source'])}` |")
    problems = {path: seen["problems"] for path, seen in browser.items() if seen["problems"]}
    if problems:
        print(f"\nproblems in the browser: {problems}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
