"""xor_data: the four XOR points and their targets, in the dtype asked for."""

import pytest
import torch

from backprop_helpers.data import xor_data


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
