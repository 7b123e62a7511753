"""network.py (notebook 07): init_network's schemes; network_forward/backward against nn.Linear + autograd,
network_autograd and finite differences, at depths 1–4 and every activation; a worked example; train_network:
the hand and autograd runs agree, reach 95 % on the digits, stop clearly on divergence; gradient norms at init.

Tolerances (float64): against nn.Linear/autograd atol 1e-12, rtol 1e-9 (the same math, summed in another order);
against central differences (h = 1e-6) atol 1e-8, rtol 1e-6; ReLU pre-activations are kept at |Z| > 1e-3 ≫ h.
"""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from backprop_helpers import (
    NETWORK_ACTIVATIONS,
    NETWORK_INITS,
    NetworkRun,
    accuracy,
    cross_entropy,
    digits_data,
    gradient_norms_at_init,
    init_network,
    layer_grad_norms,
    mlp_backward,
    mlp_forward,
    network_autograd,
    network_backward,
    network_forward,
    numerical_grad,
    train_network,
)

FAST = settings(max_examples=30, deadline=None)
AUTOGRAD_TOL = {"atol": 1e-12, "rtol": 1e-9}
FINITE_DIFF_TOL = {"atol": 1e-8, "rtol": 1e-6}
F64 = torch.float64
TORCH_ACTIVATION = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
SIZES = [(3, 4), (3, 5, 4), (4, 6, 5, 3), (2, 3, 4, 3, 5)]  # depths 1–4, no square weight


def make_problem(sizes, n, seed, init="glorot"):
    """float64 params scaled ×2 (units leave the linear regime), X with mixed signs, labels of every class."""
    g = torch.Generator().manual_seed(seed)
    params = {k: 2 * v for k, v in init_network(sizes, init=init, generator=g, dtype=F64).items()}
    params = {k: v + 0.3 * torch.randn(v.shape, generator=g, dtype=F64) if k.startswith("b") else v
              for k, v in params.items()}  # fmt: skip
    X = 2 * torch.randn(n, sizes[0], generator=g, dtype=F64)
    labels = torch.randint(0, sizes[-1], (n,), generator=g)
    return X, labels, params


def away_from_relu_kink(X, params, activation):
    if activation != "relu":
        return True
    _, cache = network_forward(X, params, activation=activation)
    return all(bool((Z.abs() > 1e-3).all()) for Z in cache["Z"][:-1])


def torch_reference(X, labels, params, activation):
    """The loss and gradients from nn.Linear layers holding the same weights, F.cross_entropy and .backward()."""
    n_layers = len(params) // 2
    layers = []
    for k in range(1, n_layers + 1):
        out_features, in_features = params[f"W{k}"].shape
        layer = nn.Linear(in_features, out_features, dtype=F64)
        with torch.no_grad():
            layer.weight.copy_(params[f"W{k}"])
            layer.bias.copy_(params[f"b{k}"])
        layers.append(layer)
    A = X
    for k, layer in enumerate(layers, start=1):
        A = layer(A)
        if k < n_layers:
            A = TORCH_ACTIVATION[activation](A)
    loss = F.cross_entropy(A, labels)
    loss.backward()
    grads = {}
    for k, layer in enumerate(layers, start=1):
        grads[f"W{k}"], grads[f"b{k}"] = layer.weight.grad, layer.bias.grad
    return A.detach(), loss.detach(), grads


def assert_grads_close(grads, reference, tol):
    assert list(grads) == list(reference)
    for name in reference:
        assert grads[name].shape == reference[name].shape, name
        torch.testing.assert_close(grads[name], reference[name], **tol, msg=lambda m, n=name: f"{n}: {m}")


# ---------------------------------------------------------------------------------------------------------------
# init_network


def test_init_shapes_keys_and_zero_biases():
    params = init_network((64, 32, 16, 10), generator=torch.Generator().manual_seed(0), dtype=F64)
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [tuple(params[f"W{k}"].shape) for k in (1, 2, 3)] == [(32, 64), (16, 32), (10, 16)]
    assert all(
        torch.equal(params[f"b{k}"], torch.zeros(params[f"W{k}"].shape[0], dtype=F64)) for k in (1, 2, 3)
    )
    assert all(v.dtype == F64 for v in params.values())


