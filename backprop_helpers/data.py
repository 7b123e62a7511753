"""Toy data sets of the notebooks, built fresh on every call (nothing global, nothing random).

Used in notebook 05 (§ "The four XOR points") and by ``XORExplorer``.
"""

import torch

__all__ = ["xor_data"]


def xor_data(dtype=None):
    """The four XOR points: X (4, 2) with rows (0,0), (0,1), (1,0), (1,1); y (4, 1) = x₁ XOR x₂ = (0, 1, 1, 0).

    Parameters
    ----------
    dtype : torch.dtype, optional
        A floating dtype; default ``torch.get_default_dtype()`` (float32, as the seed's ``torch.tensor``).
        Use float64 for gradient checks.

    Returns
    -------
    X : (4, 2) tensor
    y : (4, 1) tensor
        A column, like the output of ``nn.Linear(h, 1)``, so ``nn.MSELoss`` sees matching shapes.
    """
    dtype = dtype or torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point or dtype.is_complex:
        raise TypeError(f"dtype must be a real floating torch.dtype such as torch.float64; got {dtype!r}")
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    return X, y
