"""Explorer of notebook 05: train a two-layer network on XOR and watch its decision boundary form.

Controls: hidden units (1–8), the hidden activation, the learning rate, the seed of the initial weights and
the number of epochs a press of Train runs; buttons Step (one epoch), Train and Reset. Training runs in the
kernel, synchronously, inside the button's callback: ``train_mlp``, whose epoch is ``mlp_forward`` →
``mlp_backward`` → ``sgd_step`` (the package's hand backprop of notebook 05, MSE loss, float64); the
figure, the read-out and the progress bar are refreshed every ``epochs // frames`` epochs (20 frames a
run), not every epoch.

What a learner should see: one hidden unit cannot do it (the network is a monotone function of one line,
like the linear model, and gets stuck near loss 1/6 with one point wrong), two or more usually can. A ReLU
unit whose pre-activation is ≤ 0 at all four points is dead (relu′ = 0 there, so it never gets a gradient and
never comes back); the message line names every such unit.

The explorer shows predictions, the loss and the decision region of networks trained from random weights on
the four XOR points; it never shows a weight, a gradient or a shape, so notebook 05's exercises (a shape for a
2 → 3 → 1 net on a batch of four, ∂L/∂b2 on three given predictions, a hand-built ReLU layer's output weight)
cannot be read off it.
"""

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch

from backprop_helpers.data import xor_data
from backprop_helpers.losses import mse
from backprop_helpers.mlp import HIDDEN_ACTIVATIONS, init_mlp, mlp_forward, train_mlp
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.plotting.xor_plots import XOR_CMAP, plane_grid, plot_xor_points
from backprop_helpers.widgets.legacy_explorer import LegacyExplorer as Explorer

__all__ = ["XORExplorer", "XORState"]

LOSS_LIM = (1e-4, 1.0)  # MSE of a sigmoid output lies in [0, 1]; below 1e-4 the curve leaves the axes
MAX_CURVE_POINTS = 1500  # a longer loss history is thinned for drawing (every k-th epoch)


