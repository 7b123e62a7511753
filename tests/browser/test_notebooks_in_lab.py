"""Every notebook, run in JupyterLab in headless Chromium, as a learner would use it.

For each ``notebooks/NN_*.ipynb``: open it in Lab, Run All, and check that no cell shows an error, a
traceback, stderr or "Error displaying widget" and that every cell ran. Then, for each explorer
(``.bp-explorer``): its controls, figure and read-out are visible; every slider is moved with the keyboard
(click the handle, then arrow keys); at least one slider must change both the read-out and the figure; a
Step/Train/backward() button must change the read-out or the figure, and Reset must then change it back; a
drop-down's next choice (the BCE loss, the fork) must keep the first slider and that button working; a switch
(checkbox) must change the read-out or the figure when turned on and off again.
Anything the kernel reports while the controls are used (an exception in a callback, stderr) fails too.

Screenshots of every explorer before and after go to ``screenshots/`` (gitignored), with a JSON summary
per notebook. Controls that change nothing visible are reported as ``ExplorerNote`` warnings.

    make browser-test            # installs playwright + Debian chromium, then runs this
    .venv/bin/python -m pytest tests/browser -m browser
"""

import json
import re
import time
import warnings

import pytest

from labdriver.page import LabNotebook, tail
from labdriver.server import REPO, notebooks_dir

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(notebooks_dir().glob("[0-9]*.ipynb"))
SCREENSHOTS = REPO / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
RUN_TIMEOUT = 240  # seconds for Run All of one notebook (each is meant to run in < 30 s)
CHANGE_TIMEOUT = 8.0  # seconds for a control change to reach the page
ADVANCE = re.compile(r"step|train|backward|epoch|run|play|next", re.IGNORECASE)
RESET = re.compile(r"reset", re.IGNORECASE)
# a choice whose lesson is a sentence on the message line: (drop-down label, option) → words it must contain
CHOICE_MESSAGES = {("init", "equal rows"): "identical"}  # 05: equal rows of W1 stay equal
CONTROL_SELECTOR = (
    ".widget-slider, button, .widget-dropdown, .widget-checkbox, .widget-toggle-buttons, "
    ".widget-radio, .widget-text, .widget-hslider, .widget-vslider"
)


