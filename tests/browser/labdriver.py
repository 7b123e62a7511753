"""Drive JupyterLab in headless Chromium: a throwaway server, a notebook opened and run, its explorers found.

Shared by ``test_notebooks_in_lab.py`` and ``benchmarks/browser_latency.py``. Playwright's sync API is used
directly (no pytest-playwright), with Debian's Chromium (Playwright's own browser download does not work on
the project's machines). What this relies on was verified on the project's machine kind (JupyterLab 4.6,
Chromium 156): ``--expose-app-in-browser`` gives ``window.jupyterapp``; ``/lab/tree/NAME?reset`` opens one
notebook without restoring old tabs; ``notebook:run-all-cells`` runs it; ipywidgets 8 sliders are noUiSlider
(``.noUi-handle``: click, then arrow keys).

The explorers (``backprop_helpers.widgets.Explorer``) are found by CSS class: ``.bp-explorer`` (the whole
widget), ``.bp-figure`` (the ``<img>`` of the figure), ``.bp-readout`` (the numbers), ``.bp-message``.
"""

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "CHROMIUM_ARGS",
    "REPO",
    "LabNotebook",
    "LabServer",
    "chromium_path",
    "launch_browser",
    "missing_browser_reason",
    "notebooks_dir",
    "running_in_ci",
    "stop_on_sigterm",
    "tail",
]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RUNNING = set()  # servers started and not yet stopped


def chromium_path():
    """The browser to drive: ``$CHROMIUM`` if set, else Debian's ``/usr/bin/chromium``."""
    return os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM


def notebooks_dir():
    """The folder of notebooks to check: ``$BP_NOTEBOOKS_DIR`` if set (to try the harness), else notebooks/."""
    return Path(os.environ.get("BP_NOTEBOOKS_DIR") or REPO / "notebooks")