@pytest.mark.parametrize(
    ("init", "std"),
    [("small", lambda i, o: 0.01), ("glorot", lambda i, o: math.sqrt(2 / (i + o))),
     ("he", lambda i, o: math.sqrt(2 / i)), ("large", lambda i, o: 1.0)],
)  # fmt: skip
def test_init_scales_are_their_formulas(init, std):
    n_in, n_out = 400, 300  # 120,000 weights: the sample std is within 1 % of s
    W = init_network((n_in, n_out), init=init, generator=torch.Generator().manual_seed(1), dtype=F64)["W1"]
    s = std(n_in, n_out)
    assert W.std().item() == pytest.approx(s, rel=0.01)
    assert W.abs().max().item() <= math.sqrt(3) * s  # uniform on [−√3 s, √3 s]
    assert W.abs().max().item() > 0.99 * math.sqrt(3) * s


def test_equal_init_is_one_constant_per_layer():
    params = init_network((4, 3, 2), init="equal", generator=torch.Generator(), dtype=F64)
    assert torch.equal(params["W1"], torch.full((3, 4), 0.25, dtype=F64))
    assert torch.equal(params["W2"], torch.full((2, 3), 1 / 3, dtype=F64))


def test_init_is_seeded_by_the_generator_and_the_same_in_float32_and_float64():
    def draw(seed, dtype):
        return init_network((5, 4, 3), generator=torch.Generator().manual_seed(seed), dtype=dtype)

    a, b, c = draw(3, F64), draw(3, F64), draw(4, F64)
    assert all(torch.equal(a[k], b[k]) for k in a) and not torch.equal(a["W1"], c["W1"])
    low = draw(3, torch.float32)
    assert all(torch.equal(low[k], a[k].to(torch.float32)) for k in a)  # drawn in float64, then cast


def test_init_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    init_network((5, 4, 3), generator=torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.random.get_rng_state())


# ---------------------------------------------------------------------------------------------------------------
# forward and backward against nn.Linear + autograd, network_autograd, finite differences


@pytest.mark.parametrize("activation", NETWORK_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES, ids=[f"depth{len(s) - 1}" for s in SIZES])
def test_matches_nn_linear(sizes, activation):
    X, labels, params = make_problem(sizes, n=5, seed=len(sizes))
    assert away_from_relu_kink(X, params, activation)
    logits, cache = network_forward(X, params, activation=activation)
    ref_logits, ref_loss, ref_grads = torch_reference(X, labels, params, activation)
    torch.testing.assert_close(logits, ref_logits, **AUTOGRAD_TOL)
    torch.testing.assert_close(cross_entropy(logits, labels), ref_loss, **AUTOGRAD_TOL)
    assert_grads_close(network_backward(cache, labels), ref_grads, AUTOGRAD_TOL)
    loss, grads = network_autograd(X, labels, params, activation=activation)
    torch.testing.assert_close(loss, ref_loss, **AUTOGRAD_TOL)
    assert_grads_close(grads, ref_grads, AUTOGRAD_TOL)


@pytest.mark.parametrize("activation", NETWORK_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES[:3], ids=[f"depth{len(s) - 1}" for s in SIZES[:3]])
def test_matches_finite_differences(sizes, activation):
    X, labels, params = make_problem(sizes, n=4, seed=10 + len(sizes))
    assert away_from_relu_kink(X, params, activation)
    _, cache = network_forward(X, params, activation=activation)

    def loss(p):
        return cross_entropy(network_forward(X, p, activation=activation)[0], labels)

    assert_grads_close(network_backward(cache, labels), numerical_grad(loss, params), FINITE_DIFF_TOL)


