"""One XOR training epoch: the package's hand backprop against autograd, and where the hand path's time goes.

    .venv/bin/python benchmarks/mlp_epoch.py

All sides train the same 2 → 4 tanh → 1 sigmoid network (notebook 05's) on the same four points, from the
same initial weights (``init_mlp`` with a seeded generator), in float64, MSE loss, lr 1.0:

* manual    ``train_mlp``: the package's training loop (the XOR explorer's), ``mlp_forward`` →
            ``mlp_backward`` → ``sgd_step`` as unchecked kernels, inputs checked once per call, the loss
            recorded every epoch
* autograd  plain leaf tensors, the same forward written with torch ops, ``torch.autograd.grad``, an
            in-place update under ``no_grad`` — the plainest autograd loop (reference of the ratio)
* nn        ``nn.Linear`` layers + ``nn.MSELoss`` + ``optim.SGD`` (zero_grad, backward, step), for comparison
* bare      the hand formulas of ``mlp.py`` written inline without any input checks or dicts

The sides are interleaved, one block of ``BLOCK`` epochs of each in turn (one ``train_mlp`` call per block),
so that load from other processes hits all alike; each figure is the median over ``repeats`` blocks, divided
by ``BLOCK``. Target: manual / autograd ≤ 1.0. Nothing fails on a time. The breakdown times the public
calls a learner writes in notebook 05 (each checks its inputs) and the input checks (``as_float_tensor``)
that ``train_mlp`` makes.
"""

import statistics
import time

import torch
from torch import nn

import backprop_helpers._inputs as inputs_module
import backprop_helpers.activations as activations_module
import backprop_helpers.losses as losses_module
import backprop_helpers.mlp as mlp_module
import backprop_helpers.neuron as neuron_module
from backprop_helpers.data import xor_data
from backprop_helpers.mlp import init_mlp, mlp_backward, mlp_forward, train_mlp
from backprop_helpers.neuron import sgd_step

__all__ = ["measure", "table"]

TARGET_RATIO = 1.0
HIDDEN, LR, SEED, DTYPE = 4, 1.0, 0, torch.float64
BLOCK = 10  # epochs per timed sample (one train_mlp call)


def _initial():
    X, y = xor_data(DTYPE)
    params = init_mlp(2, HIDDEN, 1, generator=torch.Generator().manual_seed(SEED), dtype=DTYPE)
    return X, y, params


def _manual_block(X, y, params):
    return train_mlp(X, y, params, hidden="tanh", loss="mse", lr=LR, epochs=BLOCK).params


def _autograd_setup(params):
    return [params[k].clone().requires_grad_(True) for k in ("W1", "b1", "W2", "b2")]


def _autograd_epoch(X, y, leaves):
    W1, b1, W2, b2 = leaves
    y_hat = torch.sigmoid(torch.tanh(X @ W1.T + b1) @ W2.T + b2)
    loss = ((y_hat - y) ** 2).mean()
    grads = torch.autograd.grad(loss, leaves)
    with torch.no_grad():
        for leaf, grad in zip(leaves, grads, strict=True):
            leaf.sub_(LR * grad)


def _nn_setup(params):
    model = nn.Sequential(nn.Linear(2, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 1), nn.Sigmoid()).to(DTYPE)
    with torch.no_grad():
        model[0].weight.copy_(params["W1"])
        model[0].bias.copy_(params["b1"])
        model[2].weight.copy_(params["W2"])
        model[2].bias.copy_(params["b2"])
    return model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=LR)


