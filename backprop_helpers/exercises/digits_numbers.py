"""Number exercises of notebook 07 (digits): one entry of the softmax cross-entropy gradient, the loss of a
network that cannot tell the classes apart, and Glorot's standard deviation for a layer.

Each ``check_…`` takes the learner's number and returns a ``Feedback``: ✓, or a hint that names the likely
mistake (the 1/N forgotten, p without the one-hot, ∂L/∂p given for ∂L/∂z, log base 10, the variance for the
standard deviation…) without giving the answer. Expected values are computed here from the problem data, never
typed in. A number is right at three significant digits (``feedback.DIGITS``), or correctly rounded to more.
The write-it-yourself exercise of the notebook, ``check_softmax_ce_grad``, lives in ``exercises.digits``.

None of the answers can be read off notebook 07's ``DigitsExplorer``: it shows per-layer gradient norms on
a batch of training images, the training loss per epoch and the test accuracy, never one entry of a gradient,
the loss at initialisation or an initialisation's standard deviation. Exercise 1's two rows of logits are not
the digits'; exercise 3's layer is the network's second (32 → 10), while the notebook's cells draw every
initialisation by name and print no standard deviation.
"""

import math

import torch

from backprop_helpers.exercises.feedback import check_number

__all__ = [
    "CE_ENTRY_PROBLEM",
    "UNIFORM_LOSS_PROBLEM",
    "GLOROT_PROBLEM",
    "check_ce_grad_entry",
    "check_uniform_loss",
    "check_glorot_std",
]

# Exercise 1: L = mean over the N = 2 rows of −log softmax(z)[label]; the entry ∂L/∂z[0, 0] (row 0, class 0,
# the label of row 0). Three classes, so the softmax over the wrong axis (the 2 rows) gives another value.
CE_ENTRY_PROBLEM = {"logits": ((2.0, 1.0, 0.0), (0.0, 0.0, 1.0)), "labels": (0, 2), "row": 0, "column": 0}
# Exercise 2: a network whose output gives every one of the C classes the same probability: its mean
# cross-entropy on any batch.
UNIFORM_LOSS_PROBLEM = {"classes": 10}
# Exercise 3: Glorot's standard deviation √(2/(n_in + n_out)) for the second layer of 64 → 32 → 10.
GLOROT_PROBLEM = {"n_in": 32, "n_out": 10}


def _ce_entry_catalogue():
    """Exercise 1's expected ∂L/∂z[row, column] and the values that common mistakes give, each with its hint."""
    p = CE_ENTRY_PROBLEM
    logits = torch.tensor(p["logits"], dtype=torch.float64)  # (N, C)
    labels = torch.tensor(p["labels"])
    n = logits.shape[0]
    i, k = p["row"], p["column"]
    probabilities = torch.softmax(logits, dim=1)  # over the classes of each row
    onehot = torch.nn.functional.one_hot(labels, logits.shape[1]).to(torch.float64)
    dZ = (probabilities - onehot) / n  # (N, C): ∂L/∂z = (p − onehot(y))/N
    pk = probabilities[i, k].item()
    wrong_axis = torch.softmax(logits, dim=0)[i, k].item()  # over the rows of each class
    mistakes = [
        (pk - 1, "the loss is the mean over the N rows of the batch: every entry carries a 1/N."),
        (
            pk / n,
            "that is p/N: row 0's label is class 0, so the one-hot subtracts 1 from this entry: (p − onehot)/N.",
        ),
        (
            pk * (1 - pk) / n,
            "p(1 − p) is the diagonal of the softmax's Jacobian alone. The log in the loss cancels it: "
            "∂L/∂z = (p − onehot)/N.",
        ),
        (
            -1 / (pk * n),
            "that is ∂L/∂p, the gradient with respect to the probability. The exercise asks for ∂L/∂z, "
            "one softmax further back.",
        ),
        (
            (wrong_axis - 1) / n,
            "the softmax runs over the classes of each row (its entries in a row sum to 1), not over the rows.",
        ),
    ]
    return dZ[i, k].item(), mistakes


