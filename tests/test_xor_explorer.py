"""XORExplorer, driven headless: training is the package's train_mlp (the hand backprop), one hidden unit fails
and two succeed, the network's controls start a new run and lr/epochs act on the next Train, the figure is
redrawn every few epochs, and the lesson's messages (overshoot, divergence, saturation, dead ReLU units,
identical units) appear when they should; the hidden units' lines are where their pre-activation is 0, equal
rows stay equal, BCE trains where MSE saturates, and the read-out's gradient norms are mlp_backward's (the
contract every explorer keeps is in test_explorer_contract.py)."""

import dataclasses
import math

import pytest
import torch

import backprop_helpers.mlp as mlp_module
from backprop_helpers.data import xor_data
from backprop_helpers.losses import bce, mse
from backprop_helpers.mlp import init_mlp, mlp_backward, mlp_forward, train_mlp
from backprop_helpers.widgets import XORExplorer
from backprop_helpers.widgets.readout import sci
from backprop_helpers.widgets.xor_explorer import XORRun, XORState, initial_params


def reference_run(hidden_units, activation, lr, seed, epochs, *, loss="mse", init="random", scale=1.0):
    """The training loop of the package (test_mlp.py checks it against the loop written out): what the
    explorer must reproduce exactly."""
    X, y = xor_data(torch.float64)
    params = init_mlp(2, hidden_units, 1, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    if init == "equal rows":  # every hidden unit a copy of the first: W1's row, b1's entry, W2's column
        params = {"W1": params["W1"][[0] * hidden_units], "b1": params["b1"][[0] * hidden_units],
                  "W2": params["W2"][:, [0] * hidden_units], "b2": params["b2"]}  # fmt: skip
    params = {name: value * scale for name, value in params.items()}
    run = train_mlp(X, y, params, hidden=activation, loss=loss, lr=lr, epochs=epochs)
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
    named = " and ".join(str(j) for j in dead)  # numbered from 0, as W1[j]
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
    assert f"Hidden unit {dead[0]} is dead" in explorer.message
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
    assert f"Hidden unit {state.dead_units[0]} is dead" in explorer.message


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
    # weight c of a hand-built ReLU layer. The explorer shows ŷ at the four XOR points, the hidden activations
    # there to one decimal, the loss, epoch, lr and the norms ‖dW1‖, ‖dW2‖; none of its texts may contain an
    # answer, whatever the controls.
    from backprop_helpers.exercises.xor import _db2_catalogue, _output_weight_catalogue

    db2, _ = _db2_catalogue()
    c, _ = _output_weight_catalogue()
    forbidden = {f"{value:{fmt}}".replace("-", sign) for value in (db2, c) for fmt in (".3g", ".4f", ".3f", ".2f",
                 ".6f", ".1f") for sign in ("-", "−")} | {"(3, 2)", "3 × 2", "3×2"}  # fmt: skip
    forbidden |= {sci(abs(value)) for value in (db2, c)}  # a gradient norm is never an answer's size either
    explorer = XORExplorer()
    settings = [(3, "tanh", 0, "random", 1.0, "mse"), (2, "relu", 0, "random", 1.0, "mse"),
                (2, "relu", 3, "random", 1.0, "bce"), (4, "relu", 6, "random", 1.0, "mse"),
                (3, "sigmoid", 1, "equal rows", 10**0.5, "bce"), (8, "tanh", 2, "random", 10.0, "mse"),
                (4, "tanh", 0, "random", 0.01, "bce")]  # fmt: skip
    for hidden, activation, seed, init, scale, loss in settings:
        values = {"hidden_units": hidden, "activation": activation, "seed": seed, "init": init, "scale": scale,
                  "loss": loss}  # fmt: skip
        explorer.set_values(values)
        explorer.restart()
        for _ in range(2):
            texts = explorer.readout.value + explorer.message
            assert not [text for text in forbidden if text in texts], values
            explorer.train(epochs=300)
    assert tuple(explorer.X.shape) == (4, 2)  # the four XOR points, never exercise 2's batch of three


def test_a_saturated_output_is_flagged_under_mse_not_bce(explorer):
    explorer.train(epochs=5)
    state = explorer.state
    saturated = dataclasses.replace(
        state,
        losses=(0.5, *state.losses[1:-1], 0.5),
        y_hat=torch.tensor([1.0, 1.0, 1.0, 1.0], dtype=torch.float64),
    )
    assert any("saturated" in warning and "the steps were too large" in warning
               for warning in explorer._warnings(saturated))  # fmt: skip
    assert not any("saturated" in warning for warning in explorer._warnings(state))
    at_start = dataclasses.replace(saturated, losses=(0.5,))  # saturated by the initial weights
    assert any("the initial weights are too large" in warning for warning in explorer._warnings(at_start))
    # BCE's dZ2 = (ŷ − y)/N does not vanish with σ′: no saturation message
    assert not any(
        "saturated" in w for w in explorer._warnings(dataclasses.replace(at_start, loss_name="bce"))
    )


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


# -- the hidden units' lines, the initialisation, the loss and the gradient norms -----------------------------


def drawn_units(explorer):
    """The visible unit lines' end points and the labels' positions, unit by unit."""
    return [(line.get_xydata(), label.get_position())
            for line, label in zip(explorer._unit_lines, explorer._unit_labels, strict=True) if line.get_visible()]  # fmt: skip


@pytest.mark.parametrize(("hidden_units", "seed", "epochs"), [(4, 0, 0), (4, 0, 300), (8, 3, 0), (2, 5, 100)])
def test_each_hidden_units_line_is_where_its_preactivation_is_zero(hidden_units, seed, epochs):
    explorer = XORExplorer(hidden_units=hidden_units, seed=seed)
    if epochs:
        explorer.train(epochs=epochs)
    W1, b1 = explorer.state.params["W1"].numpy(), explorer.state.params["b1"].numpy()
    left, right, bottom, top = explorer._extent
    units = drawn_units(explorer)
    assert not any(line.get_visible() for line in explorer._unit_lines[hidden_units:])  # units it has not
    assert 1 <= len(units) <= hidden_units
    shown = [j for j in range(8) if explorer._unit_lines[j].get_visible()]
    for j, (ends, label) in zip(shown, units, strict=True):
        assert ends.shape == (2, 2) and math.dist(*ends) > 0.1
        for x in ends:  # both ends on unit j's line W1[j]·x + b1[j] = 0, on the edge of the plane shown
            assert abs(W1[j] @ x + b1[j]) < 1e-9 * max(1.0, float(abs(W1[j]).sum()))
            assert left - 1e-9 <= x[0] <= right + 1e-9 and bottom - 1e-9 <= x[1] <= top + 1e-9
            assert min(abs(x[0] - left), abs(x[0] - right), abs(x[1] - bottom), abs(x[1] - top)) < 1e-9
        assert W1[j] @ label + b1[j] > 0  # the number sits on the side where the unit is positive
        assert explorer._unit_labels[j].get_text() == str(j)
    for j in range(hidden_units):  # a unit whose line misses the plane is positive or negative all over it
        if j not in shown:
            corners = [(left, bottom), (left, top), (right, bottom), (right, top)]
            assert len({bool(W1[j] @ corner + b1[j] > 0) for corner in corners}) == 1


def test_the_readout_gives_every_units_activation_at_the_four_points(explorer):
    state = explorer.train(epochs=50)
    A1 = state.hidden_activations
    assert A1.shape == (4, 4)
    for j in range(4):
        row = f"unit {j}</span></td>" + "".join(f"<td>{value:.1f}</td>".replace("-", "−")
                                                    .replace("<td>−0.0</td>", "<td>0.0</td>")
                                                    for value in A1[:, j].tolist())  # fmt: skip
        assert row in explorer.readout.value, j


def test_initial_params_scales_the_random_draw_or_copies_the_first_unit():
    drawn = init_mlp(2, 5, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    random = initial_params(5, 3, scale=0.5)
    for name in drawn:
        assert torch.equal(random[name], drawn[name] * 0.5), name
    equal = initial_params(5, 3, init="equal rows", scale=2.0)
    for j in range(5):
        assert torch.equal(equal["W1"][j], drawn["W1"][0] * 2.0)
        assert equal["b1"][j] == drawn["b1"][0] * 2.0 and equal["W2"][0, j] == drawn["W2"][0, 0] * 2.0
    assert torch.equal(equal["b2"], drawn["b2"] * 2.0)
    assert torch.equal(initial_params(1, 3, init="equal rows")["W1"], drawn["W1"][:1])  # one unit: the draw
    with pytest.raises(ValueError, match=r"^init must be one of 'random', 'equal rows'; got 'zeros'"):
        initial_params(4, 0, init="zeros")
    with pytest.raises(ValueError, match=r"^scale must be a finite number > 0; got 0\.0"):
        initial_params(4, 0, scale=0.0)


@pytest.mark.parametrize(("name", "value"), [("init", "equal rows"), ("scale", 0.1), ("loss", "bce")])
def test_the_init_controls_and_the_loss_start_a_new_run(explorer, name, value):
    explorer.train(epochs=20)
    explorer.controls[name].value = value
    state, values = explorer.state, explorer.values()
    assert state.epoch == 0 and explorer.progress.value == 0
    expected = initial_params(4, 0, init=values["init"], scale=values["scale"])
    for key in expected:
        assert torch.equal(state.params[key], expected[key]), key
    assert (state.init, state.loss_name) == (values["init"], values["loss"])
    assert state.scale == pytest.approx(values["scale"], rel=1e-12)
    X, y = xor_data(torch.float64)
    y_hat, _ = mlp_forward(X, expected, hidden="tanh")
    assert state.losses == ((bce if values["loss"] == "bce" else mse)(y_hat, y).item(),)


@pytest.mark.parametrize(("activation", "hidden_units", "loss"), [("tanh", 4, "mse"), ("sigmoid", 3, "bce"),
                                                                   ("relu", 8, "mse")])  # fmt: skip
def test_equal_rows_stay_equal_and_the_message_says_so(activation, hidden_units, loss):
    explorer = XORExplorer(
        activation=activation, hidden_units=hidden_units, init="equal rows", loss=loss, seed=2
    )
    start = explorer.state.params
    assert explorer.state.identical_units and "hidden units are identical" in explorer.message
    state = explorer.train(epochs=1500)
    W1, b1, W2 = state.params["W1"], state.params["b1"], state.params["W2"]
    assert not torch.equal(W1, start["W1"]) and state.epoch == 1500  # trained, and still …
    assert all(torch.equal(W1[j], W1[0]) and b1[j] == b1[0] and W2[0, j] == W2[0, 0]
               for j in range(hidden_units))  # fmt: skip
    assert torch.equal(W1, reference_run(hidden_units, activation, 1.0, 2, 1500, loss=loss,
                                         init="equal rows")[0]["W1"])  # fmt: skip
    assert state.identical_units and not state.solved
    assert f"All {hidden_units} hidden units are identical" in explorer.message
    assert "identical units draw one line" in explorer.readout.value
    units = drawn_units(explorer)  # every line drawn on the same place
    assert all(numpy_equal(ends, units[0][0]) for ends, _ in units)


def numpy_equal(a, b):
    return bool((a == b).all())


def test_random_rows_break_the_symmetry(explorer):
    assert not explorer.state.identical_units
    state = explorer.train(epochs=1000)
    assert state.solved and not state.identical_units and "identical" not in explorer.message
    one_unit = XORExplorer(hidden_units=1, init="equal rows")
    assert (
        not one_unit.state.identical_units and "identical" not in one_unit.message
    )  # one unit: nothing to copy


def test_a_unit_copied_from_a_trained_one_is_identical_by_the_weights(explorer):
    # identical_units is read off the weights, not the init control
    state = explorer.train(epochs=10)
    W1, b1, W2 = state.params["W1"], state.params["b1"], state.params["W2"]
    copied = dataclasses.replace(state, params={**state.params, "W1": W1[[0] * 4], "b1": b1[[0] * 4],
                                                "W2": W2[:, [0] * 4]})  # fmt: skip
    assert copied.identical_units and not state.identical_units
    nearly = dataclasses.replace(copied, params={**copied.params, "W2": W2[:, [0, 0, 0, 1]]})
    assert not nearly.identical_units


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_training_follows_train_mlp_with_the_chosen_loss(loss):
    explorer = XORExplorer(loss=loss, scale=10**0.5, seed=4)
    state = explorer.train(epochs=60)
    params, losses = reference_run(4, "tanh", 1.0, 4, 60, loss=loss, scale=10**0.5)
    assert state.losses == pytest.approx(losses, rel=1e-14, abs=0)
    for name in params:
        assert torch.allclose(state.params[name], params[name], rtol=1e-14, atol=0), name
    name = {"mse": "MSE", "bce": "BCE"}[loss]
    assert f"epoch 60, {name} = " in explorer.readout.value and f", {name}<br>" in explorer.readout.value
    assert explorer._ax_loss.get_ylabel() == f"{name} loss"
    _, y = xor_data(torch.float64)
    everywhere_half = torch.full((4, 1), 0.5, dtype=torch.float64)
    half = (bce if loss == "bce" else mse)(everywhere_half, y).item()  # the loss line at ŷ = 0.5 everywhere
    assert explorer._half.get_ydata()[0] == pytest.approx(half, rel=1e-15)
    assert explorer._half_label.get_text().startswith(f"{half:.3g}: ")


def test_bce_trains_where_mse_saturates_at_a_large_init_scale():
    # init scale 10: tanh units and the output start saturated; MSE's dZ2 carries σ′(Z2), BCE's is (ŷ − y)/N
    outcomes = {}
    for loss in ("mse", "bce"):
        explorer = XORExplorer(scale=10.0, seed=1, loss=loss)
        start = explorer.state.grad_norms
        state = explorer.train(epochs=1000)
        outcomes[loss] = (state.solved, start)
    assert outcomes["bce"][0] and not outcomes["mse"][0]
    assert outcomes["bce"][1][1] > outcomes["mse"][1][1]  # the same weights: BCE's ‖dW2‖ is the larger


@pytest.mark.parametrize(("loss", "activation", "init"), [("mse", "tanh", "random"), ("bce", "sigmoid", "random"),
                                                          ("mse", "relu", "equal rows")])  # fmt: skip
def test_the_gradient_norms_are_mlp_backwards_at_the_current_weights(loss, activation, init):
    explorer = XORExplorer(loss=loss, activation=activation, init=init, seed=3)
    X, y = xor_data(torch.float64)
    for epochs in (0, 40):
        state = explorer.train(epochs=epochs) if epochs else explorer.state
        _, cache = mlp_forward(X, state.params, hidden=activation)
        grads = mlp_backward(cache, y, loss=loss)
        expected = (torch.linalg.norm(grads["W1"]).item(), torch.linalg.norm(grads["W2"]).item())
        assert state.grad_norms == pytest.approx(expected, rel=1e-14, abs=0)
        assert f"‖dW1‖ = {sci(expected[0])}, ‖dW2‖ = {sci(expected[1])}" in explorer.readout.value


def test_sigmoid_hidden_units_get_the_smaller_first_layer_gradient():
    # σ′ ≤ ¼ multiplies every path into W1: at the same initial weights, sigmoid's ‖dW1‖/‖dW2‖ is below tanh's
    for seed in range(4):
        ratio = {}
        for activation in ("sigmoid", "tanh"):
            dW1, dW2 = XORExplorer(activation=activation, seed=seed).state.grad_norms
            ratio[activation] = dW1 / dW2
        assert ratio["sigmoid"] < min(ratio["tanh"], 0.25), seed
