"""One digits epoch, 64 → 32 relu → 10 softmax: the package's hand backprop against autograd; time to 95 %.

    .venv/bin/python -m benchmarks.digits_epoch

Both sides train notebook 07's network on the 1,437 training images (``digits_data``), from the same initial
weights (``init_network``, He, seeded), over the same minibatches (one ``randperm`` order shared by both, batch
size 32, the last batch 29 rows), SGD at lr 0.1 (notebook 07's), in float32 and in float64:

* hand      the loop inside ``train_network(backward="hand")``: ``network.py``'s forward, ``network_backward``'s
            kernel and ``sgd_step``'s, inputs checked once (before the epoch)
* autograd  plain leaf tensors, the same forward written with torch ops, ``F.cross_entropy``,
            ``torch.autograd.grad``, an in-place update under ``no_grad`` — the plainest autograd loop
            (reference of the ratio)

The two sides alternate, one epoch each in turn, so that load from other processes hits both alike; each
figure is the median over ``repeats`` epochs, with the fastest and slowest beside it. Target: hand ÷ autograd
≤ 1.0 (printed, not asserted). Then the notebook's run: ``train_network`` with lr 0.1, batch 32, He init
(seed 0), minibatch order seed 0, float64, for ``EPOCHS`` epochs; the epoch whose test accuracy first reaches
95 % and the seconds until then (median over runs, the per-epoch measurements on the whole training set
included, as the notebook pays them). Nothing fails on a time.
"""

import statistics
import time

import torch
import torch.nn.functional as F

from backprop_helpers.data import digits_data
from backprop_helpers.network import _hand_pass, init_network, train_network
from backprop_helpers.neuron import _sgd_step

__all__ = ["measure", "table", "SIZES", "LR", "BATCH_SIZE", "EPOCHS", "SEED"]

TARGET_RATIO = 1.0
SIZES, LR, BATCH_SIZE, EPOCHS, SEED, INIT = (64, 32, 10), 0.1, 32, 20, 0, "he"  # notebook 07's settings
DTYPES = (torch.float32, torch.float64)


def _initial(dtype):
    data = digits_data(dtype)
    params = init_network(SIZES, init=INIT, generator=torch.Generator().manual_seed(SEED), dtype=dtype)
    return data, params


def _batches(n, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return [order[start : start + BATCH_SIZE] for start in range(0, n, BATCH_SIZE)]


def _hand_epoch(X, y, params, batches):
    # train_network's loop body for backward="hand": the same pass, the same step
    for rows in batches:
        _, grads = _hand_pass(X[rows], y[rows], params, "relu")
        params = _sgd_step(params, grads, LR)
    return params


def _autograd_epoch(X, y, leaves, batches):
    W1, b1, W2, b2 = leaves
    for rows in batches:
        logits = torch.relu(X[rows] @ W1.T + b1) @ W2.T + b2
        grads = torch.autograd.grad(F.cross_entropy(logits, y[rows]), leaves)
        with torch.no_grad():
            for leaf, grad in zip(leaves, grads, strict=True):
                leaf.sub_(LR * grad)


def _epochs(dtype, repeats, warmup):
    """Median, min and max seconds per epoch of each side, and whether one epoch gave the same weights."""
    data, params = _initial(dtype)
    X, y = data.X_train, data.y_train
    hand_params = dict(params)
    leaves = [params[k].clone().requires_grad_(True) for k in ("W1", "b1", "W2", "b2")]
    samples = {"hand": [], "autograd": []}
    same = None
    for i in range(warmup + repeats):
        batches = _batches(X.shape[0], SEED + i)  # a new order every epoch, the same for both sides
        t0 = time.perf_counter()
        hand_params = _hand_epoch(X, y, hand_params, batches)
        t1 = time.perf_counter()
        _autograd_epoch(X, y, leaves, batches)
        t2 = time.perf_counter()
        if i == 0:  # one epoch from the same weights over the same minibatches: the same weights after it
            tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-12}
            same = all(torch.allclose(hand_params[k], leaf.detach(), **tol)
                       for k, leaf in zip(("W1", "b1", "W2", "b2"), leaves, strict=True))  # fmt: skip
        if i >= warmup:
            samples["hand"].append(t1 - t0)
            samples["autograd"].append(t2 - t1)
    return {side: (statistics.median(v), min(v), max(v)) for side, v in samples.items()}, same


