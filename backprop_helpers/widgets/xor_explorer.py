"""Explorer of notebook 05: train a two-layer network on XOR and watch its decision boundary form.

Hidden units (1–8), the hidden activation and the seed of the initial weights each start a new network; the
learning rate and the epochs a press of Train runs act on the next press; buttons Step (one epoch), Train and
Reset. Training is ``train_mlp`` (notebook 05's hand backprop: ``mlp_forward`` → ``mlp_backward`` →
``sgd_step``, MSE, float64), run synchronously in the button's callback; the figure, read-out and progress bar
are refreshed every ``epochs // frames`` epochs (20 frames a press). The run history (``XORRun``) holds the
exact parameters and the loss after every update.

What a learner should see: one hidden unit cannot do it (a monotone function of one line, stuck near loss 1/6
with one point wrong), two or more usually can. A ReLU unit whose pre-activation is ≤ 0 at all four points is
dead (relu′ = 0 there: no gradient, it never comes back); the message line names every such unit.

The explorer never shows a weight, a gradient or a shape, so notebook 05's exercises (a shape for a 2 → 3 → 1
net on a batch of four, ∂L/∂b2 on three given predictions, a hand-built ReLU layer's output weight) cannot be
read off it.
"""

from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np
import torch

from backprop_helpers._inputs import check_int
from backprop_helpers.activations import sigmoid_grad_from_output
from backprop_helpers.data import xor_data
from backprop_helpers.losses import mse
from backprop_helpers.mlp import HIDDEN_ACTIVATIONS, init_mlp, mlp_forward, train_mlp
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.plotting.xor_plots import XOR_CMAP, plane_grid, plot_xor_points
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import lines, num, table

__all__ = ["XORExplorer", "XORRun", "XORState"]

LOSS_LIM = (1e-4, 1.0)  # MSE of a sigmoid output lies in [0, 1]; below 1e-4 the curve leaves the axes
MAX_CURVE_POINTS = 1500  # a longer loss history is thinned for drawing (every k-th epoch)
LOSS_RISE = 1e-9  # the loss "rose" if it ends this far above its start (float64 noise is far less)
SATURATED_SLOPE = 1e-4  # σ′(Z2) = ŷ(1 − ŷ) below this at every point: the output sigmoid is saturated …
SATURATED_LOSS = 0.1  # … and the loss is still above this, so the network is stuck, not done


@dataclass(frozen=True, eq=False)
class XORRun:
    """The run history: the network (fixed for the run), its exact parameters and the loss after every update.

    ``losses[k]`` is the MSE after k updates. ``span`` is the loss axis' least length (the epochs control when
    the run began); the last Train press ran from epoch ``pressed_at`` towards ``planned``; ``diverged_at`` is
    None or the epoch whose update made the loss or a weight inf/nan (``params`` are the last finite ones).
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


@dataclass(frozen=True)
class XORState:
    """What the explorer shows: the current parameters, the loss history and the predictions.

    ``losses[k]`` is the MSE after k updates (``losses[0]`` at the initial weights), so ``epoch`` =
    ``len(losses) − 1``. ``y_hat`` (4,) are the predictions at the four points, ``grid`` (n, n) the
    prediction over the plane (rows along x₂). ``lr`` and ``epochs`` are the next Train press's.
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
    def solved(self):
        """Every point on the right side of 0.5: predictions round to (0, 1, 1, 0)."""
        _, y = xor_data(torch.float64)
        return bool(((self.y_hat >= 0.5).to(torch.float64) == y.reshape(-1)).all())