def running_in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_browser_reason():
    """Why the browser test cannot run here (a sentence saying how to fix it), or None when it can."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (
            f"Chromium not found at {path}: install it with `sudo apt-get install chromium` "
            "(or `make chromium`), or set CHROMIUM=/path/to/chromium"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Playwright for Python is not installed: `.venv/bin/pip install -c constraints.txt -e '.[browser]'` "
            "(make browser-test does it; it also needs Chromium: `sudo apt-get install chromium`)"
        )
    return None


@contextlib.contextmanager
def stop_on_sigterm():
    """Turn SIGTERM (a CI job's timeout, ``kill``) into KeyboardInterrupt while inside, so that pytest stops
    as on Ctrl-C and the ``finally`` blocks that stop the server run: no Jupyter process is left behind.
    The old handler comes back after.
    """
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum, frame):
        for server in list(_RUNNING):  # first, in case the exception below is swallowed somewhere
            server.stop()
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def launch_browser(playwright):
    """Headless Chromium from ``chromium_path()``; never Playwright's own download."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """``jupyter lab`` on loopback, serving a temporary copy of a notebook folder; nothing leaks into ``~``.

    The copy means a run never saves into the repository. Jupyter's runtime, config, data, settings and
    workspace folders and IPython's folder all point into the same temporary directory. The server runs in
    its own process group; ``stop()`` shuts the kernels down through the REST API, then terminates the
    group, kills whatever is left (kernels run in sessions of their own) and removes the directory.

    ``extra_notebooks`` maps a file name to a notebook (nbformat node or dict) written beside the copies.
    """

    def __init__(self, folder=None, *, extra_notebooks=None, startup_timeout=90):
        self.notebooks_dir = Path(folder) if folder is not None else notebooks_dir()
        self.extra_notebooks = dict(extra_notebooks or {})
        self.startup_timeout = startup_timeout
        self.process = None
        self.tmp = None
        self.port = None
        self.token = secrets.token_hex(24)
        self._log = None

    # -- life cycle ---------------------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name):
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bp-lab-"))
        self.root = self.tmp / "notebooks"
        if self.notebooks_dir.is_dir():
            shutil.copytree(
                self.notebooks_dir,
                self.root,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
        else:
            self.root.mkdir()
        for name, nb in self.extra_notebooks.items():
            (self.root / name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
        self._write_lab_settings(self.tmp / "lab-settings")
        env = dict(
            os.environ,
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_DATA_DIR=str(self.tmp / "data"),
            JUPYTERLAB_SETTINGS_DIR=str(self.tmp / "lab-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
            IPYTHONDIR=str(self.tmp / "ipython"),
            # the kernel imports backprop_helpers from this checkout, whatever the venv's editable install says
            PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
        )
        env.pop("JUPYTER_PATH", None)
        self._log = open(self.tmp / "jupyter-lab.log", "wb")  # closed in stop()
        atexit.register(self.stop)
        _RUNNING.add(self)
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            command = [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--expose-app-in-browser",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.append("--allow-root")
            self.process = subprocess.Popen(
                command,
                cwd=self.tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() can kill it and its children at once
            )
            if self._wait_ready():
                return self
        raise RuntimeError(f"jupyter lab did not start:\n{self.log_tail()}")

    @staticmethod
    def _write_lab_settings(folder):
        # no news/update prompt covering the notebook in screenshots, and no requests to the internet
        path = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")

    def _wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "already in use" in self.log_tail():
                    return False  # the port was taken between the probe and the bind: try another
                raise RuntimeError(
                    f"jupyter lab exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                if self.api("GET", "/api/status", timeout=2) is not None:
                    return True
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars=4000):
        if self.tmp is None:
            return ""
        try:
            return (self.tmp / "jupyter-lab.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def log_size(self):
        """Where the server's log (which also receives the kernels' own stderr) ends now."""
        try:
            return (self.tmp / "jupyter-lab.log").stat().st_size
        except (OSError, TypeError):
            return 0

    def log_since(self, offset):
        try:
            with open(self.tmp / "jupyter-lab.log", "rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except (OSError, TypeError):
            return ""

    def api(self, method, path, timeout=10):
        """Call the server's REST API; returns the decoded JSON (or {} for an empty body)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def shutdown_kernels(self):
        with contextlib.suppress(OSError, ValueError):
            for session in self.api("GET", "/api/sessions"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
            for kernel in self.api("GET", "/api/kernels"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def stop(self):
        """Idempotent: kernels shut down, the process group terminated (then killed), the temp dir removed."""
        _RUNNING.discard(self)
        process, self.process = self.process, None
        if process is not None:
            children = []
            try:
                import psutil

                children = psutil.Process(process.pid).children(recursive=True)
            except Exception:  # psutil missing or the server already gone
                children = []
            if process.poll() is None:
                self.shutdown_kernels()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # anything left in the group
            for child in children:  # kernels live in process groups of their own
                with contextlib.suppress(Exception):
                    if child.is_running():
                        child.kill()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# -- in-page JavaScript ------------------------------------------------------------------------------

_JS_PANEL_READY = """
(name) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== name || !w.sessionContext || !w.context.isReady) return false;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  window.__bp = {panel: w, iopub: []};
  kernel.iopubMessage.connect((_, msg) => {
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'error') {
      window.__bp.iopub.push({kind: 'error', text: c.ename + ': ' + c.evalue + '\\n' + c.traceback.join('\\n')});
    } else if (t === 'stream' && c.name === 'stderr') {
      window.__bp.iopub.push({kind: 'stderr', text: c.text});
    }
  });
  return true;
}
"""

_JS_RUN_ALL = """
async () => {
  const app = window.jupyterapp;
  app.shell.activateById(window.__bp.panel.id);
  await app.commands.execute('notebook:clear-all-cell-outputs');
  window.__bp.runAll = app.commands.execute('notebook:run-all-cells');
}
"""

_JS_RUN_DONE = """
() => {
  const panel = window.__bp.panel;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.widgets.filter((c) => c.model.type === 'code');
  if (cells.some((c) => c.promptNode && c.promptNode.textContent.includes('*'))) return false;
  const counted = cells.every((c) => c.model.executionCount !== null);
  const stopped = cells.some((c) => c.model.outputs.toJSON().some((o) => o.output_type === 'error'));
  return counted || stopped;
}
"""

# Every widget-view output has been rendered (into a view or into an error message).
_JS_WIDGETS_RENDERED = """
() => {
  const sel = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]';
  return [...window.__bp.panel.node.querySelectorAll(sel)].every((el) => el.children.length > 0);
}
"""

_JS_CELLS = """
() => window.__bp.panel.content.widgets.map((c, i) => ({
  index: i,
  type: c.model.type,
  source: c.model.sharedModel.getSource(),
  tags: (c.model.getMetadata && c.model.getMetadata('tags')) || [],
  executionCount: c.model.type === 'code' ? c.model.executionCount : null,
  outputs: c.model.type === 'code' ? c.model.outputs.toJSON().map((o) => ({
    output_type: o.output_type,
    name: o.name || null,
    text: o.output_type === 'error' ? (o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n'))
        : (typeof o.text === 'string' ? o.text : Array.isArray(o.text) ? o.text.join('') : null),
    mimes: o.data ? Object.keys(o.data) : [],
  })) : [],
  stderrShown: [...c.node.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map((e) => e.innerText),
  widgetErrors: [...c.node.querySelectorAll('.jp-OutputArea-output')]
    .map((e) => e.innerText).filter((t) => t.includes('Error displaying widget')),
  tracebacksShown: [...c.node.querySelectorAll('.jp-OutputArea-output')]
    .map((e) => e.innerText).filter((t) => t.includes('Traceback (most recent call last)')),
}))
"""

# The observable state of one explorer (element = the .bp-explorer node).
_JS_EXPLORER_STATE = """
(el) => {
  const fig = el.querySelector('.bp-figure');
  const img = fig && (fig.tagName === 'IMG' ? fig : fig.querySelector('img'));
  const text = (sel) => { const e = el.querySelector(sel); return e ? e.innerText.trim() : null; };
  return {
    src: img ? img.src : null,
    imgWidth: img ? img.naturalWidth : 0,
    imgHeight: img ? img.naturalHeight : 0,
    imgShownWidth: img ? img.getBoundingClientRect().width : 0,
    imgShownHeight: img ? img.getBoundingClientRect().height : 0,
    readout: text('.bp-readout'),
    message: text('.bp-message'),
    sliders: [...el.querySelectorAll('.widget-slider .widget-readout')].map((e) => e.innerText),
  };
}
"""

_JS_CONTROLS = """
(el) => {
  const label = (box) => { const l = box.querySelector('.widget-label'); return l ? l.innerText.trim() : ''; };
  const sliders = [...el.querySelectorAll('.widget-slider')].map((box, i) => {
    const h = box.querySelector('.noUi-handle');
    return {index: i, label: label(box),
            now: h ? parseFloat(h.getAttribute('aria-valuenow')) : null,
            min: h ? parseFloat(h.getAttribute('aria-valuemin')) : null,
            max: h ? parseFloat(h.getAttribute('aria-valuemax')) : null};
  });
  const buttons = [...el.querySelectorAll('button.widget-button')].map((b, i) => ({
    index: i, label: (b.innerText || b.title || '').trim(), disabled: b.disabled}));
  const dropdowns = [...el.querySelectorAll('.widget-dropdown')].map((box, i) => {
    const select = box.querySelector('select');
    return {index: i, label: label(box), options: select ? [...select.options].map((o) => o.text) : [],
            selected: select ? select.selectedIndex : -1};
  });
  return {sliders, buttons, dropdowns};
}
"""


class LabNotebook:
    """One notebook open in one Playwright page: open → run_all → explorers, problems, shutdown."""

    PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

    def __init__(self, page, server, name):
        self.page = page
        self.server = server
        self.name = name

    def open(self, timeout=90):
        self.page.goto(
            self.server.notebook_url(self.name), wait_until="domcontentloaded", timeout=timeout * 1000
        )
        self.page.wait_for_function(_JS_PANEL_READY, arg=self.name, timeout=timeout * 1000, polling=200)
        return self

    def run_all(self, timeout=300):
        """Clear, run every cell, wait until the kernel is idle and each cell ran (or one raised)."""
        self.page.evaluate(_JS_RUN_ALL)
        self.page.wait_for_function(_JS_RUN_DONE, timeout=timeout * 1000, polling=250)
        self.page.wait_for_function(_JS_WIDGETS_RENDERED, timeout=30_000, polling=100)
        return self

    def cells(self):
        return self.page.evaluate(_JS_CELLS)

    def iopub_problems(self):
        """Errors and stderr the kernel sent since the notebook was opened (also from widget callbacks)."""
        return [{**p, "text": ANSI.sub("", p["text"])} for p in self.page.evaluate("() => window.__bp.iopub")]

    def problems(self):
        """What a reader would see as broken: errors, tracebacks, stderr, widgets that failed to display,
        cells left unrun. A cell tagged ``raises-exception`` may show its error."""
        found = []
        for cell in self.cells():
            if cell["type"] != "code":
                continue
            where = f"cell {cell['index']} ({_first_line(cell['source'])!r})"
            allowed = "raises-exception" in cell["tags"]
            if cell["executionCount"] is None:
                found.append(f"{where} did not run (Run All stopped before it)")
            for output in cell["outputs"]:
                text = ANSI.sub("", output["text"] or "")
                if output["output_type"] == "error" and not allowed:
                    found.append(f"{where} raised:\n{tail(text.split(chr(10), 1)[-1])}")
                elif output["name"] == "stderr":
                    found.append(f"{where} wrote to stderr:\n{tail(text)}")
            for text in cell["widgetErrors"]:
                found.append(f"{where} shows a widget error: {tail(text)}")
            already = any(o["output_type"] == "error" or o["name"] == "stderr" for o in cell["outputs"])
            for text in cell["stderrShown"] + cell["tracebacksShown"]:
                if ("Traceback" in text or "Error" in text) and not allowed and not already:
                    found.append(f"{where} shows an error output:\n{tail(text)}")
                    break
        return found

    # -- explorers -------------------------------------------------------------------------------

    def explorers(self):
        return self.page.locator(f"{self.PANEL} .bp-explorer")

    def explorer_state(self, explorer):
        return explorer.evaluate(_JS_EXPLORER_STATE)

    def explorer_controls(self, explorer):
        return explorer.evaluate(_JS_CONTROLS)

    def press_slider_keys(self, explorer, slider_index, presses=3, key=None):
        """Click a slider's handle, as a person would, then press an arrow key ``presses`` times.

        The direction is ArrowRight unless the handle sits in the upper part of its range. Returns the key.
        """
        handle = explorer.locator(".widget-slider").nth(slider_index).locator(".noUi-handle").first
        if key is None:
            info = self.explorer_controls(explorer)["sliders"][slider_index]
            key = "ArrowRight"
            if None not in (info["now"], info["min"], info["max"]) and info["max"] > info["min"]:
                if (info["now"] - info["min"]) / (info["max"] - info["min"]) > 0.7:
                    key = "ArrowLeft"
        handle.scroll_into_view_if_needed()
        handle.click()
        for _ in range(presses):
            self.page.keyboard.press(key)
        return key

    def wait_for_change(self, explorer, before, *, timeout=10.0, settle=0.4, fields=("src", "readout")):
        """Wait until the explorer shows something new, then until it stops changing.

        Returns the new state. Fields that did not change within ``timeout`` keep their old value.
        """
        deadline = time.monotonic() + timeout
        state = self.explorer_state(explorer)
        while time.monotonic() < deadline and all(state[f] == before[f] for f in fields):
            time.sleep(0.05)
            state = self.explorer_state(explorer)
        # one field moved: give the others a moment, then wait for the picture to settle
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            new = self.explorer_state(explorer)
            if any(new[f] != state[f] for f in (*fields, "message")):
                state, last_change = new, time.monotonic()
            elif time.monotonic() - last_change > settle and all(state[f] != before[f] for f in fields):
                break
            elif time.monotonic() - last_change > max(settle, 1.5):
                break
        return state

    def execute_in_kernel(self, code, timeout=60):
        """Run code in the notebook's kernel (no cell, no history); returns its stdout."""
        script = """
        async (code) => {
          const kernel = window.__bp.panel.sessionContext.session.kernel;
          const future = kernel.requestExecute({code, silent: false, store_history: false});
          let out = '', err = '';
          future.onIOPub = (msg) => {
            const t = msg.header.msg_type, c = msg.content;
            if (t === 'stream' && c.name === 'stdout') out += c.text;
            if (t === 'stream' && c.name === 'stderr') err += c.text;
            if (t === 'error') err += c.ename + ': ' + c.evalue;
          };
          await future.done;
          return {out, err};
        }
        """
        result = self.page.evaluate(script, code)
        if result["err"]:
            raise RuntimeError(f"kernel code failed: {ANSI.sub('', result['err'])}")
        return result["out"]

    def shutdown_kernel(self):
        with contextlib.suppress(Exception):
            self.page.evaluate("async () => { await window.__bp.panel.sessionContext.shutdown(); }")


def _first_line(source):
    lines = [line for line in source.splitlines() if line.strip()]
    return (lines[0][:60] + ("…" if len(lines[0]) > 60 else "")) if lines else ""


def tail(text, lines=12):
    """The last lines of a traceback or log: where it ends is what says what went wrong."""
    return "\n".join(text.strip().splitlines()[-lines:])