def _time_to_95(runs):
    """(epoch first ≥ 95 %, median seconds to it, median seconds for all EPOCHS, final test accuracy) per side."""
    data, params = _initial(torch.float64)
    result = {}
    for backward in ("hand", "autograd"):
        first, to_95, total, final = None, [], [], None
        for _ in range(runs):
            stamps = []
            start = time.perf_counter()

            def stamp(epoch, so_far, stamps=stamps, start=start):
                stamps.append(time.perf_counter() - start)

            run = train_network(data.X_train, data.y_train, params, lr=LR, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                generator=torch.Generator().manual_seed(SEED), backward=backward,
                                X_test=data.X_test, y_test=data.y_test, callback=stamp)  # fmt: skip
            total.append(time.perf_counter() - start)
            first = next((k for k, a in enumerate(run.test_accuracies) if a >= 0.95), None)
            if first is not None:
                to_95.append(stamps[first - 1] if first > 0 else 0.0)
            final = run.test_accuracies[-1]
        result[backward] = (
            first,
            statistics.median(to_95) if to_95 else None,
            statistics.median(total),
            final,
        )
    return result


def measure(repeats=21, warmup=3, runs=3):
    """Per dtype, each side's (median, min, max) seconds per epoch, the ratio, the same-weights check; and the
    notebook's run per side: (epoch first at 95 %, seconds to it, seconds for all epochs, final test accuracy).

    Returns
    -------
    dict with "epochs" {dtype name: {"hand": (med, min, max), "autograd": …, "ratio", "same"}}, "to_95"
    {"hand": (…), "autograd": (…)}, "repeats", "runs", "threads".
    """
    epochs = {}
    for dtype in DTYPES:
        sides, same = _epochs(dtype, repeats, warmup)
        epochs[str(dtype).removeprefix("torch.")] = {**sides, "ratio": sides["hand"][0] / sides["autograd"][0],
                                                      "same": same}  # fmt: skip
    return {"epochs": epochs, "to_95": _time_to_95(runs), "repeats": repeats, "runs": runs,
            "threads": torch.get_num_threads()}  # fmt: skip


def _ms(triple):
    median, low, high = triple
    return f"{1e3 * median:.1f} ({1e3 * low:.1f}–{1e3 * high:.1f})"


def table(results):
    """The results as two Markdown tables."""
    r = results
    lines = [
        f"One epoch over the 1,437 training digits, {' → '.join(map(str, SIZES))} (relu, softmax "
        f"cross-entropy), batch {BATCH_SIZE} (45 steps), lr {LR}; the same initial weights and minibatches on "
        f"both sides; median (min–max) of {r['repeats']} epochs, alternating ({r['threads']} torch threads)",
        "",
        "| dtype | hand backprop, ms / epoch | autograd, ms / epoch | hand ÷ autograd | same weights after one epoch |",
        "|---|---:|---:|---:|---|",
    ]
    for name, row in r["epochs"].items():
        lines.append(
            f"| {name} | {_ms(row['hand'])} | {_ms(row['autograd'])} | {row['ratio']:.2f} | {row['same']} |"
        )
    verdicts = ", ".join(
        f"{name} {row['ratio']:.2f} ({'met' if row['ratio'] <= TARGET_RATIO else 'NOT met'})"
        for name, row in r["epochs"].items()
    )
    lines += [
        "",
        f"Target hand ÷ autograd ≤ {TARGET_RATIO:.1f}: {verdicts}.",
        "",
        f"Notebook 07's run: train_network, lr {LR}, batch {BATCH_SIZE}, {EPOCHS} epochs, {INIT} init seed "
        f"{SEED}, order seed {SEED}, float64, loss and accuracies measured after every epoch; median of "
        f"{r['runs']} runs",
        "",
        "| backward | first epoch at ≥ 95 % test accuracy | s to it | s for all epochs | final test accuracy |",
        "|---|---:|---:|---:|---:|",
    ]
    for backward, (first, to_95, total, final) in r["to_95"].items():
        to_95_text = "not reached" if to_95 is None else f"{to_95:.2f}"
        lines.append(f"| {backward} | {first} | {to_95_text} | {total:.2f} | {100 * final:.1f} % |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
