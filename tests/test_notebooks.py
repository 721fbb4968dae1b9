"""The notebooks as product: executed, in sync with their exercises, runnable, linked.

nbval (run by the same pytest command) re-executes notebooks/ and solutions/ and
compares outputs. It silently skips cells that were never executed, so the first test
here makes sure every committed code cell has been.
"""
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools.notebooks import exercise_from_solution, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
ALL = EXECUTED + EXERCISES
PATTERN_NOTEBOOKS = [p for p in (ROOT / "notebooks").glob("*.ipynb") if p.name[:2] in {"02", "03", "04", "05", "06"}]
ARC = ["## 1. Idea", "## 2. Run", "## 3. Break", "## 4. Measure", "## 5. Takeaways"]


def name(path):
    return str(path.relative_to(ROOT))


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and c.source.strip()]


@pytest.mark.parametrize("path", EXECUTED, ids=name)
def test_every_code_cell_is_committed_executed_in_order(path):
    counts = [cell.execution_count for cell in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), "re-run it: python tools/notebooks.py execute " + name(path)


@pytest.mark.parametrize("path", EXECUTED, ids=name)
def test_no_committed_output_is_an_error(path):
    errors = [o for cell in code_cells(path) for o in cell.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=name)
def test_exercises_are_generated_from_solutions(path):
    twin = ROOT / "exercises" / path.name
    assert twin.exists(), "run: python tools/notebooks.py exercises"
    expected = exercise_from_solution(nbformat.read(path, as_version=4))
    assert nbformat.read(twin, as_version=4) == expected, "run: python tools/notebooks.py exercises"


@pytest.mark.parametrize("path", SOLUTIONS, ids=name)
def test_every_solution_has_an_answer_to_strip(path):
    sources = [cell.source for cell in code_cells(path)]
    assert sum("### BEGIN SOLUTION" in s for s in sources) >= 3


@pytest.mark.parametrize("path", EXERCISES, ids=name)
def test_exercises_run_end_to_end_and_every_check_says_not_yet(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    text = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    assert not [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert text.count("❌") >= 3 and "✅" not in text


@pytest.mark.parametrize("path", PATTERN_NOTEBOOKS, ids=name)
def test_pattern_notebooks_follow_the_arc(path):
    headings = [line for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    assert [h for h in headings if h in ARC] == ARC


@pytest.mark.parametrize("path", ALL, ids=name)
def test_relative_links_point_to_files_that_exist(path):
    nb = nbformat.read(path, as_version=4)
    links = [link for cell in nb.cells if cell.cell_type == "markdown"
             for link in re.findall(r"\]\(([^)#\s]+)", cell.source) if "://" not in link]
    missing = [link for link in links if not (path.parent / link).exists()]
    assert missing == []


@pytest.mark.parametrize("path", ALL, ids=name)
def test_kernel_is_python3(path):
    assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"


def test_strip_solutions_keeps_indentation_and_refuses_broken_markers():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nf()"
    assert strip_solutions(source) == ('def f():\n    raise NotImplementedError("Your answer goes here: '
                                       'replace this line.")\nf()')
    with pytest.raises(ValueError, match="without an END"):
        strip_solutions("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(ValueError, match="END SOLUTION without a BEGIN"):
        strip_solutions("x = 1\n### END SOLUTION")
