"""Explorer of notebook 07: how a deeper network trains on the 8×8 digits, and why — the gradient per layer.

Controls: the hidden layers (1–7 of 32 units each, so 2 to 8 weight layers: 64 → 32 → … → 32 → 10), the
hidden activation, the initialisation (``init_network``'s small, glorot, he, large, equal) and the learning
rate; buttons Train (``epochs_per_train`` epochs of minibatch SGD on the training set by the hand-written
backward pass, ``train_network``, with a progress bar) and Reset (the defaults and a new run).

Every control starts a new run (effect ``restart``): the curves belong to one network, one initialisation
and one learning rate, so a change of any of them begins again at epoch 0 with the new network at
initialisation (its weights from the fixed seed). Its per-layer gradient norms on the 1,437 training images
are shown at once: ``train_network`` run for 0 epochs, the same measurement it makes after every epoch (a
few ms). Train runs the epochs and redraws after each one: the norms at the current weights (bars, input
side first, log scale; black ticks: at epoch 0), the training loss and the test accuracy of the epochs
trained so far. The run history (``DigitsRun``) holds the weights, the minibatch generator's state (two
presses of Train are one run of twice the epochs), every epoch's measurements and the epoch in which the
loss became inf or nan, if it did.

What a learner should see (default seed, at epoch 0): relu with he keeps the norms level at any depth
(about 1 in all 8 layers); sigmoid with small shrinks them some 60-fold per layer towards the input
(‖∂L/∂W1‖ ≈ 2·10⁻¹²·‖∂L/∂W8‖ with 7 hidden layers; the message line says the gradient vanishes below 10⁻⁶
of the largest layer's); sigmoid with glorot shrinks them too, by 10⁴ over 8 layers; relu with large gives
norms near 10⁵ with 7 hidden layers (the message says it explodes; about 7 with one, 200 with three) and the
loss overflows in the first epoch at every lr the slider offers with 6 or 7 hidden layers (the message
blames the init); an equal
initialisation keeps every unit of a layer identical however long it trains (the message says so, from the
weights). The loss at initialisation is never shown (notebook 07's exercise 2 asks for it), nor a loss
that rounds to it: the read-out then says "at chance level".
"""

import math
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np
import torch

from backprop_helpers._inputs import check_int
from backprop_helpers.data import digits_data
from backprop_helpers.network import (
    NETWORK_ACTIVATIONS,
    NETWORK_INITS,
    init_network,
    train_network,
)
from backprop_helpers.plotting.style import COLORS, figure_style
from backprop_helpers.widgets.controls import Button, Choice, Slider
from backprop_helpers.widgets.explorer import Explorer
from backprop_helpers.widgets.readout import lines, num, sci, table

__all__ = ["DigitsExplorer", "DigitsRun", "DigitsState", "network_sizes"]

HIDDEN_WIDTH = 32  # units per hidden layer: notebook 07's 64 → 32 → 10, made deeper by repeating the 32
MAX_HIDDEN_LAYERS = 7  # 8 weight layers, the notebook's deepest
SEED = 0  # the initial weights and the minibatch order: every run of one setting is the same run
VANISHING = 1e-6  # a layer's ‖∂L/∂W‖ below this × the largest layer's (or below this outright): vanished
EXPLODING = 1e3  # a layer's ‖∂L/∂W‖ above this (healthy: 0.01–1): one SGD step moves it by lr × that
NORM_SPAN = (1e-12, 1e4)  # the norm axis' least span; a norm outside it widens it by three decades at a time
LOSS_SPAN = (1e-2, 1e1)  # the loss axis' least span; a loss outside it widens it by a decade at a time
CHANCE_BAND = 0.01  # a training loss within this of ln 10 (a uniform guess) reads "at chance level"
STUCK_EPOCHS = 5  # a run whose every epoch so far ended at chance level gets a message from this epoch on


def network_sizes(hidden_layers):
    """The layer sizes for ``hidden_layers`` hidden layers of 32: [64, 32, …, 32, 10]."""
    hidden_layers = check_int(hidden_layers, "hidden_layers", low=1)
    return [64, *[HIDDEN_WIDTH] * hidden_layers, 10]


