"""Data sets of the notebooks, built fresh on every call (nothing global, no global RNG touched).

Used in notebook 05 (§ "The four XOR points") and by ``XORExplorer`` (``xor_data``), and in notebook 07
(§ 1 "The data") and by its explorer (``digits_data``).
"""

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from backprop_helpers._inputs import check_float_dtype

__all__ = ["xor_data", "digits_data", "DigitsData", "DIGITS_SEED", "DIGITS_TEST_FRACTION"]

DIGITS_SEED = 0  # the split's torch.Generator seed: one fixed split, the same on every machine
DIGITS_TEST_FRACTION = (1, 5)  # 20 % held out, as a fraction of integers so the counts are exact


def xor_data(dtype=None):
    """The four XOR points: X (4, 2) with rows (0,0), (0,1), (1,0), (1,1); y (4, 1) = x₁ XOR x₂ = (0, 1, 1, 0).

    Parameters
    ----------
    dtype : torch.dtype, optional
        A floating dtype; default ``torch.get_default_dtype()`` (float32, as the source notebook's ``torch.tensor``).
        Use float64 for gradient checks.

    Returns
    -------
    X : (4, 2) tensor
    y : (4, 1) tensor
        A column, like the output of ``nn.Linear(h, 1)``, so ``nn.MSELoss`` sees matching shapes.
    """
    dtype = check_float_dtype(dtype or torch.get_default_dtype())
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    return X, y


@dataclass(frozen=True)
class DigitsData:
    """scikit-learn's 8×8 digits, split once: 1,437 training and 360 test images, every class in both.

    ``X_*`` are the 64 pixels of each image read row by row and divided by 16 (the images hold the
    integers 0…16), so every feature lies in [0, 1]; the division by 16 is exact in binary floating point
    and uses no statistic of the data, so nothing leaks from the test set into the scaling. ``images_*``
    are the same pixels as (n, 8, 8) for display; ``train_index``/``test_index`` say which of the 1,797
    rows of ``sklearn.datasets.load_digits()`` each image is (in the order used here).
    """

    X_train: torch.Tensor  # (1437, 64), in [0, 1]
    y_train: torch.Tensor  # (1437,) torch.long, 0…9
    X_test: torch.Tensor  # (360, 64)
    y_test: torch.Tensor  # (360,) torch.long
    images_train: torch.Tensor  # (1437, 8, 8), X_train reshaped
    images_test: torch.Tensor  # (360, 8, 8)
    train_index: torch.Tensor  # (1437,) torch.long, rows of load_digits()
    test_index: torch.Tensor  # (360,) torch.long


def digits_data(dtype=torch.float32):
    """The digits split of notebook 07: a fixed stratified 80/20 split of scikit-learn's bundled 8×8 digits.

    The images are read from the file scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``, the
    same 1,797 rows as ``load_digits()``) without importing scikit-learn, which would load scipy (tens of
    MB in the kernel). The split is stratified: class c gives the test set about a fifth of its images,
    the counts chosen by largest remainder (ties to the lower class) so that they total ceil(1797/5) = 360,
    the test size ``train_test_split(test_size=0.2)`` gives. Which images of a class are
    held out is drawn with ``torch.randperm`` from a generator seeded with ``DIGITS_SEED``: integer
    operations only, so the split is the same on every machine. Train and test are each ordered by row.

    Parameters
    ----------
    dtype : torch.dtype
        A floating dtype for X and the images; default float32. Use float64 for gradient checks.

    Returns
    -------
    DigitsData
    """
    dtype = check_float_dtype(dtype)
    pixels, labels = _read_digits()
    test_index = _stratified_test_rows(labels)
    is_test = torch.zeros(labels.shape[0], dtype=torch.bool)
    is_test[test_index] = True
    train_index = torch.nonzero(~is_test)[:, 0]
    X = pixels.to(dtype) / 16  # 0…16 -> [0, 1], exact
    return DigitsData(
        X_train=X[train_index],
        y_train=labels[train_index],
        X_test=X[test_index],
        y_test=labels[test_index],
        images_train=X[train_index].reshape(-1, 8, 8),
        images_test=X[test_index].reshape(-1, 8, 8),
        train_index=train_index,
        test_index=test_index,
    )


def _digits_file():
    # located through the import system without importing sklearn (find_spec of a top-level package runs
    # none of its code)
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "digits_data needs scikit-learn, which ships the digits images: pip install scikit-learn"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"scikit-learn is installed but its digits file is missing: {path}")
    return path


def _read_digits():
    # (1797, 64) int64 pixels and (1797,) int64 labels: each line is 64 pixels then the label
    with gzip.open(_digits_file(), "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    return torch.from_numpy(table[:, :-1].copy()), torch.from_numpy(table[:, -1].copy())


def _stratified_test_rows(labels):
    # rows of the test set, sorted: per class, a count fixed by largest remainder, rows drawn by randperm
    numerator, denominator = DIGITS_TEST_FRACTION
    n = labels.shape[0]
    n_test = -(-n * numerator // denominator)  # ceil, in integers: 360 of 1797
    counts = torch.bincount(labels).tolist()
    # class c's exact share of the test set is n_test·count_c/n; take the floors, then hand the rest out
    # by largest remainder (ties to the lower class), all in integers
    floors = [n_test * count // n for count in counts]
    remainders = [n_test * count % n for count in counts]
    by_remainder = sorted(range(len(counts)), key=lambda c: (-remainders[c], c))
    for c in by_remainder[: n_test - sum(floors)]:
        floors[c] += 1
    generator = torch.Generator().manual_seed(DIGITS_SEED)
    rows = []
    for c, k in enumerate(floors):
        members = torch.nonzero(labels == c)[:, 0]
        rows.append(members[torch.randperm(members.shape[0], generator=generator)[:k]])
    return torch.sort(torch.cat(rows)).values
