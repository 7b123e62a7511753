"""DigitsExplorer, driven headless: a setting change shows the new network's gradient norms at initialisation as
the package computes them, Train is the package's train_network (two presses = one run of twice the epochs),
the progress bar and the curves follow the epochs trained, and the lesson's messages (vanishing, exploding,
non-finite loss, identical units) appear when they should (the contract every explorer keeps is in
test_explorer_contract.py)."""

import itertools
import math

import pytest
import torch

from backprop_helpers.data import digits_data
from backprop_helpers.exercises.digits_numbers import CE_ENTRY_PROBLEM, GLOROT_PROBLEM, UNIFORM_LOSS_PROBLEM
from backprop_helpers.network import (
    init_network,
    layer_grad_norms,
    network_backward,
    network_forward,
    train_network,
)
from backprop_helpers.widgets import DigitsExplorer
from backprop_helpers.widgets.digits_explorer import SEED, DigitsRun, DigitsState, network_sizes
from backprop_helpers.widgets.readout import num, sci


class QuickDigitsExplorer(DigitsExplorer):
    epochs_per_train = 3  # a press of Train in these tests: three epochs, not ten


@pytest.fixture(scope="module")
def data():
    return digits_data(torch.float32)


@pytest.fixture
def explorer():
    return QuickDigitsExplorer()


def reference_run(data, hidden_layers, activation, init, lr, epochs):
    """The package's run from the explorer's seed: what the explorer must reproduce exactly."""
    params = init_network(network_sizes(hidden_layers), init=init, generator=torch.Generator().manual_seed(SEED),
                          dtype=torch.float32)  # fmt: skip
    return train_network(data.X_train, data.y_train, params, activation=activation, lr=lr, epochs=epochs,
                         batch_size=DigitsExplorer.batch_size, generator=torch.Generator().manual_seed(SEED),
                         X_test=data.X_test, y_test=data.y_test)  # fmt: skip


def test_defaults_are_notebook_07s_network_at_initialisation(explorer):
    state = explorer.state
    assert isinstance(state, DigitsState) and isinstance(explorer.history, DigitsRun)
    assert state.sizes == (64, 32, 10) and (state.activation, state.init) == ("relu", "he")
    assert state.lr == pytest.approx(0.1, rel=1e-12)
    assert state.epoch == 0 and state.losses == () and state.test_accuracies == ()
    assert state.grad_norms == state.initial_norms and len(state.grad_norms) == 2
    assert explorer.progress.value == 0 and explorer.progress.max == 3
    assert explorer.message == ""
    assert "epoch 0: press Train" in explorer.readout.value and "loss" not in explorer.readout.value


@pytest.mark.parametrize(
    ("settings"),
    [{"hidden_layers": 4}, {"hidden_layers": 7, "activation": "sigmoid", "init": "small"},
     {"hidden_layers": 3, "activation": "tanh", "init": "glorot"}, {"init": "large", "lr": 1.0}],
)  # fmt: skip
def test_a_move_shows_the_gradient_norms_the_package_computes(explorer, data, settings):
    for name, value in settings.items():
        explorer.controls[name].value = value
    values = explorer.values()
    state = explorer.state
    params = init_network(network_sizes(values["hidden_layers"]), init=values["init"],
                          generator=torch.Generator().manual_seed(SEED), dtype=torch.float32)  # fmt: skip
    _, cache = network_forward(data.X_train, params, activation=values["activation"])
    by_hand = layer_grad_norms(network_backward(cache, data.y_train))
    assert len(state.grad_norms) == values["hidden_layers"] + 1
    # the same float32 operations in the same order: equal up to float32 rounding (rtol 1e-5)
    assert state.grad_norms == pytest.approx(by_hand, rel=1e-5, abs=0)
    run = reference_run(data, values["hidden_layers"], values["activation"], values["init"], values["lr"], 0)
    assert state.grad_norms == run.grad_norms[0]
    assert state.epoch == 0 and explorer.progress.value == 0
    for k, norm in enumerate(state.grad_norms, start=1):  # the read-out's table, one row per layer
        assert f"<td>W{k}</td>" in explorer.readout.value and sci(norm) in explorer.readout.value
    drawn = [bar.get_y() + bar.get_height() for bar in explorer._bars if bar.get_visible()]
    low = explorer._ax_norms.get_ylim()[0]
    assert drawn == pytest.approx([max(norm, low) for norm in state.grad_norms], rel=1e-12)