def _nn_epoch(X, y, setup):
    model, loss_fn, optimizer = setup
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _bare_epoch(X, y, params):
    # mlp.py's formulas, inline, no checks (its sigmoid is the stable two-branch form; kept here)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1.T + b1
    A1 = torch.tanh(Z1)
    Z2 = A1 @ W2.T + b2
    e = torch.exp(torch.where(Z2 >= 0, -Z2, Z2))
    y_hat = torch.where(Z2 >= 0, 1 / (1 + e), e / (1 + e))
    dZ2 = 2 * (y_hat - y) / y_hat.numel() * y_hat * (1 - y_hat)
    dA1 = dZ2 @ W2
    dZ1 = dA1 * (1 - A1 * A1)
    grads = {"W1": dZ1.T @ X, "b1": dZ1.sum(0), "W2": dZ2.T @ A1, "b2": dZ2.sum(0)}
    return {k: params[k] - LR * grads[k] for k in params}


def _median_us(samples):
    return 1e6 * statistics.median(samples)


def _check_calls(X, y, params, blocks=20):
    """How many ``as_float_tensor`` calls the manual side makes per epoch, and their median cost each."""
    original = inputs_module.as_float_tensor
    calls = []

    def counting(value, name, **kwargs):
        start = time.perf_counter()
        out = original(value, name, **kwargs)
        calls.append(time.perf_counter() - start)
        return out

    modules = (mlp_module, activations_module, losses_module, neuron_module)
    for module in modules:
        module.as_float_tensor = counting
    try:
        for _ in range(blocks):
            params = _manual_block(X, y, params)
    finally:
        for module in modules:
            module.as_float_tensor = original
    return len(calls) / (blocks * BLOCK), _median_us(calls)


def _check_parts(repeats=2000):
    """Median cost (µs) of one ``as_float_tensor`` call on a float64 tensor, split: the finiteness test
    (``no_grad`` + ``isfinite`` + ``all`` + ``bool``) and everything else (``allow_nonfinite=True``)."""
    tensor = torch.randn(4, 4, dtype=DTYPE)
    as_float_tensor = inputs_module.as_float_tensor

    def finite_test():
        with torch.no_grad():
            return bool(torch.isfinite(tensor).all())

    parts = {
        "full": lambda: as_float_tensor(tensor, "x"),
        "no_finite_test": lambda: as_float_tensor(tensor, "x", allow_nonfinite=True),
        "finite_test": finite_test,
    }
    samples = {k: [] for k in parts}
    for _ in range(repeats):
        for key, call in parts.items():
            start = time.perf_counter()
            call()
            samples[key].append(time.perf_counter() - start)
    return {k: _median_us(v) for k, v in samples.items()}


def measure(repeats=200, warmup=20):
    """Median time of one epoch per side (µs), the ratios, and the breakdown.

    Returns
    -------
    dict with "manual_us", "autograd_us", "nn_us", "bare_us", "ratio" (manual / autograd),
    "ratio_nn" (manual / nn), "forward_us", "backward_us", "step_us" (one checked call each),
    "checks_per_epoch", "check_us" (median cost of one ``as_float_tensor`` call, timed inside the run),
    "check_full_us", "check_finite_us", "check_rest_us" (one call in isolation, its finiteness test alone,
    and the call without that test), "same_trajectory", "repeats" (epochs), "block", "threads".
    """
    X, y, params = _initial()
    manual_params, bare_params = dict(params), dict(params)
    leaves = _autograd_setup(params)
    nn_setup = _nn_setup(params)
    samples = {"manual": [], "autograd": [], "nn": [], "bare": [], "forward": [], "backward": [], "step": []}
    clock = time.perf_counter
    for i in range(warmup + repeats):
        t0 = clock()
        manual_params = _manual_block(X, y, manual_params)
        t1 = clock()
        for _ in range(BLOCK):
            _autograd_epoch(X, y, leaves)
        t2 = clock()
        for _ in range(BLOCK):
            _nn_epoch(X, y, nn_setup)
        t3 = clock()
        for _ in range(BLOCK):
            bare_params = _bare_epoch(X, y, bare_params)
        t4 = clock()
        # the public calls of notebook 05's loop, one each, inputs checked
        _, cache = mlp_forward(X, params, hidden="tanh")
        t5 = clock()
        grads = mlp_backward(cache, y, loss="mse")
        t6 = clock()
        params = sgd_step(params, grads, LR)
        t7 = clock()
        if i >= warmup:
            for key, start, stop, epochs in (
                ("manual", t0, t1, BLOCK),
                ("autograd", t1, t2, BLOCK),
                ("nn", t2, t3, BLOCK),
                ("bare", t3, t4, BLOCK),
                ("forward", t4, t5, 1),
                ("backward", t5, t6, 1),
                ("step", t6, t7, 1),
            ):
                samples[key].append((stop - start) / epochs)
    # the sides trained the same network: a check that the comparison is fair (same trajectory)
    final = {"W1": leaves[0], "b1": leaves[1], "W2": leaves[2], "b2": leaves[3]}
    same = all(torch.allclose(manual_params[k], final[k].detach(), rtol=1e-9, atol=1e-12) for k in final)
    checks_per_epoch, check_us = _check_calls(*_initial())
    check_parts = _check_parts()
    result = {f"{k}_us": _median_us(v) for k, v in samples.items()}
    result.update(
        ratio=result["manual_us"] / result["autograd_us"],
        ratio_nn=result["manual_us"] / result["nn_us"],
        checks_per_epoch=checks_per_epoch,
        check_us=check_us,
        check_full_us=check_parts["full"],
        check_finite_us=check_parts["finite_test"],
        check_rest_us=check_parts["no_finite_test"],
        same_trajectory=same,
        repeats=repeats * BLOCK,
        block=BLOCK,
        threads=torch.get_num_threads(),
    )
    return result


