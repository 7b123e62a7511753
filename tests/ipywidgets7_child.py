"""Run by tests/test_ipywidgets7.py with ipywidgets 7.7.1 in front of the path: every explorer built, displayed
and moved, one JSON line per explorer on stdout (errors as text, so the test names the explorer that failed)."""

import json
import sys
import traceback

import ipywidgets

from backprop_helpers import widgets as explorers
from backprop_helpers.widgets.controls import Button, Choice, Slider, Toggle

VIEW = "application/vnd.jupyter.widget-view+json"


def moves(spec, control):
    """The values to write into one control: both ends of a slider, every option of a choice, a switch flipped."""
    if isinstance(spec, Slider):
        return [control.max, control.min]
    if isinstance(spec, Choice):
        return list(spec.options)[::-1]  # the values (the dropdown's options may be (label, value) pairs)
    if isinstance(spec, Toggle):
        return [not control.value, control.value]
    return []


def exercise(cls):
    explorer = cls()
    report = {"explorer": cls.__name__, "errors": [], "changed": []}
    bundle = explorer._repr_mimebundle_()
    report["mime"] = sorted(bundle)
    report["model_id_matches"] = bundle.get(VIEW, {}).get("model_id") == explorer.widget.model_id
    for name, spec in explorer.specs.items():
        control = explorer.controls[name]
        before = explorer._png
        try:
            if isinstance(spec, Button):
                control.click()
            for value in moves(spec, control):
                control.value = value
        except Exception:
            report["errors"].append(f"{name}: {traceback.format_exc(limit=3)}")
            continue
        if explorer._png != before:
            report["changed"].append(name)
    report["follows"] = explorer.shown == explorer.values()
    return report


def main():
    print(json.dumps({"ipywidgets": ipywidgets.__version__}))
    for name in explorers.__all__:
        cls = getattr(explorers, name)
        if isinstance(cls, type) and issubclass(cls, explorers.Explorer) and cls is not explorers.Explorer:
            try:
                print(json.dumps(exercise(cls)))
            except Exception:
                print(json.dumps({"explorer": name, "errors": [traceback.format_exc(limit=5)]}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
