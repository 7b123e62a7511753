"""The browser driver's own checks that need no browser: argument checks, a safe stop(), and page.py calling
only functions that page.js defines (a misspelt name would fail only inside a page, minutes into a run).

Marked ``browser`` so that ``make browser-test`` runs them with the driver they guard.
"""

import re

import pytest

from labdriver.page import PAGE_JS, LabNotebook
from labdriver.server import LabServer

pytestmark = pytest.mark.browser


def test_server_rejects_bad_arguments(tmp_path):
    a_file = tmp_path / "not_a_folder.ipynb"
    a_file.write_text("{}")
    with pytest.raises(ValueError, match="folder"):
        LabServer(a_file)
    with pytest.raises(ValueError, match="extra_notebooks"):
        LabServer(tmp_path, extra_notebooks={"sub/x.ipynb": {}})
    with pytest.raises(ValueError, match="startup_timeout"):
        LabServer(tmp_path, startup_timeout=0)


def test_stop_is_safe_before_start_and_twice(tmp_path):
    server = LabServer(tmp_path)
    server.stop()
    server.stop()
    assert server.process is None and server.tmp is None


class _Page:
    """Just enough of a Playwright page for LabNotebook's argument checks (nothing is evaluated)."""

    def __init__(self):
        self.scripts = []

    def add_init_script(self, path):
        self.scripts.append(path)


def test_notebook_adds_page_js_and_checks_its_arguments():
    page = _Page()
    nb = LabNotebook(page, server=None, name="01_x.ipynb")
    assert page.scripts == [PAGE_JS]
    with pytest.raises(ValueError, match="name"):
        LabNotebook(page, server=None, name="01_x.py")
    with pytest.raises(ValueError, match="fields"):
        nb.wait_for_change(explorer=None, before={}, fields=("colour",))
    with pytest.raises(ValueError, match="timeout"):
        nb.wait_for_change(explorer=None, before={}, timeout=0)
    with pytest.raises(TypeError, match="code"):
        nb.execute_in_kernel(["print(1)"])


def test_page_py_calls_only_functions_page_js_exports():
    js = PAGE_JS.read_text(encoding="utf-8")
    exported = re.search(r"globalThis\.bpLab = Object\.freeze\(\{([^}]*)\}\)", js)
    assert exported, "page.js must end by assigning globalThis.bpLab = Object.freeze({...})"
    exported = {name.strip() for name in exported.group(1).split(",") if name.strip()}
    source = PAGE_JS.with_suffix(".py").read_text(encoding="utf-8")
    called = set(re.findall(r'_call\("(\w+)"', source))
    called |= set(re.findall(r'_wait\("(\w+)"', source))
    called |= set(re.findall(r'_CALL_ON, \["(\w+)"', source))
    assert {"panelReady", "runAll", "waitForChange", "watch", "controls"} <= called  # the regexes still match
    assert called <= exported, f"page.py calls {sorted(called - exported)}, which page.js does not export"
    for name in exported:
        assert re.search(rf"\bfunction {name}\(", js), f"page.js exports {name} but defines no such function"
