"""XORExplorer, driven headless: training is the package's train_mlp (the hand backprop), one hidden unit fails
and two succeed, the network's controls start a new run and lr/epochs act on the next Train, the figure is
redrawn every few epochs, and the lesson's messages (overshoot, divergence, saturation, dead ReLU units) appear
when they should (the contract every explorer keeps is in test_explorer_contract.py)."""

import dataclasses

import pytest
import torch

import backprop_helpers.mlp as mlp_module
from backprop_helpers.data import xor_data
from backprop_helpers.losses import mse
from backprop_helpers.mlp import init_mlp, mlp_forward, train_mlp
from backprop_helpers.widgets import XORExplorer
from backprop_helpers.widgets.xor_explorer import XORRun, XORState


def reference_run(hidden_units, activation, lr, seed, epochs):
    """The training loop of the package (test_mlp.py checks it against the loop written out): what the
    explorer must reproduce exactly."""
    X, y = xor_data(torch.float64)
    params = init_mlp(2, hidden_units, 1, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    run = train_mlp(X, y, params, hidden=activation, loss="mse", lr=lr, epochs=epochs)
    return run.params, list(run.losses)


@pytest.fixture
def explorer():
    return XORExplorer()


def test_defaults_are_notebook_05s_network(explorer):
    state = explorer.state
    assert isinstance(state, XORState)
    assert (state.hidden_units, state.activation, state.lr, state.seed) == (4, "tanh", 1.0, 0)
    assert state.epochs == 1000 and explorer.progress.value == 0
    assert isinstance(explorer.history, XORRun) and explorer.history.losses == state.losses
    assert state.epoch == 0 and len(state.losses) == 1
    initial = init_mlp(2, 4, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for name, value in initial.items():
        assert torch.equal(state.params[name], value), name
    X, y = xor_data(torch.float64)
    y_hat, _ = mlp_forward(X, initial, hidden="tanh")
    assert state.losses[0] == mse(y_hat, y).item()
    assert torch.equal(state.y_hat, y_hat.reshape(-1))
    assert state.grid.shape == (60, 60)
    assert explorer.message == ""
    assert "epoch 0" in explorer.readout.value


def test_training_is_the_hand_backprop_loop(explorer):
    explorer.controls["lr"].value = 0.5  # the slider's nearest grid point: 10^−0.3 = 0.501
    state = explorer.train(epochs=37)
    assert state.lr == pytest.approx(10**-0.3, rel=1e-12)
    params, losses = reference_run(4, "tanh", state.lr, 0, 37)
    assert state.epoch == 37
    assert state.losses == pytest.approx(losses, rel=1e-14, abs=0)
    for name in params:
        assert torch.allclose(state.params[name], params[name], rtol=1e-14, atol=0), name


def test_default_training_solves_xor(explorer):
    png = explorer.image.value
    explorer.controls["train"].click()
    state = explorer.state
    assert state.epoch == 1000
    assert state.solved and state.loss < 0.01
    assert (state.y_hat >= 0.5).to(torch.int64).tolist() == [0, 1, 1, 0]
    assert explorer.image.value != png
    assert explorer.progress.value == explorer.progress.max == 1000
    assert explorer.message == ""
    assert "solved" in explorer.readout.value
    assert not explorer.controls["train"].disabled


def test_figure_is_refreshed_every_few_epochs_not_every_epoch(explorer, monkeypatch):
    renders = []
    original = explorer.render
    monkeypatch.setattr(explorer, "render", lambda: renders.append(explorer.state.epoch) or original())
    explorer.train(epochs=400)
    # frames = 20: every 400 // 20 = 20 epochs during the run, then once at the end
    assert renders == [*range(20, 400, 20), 400]


def test_one_hidden_unit_fails_two_succeed(explorer):
    explorer.controls["hidden_units"].value = 1
    for seed in (0, 1):
        explorer.controls["seed"].value = seed
        state = explorer.train(epochs=1000)
        assert not state.solved, seed
        assert state.loss > 0.1  # one monotone unit: stuck near 1/6 with one point wrong
        assert "one hidden unit" in explorer.readout.value
    explorer.controls["hidden_units"].value = 2
    explorer.controls["seed"].value = 0
    state = explorer.train(epochs=1000)
    assert state.solved and state.loss < 0.01


@pytest.mark.parametrize(("name", "value"), [("hidden_units", 6), ("activation", "sigmoid"), ("seed", 7)])
def test_changing_the_network_resets_training(explorer, name, value):
    explorer.train(epochs=20)
    explorer.controls[name].value = value
    state = explorer.state
    assert state.epoch == 0 and explorer.progress.value == 0
    h = explorer.controls["hidden_units"].value
    initial = init_mlp(2, h, 1, generator=torch.Generator().manual_seed(explorer.controls["seed"].value),
                       dtype=torch.float64)  # fmt: skip
    assert state.params["W1"].shape == (h, 2)
    assert torch.equal(state.params["W1"], initial["W1"])
    assert state.activation == explorer.controls["activation"].value


def test_lr_and_epochs_act_on_the_next_train(explorer):
    trained = explorer.train(epochs=20)
    explorer.controls["lr"].value = 0.3
    explorer.controls["epochs"].value = 400
    state = explorer.state
    assert state.epoch == 20 and state.params["W1"] is trained.params["W1"]  # the trained weights stay
    assert state.lr == pytest.approx(0.3, rel=0.06) and state.epochs == 400
    assert state.grid is trained.grid  # the same network: its predictions are not recomputed
    assert explorer._next.get_text() == f"next Train: 400 epochs at lr = {state.lr:.3g}"  # the figure says so
    explorer.train(epochs=10)
    params, _ = reference_run(4, "tanh", 1.0, 0, 20)
    expected = train_mlp(*xor_data(torch.float64), params, hidden="tanh", lr=state.lr, epochs=10)
    assert explorer.state.epoch == 30 and torch.equal(explorer.state.params["W1"], expected.params["W1"])


def test_step_is_one_epoch_and_reset_draws_the_weights_again(explorer):
    explorer.controls["step"].click()
    explorer.controls["step"].click()
    assert explorer.state.epoch == 2
    params, _ = reference_run(4, "tanh", 1.0, 0, 2)
    assert torch.allclose(explorer.state.params["W2"], params["W2"], rtol=1e-14, atol=0)
    explorer.controls["hidden_units"].value = 3
    explorer.controls["seed"].value = 5
    explorer.train(epochs=20)
    explorer.controls["lr"].value = 0.1  # "lower the learning rate and press Reset": the lower lr stays
    explorer.controls["reset"].click()
    state = explorer.state
    assert state.epoch == 0 and state.lr == pytest.approx(0.1) and state.hidden_units == 3
    assert torch.equal(state.params["W2"], reference_run(3, "tanh", 1.0, 5, 0)[0]["W2"])
    state = explorer.reset()  # reset(): the defaults as well
    assert (state.hidden_units, state.seed, state.lr, state.epoch) == (4, 0, 1.0, 0)
    assert torch.equal(state.params["W2"], reference_run(4, "tanh", 1.0, 0, 0)[0]["W2"])


def test_the_loss_axis_follows_training_not_the_epochs_slider(explorer):
    ax = explorer._ax_loss
    assert ax.get_xlim() == (0, 1000)
    explorer.controls["epochs"].value = 300
    assert ax.get_xlim() == (0, 1000)  # moving the slider costs a blit, not a full redraw
    explorer.train()
    assert ax.get_xlim() == (0, 1000)  # the 300 epochs fit
    explorer.train(epochs=900)
    assert ax.get_xlim() == (0, 2000)  # doubled to hold the whole history (1200 epochs)
    explorer.controls["reset"].click()
    assert ax.get_xlim() == (0, 300)  # a new run spans the epochs control


def test_too_large_learning_rate_gives_a_message_not_an_exception(explorer):
    lr = explorer.controls["lr"]
    lr.value = lr.base**lr.max  # the slider's largest value, 10²
    explorer.train(epochs=100)
    state = explorer.state
    assert state.lr == 100.0
    assert state.loss > state.losses[0]
    assert explorer.message.startswith("⚠ The loss rose from ")
    assert "lr = 100 is too large, each step overshoots" in explorer.message


def test_non_finite_training_stops_with_a_message(explorer, monkeypatch):
    explorer.train(epochs=5)
    good = explorer.state.params

    def exploding_step(params, grads, lr):
        return {k: v * float("inf") for k, v in params.items()}

    monkeypatch.setattr(mlp_module, "_sgd_step", exploding_step)  # the update kernel of train_mlp
    state = explorer.train(epochs=10)  # no exception
    assert "diverged at epoch 6" in explorer.message
    assert state.epoch == 5
    for name in good:
        assert torch.equal(state.params[name], good[name])  # the last finite weights are kept
    assert not explorer.controls["train"].disabled
    explorer.train(epochs=10)  # still stopped until Reset
    assert explorer.state.epoch == 5 and "diverged" in explorer.message
    monkeypatch.undo()
    explorer.reset()
    assert explorer.message == ""


def dead_units_at_init(hidden_units, seed):
    """The units whose pre-activation X W1ᵀ + b1 is ≤ 0 at all four points, from the initial weights."""
    X, _ = xor_data(torch.float64)
    params = init_mlp(2, hidden_units, 1, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    Z1 = X @ params["W1"].T + params["b1"]  # (4, 2) @ (2, H) -> (4, H)
    return tuple(j for j in range(hidden_units) if bool((Z1[:, j] <= 0).all()))


def test_all_dead_relu_units_are_flagged():
    explorer = XORExplorer(hidden_units=1, activation="relu", seed=1)  # seed 1: the unit is off at all points
    assert dead_units_at_init(1, 1) == (0,)
    assert not bool((explorer.state.hidden_activations > 0).any())
    assert explorer.state.dead_units == (0,)
    assert "Every ReLU unit is dead" in explorer.message


def test_partly_dead_relu_units_are_flagged_by_number():
    # relu, seed 6: two of the four units are dead from the start and training sits at 0.25
    explorer = XORExplorer(activation="relu", seed=6)
    dead = dead_units_at_init(4, 6)
    assert len(dead) == 2 and explorer.state.dead_units == dead
    named = " and ".join(str(j + 1) for j in dead)
    assert f"Hidden units {named} are dead" in explorer.message
    before = explorer.state.params
    state = explorer.train(epochs=500)
    assert not state.solved and abs(state.loss - 0.25) < 1e-3
    assert f"Hidden units {named} are dead" in explorer.message and "try another seed" in explorer.message
    for j in dead:  # no gradient reaches a dead unit: its weights never change
        assert torch.equal(state.params["W1"][j], before["W1"][j])
        assert torch.equal(state.params["b1"][j], before["b1"][j])
        assert torch.equal(state.params["W2"][:, j], before["W2"][:, j])


def test_one_dead_unit_is_flagged_even_when_the_others_solve_xor():
    explorer = XORExplorer(activation="relu", seed=0)
    dead = dead_units_at_init(4, 0)
    assert len(dead) == 1 and explorer.state.dead_units == dead
    assert f"Hidden unit {dead[0] + 1} is dead" in explorer.message
    state = explorer.train(epochs=2000)
    assert state.solved
    assert "solved XOR without it" in explorer.message


def test_a_unit_that_dies_during_training_is_flagged_then():
    explorer = XORExplorer(activation="relu", seed=2)  # no unit is dead at the start
    assert dead_units_at_init(4, 2) == () and explorer.state.dead_units == ()
    assert "dead" not in explorer.message
    state = explorer.train(epochs=1000)
    assert len(state.dead_units) == 1
    X, _ = xor_data(torch.float64)
    Z1 = X @ state.params["W1"].T + state.params["b1"]
    assert bool((Z1[:, state.dead_units[0]] <= 0).all())  # dead by the definition, at the trained weights
    assert f"Hidden unit {state.dead_units[0] + 1} is dead" in explorer.message


@pytest.mark.parametrize(("activation", "seed"), [("relu", 10), ("tanh", 6), ("sigmoid", 6)])
def test_no_dead_unit_no_dead_message(activation, seed):
    explorer = XORExplorer(activation=activation, seed=seed)
    if activation == "relu":
        assert dead_units_at_init(4, seed) == ()
    assert explorer.state.dead_units == ()
    assert "dead" not in explorer.message
    state = explorer.train(epochs=1000)
    assert state.solved
    assert state.dead_units == () and "dead" not in explorer.message


def test_the_explorer_cannot_show_an_exercise_answer():
    # notebook 05's exercises: dW1's shape for 2 → 3 → 1, ∂L/∂b2 on three given predictions, and the output
    # weight c of a hand-built ReLU layer. The explorer shows ŷ at the four XOR points, the loss, epoch and lr;
    # none of its texts may contain an answer, whatever the controls.
    from backprop_helpers.exercises.xor import _db2_catalogue, _output_weight_catalogue

    db2, _ = _db2_catalogue()
    c, _ = _output_weight_catalogue()
    forbidden = {f"{value:{fmt}}".replace("-", sign) for value in (db2, c) for fmt in (".3g", ".4f", ".3f", ".2f",
                 ".6f", ".1f") for sign in ("-", "−")} | {"(3, 2)", "3 × 2", "3×2"}  # fmt: skip
    explorer = XORExplorer()
    for hidden, activation, seed in [(3, "tanh", 0), (2, "relu", 0), (2, "relu", 3), (4, "relu", 6)]:
        explorer.controls["hidden_units"].value = hidden
        explorer.controls["activation"].value = activation
        explorer.controls["seed"].value = seed
        for _ in range(2):
            texts = explorer.readout.value + explorer.message
            assert not [text for text in forbidden if text in texts], (hidden, activation, seed)
            explorer.train(epochs=300)
    assert tuple(explorer.X.shape) == (4, 2)  # the four XOR points, never exercise 2's batch of three


def test_a_saturated_output_is_flagged(explorer):
    explorer.train(epochs=5)
    state = explorer.state
    saturated = dataclasses.replace(
        state,
        losses=(0.5, *state.losses[1:-1], 0.5),
        y_hat=torch.tensor([1.0, 1.0, 1.0, 1.0], dtype=torch.float64),
    )
    assert any("saturated" in warning for warning in explorer._warnings(saturated))
    assert not any("saturated" in warning for warning in explorer._warnings(state))


@pytest.mark.parametrize(
    "kwargs",
    [{"hidden_units": 0}, {"hidden_units": 9}, {"activation": "gelu"}, {"lr": 0.0}, {"lr": 1e3}, {"lr": 0.5},
     {"seed": -1}, {"epochs": 10}, {"epochs": 150}],
)  # fmt: skip
def test_bad_constructor_arguments_are_named(kwargs):
    with pytest.raises(ValueError, match=f"^{next(iter(kwargs))} must"):
        XORExplorer(**kwargs)


def test_train_rejects_bad_epochs(explorer):
    with pytest.raises(ValueError, match="epochs must be an int >= 1; got 0"):
        explorer.train(epochs=0)