def test_train_advances_the_epochs_with_progress_and_curves(explorer):
    png = explorer.image.value
    explorer.controls["train"].click()
    state = explorer.state
    assert state.epoch == 3 and explorer.progress.value == explorer.progress.max == 3
    assert len(state.losses) == len(state.test_accuracies) == 3  # the curves: epochs 1…3
    assert len(explorer._loss_curve.get_xdata()) == len(explorer._accuracy_curve.get_xdata()) == 3
    assert list(explorer._loss_curve.get_xdata()) == [1, 2, 3]
    assert explorer.image.value != png and not explorer.controls["train"].disabled
    assert state.grad_norms != state.initial_norms
    assert f"epoch 3: loss {num(state.loss, 3)}<br>test accuracy {100 * state.test_accuracy:.1f} %" in (
        explorer.readout.value
    )
    explorer.train(epochs=4)
    assert explorer.state.epoch == 7 and explorer.progress.value == explorer.progress.max == 4
    assert len(explorer._accuracy_curve.get_ydata()) == 7


def test_training_is_train_network_and_two_presses_are_one_run(explorer, data):
    explorer.train(epochs=2)
    state = explorer.train(epochs=3)
    run = reference_run(data, 1, "relu", "he", explorer.values()["lr"], 5)
    assert state.epoch == 5
    assert state.losses == run.losses[1:] and state.test_accuracies == run.test_accuracies[1:]
    assert state.grad_norms == run.grad_norms[-1] and state.initial_norms == run.grad_norms[0]
    for name, value in run.params.items():
        assert torch.equal(explorer.history.params[name], value), name


def test_the_default_network_learns(explorer):
    state = explorer.train(epochs=10)
    assert state.test_accuracy >= 0.95 and state.loss < 0.3
    assert explorer.message == ""


def test_the_figure_is_redrawn_after_every_epoch(explorer, monkeypatch):
    renders = []
    original = explorer.render
    monkeypatch.setattr(explorer, "render", lambda: renders.append(explorer.state.epoch) or original())
    explorer.train(epochs=4)
    assert renders == [1, 2, 3, 4]


def test_the_curves_axes_hold_the_epochs_trained(explorer):
    assert explorer._ax_loss.get_xlim() == (0, 6)  # twice a press
    explorer.train(epochs=5)
    assert explorer._ax_loss.get_xlim() == explorer._ax_accuracy.get_xlim() == (0, 6)
    explorer.train(epochs=5)
    assert explorer._ax_loss.get_xlim() == explorer._ax_accuracy.get_xlim() == (0, 12)
    low, high = explorer._ax_loss.get_ylim()
    assert low <= min(explorer.state.losses) and max(explorer.state.losses) <= high  # every loss on the axis
    explorer.reset()
    assert explorer._ax_loss.get_xlim() == (0, 6)
    # a log axis grows by whole decades (norms: groups of three) to hold what it must show, and shrinks back
    assert explorer._fit_log_axis(explorer._ax_loss, [3e-4, 50.0], (1e-2, 10.0), 1) == (1e-4, 100.0)
    assert explorer._fit_log_axis(explorer._ax_norms, [2e-14, 5e4], (1e-12, 1e4), 3) == (1e-15, 1e6)
    assert explorer._fit_log_axis(explorer._ax_loss, [], (1e-2, 10.0), 1) == explorer._ax_loss.get_ylim()


@pytest.mark.parametrize(("name", "value"), [("hidden_layers", 2), ("activation", "tanh"), ("init", "glorot"),
                                             ("lr", 0.01)])  # fmt: skip
def test_every_setting_starts_a_new_run(explorer, data, name, value):
    explorer.train()
    explorer.controls[name].value = value
    state, values = explorer.state, explorer.values()
    assert state.epoch == 0 and state.losses == () and explorer.progress.value == 0
    run = reference_run(data, values["hidden_layers"], values["activation"], values["init"], values["lr"], 0)
    assert state.grad_norms == run.grad_norms[0]
    assert {"hidden_layers": len(state.sizes) - 2, "activation": state.activation, "init": state.init,
            "lr": state.lr}[name] == values[name]  # fmt: skip
    trained = explorer.train(epochs=1)
    run = reference_run(data, values["hidden_layers"], values["activation"], values["init"], values["lr"], 1)
    assert trained.losses == run.losses[1:]