@FAST
@given(
    n=st.integers(1, 5),
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activation=st.sampled_from(NETWORK_ACTIVATIONS),
    seed=st.integers(0, 2**31 - 1),
)
def test_matches_autograd_hypothesis(n, widths, activation, seed):
    X, labels, params = make_problem(tuple(widths), n=n, seed=seed)
    assume(away_from_relu_kink(X, params, activation))
    _, cache = network_forward(X, params, activation=activation)
    _, grads = network_autograd(X, labels, params, activation=activation)
    assert_grads_close(network_backward(cache, labels), grads, AUTOGRAD_TOL)


def test_worked_example_one_layer():
    # X = [[1, 2]], W1 = [[0, 0], [1, 0]], b1 = (0, 0), label 0: z = (0, 1), p = (1, e)/(1 + e);
    # dZ = p − (1, 0) = (−e/(1 + e), e/(1 + e)); dW1 = dZᵀ X = [[−q, −2q], [q, 2q]] with q = e/(1 + e); db1 = dZ
    X = torch.tensor([[1.0, 2.0]], dtype=F64)
    params = {"W1": torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=F64), "b1": torch.zeros(2, dtype=F64)}
    logits, cache = network_forward(X, params)
    assert logits.tolist() == [[0.0, 1.0]]
    q = math.e / (1 + math.e)
    grads = network_backward(cache, torch.tensor([0]))
    torch.testing.assert_close(
        grads["W1"], torch.tensor([[-q, -2 * q], [q, 2 * q]], dtype=F64), **AUTOGRAD_TOL
    )
    torch.testing.assert_close(grads["b1"], torch.tensor([-q, q], dtype=F64), **AUTOGRAD_TOL)


def test_worked_example_two_layers_relu():
    # X = [[1, −1]], W1 = I, b1 = 0: Z1 = (1, −1), A1 = (1, 0); W2 = [[1, 1], [0, 0]], b2 = 0: z = (1, 0);
    # label 1: dZ2 = p − (0, 1) = (q, −q), q = e/(1 + e); dW2 = dZ2ᵀ A1 = [[q, 0], [−q, 0]];
    # dA1 = dZ2 W2 = (q, q); dZ1 = dA1 ⊙ relu′(Z1) = (q, 0); dW1 = dZ1ᵀ X = [[q, −q], [0, 0]]
    X = torch.tensor([[1.0, -1.0]], dtype=F64)
    params = {"W1": torch.eye(2, dtype=F64), "b1": torch.zeros(2, dtype=F64),
              "W2": torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=F64), "b2": torch.zeros(2, dtype=F64)}  # fmt: skip
    _, cache = network_forward(X, params, activation="relu")
    grads = network_backward(cache, [1])
    q = math.e / (1 + math.e)
    expected = {"W1": [[q, -q], [0.0, 0.0]], "b1": [q, 0.0], "W2": [[q, 0.0], [-q, 0.0]], "b2": [q, -q]}
    for name, values in expected.items():
        torch.testing.assert_close(grads[name], torch.tensor(values, dtype=F64), **AUTOGRAD_TOL)


def test_two_layers_share_mlp_kernels():
    """The depth-2 network's hidden layer is mlp_forward's: the same Z1 and A1 for the same W1, b1."""
    X, _, params = make_problem((3, 4, 2), n=5, seed=2)
    for activation in NETWORK_ACTIVATIONS:
        _, cache = network_forward(X, params, activation=activation)
        _, mlp_cache = mlp_forward(X, params, hidden=activation)
        assert torch.equal(cache["Z"][0], mlp_cache["Z1"]) and torch.equal(cache["A"][1], mlp_cache["A1"])
    assert set(mlp_backward(mlp_cache, torch.rand(5, 2, dtype=F64))) == set(params)  # still works


def test_nothing_is_mutated_and_no_grad_is_stored():
    X, labels, params = make_problem((3, 4, 2), n=3, seed=4)
    before = {k: v.clone() for k, v in params.items()}
    network_autograd(X, labels, params)
    _, cache = network_forward(X, params)
    network_backward(cache, labels)
    assert all(torch.equal(params[k], before[k]) and params[k].grad is None for k in params)


