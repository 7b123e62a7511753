"""Which Chromium to drive, whether it is there, and how it is launched.

Playwright's sync API is used directly (no pytest-playwright), with Debian's Chromium: Playwright's own
browser download does not work on the project's machines. Verified with Chromium 156.
"""

import os

__all__ = ["CHROMIUM_ARGS", "DEFAULT_CHROMIUM", "chromium_path", "launch_browser", "missing_browser_reason"]

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


def chromium_path():
    """The browser to drive: ``$CHROMIUM`` if set, else Debian's ``/usr/bin/chromium``."""
    return os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM


def missing_browser_reason():
    """Why the browser cannot be driven here (a sentence saying how to fix it), or None when it can."""
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


def launch_browser(playwright):
    """Headless Chromium from ``chromium_path()``; never Playwright's own download."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
