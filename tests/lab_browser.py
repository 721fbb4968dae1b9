"""Drive the course the way a learner meets it: JupyterLab in a real (headless) Chromium.

Used by ``tests/test_browser.py`` and ``benchmarks/notebook_memory.py``. Nothing here is a
test by itself; ``pytest`` does not collect this file (no ``test_`` prefix).

* ``lab_server(root)`` starts JupyterLab bound to 127.0.0.1 with a random token on a copy
  of the course, in an isolated Jupyter configuration (no news toast, no restored
  workspace), and stops it afterwards.
* ``browser(profile)`` launches Debian's ``chromium`` through pip's ``playwright``
  (never ``playwright install``) with a fresh profile.
* ``run_notebook(page, lab, path, screenshots)`` opens one notebook, clicks Run -> Run All
  Cells, waits until every code cell shows an execution count (or the run stops at an
  error), saves it, compares what the page shows with the saved file, moves one control of
  each widget cell (a slider, by keyboard) and returns what it saw (a ``NotebookRun``).

Every wait is on a real condition with a generous but finite timeout; nothing sleeps a
fixed time.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: What the browser gets a copy of: the course, and the measurements notebook 03 plots (benchmarks/results).
COURSE_DIRS = ("notebooks", "exercises", "solutions", "benchmarks/results")
CHROMIUM = os.environ.get("COORDLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOW_TO_INSTALL = ("the browser test needs Debian's chromium and pip's playwright: "
                  "`apt-get install chromium` (as root) and `python3 course.py test` (installs playwright); "
                  "never `playwright install`")

SERVER_START_TIMEOUT = 120  # s: JupyterLab up and answering
ACTION_TIMEOUT = 60  # s: one click, key press or page query (Playwright's default is 30)
OPEN_TIMEOUT = 120  # s: notebook open, kernel started and idle
RUN_ALL_TIMEOUT = 600  # s: every code cell executed (the slowest notebook takes ~20 s here)
REDRAW_TIMEOUT = 120  # s: a widget's figure redrawn after a control moved
SAVE_TIMEOUT = 60  # s: the saved file on disk shows the run
RENDER_TIMEOUT = 60  # s: images and widget views drawn after their outputs arrived


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None if it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright is not installed; {HOW_TO_INSTALL}"
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}; {HOW_TO_INSTALL}"
    return None


# --------------------------------------------------------------------------- the course copy


def copy_course(destination: Path) -> Path:
    """Copy the course notebooks to ``destination`` with every output and count cleared.

    JupyterLab autosaves, so the browser never works on the repository's own files; and
    with the committed outputs gone, every count, image and widget seen afterwards comes
    from this run.
    """
    for name in COURSE_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, destination / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for path in destination.glob("*/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, path)
    return destination


def course_notebooks() -> list[str]:
    """Every notebook a learner opens: notebooks/ and exercises/, as paths relative to the repository."""
    return [str(p.relative_to(ROOT)) for d in ("notebooks", "exercises") for p in sorted((ROOT / d).glob("*.ipynb"))]


# --------------------------------------------------------------------------- the server


@dataclass
class Lab:
    """A running JupyterLab: its URL, token, process and the directory it serves."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def sessions_for(self, path: str) -> list[dict]:
        return [s for s in self.api("GET", "sessions") if s.get("path") == path]

    def kernel_ids(self) -> set[str]:
        return {k["id"] for k in self.api("GET", "kernels")}

    def shut_down(self, path: str, timeout: float = 60) -> None:
        """Shut down the kernels of ``path``'s sessions through the REST API, and wait until they are gone."""
        ids = set()
        for session in self.sessions_for(path):
            ids.add(session["kernel"]["id"])
            self.api("DELETE", f"sessions/{session['id']}")
        deadline = time.monotonic() + timeout
        while ids & self.kernel_ids():
            if time.monotonic() > deadline:
                left = ids & self.kernel_ids()
                raise TimeoutError(f"kernels {left} of {path} still running {timeout} s after shutdown")
            time.sleep(0.2)

    def kernel_memory(self, kernel_id: str) -> dict[str, int]:
        """The kernel process's resident memory now and at its peak, in bytes (Linux /proc), or {}."""
        try:
            import psutil
        except ImportError:
            return {}
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any(f"kernel-{kernel_id}.json" in part for part in child.cmdline()):
                    return process_memory(child.pid)
        return {}