def test_reset_goes_back_to_the_defaults_and_a_new_run(explorer):
    initial = explorer.state
    explorer.controls["hidden_layers"].value = 5
    explorer.controls["activation"].value = "sigmoid"
    explorer.train()
    state = explorer.controls["reset"].click() or explorer.state
    assert explorer.values() == explorer.defaults()
    assert state.epoch == 0 and state.sizes == (64, 32, 10) and state.activation == "relu"
    assert state.grad_norms == initial.grad_norms and explorer.progress.value == 0
    assert explorer.restart().epoch == 0


def test_sigmoid_deep_with_a_small_init_says_the_gradient_vanishes():
    explorer = QuickDigitsExplorer(hidden_layers=7, activation="sigmoid", init="small")
    norms = explorer.state.grad_norms
    assert norms[0] < 1e-6 * max(norms)  # the input side's: 60-fold smaller per layer
    assert all(a < b for a, b in itertools.pairwise(norms))  # shrinking towards the input
    assert explorer.message.startswith("⚠ The gradient vanishes: ‖∂L/∂W1‖ is ")
    assert "× ‖∂L/∂W8‖, so layer 1 barely learns" in explorer.message
    explorer.controls["activation"].value = "relu"
    explorer.controls["init"].value = "he"
    assert explorer.message == ""  # relu with he: level norms at the same depth
    assert max(explorer.state.grad_norms) < 10 * min(explorer.state.grad_norms)


def test_a_run_stuck_at_chance_is_said_after_a_few_epochs():
    explorer = QuickDigitsExplorer(hidden_layers=7, activation="sigmoid", init="glorot")
    explorer.train()  # 3 epochs: too early to call it stuck
    assert "still at chance level" not in explorer.message
    explorer.train()
    assert all(abs(loss - math.log(10)) < 0.01 for loss in explorer.state.losses)
    assert "After 6 epochs the loss is still at chance level" in explorer.message
    healthy = QuickDigitsExplorer()  # notebook 07's network leaves chance in its first epoch: no such message
    healthy.train()
    healthy.train()
    assert "chance" not in healthy.message


def test_a_tiny_gradient_everywhere_is_said_too():
    explorer = QuickDigitsExplorer(hidden_layers=7, activation="tanh", init="small")
    assert max(explorer.state.grad_norms) < 1e-6
    assert "The gradient has vanished in every layer" in explorer.message


def test_a_large_init_says_the_gradient_explodes_and_blames_the_init_when_the_loss_overflows():
    explorer = QuickDigitsExplorer(hidden_layers=7, activation="relu", init="large")
    assert max(explorer.state.grad_norms) > 1e3
    assert "The gradient explodes" in explorer.message and "The init is too large" in explorer.message
    explorer.controls["lr"].value = 1e-3  # the slider's smallest lr: still too much for these gradients
    state = explorer.train()
    assert state.diverged_at == 1
    assert "the init is too large, its gradient explodes" in explorer.message
    assert "The learning rate is too large" not in explorer.message


def test_a_too_large_learning_rate_gives_a_message_not_an_exception_or_nan():
    explorer = QuickDigitsExplorer(hidden_layers=7, lr=10.0)
    before, png = explorer.history.params, explorer.image.value
    state = explorer.train()  # no exception
    assert "<b>stopped</b>: the loss became inf or nan in epoch 1" in explorer.readout.value
    assert explorer.image.value != png  # the figure says so too: a press of Train always shows something
    assert state.diverged_at == 1 and state.epoch == 0
    assert explorer.message.startswith(
        "⚠ The learning rate is too large: the loss became inf or nan in epoch 1"
    )
    assert all(math.isfinite(n) for n in state.grad_norms) and state.losses == ()  # no nan is shown
    for name, value in before.items():
        assert torch.equal(explorer.history.params[name], value)  # the last finite weights are kept
    assert explorer.progress.value == 0 and not explorer.controls["train"].disabled
    explorer.train()  # still stopped until a setting changes
    assert explorer.state.epoch == 0 and "too large" in explorer.message
    explorer.controls["lr"].value = 0.1
    assert explorer.message == "" and explorer.state.diverged_at is None


def test_relu_units_killed_by_large_steps_are_said_to_be_the_steps_fault():
    explorer = QuickDigitsExplorer(hidden_layers=3, lr=10.0)
    assert explorer.message == ""  # at epoch 0 every layer has its gradient
    state = explorer.train()
    assert state.diverged_at is None and state.grad_norms == (0.0, 0.0, 0.0, 0.0)
    assert explorer.message.startswith(
        "⚠ No gradient reaches W1: ‖∂L/∂W1‖ = 0 (the relu units of a layer above"
    )
    assert "It was not so at epoch 0: the steps were too large" in explorer.message


