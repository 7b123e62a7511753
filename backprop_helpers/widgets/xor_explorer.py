"""Explorer of notebook 05: train a two-layer network on XOR and watch its decision boundary form.

Hidden units (1–8), the hidden activation, the initialisation (random, or every hidden unit a copy of the
first, unit 0: equal rows), its scale, the seed of the initial weights and the loss (MSE or BCE) each start a new
network; the learning rate and the epochs a press of Train runs act on the next press; buttons Step (one
epoch), Train and Reset. Training is ``train_mlp`` (notebook 05's hand backprop: ``mlp_forward`` →
``mlp_backward`` → ``sgd_step``, float64), run synchronously in the button's callback; the figure, read-out
and progress bar are refreshed every ``epochs // frames`` epochs (20 frames a press). The run history
(``XORRun``) holds the exact parameters and the loss after every update.

What a learner should see: one hidden unit cannot do it (a monotone function of one line, stuck near MSE 1/6
with one point wrong), two or more usually can. Each hidden unit's line W1[j]·x + b1[j] = 0 is drawn on the
plane, its number on the side where the unit's pre-activation is positive, and the read-out gives every unit's
activation at the four points. With equal rows the units start identical, get identical gradients and stay
identical (the message line says so, from the weights): symmetry is broken by the random draw only. A ReLU
unit whose pre-activation is ≤ 0 at all four points is dead (relu′ = 0 there: no gradient, it never comes
back); the message line names every such unit. The read-out's ‖dW1‖, ‖dW2‖ (Frobenius norms of the
gradients at the current weights) show a saturated output starving both layers under MSE but not under BCE,
whose dZ2 = (ŷ − y)/N does not vanish, and the first layer's gradient smaller than the second's with
sigmoid hidden units (σ′ ≤ ¼).

The explorer shows no weight and no shape, and its gradients only as norms on the four XOR points with
activations to one decimal, so notebook 05's exercises (a shape for a 2 → 3 → 1 net on a batch of four,
∂L/∂b2 on three given predictions, a hand-built ReLU layer's output weight) cannot be read off it.
"""

import math
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib import patheffects

from backprop_helpers._inputs import check_choice, check_int, check_positive_number
from backprop_helpers.activations import sigmoid_grad_from_output
from backprop_helpers.data import xor_data
from backprop_helpers.losses import bce, mse
from backprop_helpers.mlp import (
    HIDDEN_ACTIVATIONS,
    MLP_LOSSES,
    init_mlp,
    mlp_backward,
    mlp_forward,
    train_mlp,
)
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.plotting.xor_plots import XOR_CMAP, plane_grid, plot_xor_points
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import lines, num, sci, table

__all__ = ["XORExplorer", "XORRun", "XORState", "initial_params", "INITS"]

INITS = ("random", "equal rows")
LOSS_NAMES = {"mse": "MSE", "bce": "BCE"}
# the loss axis: MSE of a sigmoid output lies in [0, 1], BCE is unbounded; below 1e-4 the curve leaves the axes
LOSS_LIM = {"mse": (1e-4, 1.0), "bce": (1e-4, 10.0)}
LOSS_AT_HALF = {"mse": 0.25, "bce": math.log(2)}  # the loss when ŷ = 0.5 at every point
_LOSS = {"mse": mse, "bce": bce}
# the hidden units' lines, solid for units 0–3 and dashed for 4–7; never the classes' blue and orange
UNIT_COLORS = ("#000000", COLORS["green"], COLORS["vermillion"], COLORS["purple"])
MAX_CURVE_POINTS = 1500  # a longer loss history is thinned for drawing (every k-th epoch)
LOSS_RISE = 1e-9  # the loss "rose" if it ends this far above its start (float64 noise is far less)
SATURATED_SLOPE = 1e-4  # σ′(Z2) = ŷ(1 − ŷ) below this at every point: the output sigmoid is saturated …
SATURATED_LOSS = 0.1  # … and the loss is still above this, so the network is stuck, not done