class XORExplorer(Explorer):
    """Train a 2 → H → 1 network on the four XOR points and watch ŷ over the plane and the loss.

    Defaults are notebook 05's network: 4 tanh hidden units, lr 1.0, seed 0, 1000 epochs per Train press.
    ``.train(epochs=None)`` (the Train button), ``.step()`` (one epoch), ``.restart()`` (the Reset button: new
    initial weights from the seed, the settings kept) and ``.reset()`` (the defaults too) return the state;
    ``.state`` is an ``XORState``, ``.history`` the ``XORRun``; ``.progress`` is the progress bar of a press.
    """

    readout_width = "250px"
    grid_n = 60  # the heat map's resolution: 60×60 points, one forward pass per new set of weights
    frames = 20  # figure refreshes per Train press
    min_epochs_per_frame = 10  # a short run is not redrawn more often than every 10 epochs
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "hidden_units": Slider("hidden units", 1, 8, 1, 4, integer=True, effect="restart", width="220px"),
        "activation": Choice("activation", HIDDEN_ACTIVATIONS, "tanh", effect="restart"),
        "lr": Slider("lr", 1e-3, 1e2, 0.05, 1.0, fmt=".3g", log=True, width="240px"),
        "seed": Slider("seed", 0, 99, 1, 0, integer=True, effect="restart", width="200px"),
        "epochs": Slider(
            "epochs / Train", 100, 5000, 100, 1000, integer=True, continuous=False, width="260px"
        ),
        "step": Button("Step", "step", tooltip="one epoch", width="70px"),
        "train": Button("Train", "train", primary=True),
        "reset": Button("Reset", "restart", tooltip="new initial weights, the settings kept", width="70px"),
    }
    layout = (("hidden_units", "activation", "lr", "seed", "epochs", "step", "train", "reset"),)

    def __init__(self, *, hidden_units=4, activation="tanh", lr=1.0, seed=0, epochs=1000):
        self.X, self.y = xor_data(torch.float64)
        self._grid_points, self._extent = plane_grid(self.grid_n)
        self._predicted = (None, None)  # (run, its predictions): a move of lr or epochs reuses them
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="epochs run")
        self.progress.style.description_width = "initial"
        super().__init__(hidden_units=hidden_units, activation=activation, lr=lr, seed=seed, epochs=epochs)

    def _extra_widgets(self):
        return [self.progress]

    # -- the run and the model ---------------------------------------------------------------------------

    def start_history(self, values):
        """A new network: initial weights drawn from the seed, epoch 0."""
        hidden_units, activation, seed = values["hidden_units"], values["activation"], values["seed"]
        generator = torch.Generator().manual_seed(seed)
        params = init_mlp(2, hidden_units, 1, generator=generator, dtype=torch.float64)
        y_hat, _ = mlp_forward(self.X, params, hidden=activation)
        return XORRun(hidden_units, activation, seed, params, (mse(y_hat, self.y).item(),), values["epochs"])

    def _predictions(self, run):
        # the network's outputs depend on the run alone (an immutable record), so they are computed once per run
        if self._predicted[0] is not run:
            y_hat, cache = mlp_forward(self.X, run.params, hidden=run.activation)
            grid, _ = mlp_forward(self._grid_points, run.params, hidden=run.activation)  # (n·n, 1)
            self._predicted = (run, (y_hat.reshape(-1), grid.reshape(self.grid_n, self.grid_n), cache))
        return self._predicted[1]

    def model(self, values, history):
        run = history
        y_hat, grid, cache = self._predictions(run)
        epoch = len(run.losses) - 1
        done, planned = epoch - run.pressed_at, run.planned - run.pressed_at
        progress = (done, planned) if planned > 0 else (0, values["epochs"])  # before the first Train
        return XORState(
            params=dict(run.params), losses=run.losses, y_hat=y_hat, grid=grid,
            hidden_preactivations=cache["Z1"], hidden_activations=cache["A1"],
            hidden_units=run.hidden_units, activation=run.activation, lr=values["lr"], epochs=values["epochs"],
            seed=run.seed, diverged_at=run.diverged_at, progress=progress, axis=(run.span, max(run.planned, epoch)),
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
            result = train_mlp(self.X, self.y, run.params, hidden=run.activation, loss="mse", lr=values["lr"],
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
            figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
            ax = self._ax_plane
            heat = ax.imshow(np.full((self.grid_n, self.grid_n), 0.5), origin="lower", extent=self._extent,
                             cmap=XOR_CMAP, vmin=0, vmax=1, interpolation="bilinear")  # fmt: skip
            self._heat = self.animate(heat)
            points = plot_xor_points(ax, size=45)
            self.animate(*points.values())  # redrawn after the heat map, so they stay on top
            ax.grid(False)
            ax.set_title("ŷ over the plane (white: 0.5)", fontsize=9)

            ax = self._ax_loss
            ax.set_yscale("log")
            ax.set_ylim(*LOSS_LIM)
            ax.set_xlim(0, self.history.span)
            ax.axhline(0.25, color=COLORS["grey"], linestyle=":", linewidth=1)
            label = {"transform": ax.get_yaxis_transform(), "ha": "right", "va": "bottom", "fontsize": 7}
            ax.text(0.98, 0.27, "0.25: ŷ = 0.5 everywhere", color=COLORS["grey"], **label)
            ax.axhline(0.01, color=COLORS["green"], linestyle=":", linewidth=1)
            ax.text(0.98, 0.011, "0.01", color=COLORS["green"], **label)
            ax.set_xlabel("epoch")
            ax.set_ylabel("MSE loss")
            ax.set_title("loss per epoch", fontsize=9)
            self._curve = self.animate(ax.plot([], [], color=COLORS["vermillion"], linewidth=1.4)[0])
            now = ax.plot([], [], "o", color=COLORS["vermillion"], markersize=4, clip_on=False)[0]
            self._now = self.animate(now)  # unclipped: at epoch 0 the dot sits on the axis
            # what the next press of Train will do: lr and epochs act there, and the picture says so
            self._next = self.animate(ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=7,
                                              color=COLORS["grey"]))  # fmt: skip

    def _draw(self, state):
        self._heat.set_data(state.grid.numpy())
        losses = np.asarray(state.losses)
        epochs = np.arange(losses.size)
        stride = max(1, losses.size // MAX_CURVE_POINTS)
        self._curve.set_data(epochs[::stride], losses[::stride])
        # where training stands, visible at epoch 0 too; held on the bottom edge below the axis range
        self._now.set_data([state.epoch], [max(state.loss, LOSS_LIM[0])])
        self._next.set_text(f"next Train: {state.epochs} epochs at lr = {state.lr:{self.specs['lr'].fmt}}")
        least, needed = state.axis
        self.widen(self._ax_loss, needed, least)  # the whole history and the press under way fit
        done, planned = state.progress
        self.progress.max, self.progress.value = planned, done

    # -- read-out and messages -----------------------------------------------------------------------------

    def _readout(self, state):
        X, y = self.X.numpy(), self.y.numpy().reshape(-1)
        rows = []
        for i in range(4):
            right = (state.y_hat[i].item() >= 0.5) == (y[i] == 1)
            point = f"({num(X[i, 0], 0)}, {num(X[i, 1], 0)})"
            rows.append((point, num(y[i], 0), num(state.y_hat[i].item(), 3), "✓" if right else "✗"))
        if state.solved:
            verdict = "<b style='color:#009E73'>solved: ŷ rounds to (0, 1, 1, 0)</b>"
        elif state.hidden_units == 1:
            verdict = "<b>not solved</b> — one hidden unit draws one line: XOR needs two"
        else:
            verdict = "<b>not solved yet</b> — train on, or try another seed"
        return lines(
            f"2 → {state.hidden_units} {state.activation} → 1 sigmoid",
            f"epoch {state.epoch}, MSE = {num(state.loss, 6)}",
            table(rows, head=("x", "y", "ŷ", "")) + verdict,
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
        elif state.epoch > 0 and slope < SATURATED_SLOPE and state.loss > SATURATED_LOSS:
            warnings.append("The output sigmoid is saturated (ŷ ≈ 0 or 1 at every point), so σ′ ≈ 0 and no "
                            "gradient flows back: the steps were too large. Lower lr and press Reset.")  # fmt: skip
        if state.dead_units:
            warnings.append(_dead_units_warning(state))
        return warnings


def _dead_units_warning(state):
    dead = state.dead_units
    if len(dead) == state.hidden_units:
        return ("Every ReLU unit is dead: its pre-activation W1·x + b1 is ≤ 0 at all four points, so relu′ = 0 "
                "there and W1 gets no gradient. Try another seed or more hidden units.")  # fmt: skip
    units, many = _join([str(j + 1) for j in dead]), len(dead) > 1  # numbered from 1, as the rows of W1
    subject = f"Hidden units {units} are" if many else f"Hidden unit {units} is"
    after = (f"the other units solved XOR without {'them' if many else 'it'}." if state.solved
             else "only the other units learn: try another seed or more hidden units.")  # fmt: skip
    return (f"{subject} dead: pre-activation W1·x + b1 ≤ 0 at all four points, so relu′ = 0 there and no "
            f"gradient reaches {'their' if many else 'its'} weights, which never change; {after}")  # fmt: skip


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
