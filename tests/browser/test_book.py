"""The static book (``make book``) in headless Chromium, offline: every page, its math, images and links.

``_build/html`` is served on 127.0.0.1 by a throwaway ``http.server``; every request the browser makes to any
other host is blocked and listed, and the list must be empty (the book must work with no network). On each
page: no script error, no local file missing; MathJax's startup promise resolves and every ``.math`` element
has become exactly one ``mjx-container``, none an ``mjx-merror``; every image has loaded; every link within
the site answers 200. Each notebook has a page that shows its stored pictures (the explorers' included) byte
for byte, in order, and folds each ``solution`` cell under a closed "Show the solution" toggle.

    make book && .venv/bin/python -m pytest tests/browser/test_book.py -m browser
"""

import base64
import functools
import hashlib
import http.server
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import nbformat
import pytest

from labdriver.server import REPO, notebooks_dir

pytestmark = pytest.mark.browser

SITE = REPO / "_build" / "html"
NOTEBOOKS = sorted(notebooks_dir().glob("[0-9]*.ipynb"))
REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE)
HTML_FILES = sorted(SITE.glob("*.html")) if SITE.is_dir() else []
PAGES = [path for path in HTML_FILES if not REDIRECT.search(path.read_text(encoding="utf-8"))]
MATHJAX_TIMEOUT_MS = 30_000
SOLUTION_TAG = "solution"

PAGE_REPORT_JS = """async (TIMEOUT) => {
    const math = document.querySelectorAll('.math');
    if (math.length && !(window.MathJax && window.MathJax.startup)) {
        return {error: `${math.length} .math elements but MathJax did not start (is its script there?)`};
    }
    if (window.MathJax && window.MathJax.startup) {
        const late = new Promise((_, reject) => setTimeout(() => reject(new Error('MathJax startup timed out')), TIMEOUT));
        await Promise.race([window.MathJax.startup.promise, late]);
    }
    const unrendered = [...math].filter(m => m.querySelectorAll('mjx-container').length !== 1);
    const images = [...document.images];
    return {
        math: math.length,
        containers: document.querySelectorAll('mjx-container').length,
        unrendered: unrendered.slice(0, 3).map(m => m.textContent.slice(0, 80)),
        unrendered_count: unrendered.length,
        merrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
        images: images.length,
        broken_images: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
        links: [...document.querySelectorAll('a[href]')].map(a => a.href),
        output_images: [...document.querySelectorAll('.cell_output img')].map(i => i.src),
        solution_cells: document.querySelectorAll('.cell.tag_solution').length,
        folded_solutions: [...document.querySelectorAll('.cell.tag_solution')].filter(cell => {
            const toggle = cell.querySelector(':scope > details');
            return toggle && !toggle.open && toggle.querySelector('summary').textContent.includes('Show the solution');
        }).length,
    };
}"""