def test_an_equal_init_keeps_the_units_identical():
    explorer = QuickDigitsExplorer(hidden_layers=2, init="equal")
    assert explorer.state.identical_layers == (1, 2)
    assert "Every unit of hidden layers 1 and 2 is identical" in explorer.message
    assert "vanish" not in explorer.message  # the tiny norms are the symmetry's, said once
    state = explorer.train()
    assert state.identical_layers == (1, 2)  # trained, still identical: exactly equal rows
    W1 = explorer.history.params["W1"]
    assert torch.equal(W1, W1[:1].expand_as(W1))
    explorer.controls["init"].value = "he"
    assert explorer.state.identical_layers == () and "identical" not in explorer.message


def test_the_loss_at_chance_is_never_printed_in_digits(explorer):
    # exercise 2 of notebook 07 is the loss of a uniform guess, ln 10; a network stuck there must not print it
    from backprop_helpers.widgets.digits_explorer import _loss_text

    for loss in (math.log(10), 2.2995, 2.30949, 2.3):  # all that would print as 2.30x
        assert _loss_text(loss) == "at chance level (no better than a uniform guess)", loss
    assert _loss_text(0.25) == "0.250" and _loss_text(2.2925) == "2.292" and _loss_text(2.3127) == "2.313"


def test_the_explorer_cannot_show_an_exercise_answer():
    # notebook 07's number exercises: one entry of ∂L/∂z, the loss of a uniform guess, Glorot's std for 32 → 10
    logits = torch.tensor(CE_ENTRY_PROBLEM["logits"], dtype=torch.float64)
    row, column = CE_ENTRY_PROBLEM["row"], CE_ENTRY_PROBLEM["column"]
    onehot = float(CE_ENTRY_PROBLEM["labels"][row] == column)
    entry = (torch.softmax(logits, dim=1)[row, column].item() - onehot) / logits.shape[0]
    uniform = math.log(UNIFORM_LOSS_PROBLEM["classes"])
    glorot = math.sqrt(2 / (GLOROT_PROBLEM["n_in"] + GLOROT_PROBLEM["n_out"]))
    answers = (entry, uniform, glorot)
    forbidden = {f"{value:{fmt}}".replace("-", sign) for value in answers for fmt in ("#.3g", ".4g", ".3f",
                 ".4f") for sign in ("-", "−")} | {sci(abs(value)) for value in answers}  # fmt: skip
    explorer = QuickDigitsExplorer()
    settings = [(1, "relu", "he", 0.1), (7, "sigmoid", "small", 0.1), (3, "tanh", "small", 0.1),
                (2, "sigmoid", "glorot", 0.01), (1, "relu", "equal", 1.0), (4, "tanh", "large", 0.1)]  # fmt: skip
    for hidden_layers, activation, init, lr in settings:
        values = {"hidden_layers": hidden_layers, "activation": activation, "init": init, "lr": lr}
        explorer.set_values(values)
        explorer.restart()
        for press in range(2):  # at initialisation, then after a press of Train
            if press:
                explorer.train()
            texts = explorer.readout.value + explorer.message
            assert not [text for text in forbidden if text in texts], (values, explorer.state.epoch)


@pytest.mark.parametrize(
    "kwargs",
    [{"hidden_layers": 0}, {"hidden_layers": 8}, {"activation": "gelu"}, {"init": "zeros"}, {"lr": 0.0},
     {"lr": 100.0}, {"lr": 0.15}],
)  # fmt: skip
def test_bad_constructor_arguments_are_named(kwargs):
    with pytest.raises(ValueError, match=f"^{next(iter(kwargs))} must"):
        DigitsExplorer(**kwargs)


def test_train_rejects_bad_epochs(explorer):
    with pytest.raises(ValueError, match="epochs must be an int >= 1; got 0"):
        explorer.train(epochs=0)


def test_the_model_is_a_pure_function_of_the_values_and_the_history(explorer):
    explorer.train(epochs=2)
    values, history = explorer.values(), explorer.history
    first, second = explorer.model(values, history), explorer.model(values, history)
    assert first == second and explorer.history is history and history.epoch == 2