def process_memory(pid: int) -> dict[str, int]:
    """``{"rss": now, "peak": high-water mark}`` in bytes, from /proc/<pid>/status (Linux)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return {}
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return {"rss": int(fields["VmRSS"].split()[0]) * 1024, "peak": int(fields["VmHWM"].split()[0]) * 1024}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings: Path) -> None:
    """Lab settings for an unattended run: no news toast or update check; every cell attached to the page."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
        # Start the notebook's own kernel (python3) without asking: the first notebook opened
        # can otherwise race Lab's loading of the kernel specs and get a "Select Kernel" dialog.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none", "autoStartDefaultKernel": True},
    }
    for name, values in files.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))


@contextlib.contextmanager
def lab_server(root: Path, home: Path) -> Iterator[Lab]:
    """JupyterLab serving ``root`` on 127.0.0.1 with a token; Jupyter's own state kept under ``home``."""
    token = secrets.token_hex(16)
    port = free_port()
    env = dict(os.environ)
    for var, sub in [("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                     ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython")]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    write_settings(home / "settings")
    log = home / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, process, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {process.returncode}; its log: {log}")
            try:
                lab.api("GET", "status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"JupyterLab not answering after {SERVER_START_TIMEOUT} s; "
                                       f"its log: {log}") from error
                time.sleep(0.2)
        yield lab
    finally:
        with contextlib.suppress(Exception):
            for kernel in lab.kernel_ids():
                lab.api("DELETE", f"kernels/{kernel}")
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@contextlib.contextmanager
def browser(profile: Path):
    """Headless Debian chromium through playwright, with a fresh profile; yields a browser context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(ACTION_TIMEOUT * 1000)  # each click, key press and page query
        try:
            yield context
        finally:
            context.close()


# --------------------------------------------------------------------------- one notebook

# The code cells of the notebook on show.
CODE_CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell"

# Run in the page on CODE_CELLS: each code cell's prompt and whether it has source.
CELLS_JS = """selector => Array.from(document.querySelectorAll(selector))
  .map(cell => ({
    prompt: (cell.querySelector('.jp-InputPrompt')?.textContent || '').trim(),
    empty: (cell.querySelector('.cm-content')?.textContent || '').trim() === '',
  }))"""

# Run in the page on CODE_CELLS: what each code cell's outputs show.
OUTPUTS_JS = """selector => Array.from(document.querySelectorAll(selector))
  .map((cell, index) => {
    const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output'));
    // A widget view is rendered inside its output as a .jupyter-widgets element; a failed one
    // says "Error displaying widget" instead.
    const widgetOutputs = outputs.filter(o => o.querySelector(':scope > .jupyter-widgets')
                                             || o.textContent.includes('Error displaying widget'));
    return {
      index,
      images: Array.from(cell.querySelectorAll('.jp-OutputArea-output img'))
        .filter(img => img.complete && img.naturalWidth > 0).length,
      widgetsRendered: widgetOutputs.filter(o => !o.textContent.includes('Error displaying widget')).length,
      widgetErrors: (cell.textContent.match(/Error displaying widget[^\\n]{0,80}/g) || []),
      controls: cell.querySelectorAll('.jp-OutputArea-output .noUi-handle, .jp-OutputArea-output select, '
                                      + '.jp-OutputArea-output .widget-toggle-buttons button, '
                                      + '.jp-OutputArea-output .widget-checkbox input').length,
    };
  })"""


@dataclass
class NotebookRun:
    """What one notebook did in the browser."""

    path: str
    seconds: float = 0.0  # Run All Cells clicked -> every code cell has its execution count
    code_cells: int = 0
    images: int = 0
    widgets: int = 0
    memory: dict[str, int] = field(default_factory=dict)
    controls_moved: list[str] = field(default_factory=list)  # "cell 5: slider 'latency' 0.2 -> 0.25"
    problems: list[str] = field(default_factory=list)
    saved: nbformat.NotebookNode | None = None


def wait_until(condition, timeout: float, what: str, interval: float = 0.25):
    """Poll ``condition()`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def open_notebook(page, lab: Lab, path: str) -> None:
    """Open ``path`` in a workspace of its own (nothing restored from earlier notebooks); wait for an idle kernel."""
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", path)
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{path}?token={lab.token}", timeout=OPEN_TIMEOUT * 1000)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT * 1000)

    def kernel_idle():
        sessions = lab.sessions_for(path)
        return sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions)

    # The server has a kernel for this notebook and it has answered; and the page knows it.
    wait_until(kernel_idle, OPEN_TIMEOUT, f"{path}: kernel started and idle")
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached", timeout=OPEN_TIMEOUT * 1000)
    if page.locator(".jp-Dialog").count():
        raise AssertionError(f"{path}: a dialog is open: {page.locator('.jp-Dialog').first.inner_text()!r}")


def click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def cell_states(page) -> tuple[int, int, int]:
    """(code cells showing an execution count, cells queued or running ``[*]``, code cells with source)."""
    cells = [c for c in page.evaluate(CELLS_JS, CODE_CELLS) if not c["empty"]]
    done = sum(bool(re.fullmatch(r"\[\d+\]:", c["prompt"])) for c in cells)
    busy = sum(c["prompt"] == "[*]:" for c in cells)
    return done, busy, len(cells)


def run_all_finished(page) -> tuple[int, int] | None:
    """(executed, total) once Run All has finished, or None while it has not.

    Run All marks every cell ``[*]`` at once, and a cell leaves that state only by running
    (it gets its count) or by being aborted after an error above it (``[ ]``). So the run has
    ended when no cell is ``[*]`` and at least one has a count; it succeeded if all do. The
    kernel's idle indicator is not used: it can say idle before the first cell starts.
    """
    done, busy, total = cell_states(page)
    return (done, total) if total and done and not busy else None


def save(page, lab: Lab, path: str, executed: int) -> nbformat.NotebookNode:
    """Save the notebook (Ctrl+S) and read the file back once it shows the cells executed on the page."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")

    def saved():
        try:
            nb = nbformat.read(lab.root / path, as_version=4)
        except Exception:  # noqa: BLE001 - half-written file: read again
            return None
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        return nb if sum(count is not None for count in counts) == executed else None

    return wait_until(saved, SAVE_TIMEOUT, f"{path} saved with its {executed} executed cells")


def image_sources(cell) -> list[str]:
    return cell.locator(".jp-OutputArea-output img").evaluate_all("imgs => imgs.map(i => i.src)")


SLIDERS = ".jp-OutputArea-output .noUi-handle"
OTHER_CONTROLS = (".jp-OutputArea-output select, .jp-OutputArea-output .widget-toggle-buttons button:not(.mod-active), "
                  ".jp-OutputArea-output .widget-checkbox input")


def move_one_control(page, cell_index: int) -> str:
    """Move one control of a widget cell and wait for the cell's figure to change.

    Sliders come first and move by keyboard (an arrow key on the focused handle, one step,
    the way that stays in range). A drop-down or button is set the way Playwright sets it
    (JupyterLab's own shortcuts take the arrow keys of a focused drop-down). Returns a
    description of the move that changed the figure; raises AssertionError naming what was
    tried if none did.
    """
    cell = page.locator(CODE_CELLS).nth(cell_index)
    controls = [cell.locator(SLIDERS).nth(i) for i in range(cell.locator(SLIDERS).count())]
    controls += [cell.locator(OTHER_CONTROLS).nth(i) for i in range(cell.locator(OTHER_CONTROLS).count())]
    tried = []
    for control in controls[:2]:
        control.scroll_into_view_if_needed()
        before = image_sources(cell)
        kind, label, value = step(page, control)
        # The kernel answers with a new figure (update_display_data) in place of the old one.
        try:
            wait_until(lambda before=before: image_sources(cell) != before, REDRAW_TIMEOUT,
                       f"cell {cell_index + 1}: figure redrawn", interval=0.2)
            return f"cell {cell_index + 1}: {kind} {label!r} {value} -> {control_value(control)}"
        except TimeoutError:
            tried.append(f"{kind} {label!r} {value} -> {control_value(control)}: figure unchanged "
                         f"after {REDRAW_TIMEOUT} s")
    raise AssertionError(f"cell {cell_index + 1}: no control changed its figure; tried {tried or 'no control'}")


def control_value(control) -> str:
    """What a control shows: a slider's readout, a drop-down's choice, a button's or check box's state."""
    return control.evaluate("""e => {
      if (e.tagName === 'SELECT') return e.options[e.selectedIndex]?.text;
      if (e.tagName === 'INPUT') return String(e.checked);
      if (e.classList.contains('noUi-handle'))
        return e.closest('.widget-slider')?.querySelector('.widget-readout')?.textContent
               || e.getAttribute('aria-valuenow');
      return e.classList.contains('mod-active') ? e.textContent + ' (on)' : e.textContent + ' (off)';
    }""")


def step(page, control) -> tuple[str, str, str]:
    """Move ``control`` one notch, staying in range; return (kind, label, value before)."""
    tag = control.evaluate("e => e.tagName.toLowerCase()")
    label = control.evaluate("e => (e.closest('.widget-inline-hbox')?.querySelector('.widget-label')?.textContent"
                             " || '').trim()")
    value = control_value(control)
    if "noUi-handle" in (control.get_attribute("class") or ""):
        now, top = (float(control.get_attribute(a) or 0) for a in ("aria-valuenow", "aria-valuemax"))
        control.focus()
        page.keyboard.press("ArrowRight" if now < top else "ArrowLeft")
        return "slider (keyboard)", label, value
    if tag == "select":
        index, options = control.evaluate("e => [e.selectedIndex, Array.from(e.options).map(o => o.value)]")
        control.select_option(options[index + 1 if index + 1 < len(options) else index - 1])
        return "drop-down", label, value
    control.click()  # a check box, or a toggle button that is not the selected one
    return "check box" if tag == "input" else "toggle button", label, value


def run_notebook(page, lab: Lab, path: str, screenshots: Path) -> NotebookRun:
    """Open ``path``, Run All Cells, check what rendered and move each widget cell's control.

    Problems are collected in ``run.problems`` (with a screenshot's path) rather than raised,
    so the caller always shuts the kernel down and sees every problem at once.
    """
    run = NotebookRun(path)
    try:
        open_notebook(page, lab, path)
        start = time.monotonic()
        click_menu(page, "Run", "Run All Cells")
        executed, run.code_cells = wait_until(lambda: run_all_finished(page), RUN_ALL_TIMEOUT,
                                              f"{path}: Run All finished")
        run.seconds = time.monotonic() - start
        if executed < run.code_cells:
            run.problems.append(f"Run All stopped after {executed} of {run.code_cells} code cells")
        [session] = lab.sessions_for(path)
        run.memory = lab.kernel_memory(session["kernel"]["id"])
        run.saved = save(page, lab, path, executed)
        check_outputs(page, run)
        for cell in page.evaluate(OUTPUTS_JS, CODE_CELLS):
            if cell["controls"] and cell["images"]:  # a widget cell: controls above its figure
                try:
                    run.controls_moved.append(move_one_control(page, cell["index"]))
                except AssertionError as problem:
                    run.problems.append(str(problem))
    except Exception as problem:  # noqa: BLE001 - reported with a screenshot below
        run.problems.append(f"{type(problem).__name__}: {problem}")
    if run.problems:
        shot = screenshots / (re.sub(r"[^A-Za-z0-9_.-]+", "_", path) + ".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
            run.problems.append(f"screenshot: {shot}")
            print(f"{path}: screenshot of the failure: {shot}", flush=True)
    return run


def check_outputs(page, run: NotebookRun) -> None:
    """Compare what the page shows with what the saved notebook holds; record every problem.

    Widget views and images render a moment after their output arrives, so this waits
    (boundedly) until the page shows at least what the file holds.
    """
    saved_code = [c for c in run.saved.cells if c.cell_type == "code"]
    expected = [{"images": sum("image/png" in o.get("data", {}) for o in cell.outputs),
                 "widgets": sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)}
                for cell in saved_code]
    for number, cell in enumerate(saved_code, start=1):
        for output in cell.outputs:
            if output.output_type == "error":
                run.problems.append(f"cell {number}: {output.ename}: {output.evalue}")

    def shown():
        cells = page.evaluate(OUTPUTS_JS, CODE_CELLS)
        ok = len(cells) == len(expected) and all(
            seen["images"] >= want["images"] and seen["widgetsRendered"] >= want["widgets"] and not seen["widgetErrors"]
            for seen, want in zip(cells, expected))
        return (ok, cells)

    cells = shown()[1]
    with contextlib.suppress(TimeoutError):
        cells = wait_until(lambda: (lambda ok, c: c if ok else None)(*shown()), RENDER_TIMEOUT,
                           "every image and widget rendered")
    if len(cells) != len(expected):
        run.problems.append(f"{len(cells)} code cells on the page, {len(expected)} in the saved file")
        return
    for number, (seen, want) in enumerate(zip(cells, expected), start=1):
        if seen["widgetErrors"]:
            run.problems.append(f"cell {number}: {seen['widgetErrors'][0]}")
        if seen["widgetsRendered"] < want["widgets"]:
            run.problems.append(f"cell {number}: {want['widgets']} widget outputs, {seen['widgetsRendered']} rendered")
        if seen["images"] < want["images"]:
            run.problems.append(f"cell {number}: {want['images']} images in the file, {seen['images']} shown")
        run.images += seen["images"]
        run.widgets += seen["widgetsRendered"]
