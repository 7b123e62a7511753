"""A Sphinx extension for the book: each inline script once per page.

Sphinx 7 (which Jupyter Book 1 requires) writes an inline script twice when an extension adds it after the
builder started, once as filename ``None`` and once as ``''`` (``StandaloneHTMLBuilder.prepare_writing``).
For sphinx-thebe's ``const THEBE_JS_URL = …`` the second copy is a script error on every page
("Identifier 'THEBE_JS_URL' has already been declared"). The page context's script list is de-duplicated
here, before the page is rendered; the builder's own list is left alone.
"""


def script_key(script):
    """What makes two scripts the same: file (``None`` and ``''`` alike), priority, attributes (body too)."""
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler: keep the first of each script in ``context["script_files"]``."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
