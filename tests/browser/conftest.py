"""Fixtures of the real-browser test: one JupyterLab server and one headless Chromium for the whole session.

Without Chromium (or Playwright) the tests skip with a message saying how to install it; under CI
(``CI=true``) they fail instead, since a CI run that silently skipped the browser check proves nothing.
"""

import os

import pytest

from labdriver.browser import launch_browser, missing_browser_reason
from labdriver.server import LabServer, notebooks_dir, stop_on_sigterm


def running_in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser_available():
    reason = missing_browser_reason()
    if reason is None:
        return
    if running_in_ci():
        pytest.fail(
            f"{reason}. (CI=true: the browser test must run in CI, so this fails rather than skips)",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab(browser_available):
    """JupyterLab serving a temporary copy of notebooks/ (nothing is ever saved into the repository)."""
    with stop_on_sigterm(), LabServer(notebooks_dir()) as server:
        yield server