def test_layer_grad_norms_in_layer_order_beyond_nine_layers():
    grads = {}
    for k in range(1, 12):
        grads[f"W{k}"] = torch.full((2, 2), float(k), dtype=F64)  # ‖·‖_F = 2k
        grads[f"b{k}"] = torch.zeros(2, dtype=F64)
    assert layer_grad_norms(grads) == [2.0 * k for k in range(1, 12)]  # W10 after W9, not after W1


def test_accuracy():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0], [5.0, -1.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1, 1])) == 0.5  # the tie in row 2 goes to class 0


# ---------------------------------------------------------------------------------------------------------------
# train_network


@pytest.fixture(scope="module")
def digits():
    return digits_data(F64)


def train_digits(digits, backward, epochs=3, seed=0, **settings):
    params = init_network((64, 32, 10), init="he", generator=torch.Generator().manual_seed(seed), dtype=F64)
    settings = {"lr": 0.5, "batch_size": 32, **settings}
    return train_network(digits.X_train, digits.y_train, params, epochs=epochs, backward=backward,
                         generator=torch.Generator().manual_seed(seed), X_test=digits.X_test,
                         y_test=digits.y_test, **settings)  # fmt: skip


def test_hand_and_autograd_runs_agree(digits):
    hand, auto = train_digits(digits, "hand"), train_digits(digits, "autograd")
    assert len(hand.losses) == len(auto.losses) == 4
    assert max(abs(a - b) for a, b in zip(hand.losses, auto.losses, strict=True)) < 1e-12
    assert hand.test_accuracies == auto.test_accuracies
    for hand_norms, auto_norms in zip(
        hand.grad_norms, auto.grad_norms, strict=True
    ):  # each by its own backward
        assert hand_norms == pytest.approx(auto_norms, rel=1e-10)
    assert all(torch.allclose(hand.params[k], auto.params[k], rtol=0, atol=1e-12) for k in hand.params)
    assert hand.losses[-1] < 0.5 * hand.losses[0]


def test_the_notebook_settings_reach_95_percent(digits):
    """Notebook 07's lr 0.1, batch 32, 20 epochs, He init, 64 → 32 → 10: ≥ 95 % test accuracy for three seeds."""
    for seed in range(3):
        run = train_digits(digits, "hand", epochs=20, seed=seed, lr=0.1)
        assert run.test_accuracies[-1] >= 0.95, (seed, run.test_accuracies)
        assert run.train_accuracies[-1] >= run.test_accuracies[-1] - 0.05
        assert run.diverged_at is None and run.message == ""


def test_the_run_records_what_it_says(digits):
    seen = []
    run = train_digits(digits, "hand", epochs=2, callback=lambda epoch, so_far: seen.append((epoch, so_far)))
    assert isinstance(run, NetworkRun)
    assert (
        len(run.losses) == len(run.train_accuracies) == len(run.test_accuracies) == len(run.grad_norms) == 3
    )
    assert all(len(norms) == 2 for norms in run.grad_norms)
    assert [epoch for epoch, _ in seen] == [1, 2] and len(seen[0][1].losses) == 2
    logits, cache = network_forward(digits.X_train, run.params)  # the recorded values are the final params'
    assert run.losses[-1] == pytest.approx(cross_entropy(logits, digits.y_train).item(), abs=1e-12)
    assert run.grad_norms[-1] == pytest.approx(layer_grad_norms(network_backward(cache, digits.y_train)))
    assert run.test_accuracies[-1] == accuracy(network_forward(digits.X_test, run.params)[0], digits.y_test)


def test_same_generator_seed_same_run_and_params_left_alone(digits):
    params = init_network((64, 32, 10), generator=torch.Generator().manual_seed(0), dtype=F64)
    before = {k: v.clone() for k, v in params.items()}

    def run(seed):
        return train_network(digits.X_train[:200], digits.y_train[:200], params, lr=0.5, epochs=2,
                             batch_size=16, generator=torch.Generator().manual_seed(seed))  # fmt: skip

    assert run(1).losses == run(1).losses != run(2).losses
    assert all(torch.equal(params[k], before[k]) for k in params)