@dataclass(frozen=True, eq=False)
class DigitsRun:
    """The run history: one network (fixed for the run), its current weights and what each epoch measured.

    ``losses``, ``test_accuracies`` and ``grad_norms`` are ``train_network``'s measurements on the whole
    training set (the accuracy on the test set) with the weights after k epochs, index 0 the initial ones,
    so they hold ``epoch + 1`` entries. ``generator_state`` is the minibatch order's generator after the
    epochs run: the next press of Train continues the same sequence of minibatches. The last press ran from
    epoch ``pressed_at`` towards ``planned``; ``diverged_at`` is None or the epoch in which the loss became
    inf or nan (the run stopped, ``params`` are the last finite ones).
    """

    hidden_layers: int
    activation: str
    init: str
    lr: float
    params: dict
    generator_state: torch.Tensor
    losses: tuple
    test_accuracies: tuple
    grad_norms: tuple  # one tuple per epoch: ‖∂L/∂W_k‖ for k = 1…L, input side first
    pressed_at: int = 0
    planned: int = 0
    diverged_at: int | None = None

    @property
    def epoch(self):
        return len(self.losses) - 1

    def extended(self, network_run, **changes):
        """This run continued by ``network_run`` (a ``NetworkRun`` started from ``self.params``): its
        measurements after epoch 0 appended (its index 0 re-measures the weights this run ends with)."""
        return replace(
            self,
            params=network_run.params,
            losses=self.losses + network_run.losses[1:],
            test_accuracies=self.test_accuracies + network_run.test_accuracies[1:],
            grad_norms=self.grad_norms + network_run.grad_norms[1:],
            **changes,
        )


@dataclass(frozen=True)
class DigitsState:
    """What the explorer shows: the network, the curves of the epochs trained and the gradient norms.

    ``losses`` and ``test_accuracies`` are the curves of epochs 1…``epoch`` (empty before the first Train:
    the loss at initialisation is never shown), ``grad_norms`` the per-layer ‖∂L/∂W_k‖ on the training set
    with the current weights and ``initial_norms`` those at initialisation. ``identical_layers`` are the
    hidden layers (1-based) whose units are all the same. ``progress`` is (epochs run, epochs planned) of
    the last press of Train.
    """

    sizes: tuple
    activation: str
    init: str
    lr: float
    epoch: int
    losses: tuple
    test_accuracies: tuple
    grad_norms: tuple
    initial_norms: tuple
    identical_layers: tuple
    diverged_at: int | None
    progress: tuple
    axis_epochs: int  # the epochs the curves' axes must hold: those run and those of the press under way

    @property
    def loss(self):
        """The training loss after the last epoch; None before the first."""
        return self.losses[-1] if self.losses else None

    @property
    def test_accuracy(self):
        return self.test_accuracies[-1] if self.test_accuracies else None


def identical_layers(params):
    """The hidden layers k (1-based, k < L) whose units are all the same: every row of W_k equal to the
    first and every entry of b_k equal to the first (exactly). From equal ones they get equal gradients."""
    n_layers = len(params) // 2
    return tuple(
        k
        for k in range(1, n_layers)
        if params[f"W{k}"].shape[0] > 1
        and bool(
            (params[f"W{k}"] == params[f"W{k}"][:1]).all() and (params[f"b{k}"] == params[f"b{k}"][0]).all()
        )
    )


