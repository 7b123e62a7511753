"""xor_data: the four XOR points and their targets, in the dtype asked for; digits_data: load_digits() exactly,
split into a fixed stratified 80/20 partition, pixels/16."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from backprop_helpers.data import digits_data, xor_data

PINNED_TEST_ROWS = [1, 2, 6, 10, 13, 16, 21, 22]  # the first test rows of the fixed split (seed 0)
PINNED_TEST_ROW_SUM = 331067


def test_points_and_targets():
    X, y = xor_data(torch.float64)
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == y.dtype == torch.float64
    # y = x₁ XOR x₂ row by row: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0
    expected = [int(a) ^ int(b) for a, b in X.tolist()]
    assert y.reshape(-1).tolist() == expected == [0, 1, 1, 0]
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_default_dtype_is_torchs_default_like_the_seed():
    X, y = xor_data()
    assert X.dtype == y.dtype == torch.get_default_dtype() == torch.float32


def test_fresh_tensors_on_every_call():
    X1, _ = xor_data(torch.float64)
    X1[0, 0] = 5.0
    X2, _ = xor_data(torch.float64)
    assert X2[0, 0] == 0.0


@pytest.mark.parametrize("dtype", [torch.int64, torch.complex64, "float64", 64])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match=r"dtype must be a real floating torch\.dtype"):
        xor_data(dtype)


# ---------------------------------------------------------------------------------------------------------------
# digits_data (notebook 07)


@pytest.fixture(scope="module")
def digits():
    return digits_data(torch.float64)


def test_digits_equal_sklearns_load_digits(digits):
    """The bundled file read without sklearn is load_digits() exactly: pixels, labels, images."""
    from sklearn.datasets import load_digits

    reference = load_digits()
    for X, y, index in ((digits.X_train, digits.y_train, digits.train_index),
                        (digits.X_test, digits.y_test, digits.test_index)):  # fmt: skip
        rows = index.numpy()
        np.testing.assert_array_equal((X * 16).numpy(), reference.data[rows])  # X = pixels/16, exactly
        np.testing.assert_array_equal(y.numpy(), reference.target[rows])
        np.testing.assert_array_equal((X * 16).reshape(-1, 8, 8).numpy(), reference.images[rows])


def test_digits_split_shapes_dtypes_and_scaling(digits):
    assert digits.X_train.shape == (1437, 64) and digits.X_test.shape == (360, 64)
    assert digits.y_train.shape == (1437,) and digits.y_test.shape == (360,)
    assert digits.y_train.dtype == digits.y_test.dtype == torch.long
    assert digits.X_train.dtype == digits.X_test.dtype == torch.float64
    assert digits.images_train.shape == (1437, 8, 8) and digits.images_test.shape == (360, 8, 8)
    assert torch.equal(digits.images_test.reshape(360, 64), digits.X_test)
    X = torch.cat([digits.X_train, digits.X_test])
    assert X.min() == 0 and X.max() == 1 and torch.equal(X * 16, (X * 16).round())  # the 0…16 grid, /16


def test_digits_split_is_a_stratified_partition(digits):
    rows = torch.cat([digits.train_index, digits.test_index])
    assert torch.equal(torch.sort(rows).values, torch.arange(1797))  # every row once
    assert torch.equal(digits.train_index, torch.sort(digits.train_index).values)  # ordered by row
    counts = torch.bincount(torch.cat([digits.y_train, digits.y_test]), minlength=10)
    test_counts = torch.bincount(digits.y_test, minlength=10)
    # each class gives the test set a fifth of its images, rounded to a neighbouring integer
    assert torch.all((test_counts - counts * 360 / 1797).abs() < 1)
    # worked: class 7 has 179 images, 179 · 360/1797 = 35.86 → 36; class 9 has 180, exactly 36.06 → 36
    assert test_counts.tolist() == [36, 37, 35, 37, 36, 36, 36, 36, 35, 36]


def test_digits_split_is_the_same_every_call_and_fresh(digits):
    again = digits_data(torch.float64)
    assert torch.equal(again.test_index, digits.test_index) and torch.equal(again.X_train, digits.X_train)
    again.X_train[0, 0] = 5.0
    assert digits_data(torch.float64).X_train[0, 0] != 5.0


def test_digits_split_is_pinned():
    """The split is made of integer operations only, so it is the same on every machine: pin a few rows."""
    test_index = digits_data().test_index
    assert test_index[:8].tolist() == PINNED_TEST_ROWS
    assert int(test_index.sum()) == PINNED_TEST_ROW_SUM


def test_digits_default_dtype_is_float32_and_float32_is_float64_rounded(digits):
    low = digits_data()
    assert low.X_train.dtype == torch.float32
    assert torch.equal(low.X_train.to(torch.float64), digits.X_train)  # k/16 is exact in both


def test_digits_do_not_import_sklearn_or_scipy():
    code = (
        "import sys; from backprop_helpers import digits_data; digits_data(); "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("dtype", [torch.int64, torch.complex64, "float64", None])
def test_digits_bad_dtype(dtype):
    with pytest.raises(TypeError, match=r"dtype must be a real floating torch\.dtype"):
        digits_data(dtype)