class ExplorerNote(UserWarning):
    """Something about an explorer worth a look that is not a failure (a control that changes nothing)."""


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found: the browser test would check nothing"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_in_lab_and_its_explorers_respond(lab, browser, notebook):
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob(f"{notebook.stem}-*"):
        old.unlink()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    nb = LabNotebook(page, lab, notebook.name)
    problems, report = [], {"notebook": notebook.name, "explorers": []}
    started = time.monotonic()
    try:
        nb.open()
        report["open_s"] = round(time.monotonic() - started, 2)
        nb.run_all(timeout=RUN_TIMEOUT)
        report["run_all_s"] = round(time.monotonic() - started - report["open_s"], 2)
        problems += nb.problems()
        seen_from_kernel = len(nb.iopub_problems())  # the cells' own errors are reported by problems()
        log_start = lab.log_size()  # an exception in a comm handler may only reach the kernel's log
        explorers = nb.explorers()
        count = explorers.count()
        if count == 0:
            problems.append("no explorer (.bp-explorer) is displayed after Run All")
        for k in range(count):
            name = f"{notebook.stem}-explorer{k + 1}"
            summary, found = check_explorer(nb, explorers.nth(k), name)
            report["explorers"].append(summary)
            problems += [f"explorer {k + 1}: {p}" for p in found]
        reported = [f"{p['kind']}:\n{tail(p['text'])}" for p in nb.iopub_problems()[seen_from_kernel:]]
        for text in dict.fromkeys(reported):  # once each, in order, with a count
            times = f" ({reported.count(text)} times)" if reported.count(text) > 1 else ""
            problems.append(f"the kernel reported {text.replace(':', times + ':', 1)}")
        if "Traceback" in lab.log_since(log_start):
            problems.append(
                f"the server log shows a traceback while the controls were used:\n{tail(lab.log_since(log_start), 25)}"
            )
        problems += [f"after using the explorers: {p}" for p in nb.problems() if p not in problems]
    except Exception:
        page.screenshot(path=SCREENSHOTS / f"{notebook.stem}-FAILED.png", full_page=False)
        raise
    finally:
        report["total_s"] = round(time.monotonic() - started, 2)
        report["problems"] = problems
        (SCREENSHOTS / f"{notebook.stem}-report.json").write_text(
            json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        if problems:
            page.screenshot(path=SCREENSHOTS / f"{notebook.stem}-FAILED.png")
        nb.shutdown_kernel()
        context.close()
    if problems:
        pytest.fail(
            f"{notebook.name} (screenshots/{notebook.stem}-FAILED.png):\n\n" + "\n\n".join(problems),
            pytrace=False,
        )


def shows_change(before, after):
    """Whether the explorer's read-out or its figure differs between two ``explorer_state`` snapshots."""
    return after["readout"] != before["readout"] or after["src"] != before["src"]


def check_explorer(nb, explorer, name):
    """Drive one explorer; returns (summary dict, list of problems)."""
    problems, notes = [], []
    explorer.scroll_into_view_if_needed()
    controls = nb.explorer_controls(explorer)
    summary = {"name": name, "sliders": [], "buttons": []}

    problems += _visibility_problems(nb, explorer)
    state = nb.explorer_state(explorer)
    if not state["src"] or state["imgWidth"] == 0:
        problems.append("the figure (.bp-figure <img>) shows no picture")
    elif state["imgShownWidth"] < 100:
        problems.append(f"the figure is shown only {state['imgShownWidth']:.0f} px wide")
    else:
        natural = state["imgWidth"] / state["imgHeight"]
        shown = state["imgShownWidth"] / max(state["imgShownHeight"], 1)
        summary["figure_px"] = [state["imgWidth"], state["imgHeight"]]
        summary["figure_shown_px"] = [round(state["imgShownWidth"]), round(state["imgShownHeight"])]
        if abs(shown / natural - 1) > 0.03:
            problems.append(
                f"the figure is distorted: {state['imgWidth']}×{state['imgHeight']} px shown as "
                f"{state['imgShownWidth']:.0f}×{state['imgShownHeight']:.0f}"
            )
    if not state["readout"]:
        problems.append("the read-out (.bp-readout) is empty")
    if state["message"]:
        notes.append(f"shows a message at its default settings: {state['message']!r}")
    explorer.screenshot(path=SCREENSHOTS / f"{name}-1-before.png")

    # sliders: each moved as a person would; at least one must change both the numbers and the picture
    both = False
    for slider in controls["sliders"]:
        before = nb.explorer_state(explorer)
        key = nb.press_slider_keys(explorer, slider["index"], presses=3)
        after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
        moved = after["sliders"][slider["index"]] != before["sliders"][slider["index"]]
        changed = {"readout": after["readout"] != before["readout"], "figure": after["src"] != before["src"]}
        summary["sliders"].append({"label": slider["label"], "key": key, "moved": moved, **changed})
        label = slider["label"] or f"#{slider['index'] + 1}"
        if not moved:
            problems.append(f"slider {label!r} did not move with {key} after a click on its handle")
        elif not any(changed.values()):
            notes.append(f"slider {label!r} changed neither the read-out nor the figure")
        both = both or all(changed.values())
    if not controls["sliders"]:
        problems.append("has no slider")
    elif not both:
        problems.append(
            "no slider changed both the read-out and the figure: "
            + ", ".join(
                f"{s['label']} (read-out {s['readout']}, figure {s['figure']})" for s in summary["sliders"]
            )
        )
    explorer.screenshot(path=SCREENSHOTS / f"{name}-2-slider.png")

    # buttons: Step/Train/backward() must change something, then Reset must change it again
    buttons = [b for b in controls["buttons"] if not b["disabled"]]
    advance = [b for b in buttons if ADVANCE.search(b["label"]) and not RESET.search(b["label"])]
    reset = [b for b in buttons if RESET.search(b["label"])]
    other = [b for b in buttons if b not in advance and b not in reset]
    advanced = False
    for button in advance + other + reset:
        if button is (reset or [None])[0]:
            explorer.screenshot(path=SCREENSHOTS / f"{name}-3-buttons.png")
        before = nb.explorer_state(explorer)
        explorer.locator("button.widget-button").nth(button["index"]).click()
        after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
        changed = shows_change(before, after)
        summary["buttons"].append({"label": button["label"], "changed": changed})
        if button in advance:
            advanced = advanced or changed
            if not changed:
                problems.append(f"pressing {button['label']!r} changed neither the read-out nor the figure")
        elif button in reset and advanced and not changed:
            problems.append(f"pressing {button['label']!r} after {advance[0]['label']!r} changed nothing")
        elif not changed:
            notes.append(f"pressing {button['label']!r} changed neither the read-out nor the figure")
    if not reset:
        explorer.screenshot(path=SCREENSHOTS / f"{name}-3-buttons.png")

    # drop-downs: another choice must show something else, and the first slider must still work with it
    for dropdown in controls["dropdowns"]:
        if len(dropdown["options"]) < 2:
            continue
        choice = (dropdown["selected"] + 1) % len(dropdown["options"])
        before = nb.explorer_state(explorer)
        explorer.locator(".widget-dropdown select").nth(dropdown["index"]).select_option(index=choice)
        after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
        changed = shows_change(before, after)
        entry = {"label": dropdown["label"], "choice": dropdown["options"][choice], "changed": changed}
        said = CHOICE_MESSAGES.get((dropdown["label"], entry["choice"]))
        if said and said not in after["message"]:
            problems.append(
                f"choosing {entry['choice']!r} in {dropdown['label']!r}: the message line does not say "
                f"{said!r} (it says {after['message']!r})"
            )
        if controls["sliders"]:
            before = after
            nb.press_slider_keys(explorer, 0, presses=2)
            after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
            entry["slider_after"] = shows_change(before, after)
            if not entry["slider_after"]:
                notes.append(
                    f"with {dropdown['label']!r} = {entry['choice']!r} the first slider changes nothing"
                )
        if advance and advanced:  # the new choice's lesson runs too (the BCE loss, the fork): Step/backward()
            before = after
            explorer.locator("button.widget-button").nth(advance[0]["index"]).click()
            after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
            entry["advance_after"] = shows_change(before, after)
            if not entry["advance_after"]:
                problems.append(
                    f"with {dropdown['label']!r} = {entry['choice']!r}, pressing {advance[0]['label']!r} "
                    "changed nothing"
                )
        summary.setdefault("dropdowns", []).append(entry)
        if not changed:
            notes.append(f"choosing {entry['choice']!r} in {dropdown['label']!r} changed nothing")
    # switches (checkboxes, e.g. 04's "train b too"): on must show something else, the first slider must still
    # work with it, and off again must change it back
    for checkbox in controls.get("checkboxes", []):
        entry = {"label": checkbox["label"]}
        box = explorer.locator(".widget-checkbox input[type=checkbox]").nth(checkbox["index"])
        for phase in ("on", "off"):
            before = nb.explorer_state(explorer)
            box.click()
            after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
            entry[phase] = shows_change(before, after)
            if not entry[phase]:
                problems.append(
                    f"switching {checkbox['label']!r} {phase} changed neither the read-out nor the figure"
                )
            if phase == "on" and controls["sliders"]:
                before = after
                nb.press_slider_keys(explorer, 0, presses=2)
                after = nb.wait_for_change(explorer, before, timeout=CHANGE_TIMEOUT)
                entry["slider_after"] = shows_change(before, after)
                if not entry["slider_after"]:
                    notes.append(f"with {checkbox['label']!r} on the first slider changes nothing")
        summary.setdefault("checkboxes", []).append(entry)
    end = nb.explorer_state(explorer)
    if end["message"]:
        summary["message_at_end"] = end["message"]
    explorer.screenshot(path=SCREENSHOTS / f"{name}-4-after.png")
    for note in notes:
        warnings.warn(f"{name}: {note}", ExplorerNote, stacklevel=1)
    summary["notes"] = notes
    return summary, problems


def _visibility_problems(nb, explorer):
    """Every control, the figure and the read-out are visible and lie inside the page's width."""
    problems = []
    page_width = explorer.page.viewport_size["width"]
    box = explorer.bounding_box()
    if box is None or box["width"] < 50 or box["height"] < 50:
        return [f"the explorer is not visible (bounding box {box})"]
    parts = explorer.locator(f"{CONTROL_SELECTOR}, .bp-figure, .bp-readout")
    for k in range(parts.count()):
        part = parts.nth(k)
        what = nb.describe(part)
        part_box = part.bounding_box()
        if not part.is_visible() or part_box is None or part_box["width"] < 2 or part_box["height"] < 2:
            problems.append(f"{what} is not visible")
        elif part_box["x"] + part_box["width"] > page_width + 1:
            problems.append(
                f"{what} sticks out of the page on the right (x = {part_box['x']:.0f}, "
                f"width {part_box['width']:.0f}, page {page_width})"
            )
    return problems