def initial_params(hidden_units, seed, *, init="random", scale=1.0):
    """θ₀ = scale · init_mlp(2, H, 1) from the seed; "equal rows": every hidden unit a copy of unit 0.

    With ``init="equal rows"`` each row of W1 is W1's first row, each entry of b1 is b1[0] and each column of
    W2 is W2's first column, so all hidden units compute the same function and, from the same gradients, stay
    identical. float64 parameters ``{"W1": (H, 2), "b1": (H,), "W2": (1, H), "b2": (1,)}``.
    """
    hidden_units = check_int(hidden_units, "hidden_units", low=1)
    check_choice(init, "init", INITS)
    scale = check_positive_number(scale, "scale")
    generator = torch.Generator().manual_seed(check_int(seed, "seed", low=0))
    params = init_mlp(2, hidden_units, 1, generator=generator, dtype=torch.float64)
    if init == "equal rows":
        params = {"W1": params["W1"][:1].repeat(hidden_units, 1), "b1": params["b1"][:1].repeat(hidden_units),
                  "W2": params["W2"][:, :1].repeat(1, hidden_units), "b2": params["b2"]}  # fmt: skip
    return {name: value * scale for name, value in params.items()}


@dataclass(frozen=True, eq=False)
class XORRun:
    """The run history: the network (fixed for the run), its exact parameters and the loss after every update.

    ``losses[k]`` is the loss (``loss_name``: "mse" or "bce") after k updates. ``span`` is the loss axis' least
    length (the epochs control when the run began); the last Train press ran from epoch ``pressed_at`` towards
    ``planned``; ``diverged_at`` is None or the epoch whose update made the loss or a weight inf/nan
    (``params`` are the last finite ones).
    """

    hidden_units: int
    activation: str
    seed: int
    params: dict
    losses: tuple
    span: int
    pressed_at: int = 0
    planned: int = 0
    diverged_at: int | None = None
    init: str = "random"
    scale: float = 1.0
    loss_name: str = "mse"


@dataclass(frozen=True)
class XORState:
    """What the explorer shows: the current parameters, the loss history and the predictions.

    ``losses[k]`` is the loss (``loss_name``) after k updates (``losses[0]`` at the initial weights), so
    ``epoch`` = ``len(losses) − 1``. ``y_hat`` (4,) are the predictions at the four points, ``grid`` (n, n)
    the prediction over the plane (rows along x₂). ``grad_norms`` are ‖∂L/∂W1‖ and ‖∂L/∂W2‖ (Frobenius) at
    the current parameters. ``lr`` and ``epochs`` are the next Train press's.
    """

    params: dict
    losses: tuple
    y_hat: torch.Tensor
    grid: torch.Tensor
    hidden_preactivations: torch.Tensor  # (4, H): Z1 = X W1ᵀ + b1 at the four points, H hidden units
    hidden_activations: torch.Tensor  # (4, H): A1 at the four points
    hidden_units: int
    activation: str
    lr: float
    epochs: int
    seed: int
    diverged_at: int | None
    progress: tuple  # (epochs run, epochs planned) of the last Train press
    axis: tuple  # (least length, length needed) of the loss axis
    grad_norms: tuple = (0.0, 0.0)  # (‖dW1‖, ‖dW2‖) at params
    init: str = "random"
    scale: float = 1.0
    loss_name: str = "mse"

    @property
    def epoch(self):
        return len(self.losses) - 1

    @property
    def loss(self):
        return self.losses[-1]

    @property
    def dead_units(self):
        """The ReLU hidden units (0-based) whose pre-activation is ≤ 0 at all four points: relu′ = 0 there,
        so no gradient reaches their weights and they never change. Empty for tanh and sigmoid."""
        if self.activation != "relu":
            return ()
        return tuple((self.hidden_preactivations <= 0).all(dim=0).nonzero().flatten().tolist())

    @property
    def identical_units(self):
        """True when there are two or more hidden units and all are the same: equal rows of W1, equal
        entries of b1, equal columns of W2 (exactly). They then get equal gradients and stay the same."""
        W1, b1, W2 = self.params["W1"], self.params["b1"], self.params["W2"]
        return self.hidden_units > 1 and bool(
            (W1 == W1[:1]).all() and (b1 == b1[:1]).all() and (W2 == W2[:, :1]).all()
        )

    @property
    def solved(self):
        """Every point on the right side of 0.5: predictions round to (0, 1, 1, 0)."""
        _, y = xor_data(torch.float64)
        return bool(((self.y_hat >= 0.5).to(torch.float64) == y.reshape(-1)).all())


