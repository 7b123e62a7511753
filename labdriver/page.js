// The in-page half of labdriver/page.py, added to every page as an init script: it defines
// `globalThis.bpLab`, which page.py calls by name. It reaches JupyterLab through `window.jupyterapp`
// (the server runs with --expose-app-in-browser) and reads explorers by their CSS classes
// (backprop_helpers.widgets.Explorer): .bp-explorer (the whole widget), .bp-figure (the figure's <img>),
// .bp-readout (the numbers), .bp-message (the warning line). ipywidgets 8 sliders are noUiSlider.
//
// A change is seen by one MutationObserver per watched element, never by polling: `watch(root)` starts
// it, `waitForChange(root, before)` returns a promise that resolves once the figure and read-out differ
// from `before` and have stopped changing, with the milliseconds from the last key press to the first
// change of each field (what the latency benchmark reports).

(() => {
  if (globalThis.bpLab) {
    return; // added twice to one page
  }
  const EXPLORER = { figure: ".bp-figure", readout: ".bp-readout", message: ".bp-message" };
  const FIELDS = ["src", "readout", "message", "sliders"];
  const WIDGET_VIEW =
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]';
  const STDERR_VIEW = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
  const lab = { panel: null, iopub: [], runAll: null };
  const watchers = new Set();
  let keyAt = null; // performance.now() of the last keydown anywhere in the page

  document.addEventListener(
    "keydown",
    () => {
      keyAt = performance.now();
      for (const watcher of watchers) {
        watcher.sinceKey = {};
      }
    },
    true,
  );

  // -- the notebook ---------------------------------------------------------------------------------

  function kernelOf(panel) {
    const session = panel && panel.sessionContext && panel.sessionContext.session;
    return session ? session.kernel : null;
  }

  // True once notebook `name` is the current tab with an idle kernel; from then on the kernel's errors
  // and stderr are collected for iopub().
  function panelReady(name) {
    const app = window.jupyterapp;
    const panel = app && app.shell && app.shell.currentWidget;
    if (!panel || !panel.context || panel.context.path !== name || !panel.context.isReady) {
      return false;
    }
    const kernel = kernelOf(panel);
    if (!kernel || kernel.status !== "idle") {
      return false;
    }
    if (lab.panel !== panel) {
      lab.panel = panel;
      kernel.iopubMessage.connect((_, msg) => {
        const type = msg.header.msg_type;
        const content = msg.content;
        if (type === "error") {
          const traceback = content.traceback.join("\n");
          lab.iopub.push({ kind: "error", text: `${content.ename}: ${content.evalue}\n${traceback}` });
        } else if (type === "stream" && content.name === "stderr") {
          lab.iopub.push({ kind: "stderr", text: content.text });
        }
      });
    }
    return true;
  }

  async function runAll() {
    const app = window.jupyterapp;
    app.shell.activateById(lab.panel.id);
    await app.commands.execute("notebook:clear-all-cell-outputs");
    // not awaited: Python waits for runDone(), which also sees a Run All stopped by an error
    lab.runAll = app.commands.execute("notebook:run-all-cells");
  }

  function codeCells() {
    return lab.panel.content.widgets.filter((cell) => cell.model.type === "code");
  }

  function outputsOf(cell) {
    return cell.model.outputs.toJSON();
  }

  // The kernel is idle and every code cell ran, or one raised (Run All stops there).
  function runDone() {
    const kernel = kernelOf(lab.panel);
    if (!kernel || kernel.status !== "idle") {
      return false;
    }
    const code = codeCells();
    if (code.some((cell) => cell.promptNode && cell.promptNode.textContent.includes("*"))) {
      return false;
    }
    const counted = code.every((cell) => cell.model.executionCount !== null);
    const stopped = code.some((cell) =>
      outputsOf(cell).some((output) => output.output_type === "error"),
    );
    return counted || stopped;
  }

  // Every widget-view output has been rendered (into a view or into an error message).
  function widgetsRendered() {
    return [...lab.panel.node.querySelectorAll(WIDGET_VIEW)].every((el) => el.children.length > 0);
  }

  function outputText(output) {
    if (output.output_type === "error") {
      return `${output.ename}: ${output.evalue}\n${(output.traceback || []).join("\n")}`;
    }
    if (typeof output.text === "string") {
      return output.text;
    }
    return Array.isArray(output.text) ? output.text.join("") : null;
  }

  function shownTexts(cell, selector) {
    return [...cell.node.querySelectorAll(selector)].map((el) => el.innerText);
  }

  // Each cell as a reader sees it: source, tags, execution count, outputs and what the page shows.
  function cells() {
    return lab.panel.content.widgets.map((cell, index) => {
      const code = cell.model.type === "code";
      const shown = shownTexts(cell, ".jp-OutputArea-output");
      return {
        index,
        type: cell.model.type,
        source: cell.model.sharedModel.getSource(),
        tags: (cell.model.getMetadata && cell.model.getMetadata("tags")) || [],
        executionCount: code ? cell.model.executionCount : null,
        outputs: code
          ? outputsOf(cell).map((output) => ({
              output_type: output.output_type,
              name: output.name || null,
              text: outputText(output),
              mimes: output.data ? Object.keys(output.data) : [],
            }))
          : [],
        stderrShown: shownTexts(cell, STDERR_VIEW),
        widgetErrors: shown.filter((text) => text.includes("Error displaying widget")),
        tracebacksShown: shown.filter((text) => text.includes("Traceback (most recent call last)")),
      };
    });
  }

  // Errors and stderr the kernel sent since the notebook was opened (also from widget callbacks).
  function iopub() {
    return lab.iopub;
  }

  // Run code in the notebook's kernel (no cell, no history): {out, err}.
  async function execute(code) {
    const future = kernelOf(lab.panel).requestExecute({ code, silent: false, store_history: false });
    let out = "";
    let err = "";
    future.onIOPub = (msg) => {
      const type = msg.header.msg_type;
      const content = msg.content;
      if (type === "stream") {
        if (content.name === "stdout") {
          out += content.text;
        } else {
          err += content.text;
        }
      } else if (type === "error") {
        err += `${content.ename}: ${content.evalue}`;
      }
    };
    await future.done;
    return { out, err };
  }

  async function shutdown() {
    if (lab.panel) {
      await lab.panel.sessionContext.shutdown();
    }
  }

  // -- explorers ------------------------------------------------------------------------------------

  function figureImage(root, selectors) {
    const figure = root.querySelector(selectors.figure);
    if (!figure) {
      return null;
    }
    return figure.tagName === "IMG" ? figure : figure.querySelector("img");
  }

  function textOf(root, selector) {
    const el = selector ? root.querySelector(selector) : null;
    return el ? el.innerText.trim() : null;
  }

  // What a reader sees of one explorer (`root` = its .bp-explorer node; other selectors for other widgets).
  function explorerState(root, selectors = EXPLORER) {
    const img = figureImage(root, selectors);
    const box = img ? img.getBoundingClientRect() : { width: 0, height: 0 };
    return {
      src: img ? img.src : null,
      imgWidth: img ? img.naturalWidth : 0,
      imgHeight: img ? img.naturalHeight : 0,
      imgShownWidth: box.width,
      imgShownHeight: box.height,
      readout: textOf(root, selectors.readout),
      message: textOf(root, selectors.message),
      sliders: [...root.querySelectorAll(".widget-slider .widget-readout")].map((el) => el.innerText),
    };
  }

  // textContent, not innerText: a label Lab has not laid out yet (content-visibility) has no innerText
  function labelOf(box) {
    const label = box.querySelector(".widget-label");
    return label ? label.textContent.trim() : "";
  }

  function number(el, attribute) {
    return el ? parseFloat(el.getAttribute(attribute)) : null;
  }

  // The explorer's sliders (with their range), buttons, drop-downs and switches (checkboxes), in page order.
  function controls(root) {
    const sliders = [...root.querySelectorAll(".widget-slider")].map((box, index) => {
      const handle = box.querySelector(".noUi-handle");
      return {
        index,
        label: labelOf(box),
        now: number(handle, "aria-valuenow"),
        min: number(handle, "aria-valuemin"),
        max: number(handle, "aria-valuemax"),
      };
    });
    const buttons = [...root.querySelectorAll("button.widget-button")].map((button, index) => ({
      index,
      // textContent, as labelOf: a button Lab has not laid out yet has no innerText (it read "", not "backward()")
      label: (button.textContent || button.title || "").trim(),
      disabled: button.disabled,
    }));
    const dropdowns = [...root.querySelectorAll(".widget-dropdown")].map((box, index) => {
      const select = box.querySelector("select");
      return {
        index,
        label: labelOf(box),
        options: select ? [...select.options].map((option) => option.text) : [],
        selected: select ? select.selectedIndex : -1,
      };
    });
    const checkboxes = [...root.querySelectorAll(".widget-checkbox")].map((box, index) => {
      const input = box.querySelector("input[type=checkbox]");
      return { index, label: box.textContent.trim(), checked: input ? input.checked : null };
    });
    return { sliders, buttons, dropdowns, checkboxes };
  }

  // A short name for a control or part in a problem message: its bp-/widget- class and first words.
  function describe(el) {
    const kind =
      el.className.split(" ").find((c) => c.startsWith("bp-") || c.startsWith("widget-")) || el.tagName;
    const text = el.innerText ? el.innerText.trim().split("\n")[0].slice(0, 30) : "";
    return text ? `${kind} ${JSON.stringify(text)}` : kind;
  }

  function same(a, b, field) {
    return field === "sliders" ? a.sliders.join("\u0000") === b.sliders.join("\u0000") : a[field] === b[field];
  }

  // One MutationObserver on `root`: it keeps the latest state and, per field, the milliseconds from the
  // last key press to that field's first change after it; listeners hear of every change.
  function watch(root, selectors = EXPLORER) {
    if (root.bpWatcher) {
      return root.bpWatcher;
    }
    const watcher = { root, selectors, state: explorerState(root, selectors), sinceKey: {}, listeners: new Set() };
    const observer = new MutationObserver(() => {
      const now = performance.now();
      const state = explorerState(root, selectors);
      const changed = FIELDS.filter((field) => state[field] !== null && !same(state, watcher.state, field));
      if (changed.length === 0) {
        return;
      }
      for (const field of changed) {
        if (keyAt !== null && !(field in watcher.sinceKey)) {
          watcher.sinceKey[field] = now - keyAt;
        }
      }
      watcher.state = state;
      for (const listener of watcher.listeners) {
        listener();
      }
    });
    observer.observe(root, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["src"],
    });
    root.bpWatcher = watcher;
    watchers.add(watcher);
    return watcher;
  }

  // Resolves once every one of `fields` differs from `before` (a state read before the action) and
  // nothing has changed for `settle` ms; or `max(settle, 1500)` ms after the last change when only some
  // moved; or at `timeout` ms. Resolves with the state then and `sinceKey` (ms from the key press to
  // each field's first change; a field that did not change is missing).
  function waitForChange(root, before, options = {}) {
    const { timeout = 10000, settle = 400, fields = ["src", "readout"], selectors = EXPLORER } = options;
    const watcher = watch(root, selectors);
    const moved = (field) => watcher.state[field] !== null && !same(watcher.state, before, field);
    return new Promise((resolve) => {
      let quiet = null;
      let deadline = null;
      const finish = () => {
        watcher.listeners.delete(onChange);
        clearTimeout(quiet);
        clearTimeout(deadline);
        resolve({ state: explorerState(root, selectors), sinceKey: { ...watcher.sinceKey } });
      };
      function onChange() {
        clearTimeout(quiet);
        if (fields.every(moved)) {
          quiet = setTimeout(finish, settle);
        } else if (fields.some(moved)) {
          quiet = setTimeout(finish, Math.max(settle, 1500));
        }
      }
      watcher.listeners.add(onChange);
      deadline = setTimeout(finish, timeout);
      onChange(); // the change may have arrived before this call
    });
  }

  globalThis.bpLab = Object.freeze({
    panelReady,
    runAll,
    runDone,
    widgetsRendered,
    cells,
    iopub,
    execute,
    shutdown,
    explorerState,
    controls,
    describe,
    watch,
    waitForChange,
  });
})();