@dataclass(frozen=True)
class XORState:
    """What the explorer shows: the current parameters, the loss history and the predictions.

    ``losses[k]`` is the MSE after k updates (``losses[0]`` at the initial weights), so ``epoch`` =
    ``len(losses) − 1``. ``y_hat`` (4,) are the predictions at the four points, ``grid`` (n, n) the
    prediction over the plane (rows along x₂). ``diverged`` is '' or why training stopped early.
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
    seed: int
    diverged: str

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
    ``.train(epochs=None)`` (the Train button), ``.step()`` (one epoch) and ``.reset()`` (new initial
    weights from the seed) can be called directly; ``.state`` is an ``XORState``.
    """

    figsize = (7.2, 3.0)
    readout_width = "250px"
    grid_n = 60  # the heat map's resolution: 60×60 points, one forward pass per frame
    frames = 20  # figure refreshes per Train press
    min_epochs_per_frame = 10  # a short run is not redrawn more often than every 10 epochs
    lr_range = (1e-3, 1e2)

    def __init__(self, *, hidden_units=4, activation="tanh", lr=1.0, seed=0, epochs=1000):
        if isinstance(hidden_units, bool) or not isinstance(hidden_units, int) or not 1 <= hidden_units <= 8:
            raise ValueError(f"hidden_units must be an int in [1, 8]; got {hidden_units!r}")
        if activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {HIDDEN_ACTIVATIONS}; got {activation!r}")
        if (
            isinstance(lr, bool)
            or not isinstance(lr, (int, float))
            or not self.lr_range[0] <= lr <= self.lr_range[1]
        ):
            raise ValueError(
                f"lr must be a number in [{self.lr_range[0]:g}, {self.lr_range[1]:g}]; got {lr!r}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 99:
            raise ValueError(f"seed must be an int in [0, 99]; got {seed!r}")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 100 <= epochs <= 5000:
            raise ValueError(f"epochs must be an int in [100, 5000]; got {epochs!r}")
        self._defaults = {
            "hidden": hidden_units,
            "activation": activation,
            "lr": float(lr),
            "seed": seed,
            "epochs": epochs,
        }
        self.X, self.y = xor_data(torch.float64)
        self._grid_points, self._extent = plane_grid(self.grid_n)
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="epochs run")
        self.progress.style.description_width = "initial"
        self._init_params(hidden_units, seed)
        self._xmax = epochs
        super().__init__()

    # -- controls and figure ------------------------------------------------------------------------------

    def _build_controls(self):
        d = self._defaults
        narrow = {"description_width": "initial"}
        hidden = widgets.IntSlider(
            value=d["hidden"],
            min=1,
            max=8,
            description="hidden units",
            style=narrow,
            layout={"width": "220px"},
        )
        activation = widgets.Dropdown(
            options=list(HIDDEN_ACTIVATIONS), value=d["activation"], description="activation", style=narrow
        )
        activation.layout.width = "170px"
        lr = widgets.FloatLogSlider(
            value=d["lr"],
            base=10,
            min=math.log10(self.lr_range[0]),
            max=math.log10(self.lr_range[1]),
            step=0.05,
            description="lr",
            readout_format=".3g",
            layout={"width": "240px"},
        )
        seed = widgets.IntSlider(
            value=d["seed"], min=0, max=99, description="seed", style=narrow, layout={"width": "200px"}
        )
        epochs = widgets.IntSlider(
            value=d["epochs"],
            min=100,
            max=5000,
            step=100,
            description="epochs / Train",
            style=narrow,
            continuous_update=False,
            layout={"width": "260px"},
        )
        step = widgets.Button(description="Step", tooltip="one epoch", layout={"width": "70px"})
        train = widgets.Button(description="Train", button_style="primary", layout={"width": "80px"})
        reset = widgets.Button(description="Reset", layout={"width": "70px"})
        step.on_click(lambda _: self.step())
        train.on_click(lambda _: self.train())
        reset.on_click(lambda _: self.reset())
        return {
            "hidden": hidden,
            "activation": activation,
            "lr": lr,
            "seed": seed,
            "epochs": epochs,
            "step": step,
            "train": train,
            "reset": reset,
        }

    def _controls_box(self):
        return widgets.HBox(
            [*self.controls.values(), self.progress],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )

    def _build_figure(self, figure):
        with figure_style():
            self._ax_plane, self._ax_loss = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.35]})
            figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
            ax = self._ax_plane
            self._heat = self.animate(
                ax.imshow(
                    np.full((self.grid_n, self.grid_n), 0.5),
                    origin="lower",
                    extent=self._extent,
                    cmap=XOR_CMAP,
                    vmin=0,
                    vmax=1,
                    interpolation="bilinear",
                )
            )
            points = plot_xor_points(ax, size=45)
            self.animate(*points.values())  # redrawn after the heat map, so they stay on top
            ax.grid(False)
            ax.set_title("ŷ over the plane (white: 0.5)", fontsize=9)

            ax = self._ax_loss
            ax.set_yscale("log")
            ax.set_ylim(*LOSS_LIM)
            ax.set_xlim(0, self._xmax)
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

    def _set_xmax(self, xmax):
        if xmax != self._xmax:
            self._xmax = xmax
            self._ax_loss.set_xlim(0, xmax)
            self.invalidate()  # the axis ticks are part of the cached background

    # -- model ---------------------------------------------------------------------------------------------

    def _init_params(self, hidden_units, seed):
        generator = torch.Generator().manual_seed(seed)
        self._params = init_mlp(2, hidden_units, 1, generator=generator, dtype=torch.float64)
        self._diverged = ""
        activation = (
            self.controls["activation"].value if hasattr(self, "controls") else self._defaults["activation"]
        )
        y_hat, _ = mlp_forward(self.X, self._params, hidden=activation)
        self._losses = [mse(y_hat, self.y).item()]

    def _on_change(self, change):
        controls = self.controls
        if change["owner"] in (controls["hidden"], controls["activation"], controls["seed"]):
            self.reset()  # a new network: the trained weights belong to the old one
            return
        # lr and epochs act on the next Train press; the loss axis is rescaled then, not on every slider
        # tick (a new axis range means a full redraw instead of a blit)
        self.update()

    def compute(self):
        values = self.values()
        activation = values["activation"]
        y_hat, cache = mlp_forward(self.X, self._params, hidden=activation)
        grid, _ = mlp_forward(self._grid_points, self._params, hidden=activation)  # (n·n, 1)
        return XORState(
            params=dict(self._params),
            losses=tuple(self._losses),
            y_hat=y_hat.reshape(-1),
            grid=grid.reshape(self.grid_n, self.grid_n),
            hidden_preactivations=cache["Z1"],
            hidden_activations=cache["A1"],
            hidden_units=values["hidden"],
            activation=activation,
            lr=values["lr"],
            seed=values["seed"],
            diverged=self._diverged,
        )

    def train(self, epochs=None):
        """Run ``epochs`` epochs of full-batch gradient descent (default: the epochs control), refreshing the
        figure every ``epochs // frames`` epochs (at least 10). A non-finite loss or weight stops the run with
        a message; the last finite weights are kept. Returns the new state."""
        if epochs is None:
            epochs = self.controls["epochs"].value
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive int; got {epochs!r}")
        if self._diverged:
            self.update()  # keep the message up: the run must be reset first
            return self.state
        activation = self.controls["activation"].value
        lr = self.controls["lr"].value
        every = max(self.min_epochs_per_frame, epochs // self.frames)
        self._set_xmax(max(self._xmax, len(self._losses) - 1 + epochs))
        self.progress.max, self.progress.value = epochs, 0
        train_button = self.controls["train"]
        train_button.disabled = True
        start = self._losses

        def show(epoch, params, losses):  # a frame every `every` epochs, not after the last one
            if epoch < epochs:
                self._params, self._losses = params, start + list(losses[1:])
                self.progress.value = epoch
                self.update()

        try:
            run = train_mlp(
                self.X, self.y, self._params, hidden=activation, loss="mse", lr=lr, epochs=epochs,
                every=every, callback=show,
            )  # fmt: skip
        finally:
            train_button.disabled = False
        self._params, self._losses = run.params, start + list(run.losses[1:])
        if run.diverged_at is not None:  # the last finite weights are kept
            self._diverged = (
                f"Training diverged at epoch {len(self._losses)}: the loss or a weight became inf/nan"
            )
        if not self._diverged:
            self.progress.value = epochs
        self.update()
        return self.state

    def step(self):
        """One epoch: one forward pass, one backward pass, one SGD step."""
        return self.train(epochs=1)

    def reset(self):
        """New initial weights from the seed (epoch 0); the loss axis spans the epochs control again."""
        values = self.values()
        self._init_params(values["hidden"], values["seed"])
        self.progress.value = 0
        self._set_xmax(values["epochs"])
        self.update()
        return self.state

    # -- drawing -------------------------------------------------------------------------------------------

    def _draw(self, state):
        self._heat.set_data(state.grid.numpy())
        losses = np.asarray(state.losses)
        epochs = np.arange(losses.size)
        stride = max(1, losses.size // MAX_CURVE_POINTS)
        self._curve.set_data(epochs[::stride], losses[::stride])
        # where training stands, visible at epoch 0 too; held on the bottom edge below the axis range
        self._now.set_data([state.epoch], [max(state.loss, LOSS_LIM[0])])

    def _readout(self, state):
        X, y = self.X.numpy(), self.y.numpy().reshape(-1)
        rows = "".join(
            f"<tr><td>({X[i, 0]:.0f}, {X[i, 1]:.0f})</td><td>{y[i]:.0f}</td><td>{state.y_hat[i].item():.3f}</td>"
            f"<td>{'✓' if (state.y_hat[i].item() >= 0.5) == (y[i] == 1) else '✗'}</td></tr>"
            for i in range(4)
        )
        if state.solved:
            verdict = "<b style='color:#009E73'>solved: ŷ rounds to (0, 1, 1, 0)</b>"
        elif state.hidden_units == 1:
            verdict = "<b>not solved</b> — one hidden unit draws one line: XOR needs two"
        else:
            verdict = "<b>not solved yet</b> — train on, or try another seed"
        return (
            "<div style='font-family:monospace;font-size:12px;line-height:1.4'>"
            f"2 → {state.hidden_units} {state.activation} → 1 sigmoid, lr = {state.lr:.3g}<br>"
            f"epoch {state.epoch}, MSE = {state.loss:.6f}<br>"
            "<table style='font-size:12px'><tr><th>x</th><th>y</th><th>ŷ</th><th></th></tr>"
            f"{rows}</table>{verdict}</div>"
        )

    def _check(self, state):
        if state.diverged:
            return f"⚠ {state.diverged}. Lower the learning rate and press Reset."
        if state.epoch > 0 and state.loss > state.losses[0] + 1e-9:
            return (
                f"⚠ The loss rose from {state.losses[0]:.4f} to {state.loss:.4f}: lr = {state.lr:.3g} is too "
                "large, each step overshoots. Lower it and press Reset."
            )
        slope = (state.y_hat * (1 - state.y_hat)).max().item()  # σ′(Z2) = ŷ(1 − ŷ) at the four points
        if state.epoch > 0 and slope < 1e-4 and state.loss > 0.1:
            return (
                "⚠ The output sigmoid is saturated (ŷ ≈ 0 or 1 at every point), so σ′ ≈ 0 and no gradient "
                "flows back: the steps were too large. Lower lr and press Reset."
            )
        dead = state.dead_units
        if dead and len(dead) == state.hidden_units:
            return (
                "⚠ Every ReLU unit is dead: its pre-activation W1·x + b1 is ≤ 0 at all four points, so "
                "relu′ = 0 there and W1 gets no gradient. Try another seed or more hidden units."
            )
        if dead:
            # numbered from 1: "hidden unit 1" is the first row of W1
            units = _join([str(j + 1) for j in dead])
            many = len(dead) > 1
            subject = f"Hidden units {units} are" if many else f"Hidden unit {units} is"
            after = (
                f"the other units solved XOR without {'them' if many else 'it'}."
                if state.solved
                else "only the other units learn: try another seed or more hidden units."
            )
            return (
                f"⚠ {subject} dead: pre-activation W1·x + b1 ≤ 0 at all four points, so relu′ = 0 there and "
                f"no gradient reaches {'their' if many else 'its'} weights, which never change; {after}"
            )
        return ""


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