class XORExplorer(Explorer):
    """Train a 2 → H → 1 network on the four XOR points and watch ŷ over the plane and the loss.

    Defaults are notebook 05's network: 4 tanh hidden units, random initial weights at scale 1 (``nn.Linear``'s
    U(−1/√fan_in, 1/√fan_in)), seed 0, MSE, lr 1.0, 1000 epochs per Train press.
    ``.train(epochs=None)`` (the Train button), ``.step()`` (one epoch), ``.restart()`` (the Reset button: new
    initial weights from the seed, the settings kept) and ``.reset()`` (the defaults too) return the state;
    ``.state`` is an ``XORState``, ``.history`` the ``XORRun``; ``.progress`` is the progress bar of a press.
    """

    readout_width = "270px"
    grid_n = 60  # the heat map's resolution: 60×60 points, one forward pass per new set of weights
    frames = 20  # figure refreshes per Train press
    min_epochs_per_frame = 10  # a short run is not redrawn more often than every 10 epochs
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "hidden_units": Slider("hidden units", 1, 8, 1, 4, integer=True, effect="restart", width="220px"),
        "activation": Choice("activation", HIDDEN_ACTIVATIONS, "tanh", effect="restart"),
        "lr": Slider("lr", 1e-3, 1e2, 0.05, 1.0, fmt=".3g", log=True, width="240px"),
        "init": Choice("init", INITS, "random", effect="restart", width="150px"),
        "scale": Slider(
            "init scale", 0.01, 10.0, 0.1, 1.0, fmt=".3g", log=True, effect="restart", width="230px"
        ),
        "seed": Slider("seed", 0, 99, 1, 0, integer=True, effect="restart", width="200px"),
        "loss": Choice(
            "loss",
            MLP_LOSSES,
            "mse",
            effect="restart",
            width="120px",
            labels=tuple(LOSS_NAMES[name] for name in MLP_LOSSES),
        ),
        "epochs": Slider(
            "epochs / Train", 100, 5000, 100, 1000, integer=True, continuous=False, width="260px"
        ),
        "step": Button("Step", "step", tooltip="one epoch", width="70px"),
        "train": Button("Train", "train", primary=True),
        "reset": Button("Reset", "restart", tooltip="new initial weights, the settings kept", width="70px"),
    }
    layout = (
        ("hidden_units", "activation", "init", "scale", "seed"),
        ("loss", "lr", "epochs", "step", "train", "reset"),
    )

    def __init__(self, *, hidden_units=4, activation="tanh", init="random", scale=1.0, seed=0, loss="mse", lr=1.0,
                 epochs=1000):  # fmt: skip
        self.X, self.y = xor_data(torch.float64)
        self._grid_points, self._extent = plane_grid(self.grid_n)
        self._predicted = (None, None)  # (run, its predictions): a move of lr or epochs reuses them
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="epochs run")
        self.progress.style.description_width = "initial"
        self._drawn_loss = None  # the loss the loss axis is labelled for
        super().__init__(hidden_units=hidden_units, activation=activation, init=init, scale=scale, seed=seed,
                         loss=loss, lr=lr, epochs=epochs)  # fmt: skip

    def _extra_widgets(self):
        return [self.progress]

    # -- the run and the model ---------------------------------------------------------------------------

    def start_history(self, values):
        """A new network: initial weights from the seed, the init and its scale (``initial_params``), epoch 0."""
        hidden_units, activation, seed = values["hidden_units"], values["activation"], values["seed"]
        init, scale, loss_name = values["init"], values["scale"], values["loss"]
        params = initial_params(hidden_units, seed, init=init, scale=scale)
        y_hat, _ = mlp_forward(self.X, params, hidden=activation)
        loss = _LOSS[loss_name](y_hat, self.y).item()
        return XORRun(hidden_units, activation, seed, params, (loss,), values["epochs"], init=init, scale=scale,
                      loss_name=loss_name)  # fmt: skip

    def _predictions(self, run):
        # the network's outputs and gradients depend on the run alone (an immutable record): computed once per run
        if self._predicted[0] is not run:
            y_hat, cache = mlp_forward(self.X, run.params, hidden=run.activation)
            grads = mlp_backward(cache, self.y, loss=run.loss_name)
            norms = (torch.linalg.norm(grads["W1"]).item(), torch.linalg.norm(grads["W2"]).item())
            grid, _ = mlp_forward(self._grid_points, run.params, hidden=run.activation)  # (n·n, 1)
            self._predicted = (run, (y_hat.reshape(-1), grid.reshape(self.grid_n, self.grid_n), cache, norms))
        return self._predicted[1]

    def model(self, values, history):
        run = history
        y_hat, grid, cache, norms = self._predictions(run)
        epoch = len(run.losses) - 1
        done, planned = epoch - run.pressed_at, run.planned - run.pressed_at
        progress = (done, planned) if planned > 0 else (0, values["epochs"])  # before the first Train
        return XORState(
            params=dict(run.params), losses=run.losses, y_hat=y_hat, grid=grid,
            hidden_preactivations=cache["Z1"], hidden_activations=cache["A1"],
            hidden_units=run.hidden_units, activation=run.activation, lr=values["lr"], epochs=values["epochs"],
            seed=run.seed, diverged_at=run.diverged_at, progress=progress, axis=(run.span, max(run.planned, epoch)),
            grad_norms=norms, init=run.init, scale=run.scale, loss_name=run.loss_name,
        )  # fmt: skip

    def train(self, epochs=None):
        """Run ``epochs`` epochs of full-batch gradient descent (default: the epochs control) with the lr
        control's rate, refreshing the figure every ``epochs // frames`` epochs (at least 10). A non-finite
        loss or weight stops the run with a message, keeping the last finite weights, until Reset. Returns the
        state."""
        values = self.values()
        epochs = values["epochs"] if epochs is None else check_int(epochs, "epochs", low=1)
        run = self.history
        if run.diverged_at is not None:
            return self.update()  # stopped: the message says to press Reset
        start = len(run.losses) - 1
        run = self.history = replace(run, pressed_at=start, planned=start + epochs)

        def frame(epoch, params, losses):  # the last frame is drawn below, with the run's outcome
            if epoch < epochs:
                self.history = replace(run, params=params, losses=run.losses + losses[1:])
                self.update()

        self.controls["train"].disabled = True
        try:
            result = train_mlp(self.X, self.y, run.params, hidden=run.activation, loss=run.loss_name, lr=values["lr"],
                               epochs=epochs, every=max(self.min_epochs_per_frame, epochs // self.frames),
                               callback=frame)  # fmt: skip
        finally:
            self.controls["train"].disabled = False
        diverged_at = None if result.diverged_at is None else start + result.diverged_at
        self.history = replace(run, params=result.params, losses=run.losses + result.losses[1:],
                               diverged_at=diverged_at)  # fmt: skip
        return self.update()

    def step(self):
        """One epoch: one forward pass, one backward pass, one SGD step; returns the state."""
        return self.train(epochs=1)

    # -- figure --------------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        with figure_style():
            self._ax_plane, self._ax_loss = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.35]})
            figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.87, wspace=0.3)
            ax = self._ax_plane
            heat = ax.imshow(np.full((self.grid_n, self.grid_n), 0.5), origin="lower", extent=self._extent,
                             cmap=XOR_CMAP, vmin=0, vmax=1, interpolation="bilinear")  # fmt: skip
            self._heat = self.animate(heat)
            # each hidden unit's line W1[j]·x + b1[j] = 0, its number on the side where the unit is positive
            halo = [patheffects.withStroke(linewidth=3, foreground="white")]
            self._unit_lines, self._unit_labels = [], []
            for j in range(self.specs["hidden_units"].high):
                style = {"color": UNIT_COLORS[j % len(UNIT_COLORS)], "path_effects": halo}
                line = ax.plot(
                    [], [], linewidth=1.3, linestyle="-" if j < len(UNIT_COLORS) else "--", **style
                )[0]
                label = ax.text(0, 0, str(j), fontsize=8, fontweight="bold", ha="center", va="center",
                                clip_on=True, visible=False, **style)  # fmt: skip
                self._unit_lines.append(self.animate(line))
                self._unit_labels.append(self.animate(label))
            points = plot_xor_points(ax, size=45)
            self.animate(*points.values())  # redrawn after the heat map and the lines, so they stay on top
            ax.set_xlim(self._extent[:2])
            ax.set_ylim(self._extent[2:])
            ax.grid(False)
            ax.set_title("ŷ over the plane (white: 0.5)\nunit j's line: W1[j]·x + b1[j] = 0, j on its > 0 side",
                         fontsize=8)  # fmt: skip

            ax = self._ax_loss
            ax.set_yscale("log")
            ax.set_xlim(0, self.history.span)
            self._half = ax.axhline(0.25, color=COLORS["grey"], linestyle=":", linewidth=1)
            label = {"transform": ax.get_yaxis_transform(), "ha": "right", "va": "bottom", "fontsize": 7}
            self._half_label = ax.text(0.98, 0.27, "", color=COLORS["grey"], **label)
            ax.axhline(0.01, color=COLORS["green"], linestyle=":", linewidth=1)
            ax.text(0.98, 0.011, "0.01", color=COLORS["green"], **label)
            ax.set_xlabel("epoch")
            ax.set_title("loss per epoch", fontsize=9)
            self._curve = self.animate(ax.plot([], [], color=COLORS["vermillion"], linewidth=1.4)[0])
            now = ax.plot([], [], "o", color=COLORS["vermillion"], markersize=4, clip_on=False)[0]
            self._now = self.animate(now)  # unclipped: at epoch 0 the dot sits on the axis
            # what the next press of Train will do: lr and epochs act there, and the picture says so
            self._next = self.animate(ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=7,
                                              color=COLORS["grey"]))  # fmt: skip

    def _label_loss_axis(self, loss_name):
        # static: the loss axis' range, its line at ŷ = 0.5 and its label follow the loss (a full redraw)
        ax, half = self._ax_loss, LOSS_AT_HALF[loss_name]
        ax.set_ylim(*LOSS_LIM[loss_name])
        ax.set_ylabel(f"{LOSS_NAMES[loss_name]} loss")
        self._half.set_ydata([half, half])
        self._half_label.set_position((0.98, half * 1.08))
        self._half_label.set_text(f"{half:.3g}: ŷ = 0.5 everywhere")
        self._drawn_loss = loss_name
        self.invalidate()

    def _draw_units(self, params):
        W1, b1 = params["W1"].tolist(), params["b1"].tolist()
        for j, (line, label) in enumerate(zip(self._unit_lines, self._unit_labels, strict=True)):
            ends = _segment_in_box(*W1[j], b1[j], self._extent) if j < len(W1) else None
            line.set_visible(ends is not None)
            label.set_visible(ends is not None)
            if ends is None:
                continue
            (x1, y1), (x2, y2) = ends
            line.set_data([x1, x2], [y1, y2])
            # the number sits off the middle of the segment along W1[j], where W1[j]·x + b1[j] > 0
            norm = math.hypot(*W1[j])
            offset = 0.09 * (self._extent[1] - self._extent[0]) / 2
            w1, w2 = W1[j][0] / norm, W1[j][1] / norm
            label.set_position(((x1 + x2) / 2 + offset * w1, (y1 + y2) / 2 + offset * w2))

    def _draw(self, state):
        if state.loss_name != self._drawn_loss:
            self._label_loss_axis(state.loss_name)
        self._heat.set_data(state.grid.numpy())
        self._draw_units(state.params)
        losses = np.asarray(state.losses)
        epochs = np.arange(losses.size)
        stride = max(1, losses.size // MAX_CURVE_POINTS)
        self._curve.set_data(epochs[::stride], losses[::stride])
        # where training stands, visible at epoch 0 too; held on the bottom edge below the axis range
        low, high = LOSS_LIM[state.loss_name]
        self._now.set_data([state.epoch], [min(max(state.loss, low), high)])
        self._next.set_text(f"next Train: {state.epochs} epochs at lr = {state.lr:{self.specs['lr'].fmt}}")
        least, needed = state.axis
        self.widen(self._ax_loss, needed, least)  # the whole history and the press under way fit
        done, planned = state.progress
        self.progress.max, self.progress.value = planned, done

    # -- read-out and messages -----------------------------------------------------------------------------

    def _readout(self, state):
        X, y = self.X.numpy(), self.y.numpy().reshape(-1)
        name = LOSS_NAMES[state.loss_name]
        right = ["✓" if (state.y_hat[i].item() >= 0.5) == (y[i] == 1) else "✗" for i in range(4)]
        rows = [
            ("y", *(num(v, 0) for v in y)),
            ("ŷ", *(num(v, 3) for v in state.y_hat.tolist())),
            ("", *right),
        ]
        A1 = state.hidden_activations.T.tolist()  # (H, 4): unit j's output at the four points, one decimal
        rows += [(_unit_name(j), *(num(a, 1) for a in A1[j])) for j in range(state.hidden_units)]
        head = ("x", *(f"({num(X[i, 0], 0)},{num(X[i, 1], 0)})" for i in range(4)))
        if state.solved:
            verdict = "<b style='color:#009E73'>solved: ŷ rounds to (0, 1, 1, 0)</b>"
        elif state.hidden_units == 1:
            verdict = "<b>not solved</b> — one hidden unit draws one line: XOR needs two"
        elif state.identical_units:
            verdict = "<b>not solved</b> — identical units draw one line: XOR needs two"
        else:
            verdict = "<b>not solved yet</b> — train on, or try another seed"
        dW1, dW2 = state.grad_norms
        init = "equal rows" if state.init == "equal rows" else "random"
        return lines(
            f"2 → {state.hidden_units} {state.activation} → 1 sigmoid, {name}",
            f"init: {init} × {state.scale:{self.specs['scale'].fmt}}, seed {state.seed}",
            f"epoch {state.epoch}, {name} = {num(state.loss, 6)}",
            table(rows, head=head) + verdict,
            f"‖dW1‖ = {sci(dW1)}, ‖dW2‖ = {sci(dW2)}",
        )

    def _warnings(self, state):
        lr = f"{state.lr:{self.specs['lr'].fmt}}"
        warnings = []
        slope = sigmoid_grad_from_output(state.y_hat).max().item()  # σ′(Z2) = ŷ(1 − ŷ) at the four points
        if state.diverged_at is not None:
            warnings.append(f"Training diverged at epoch {state.diverged_at}: the loss or a weight became "
                            "inf/nan. Lower the learning rate and press Reset.")  # fmt: skip
        elif state.epoch > 0 and state.loss > state.losses[0] + LOSS_RISE:
            warnings.append(f"The loss rose from {num(state.losses[0])} to {num(state.loss)}: lr = {lr} is "
                            "too large, each step overshoots. Lower it and press Reset.")  # fmt: skip
        elif state.loss_name == "mse" and slope < SATURATED_SLOPE and state.loss > SATURATED_LOSS:
            cause = "the initial weights are too large" if state.epoch == 0 else "the steps were too large"
            warnings.append("The output sigmoid is saturated (ŷ ≈ 0 or 1 at every point), so σ′ ≈ 0 and with MSE "
                            f"almost no gradient flows back (see ‖dW1‖, ‖dW2‖): {cause}. Lower lr or the init "
                            "scale and press Reset, or choose the loss BCE, whose dZ2 = (ŷ − y)/N does not "
                            "vanish.")  # fmt: skip
        if state.identical_units:
            warnings.append(f"All {state.hidden_units} hidden units are identical (equal rows of W1, equal b1, equal "
                            "columns of W2): each gets the same gradient, so they stay identical and act as one "
                            "unit, one line. Choose init random to break the symmetry.")  # fmt: skip
        if state.dead_units:
            warnings.append(_dead_units_warning(state))
        return warnings


def _unit_name(j):
    """Hidden unit j as the read-out names it: "unit j" (numbered from 0, as the rows of W1 in the notebook's
    code and formulas) in its line's colour."""
    return f"<span style='color:{UNIT_COLORS[j % len(UNIT_COLORS)]}'>unit {j}</span>"


def _dead_units_warning(state):
    dead = state.dead_units
    if len(dead) == state.hidden_units:
        return ("Every ReLU unit is dead: its pre-activation W1·x + b1 is ≤ 0 at all four points, so relu′ = 0 "
                "there and W1 gets no gradient. Try another seed or more hidden units.")  # fmt: skip
    units, many = _join([str(j) for j in dead]), len(dead) > 1  # numbered from 0, as W1[j] in the notebook
    subject = f"Hidden units {units} are" if many else f"Hidden unit {units} is"
    after = (f"the other units solved XOR without {'them' if many else 'it'}." if state.solved
             else "only the other units learn: try another seed or more hidden units.")  # fmt: skip
    return (f"{subject} dead: pre-activation W1·x + b1 ≤ 0 at all four points, so relu′ = 0 there and no "
            f"gradient reaches {'their' if many else 'its'} weights, which never change; {after}")  # fmt: skip


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _segment_in_box(w1, w2, b, extent):
    """The part of the line w1·x₁ + w2·x₂ + b = 0 inside the box ``extent`` (left, right, bottom, top): its two
    end points, or None when the line misses the box (or w = 0: no line)."""
    left, right, bottom, top = extent
    ends = []
    if w2 != 0:
        ends += [(x1, -(w1 * x1 + b) / w2) for x1 in (left, right)]
    if w1 != 0:
        ends += [(-(w2 * x2 + b) / w1, x2) for x2 in (bottom, top)]
    tolerance = 1e-12 * (right - left)
    inside = [(x1, x2) for x1, x2 in ends if left - tolerance <= x1 <= right + tolerance
              and bottom - tolerance <= x2 <= top + tolerance]  # fmt: skip
    if len(inside) < 2:
        return None
    return max(((p, q) for p in inside for q in inside), key=lambda pq: math.dist(*pq))
