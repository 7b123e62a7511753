"""A throwaway JupyterLab server: loopback, a random token, temporary Jupyter folders, its own process group.

What this relies on was verified on the project's machine kind (JupyterLab 4.6): ``--expose-app-in-browser``
gives ``window.jupyterapp`` (``page.js`` drives Lab through it); ``/lab/tree/NAME?reset`` opens one notebook
without restoring old tabs.
"""

import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

__all__ = ["REPO", "LabServer", "notebooks_dir", "stop_on_sigterm"]

REPO = Path(__file__).resolve().parents[1]
_RUNNING = set()  # servers started and not yet stopped, for the SIGTERM handler


def notebooks_dir():
    """The folder of notebooks to serve: ``$BP_NOTEBOOKS_DIR`` if set (to try the harness), else notebooks/."""
    return Path(os.environ.get("BP_NOTEBOOKS_DIR") or REPO / "notebooks")


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


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """``jupyter lab`` on loopback, serving a temporary copy of a notebook folder; nothing leaks into ``~``.

    The copy means a run never saves into the repository. Jupyter's runtime, config, data, settings and
    workspace folders and IPython's folder all point into the same temporary directory. The server runs in
    its own process group; ``stop()`` shuts the kernels down through the REST API, then terminates the
    group, kills whatever is left (kernels run in sessions of their own) and removes the directory. A
    second ``stop()`` does nothing.

    ``extra_notebooks`` maps a file name to a notebook (nbformat node or dict) written beside the copies.
    """

    def __init__(self, folder=None, *, extra_notebooks=None, startup_timeout=90):
        self.notebooks_dir = Path(folder) if folder is not None else notebooks_dir()
        if self.notebooks_dir.exists() and not self.notebooks_dir.is_dir():
            raise ValueError(f"folder must be a folder of notebooks, got the file {self.notebooks_dir}")
        self.extra_notebooks = dict(extra_notebooks or {})
        for name in self.extra_notebooks:
            if not str(name).endswith(".ipynb") or Path(name).name != name:
                raise ValueError(f"extra_notebooks keys must be bare file names ending .ipynb, got {name!r}")
        if not startup_timeout > 0:
            raise ValueError(f"startup_timeout must be a positive number of seconds, got {startup_timeout!r}")
        self.startup_timeout = startup_timeout
        self.process = None
        self.tmp = None
        self.root = None
        self.port = None
        self.token = secrets.token_hex(24)
        self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name):
        """The page that opens notebook ``name`` alone (``?reset``: no tabs restored from a workspace)."""
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    # -- start ----------------------------------------------------------------------------------------

    def start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bp-lab-"))
        self.root = self.tmp / "notebooks"
        if self.notebooks_dir.is_dir():
            ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
            shutil.copytree(self.notebooks_dir, self.root, ignore=ignore)
        else:
            self.root.mkdir()
        for name, nb in self.extra_notebooks.items():
            (self.root / name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
        self._write_lab_settings(self.tmp / "lab-settings")
        self._log = open(self.tmp / "jupyter-lab.log", "wb")  # closed in stop()
        atexit.register(self.stop)
        _RUNNING.add(self)
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            self.process = subprocess.Popen(
                self._command(),
                cwd=self.tmp,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() can kill it and its children at once
            )
            if self._wait_ready():
                return self
        raise RuntimeError(f"jupyter lab did not start:\n{self.log_tail()}")

    def _command(self):
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
        return command

    def _environment(self):
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
        return env

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
            time.sleep(0.2)  # the server is another process: asking its REST API is the only way to know
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    # -- the log and the REST API -----------------------------------------------------------------------

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

    # -- stop -----------------------------------------------------------------------------------------

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
            children = _descendants(process.pid)
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


def _descendants(pid):
    """The server's child processes (kernels), found before it stops; [] without psutil."""
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # psutil missing or the server already gone
        return []
