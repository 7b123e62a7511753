"""pytest configuration shared by the unit tests and nbval.

nbval compares every stored output of every notebook cell (``make test`` runs it strictly). Widget views are
skipped by nbval itself; a cell whose stored output is a live widget view (an ``Output`` widget's content
would arrive as plain outputs under nbval, which has no widget routing) is run — so errors still fail — but
not compared. The explorers store a static PNG and a fixed text line instead, which nbval does compare.
"""

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None or not hasattr(item, "options"):
            continue
        if any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", [])):
            item.options["check"] = False