def test_zero_epochs_and_a_partial_last_batch(digits):
    X, y = digits.X_train[:10], digits.y_train[:10]
    params = init_network((64, 8, 10), generator=torch.Generator().manual_seed(0), dtype=F64)
    run = train_network(X, y, params, lr=0.1, epochs=0, batch_size=4, generator=torch.Generator())
    assert len(run.losses) == 1 and run.test_accuracies == ()
    # 10 rows in batches of 4: 4 + 4 + 2, three steps per epoch; written out, the same params
    g = torch.Generator().manual_seed(5)
    run = train_network(X, y, params, lr=0.1, epochs=1, batch_size=4, generator=g)
    order = torch.randperm(10, generator=torch.Generator().manual_seed(5))
    p = params
    for start in (0, 4, 8):
        rows = order[start : start + 4]
        _, cache = network_forward(X[rows], p, activation="relu")
        grads = network_backward(cache, y[rows])
        p = {k: p[k] - 0.1 * grads[k] for k in p}
    assert all(torch.allclose(run.params[k], p[k], rtol=0, atol=1e-15) for k in p)


def test_divergence_stops_with_a_message(digits):
    run = train_digits(digits, "hand", epochs=5, lr=1e200, batch_size=64)  # the weights overflow: inf − inf
    assert run.diverged_at is not None and run.diverged_at <= 5
    assert len(run.losses) == run.diverged_at  # measured after epochs 0 … diverged_at − 1
    assert all(math.isfinite(v) for v in run.losses)
    assert all(bool(torch.isfinite(v).all()) for v in run.params.values())
    assert f"stopped in epoch {run.diverged_at}" in run.message and "inf or nan" in run.message


def test_equal_init_keeps_hidden_units_identical(digits):
    params = init_network((64, 32, 10), init="equal", generator=torch.Generator(), dtype=F64)
    run = train_network(digits.X_train, digits.y_train, params, lr=0.5, epochs=2, batch_size=32,
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    W1 = run.params["W1"]
    assert torch.allclose(W1, W1[0].expand_as(W1), rtol=0, atol=1e-12)  # every row the same: symmetry kept
    assert not torch.equal(W1, params["W1"])  # and yet they moved


# ---------------------------------------------------------------------------------------------------------------
# gradient norms at initialisation


def test_gradient_norms_at_init_is_one_forward_and_backward(digits):
    X, y = digits.X_train[:256], digits.y_train[:256]
    norms = gradient_norms_at_init(X, y, depth=4, activation="tanh", init="glorot",
                                   generator=torch.Generator().manual_seed(0))  # fmt: skip
    params = init_network(
        (64, 32, 32, 32, 10), init="glorot", generator=torch.Generator().manual_seed(0), dtype=F64
    )
    _, cache = network_forward(X, params, activation="tanh")
    assert norms == layer_grad_norms(network_backward(cache, y))


def test_gradients_vanish_for_deep_sigmoid_and_small_init(digits):
    """The lesson in numbers: the first layer's gradient shrinks with depth for sigmoid, and with a small init."""
    X, y = digits.X_train[:256], digits.y_train[:256]

    def first_layer(depth, activation, init):
        g = torch.Generator().manual_seed(0)
        return gradient_norms_at_init(X, y, depth=depth, activation=activation, init=init, generator=g)[0]

    assert first_layer(8, "sigmoid", "glorot") < 1e-3 * first_layer(2, "sigmoid", "glorot")
    assert first_layer(8, "relu", "small") < 1e-9 * first_layer(8, "relu", "he")
    he = gradient_norms_at_init(
        X, y, depth=8, activation="relu", init="he", generator=torch.Generator().manual_seed(0)
    )
    assert max(he) / min(he) < 10  # He keeps relu's gradients within one order of magnitude over 8 layers


@pytest.mark.parametrize("init", NETWORK_INITS)
def test_every_init_trains_without_error(init, digits):
    params = init_network((64, 16, 10), init=init, generator=torch.Generator().manual_seed(0), dtype=F64)
    run = train_network(digits.X_train[:64], digits.y_train[:64], params, lr=0.1, epochs=1, batch_size=32,
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    assert len(run.losses) == 2 or run.diverged_at == 1