def older(path, than):
    return path.stat().st_mtime < than.stat().st_mtime


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """``_build/html`` served on 127.0.0.1 (a free port); yields its base URL."""
    index = SITE / "index.html"
    if not index.is_file():
        pytest.fail(f"{index.relative_to(REPO)} is missing: run `make book` first", pytrace=False)
    stale = [
        nb.name
        for nb in NOTEBOOKS
        if (SITE / f"{nb.stem}.html").is_file() and older(SITE / f"{nb.stem}.html", nb)
    ]
    if stale:
        pytest.fail(f"the book is older than {', '.join(stale)}: run `make book` again", pytrace=False)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def offline_context(browser, site):
    """A browser context where only the book's own server answers: ``.blocked`` lists everything else asked."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    origin = urllib.parse.urlsplit(site).netloc
    context.blocked = []

    def route(request_route):
        url = request_route.request.url
        if urllib.parse.urlsplit(url).netloc == origin:
            request_route.continue_()
        else:
            context.blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    try:
        yield context
    finally:
        context.close()


def status_of(url):
    """The HTTP status the local server gives ``url`` (fragment dropped)."""
    try:
        with urllib.request.urlopen(urllib.parse.urldefrag(url).url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def visit(context, site, name):
    """Open one page of the book; return its report (PAGE_REPORT_JS) plus its script errors and failed loads."""
    context.blocked.clear()
    page = context.new_page()
    errors, failed = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    try:
        page.goto(site + name, wait_until="load")
        report = page.evaluate(PAGE_REPORT_JS, MATHJAX_TIMEOUT_MS)
    finally:
        page.close()
    report["page_errors"] = errors
    report["failed"] = [f for f in failed if not f.startswith("failed ") or site in f]
    report["blocked"] = list(context.blocked)
    return report


def stored_pictures(notebook):
    """sha256 of each stored PNG output of a notebook, in cell order (the explorers' pictures included)."""
    nb = nbformat.read(notebook, as_version=4)
    return [
        hashlib.sha256(base64.b64decode(output["data"]["image/png"])).hexdigest()
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]


def solution_count(notebook):
    nb = nbformat.read(notebook, as_version=4)
    return sum(SOLUTION_TAG in cell.metadata.get("tags", []) for cell in nb.cells)


def test_every_notebook_has_a_page():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    missing = [nb.name for nb in NOTEBOOKS if not (SITE / f"{nb.stem}.html").is_file()]
    assert not missing, f"no page in {SITE.relative_to(REPO)} for {missing}: run `make book`"


def test_index_leads_to_the_landing_page(offline_context, site):
    index = SITE / "index.html"
    assert index.is_file(), "no index.html: run `make book`"
    match = REDIRECT.search(index.read_text(encoding="utf-8"))
    if match is None:
        assert index in PAGES
        return
    assert (SITE / match.group(1)).is_file(), (
        f"index.html redirects to {match.group(1)}, which is not in the book"
    )
    page = offline_context.new_page()
    try:
        page.goto(site + "index.html")
        page.wait_for_url(site + match.group(1))
    finally:
        page.close()


@pytest.mark.parametrize("page", [p.name for p in PAGES], ids=[p.stem for p in PAGES])
def test_page_renders_offline(offline_context, site, page):
    report = visit(offline_context, site, page)
    assert "error" not in report, report["error"]
    assert report["blocked"] == [], f"requests to other hosts (blocked): {report['blocked']}"
    assert report["page_errors"] == [], f"script errors on {page}: {report['page_errors']}"
    assert report["failed"] == [], f"files the page asked for and did not get: {report['failed']}"
    assert report["unrendered_count"] == 0, (
        f"{report['unrendered_count']} .math not rendered: {report['unrendered']}"
    )
    assert report["containers"] == report["math"], (
        f"{report['containers']} mjx-container for {report['math']} .math"
    )
    assert report["merrors"] == [], f"MathJax errors: {report['merrors']}"
    assert report["broken_images"] == [], f"images that did not load: {report['broken_images']}"
    internal = sorted({urllib.parse.urldefrag(link).url for link in report["links"] if link.startswith(site)})
    dead = [(link, code) for link in internal if (code := status_of(link)) != 200]
    assert dead == [], f"internal links that do not answer 200: {dead}"
    stem = page.removesuffix(".html")
    notebook = next((nb for nb in NOTEBOOKS if nb.stem == stem), None)
    if notebook is not None:
        assert report["math"] > 0, f"{page}: no math found on a notebook's page"
        shown = [hashlib.sha256(fetch(src)).hexdigest() for src in report["output_images"]]
        assert shown == stored_pictures(notebook), (
            f"{page}: the pictures shown are not the notebook's stored PNGs"
        )
        solutions = solution_count(notebook)
        assert report["solution_cells"] == solutions, (
            f"{page}: {report['solution_cells']} of {solutions} solution cells"
        )
        assert report["folded_solutions"] == solutions, (
            f"{page}: {solutions - report['folded_solutions']} solution cells not folded under 'Show the solution'"
        )