class DigitsExplorer(Explorer):
    """Train a 64 → 32 → … → 10 network on the digits and watch its per-layer gradient norms and curves.

    Defaults are notebook 07's network: one hidden layer of 32 relu units, He's initialisation, lr 0.1;
    ``epochs_per_train`` (10) epochs of minibatch SGD (``batch_size`` 32) per press of Train, on the training
    set, by the hand-written backward pass (``train_network``); float32 as ``digits_data`` gives it.
    ``.train(epochs=None)`` (the Train button) and ``.reset()`` (the Reset button: the defaults and a new
    run) return the state; ``.state`` is a ``DigitsState``, ``.history`` the ``DigitsRun``; ``.progress`` is
    the progress bar of a press.
    """

    figsize = (8.4, 2.9)
    readout_width = "290px"
    epochs_per_train = 10  # a press of Train; a test may lower it
    batch_size = 32
    controls_spec = {  # noqa: RUF012 (a declaration, never mutated)
        "hidden_layers": Slider(
            "hidden layers", 1, MAX_HIDDEN_LAYERS, 1, 1, integer=True, effect="restart", width="230px"
        ),
        "activation": Choice("activation", NETWORK_ACTIVATIONS, "relu", effect="restart", width="160px"),
        "init": Choice("init", NETWORK_INITS, "he", effect="restart", width="130px"),
        "lr": Slider("lr", 1e-3, 10.0, 0.1, 0.1, fmt=".3g", log=True, effect="restart", width="230px"),
        "train": Button(
            "Train", "train", primary=True, tooltip="epochs of minibatch SGD on the training set"
        ),
        "reset": Button("Reset", "reset", tooltip="the default settings and a new run", width="70px"),
    }
    layout = (("hidden_layers", "activation", "init", "lr"), ("train", "reset"))  # the progress bar: row 2

    def __init__(self, *, hidden_layers=1, activation="relu", init="he", lr=0.1):
        self.data = digits_data(torch.float32)
        self.progress = widgets.IntProgress(
            value=0, min=0, max=self.epochs_per_train, description="epochs run"
        )
        self.progress.style.description_width = "initial"
        self._limits = {}  # axes → the (low, high) of its log y axis as drawn
        super().__init__(hidden_layers=hidden_layers, activation=activation, init=init, lr=lr)

    def _extra_widgets(self):
        return [self.progress]

    # -- the run and the model -------------------------------------------------------------------------------

    def _train_network(self, params, activation, lr, epochs, generator, callback=None):
        data = self.data
        return train_network(data.X_train, data.y_train, params, activation=activation, lr=lr,
                             epochs=epochs, batch_size=self.batch_size, generator=generator, X_test=data.X_test,
                             y_test=data.y_test, callback=callback)  # fmt: skip

    def start_history(self, values):
        """A new network at initialisation (weights from the fixed seed) and its measurements at epoch 0."""
        sizes = network_sizes(values["hidden_layers"])
        params = init_network(sizes, init=values["init"], generator=torch.Generator().manual_seed(SEED),
                              dtype=torch.float32)  # fmt: skip
        generator = torch.Generator().manual_seed(SEED)
        measured = self._train_network(
            params, values["activation"], values["lr"], 0, generator
        )  # epoch 0: measured, no step taken
        return DigitsRun(values["hidden_layers"], values["activation"], values["init"], values["lr"], measured.params,
                         generator.get_state(), measured.losses, measured.test_accuracies,
                         measured.grad_norms)  # fmt: skip

    def model(self, values, history):
        run = history
        done, planned = run.epoch - run.pressed_at, run.planned - run.pressed_at
        return DigitsState(
            sizes=tuple(network_sizes(run.hidden_layers)), activation=run.activation, init=run.init, lr=run.lr,
            epoch=run.epoch, losses=run.losses[1:], test_accuracies=run.test_accuracies[1:],
            grad_norms=run.grad_norms[-1], initial_norms=run.grad_norms[0],
            identical_layers=identical_layers(run.params), diverged_at=run.diverged_at,
            progress=(done, planned) if planned > 0 else (0, self.epochs_per_train),
            axis_epochs=max(run.epoch, run.planned),
        )  # fmt: skip

    def train(self, epochs=None):
        """Run ``epochs`` epochs (default ``epochs_per_train``) of minibatch SGD with the current settings,
        redrawing after each epoch. A loss that becomes inf or nan stops the run with a message, keeping the
        last finite weights, until a setting changes or Reset. Returns the state."""
        epochs = self.epochs_per_train if epochs is None else check_int(epochs, "epochs", low=1)
        run = self.history
        if run.diverged_at is not None:
            return self.update()  # stopped: the message says to lower lr
        start = run.epoch
        run = self.history = replace(run, pressed_at=start, planned=start + epochs)
        generator = torch.Generator()
        generator.set_state(run.generator_state)

        def frame(epoch, so_far):  # the last frame is drawn below, with the run's outcome
            if epoch < epochs:
                self.history = run.extended(so_far)
                self.update()

        self.controls["train"].disabled = True
        try:
            result = self._train_network(
                run.params, run.activation, run.lr, epochs, generator, callback=frame
            )
        finally:
            self.controls["train"].disabled = False
        diverged_at = None if result.diverged_at is None else start + result.diverged_at
        self.history = run.extended(result, generator_state=generator.get_state(), diverged_at=diverged_at)
        return self.update()

    # -- figure ----------------------------------------------------------------------------------------------

    def _build_figure(self, figure):
        with figure_style():
            axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1.25, 1, 1]})
            self._ax_norms, self._ax_loss, self._ax_accuracy = axes
            figure.subplots_adjust(left=0.075, right=0.985, bottom=0.17, top=0.87, wspace=0.38)

            ax = self._ax_norms
            ax.set_yscale("log")
            layers = np.arange(1, MAX_HIDDEN_LAYERS + 2)
            ax.set_xlim(0.4, MAX_HIDDEN_LAYERS + 1.6)
            ax.set_xticks(layers)
            ax.set_xlabel("layer k (input side first)")
            ax.set_ylabel("‖∂L/∂W‖ (log scale)")
            ax.set_title("gradient norm per layer\nbars: now, black ticks: at epoch 0", fontsize=8)
            bars = ax.bar(layers, np.ones(layers.size), width=0.7, color=COLORS["blue"], bottom=NORM_SPAN[0])
            self._bars = [self.animate(bar) for bar in bars]
            self._initial = self.animate(ax.plot([], [], "_", color=COLORS["black"], markersize=14,
                                                 markeredgewidth=1.6)[0])  # fmt: skip

            ax = self._ax_loss
            ax.set_yscale("log")
            ax.set_xlim(0, 2 * self.epochs_per_train)
            ax.set_ylim(LOSS_SPAN)
            ax.set_xlabel("epoch")
            ax.set_ylabel("training loss")
            ax.set_title("cross-entropy per epoch", fontsize=9)
            # the run's lr is in the picture too: an lr move starts a new run that looks the same at epoch 0
            self._settings = self.animate(ax.text(0.98, 0.96, "", transform=ax.transAxes, ha="right", va="top",
                                                  fontsize=7, color=COLORS["grey"]))  # fmt: skip
            self._loss_curve = self.animate(ax.plot([], [], ".-", color=COLORS["vermillion"], linewidth=1.4,
                                                    markersize=4, clip_on=False)[0])  # fmt: skip

            ax = self._ax_accuracy
            ax.set_xlim(0, 2 * self.epochs_per_train)
            ax.set_ylim(0, 100)
            ax.axhline(95, color=COLORS["green"], linestyle=":", linewidth=1)
            ax.text(
                0.98,
                96,
                "95 %",
                ha="right",
                color=COLORS["green"],
                fontsize=7,
                transform=ax.get_yaxis_transform(),
            )
            ax.set_xlabel("epoch")
            ax.set_ylabel("test accuracy (%)")
            ax.set_title("test accuracy per epoch", fontsize=9)
            self._accuracy_curve = self.animate(ax.plot([], [], ".-", color=COLORS["blue"], linewidth=1.4,
                                                        markersize=4, clip_on=False)[0])  # fmt: skip
            # before the first epoch the curves are empty (the loss at initialisation is never shown)
            waiting = {"ha": "center", "va": "center", "color": COLORS["grey"], "fontsize": 9}
            self._waiting = [self.animate(ax.text(0.5, 0.5, "press Train", transform=ax.transAxes, **waiting))
                             for ax in (self._ax_loss, self._ax_accuracy)]  # fmt: skip

    def _fit_log_axis(self, ax, values, least, decades):
        """Static: the log y axis of ``ax`` spans ``least`` = (low, high) and every positive finite value,
        its ends on whole groups of ``decades`` decades (a full redraw when they change, so rarely)."""
        finite = [v for v in values if v > 0 and math.isfinite(v)]
        low, high = min([least[0], *finite]), max([least[1], *finite])
        limits = (10.0 ** (decades * math.floor(math.log10(low) / decades)),
                  10.0 ** (decades * math.ceil(math.log10(high) / decades)))  # fmt: skip
        if limits != self._limits.get(ax):
            ax.set_ylim(*limits)
            self._limits[ax] = limits
            self.invalidate()
        return limits

    def _draw(self, state):
        n_layers = len(state.grad_norms)
        low, _ = self._fit_log_axis(self._ax_norms, state.grad_norms + state.initial_norms, NORM_SPAN, 3)
        for k, bar in enumerate(self._bars):
            shown = k < n_layers
            bar.set_visible(shown)
            if shown:
                bar.set_y(low)
                bar.set_height(max(state.grad_norms[k], low) - low)
        self._initial.set_data(np.arange(1, n_layers + 1), np.maximum(state.initial_norms, low))
        epochs = np.arange(1, state.epoch + 1)
        self._fit_log_axis(self._ax_loss, state.losses, LOSS_SPAN, 1)
        self._loss_curve.set_data(epochs, state.losses)
        self._accuracy_curve.set_data(epochs, 100 * np.asarray(state.test_accuracies))
        self._settings.set_text(f"lr {state.lr:{self.specs['lr'].fmt}}, batches of {self.batch_size}")
        waiting = (
            "press Train"
            if state.diverged_at is None
            else f"stopped: inf or nan\nin epoch {state.diverged_at}"
        )
        for text in self._waiting:
            text.set_visible(state.epoch == 0)
            text.set_text(waiting)
        for ax in (self._ax_loss, self._ax_accuracy):  # the whole history and the press under way fit
            self.widen(ax, state.axis_epochs, 2 * self.epochs_per_train)
        done, planned = state.progress
        self.progress.max, self.progress.value = planned, done

    # -- read-out and messages -------------------------------------------------------------------------------

    def _readout(self, state):
        arrows = " → ".join(str(size) for size in state.sizes)
        rows = [(f"W{k}", f"{out}×{n_in}", sci(norm), sci(initial))
                for k, (n_in, out, norm, initial) in enumerate(zip(state.sizes[:-1], state.sizes[1:],
                                                                   state.grad_norms, state.initial_norms,
                                                                   strict=True), start=1)]  # fmt: skip
        if state.epoch == 0:
            progress = "epoch 0: press Train"
        else:
            progress = (f"epoch {state.epoch}: loss {_loss_text(state.loss)}<br>"
                        f"test accuracy {100 * state.test_accuracy:.1f} %")  # fmt: skip
        if state.diverged_at is not None:
            progress += f"<br><b>stopped</b>: the loss became inf or nan in epoch {state.diverged_at}"
        return lines(
            f"{arrows}, {state.activation}",
            f"init {state.init}, lr {state.lr:{self.specs['lr'].fmt}}, batch {self.batch_size}",
            progress,
            table(rows, head=("", "shape", "‖∂L/∂W‖", "epoch 0")),
            "norms on the 1,437 training images",
        )

    def _warnings(self, state):
        warnings = []
        if state.diverged_at is not None and max(state.initial_norms) > EXPLODING:
            # the gradient exploded at initialisation (relu, large, deep): a step of lr × ‖∂L/∂W‖ overshoots unless
            # lr is far smaller (with 7 relu layers even the slider's 1e-3; with 4 or 5, lr 0.1 or less trains)
            warnings.append(f"The loss became inf or nan in epoch {state.diverged_at}, so training stopped at epoch "
                            f"{state.epoch}: the init is too large, its gradient explodes (‖∂L/∂W‖ up to "
                            f"{_sci(max(state.initial_norms))} at epoch 0) and a step of lr × ‖∂L/∂W‖ overshoots "
                            "unless lr is far smaller. Choose glorot or he, or lower lr (any change starts a new "
                            "run).")  # fmt: skip
        elif state.diverged_at is not None:
            warnings.append(f"The learning rate is too large: the loss became inf or nan in epoch {state.diverged_at}, "
                            f"so training stopped at epoch {state.epoch}. Lower lr (any change starts a new "
                            "run).")  # fmt: skip
        if state.identical_layers:
            layers = _join([str(k) for k in state.identical_layers])
            which = "hidden layers " + layers if len(state.identical_layers) > 1 else "hidden layer " + layers
            warnings.append(f"Every unit of {which} is identical (init equal): each gets the same gradient, so "
                            "they stay identical and the layer acts as one unit. Choose a random init to break "
                            "the symmetry.")  # fmt: skip
            return warnings  # the tiny gradients of an equal init are the symmetry's, not depth's
        norms = state.grad_norms
        largest = max(range(len(norms)), key=norms.__getitem__)
        smallest = min(range(len(norms)), key=norms.__getitem__)
        # vanished at initialisation: the init and the depth did it; only since training: the steps did
        fix = ("The init is too small for this depth; try fewer layers, relu with he or tanh with glorot."
               if _vanished(state.initial_norms) else
               "It was not so at epoch 0: the steps were too large and drove the units there; lower lr.")  # fmt: skip
        if norms[smallest] == 0:
            dead = (
                " (the relu units of a layer above it are all off on every training image: relu′ = 0)"
                if state.activation == "relu"
                else ""
            )
            warnings.append(f"No gradient reaches W{smallest + 1}: ‖∂L/∂W{smallest + 1}‖ = 0{dead}, so layer "
                            f"{smallest + 1} never changes again. {fix}")  # fmt: skip
        elif norms[largest] < VANISHING:
            warnings.append(f"The gradient has vanished in every layer (the largest, ‖∂L/∂W{largest + 1}‖, is "
                            f"{_sci(norms[largest])}): the weights barely move. {fix}")  # fmt: skip
        elif norms[smallest] < VANISHING * norms[largest]:
            warnings.append(f"The gradient vanishes: ‖∂L/∂W{smallest + 1}‖ is {_sci(norms[smallest] / norms[largest])} "
                            f"× ‖∂L/∂W{largest + 1}‖, so layer {smallest + 1} barely learns. {fix}")  # fmt: skip
        if norms[largest] > EXPLODING:
            cause = (
                "The init is too large; try glorot or he."
                if max(state.initial_norms) > EXPLODING
                else "Lower lr."
            )
            warnings.append(f"The gradient explodes: ‖∂L/∂W{largest + 1}‖ = {_sci(norms[largest])}, so one step "
                            f"of SGD throws the weights far off. {cause}")  # fmt: skip
        if state.epoch >= STUCK_EPOCHS and all(
            abs(loss - math.log(10)) < CHANCE_BAND for loss in state.losses
        ):
            warnings.append(f"After {state.epoch} epochs the loss is still at chance level: the network has "
                            "learnt nothing yet (the gradient norms beside show how little reaches each layer).")  # fmt: skip
        return warnings


def _vanished(norms):
    """True when some layer's ‖∂L/∂W‖ is 0, all are below VANISHING, or one is below VANISHING × the largest."""
    return min(norms) == 0 or max(norms) < VANISHING or min(norms) < VANISHING * max(norms)


def _sci(value):
    return sci(value, 2)


def _loss_text(loss):
    # the loss of a network that gives every class 1/10, ln 10, is notebook 07's exercise 2: a loss within 0.01
    # of it (every loss that would print as 2.30x) is said in words
    if abs(loss - math.log(10)) < CHANCE_BAND:
        return "at chance level (no better than a uniform guess)"
    return num(loss, 3)


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