_CE_ENTRY_ADVICE = "Compute row 0's softmax p = exp(z)/Σ exp(z) over its three classes, then (p − onehot(label))/N at class 0."


def check_ce_grad_entry(answer):
    """Exercise 1: ∂L/∂z[0, 0] for the mean cross-entropy of ``CE_ENTRY_PROBLEM`` (one number)."""
    expected, mistakes = _ce_entry_catalogue()
    return check_number(answer, expected, name="∂L/∂z[0, 0]", mistakes=mistakes, advice=_CE_ENTRY_ADVICE)


def _uniform_loss_catalogue():
    """Exercise 2's expected loss −log(1/C) and the values that common mistakes give, each with its hint."""
    c = UNIFORM_LOSS_PROBLEM["classes"]
    expected = -math.log(1 / c)  # every row's loss is −log p[label] with p[label] = 1/C
    mistakes = [
        (-math.log10(1 / c), "torch.log and the cross-entropy use the natural logarithm, not log base 10."),
        (-math.log2(1 / c), "that is the loss in bits (log base 2); torch.log is the natural logarithm."),
        (1 / c, "that is the probability of the label. The loss is −log of it."),
        (1 - 1 / c, "1 − p is how far the probability is from 1; the cross-entropy is −log p."),
        (
            -c * math.log(1 / c),
            "the loss takes −log p of the label's class only (the one-hot picks it), not summed over all classes.",
        ),
    ]
    return expected, mistakes


_UNIFORM_LOSS_ADVICE = (
    "Each row's loss is −log p[label]: what is p[label] when all classes are equally likely?"
)


def check_uniform_loss(answer):
    """Exercise 2: the mean cross-entropy of a network that gives each of ``UNIFORM_LOSS_PROBLEM``'s classes the
    same probability (one number)."""
    expected, mistakes = _uniform_loss_catalogue()
    return check_number(
        answer,
        expected,
        name="the loss at equal probabilities",
        mistakes=mistakes,
        advice=_UNIFORM_LOSS_ADVICE,
    )


def _glorot_catalogue():
    """Exercise 3's expected standard deviation √(2/(n_in + n_out)) and what common mistakes give, with hints."""
    n_in, n_out = GLOROT_PROBLEM["n_in"], GLOROT_PROBLEM["n_out"]
    expected = math.sqrt(2 / (n_in + n_out))
    mistakes = [
        (2 / (n_in + n_out), "that is the variance. The standard deviation is its square root."),
        (
            math.sqrt(2 / n_in),
            "that is He's standard deviation √(2/n_in), for relu; Glorot's averages both fans.",
        ),
        (math.sqrt(1 / n_in), "that is √(1/n_in) (LeCun's); Glorot's uses n_in and n_out together."),
        (math.sqrt(2 / n_out), "that uses the fan-out alone; Glorot's uses n_in + n_out."),
        (
            math.sqrt(6 / (n_in + n_out)),
            "that is the bound a of Glorot's uniform form U(−a, a). The exercise asks for the standard "
            "deviation, a/√3.",
        ),
        (
            1 / math.sqrt(3 * n_in),
            "that is the standard deviation of nn.Linear's default U(±1/√n_in), not Glorot's.",
        ),
    ]
    return expected, mistakes


_GLOROT_ADVICE = (
    "Glorot's standard deviation is √(2/(n_in + n_out)): n_in inputs and n_out outputs of the layer."
)


def check_glorot_std(answer):
    """Exercise 3: Glorot's standard deviation for a layer of ``GLOROT_PROBLEM``'s fan-in and fan-out."""
    expected, mistakes = _glorot_catalogue()
    return check_number(
        answer, expected, name="Glorot's standard deviation", mistakes=mistakes, advice=_GLOROT_ADVICE
    )
