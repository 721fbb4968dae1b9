"""The README's example is code a reader will paste: it must run and do what it says."""
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_python_example_runs(capsys):
    [example] = re.findall(r"```python\n(.*?)```", README, re.S)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("completed ✅ all checks")


def test_readme_gives_exactly_the_two_commands():
    commands = re.findall(r"```bash\n(.*?)```", README, re.S)
    assert [c.strip() for c in commands] == ["python3 course.py lab", "python3 course.py test"]
    assert "python3 course.py test" in (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