def table(results):
    """The results as a Markdown table plus the breakdown."""
    r = results
    verdict = "met" if r["ratio"] <= TARGET_RATIO else "NOT met"
    lines = [
        f"One XOR epoch, 2 → {HIDDEN} tanh → 1 sigmoid, float64, {r['repeats']} epochs in blocks of "
        f"{r['block']}, median block ({r['threads']} torch threads); same initial weights, same trajectory: "
        f"{r['same_trajectory']}",
        "",
        "| side | µs / epoch | manual ÷ side |",
        "|---|---:|---:|",
        f"| manual: train_mlp (inputs checked once per call) | {r['manual_us']:.1f} | 1.00 |",
        f"| autograd: plain tensors + autograd.grad (reference) | {r['autograd_us']:.1f} | {r['ratio']:.2f} |",
        f"| nn.Linear + MSELoss + optim.SGD | {r['nn_us']:.1f} | {r['ratio_nn']:.2f} |",
        f"| bare: mlp.py's formulas inline, no input checks, no dicts | {r['bare_us']:.1f} | "
        f"{r['manual_us'] / r['bare_us']:.2f} |",
        "",
        f"Target manual ÷ autograd ≤ {TARGET_RATIO:.1f}: {verdict} ({r['ratio']:.2f}).",
        "",
        "The public calls of notebook 05's loop, each checking its inputs, and the checks train_mlp makes:",
        "",
        "| part | µs |",
        "|---|---:|",
        f"| mlp_forward | {r['forward_us']:.1f} |",
        f"| mlp_backward | {r['backward_us']:.1f} |",
        f"| sgd_step | {r['step_us']:.1f} |",
        f"| the three together (an epoch written with them) | "
        f"{r['forward_us'] + r['backward_us'] + r['step_us']:.1f} |",
        f"| train_mlp's as_float_tensor: {r['checks_per_epoch']:.1f} calls per epoch × {r['check_us']:.1f} µs | "
        f"{r['checks_per_epoch'] * r['check_us']:.1f} |",
        f"| manual − bare (all validation and dispatch overhead) | {r['manual_us'] - r['bare_us']:.1f} |",
        "",
        f"One as_float_tensor call on a float64 tensor, in isolation: {r['check_full_us']:.1f} µs, of which the "
        f"finiteness test (no_grad + isfinite + all + bool) {r['check_finite_us']:.1f} µs; without that test "
        f"(allow_nonfinite=True) {r['check_rest_us']:.1f} µs.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
