"""The sigmoid neuron staged as gates (seed 003), by hand and by autograd, and where float32 loses it.

z = w·x + b,  k = e^{−z},  h = 1 + k,  f = 1/h: each gate with its local gradient, multiplied backward
(notebook 03, § "The sigmoid as four gates"). ``sigmoid_circuit`` is the hand version, ``circuit_autograd``
the same gates from autograd leaves, and the three limits say where in z each stops working in float32.
"""

import math
from dataclasses import dataclass, fields

import torch

from backprop_helpers._inputs import check_linear_inputs

__all__ = [
    "CircuitTrace",
    "sigmoid_circuit",
    "circuit_autograd",
    "FLOAT32_EXP_LIMIT",
    "HAND_GRADIENT_LIMIT",
    "AUTOGRAD_GRADIENT_LIMIT",
]

_FLOAT32 = torch.finfo(torch.float32)
FLOAT32_EXP_LIMIT = math.log(_FLOAT32.max)  # 88.72: e^{−z} overflows for z below −88.72
# h² overflows when h > √max, h = 1 + e^{−z}: the hand ∂f/∂h = −1/h² is 0 for z below −44.36
HAND_GRADIENT_LIMIT = -math.log(math.sqrt(_FLOAT32.max) - 1)
# f² rounds to 0 when it is under half the smallest subnormal, 2^−150, i.e. f < 2^−75: autograd's ∂f/∂h = −f²
# is 0 for z below −75·ln 2 = −51.99 (f = 1/(1 + e^{−z}) ≈ e^{z} there)
AUTOGRAD_GRADIENT_LIMIT = 0.5 * math.log(_FLOAT32.tiny * _FLOAT32.eps / 2)


@dataclass(frozen=True)
class CircuitTrace:
    """The sigmoid neuron staged as gates (seed 003): z = w·x + b, k = e^{−z}, h = 1 + k, f = 1/h.

    Forward values ``z, k, h, f``; local gradients ``dh_dk`` (= 1) and ``dk_dz`` (= −k); upstream gradients
    ``df_dh, df_dk, df_dz`` and the gradients of the inputs ``df_dw, df_db, df_dx``.
    """

    z: torch.Tensor
    k: torch.Tensor
    h: torch.Tensor
    f: torch.Tensor
    df_dh: torch.Tensor
    df_dk: torch.Tensor
    df_dz: torch.Tensor
    df_dw: torch.Tensor
    df_db: torch.Tensor
    df_dx: torch.Tensor
    dh_dk: torch.Tensor
    dk_dz: torch.Tensor

    def as_dict(self):
        """The fields as a plain dict, name → tensor."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sigmoid_circuit(x, w, b):
    """The sigmoid neuron f = 1/(1 + e^{−(w·x + b)}) as gates, each with its local gradient (seed 003):

    z = w·x + b,  k = e^{−z} (∂k/∂z = −k),  h = 1 + k (∂h/∂k = 1),  f = 1/h (∂f/∂h = −1/h²),
    and backward  ∂f/∂k = ∂f/∂h·∂h/∂k,  ∂f/∂z = ∂f/∂k·∂k/∂z,  ∂f/∂w = ∂f/∂z·x,  ∂f/∂b = ∂f/∂z,  ∂f/∂x = ∂f/∂z·w.

    This staging is the naive, unstable form on purpose: for z below about −88 (float32) or −709 (float64)
    k = e^{−z} overflows, and a ValueError says so (``sigmoid`` is the stable form).

    Returns
    -------
    CircuitTrace
    """
    x, w, b = check_linear_inputs(x, w, b)
    z = (w * x).sum() + b
    k = torch.exp(-z)
    if not bool(torch.isfinite(k).all()):
        raise ValueError(
            f"k = e^(-z) overflows at z = {z.detach().flatten()[0].item():.4g}: the staged sigmoid is not "
            "stable for very negative z (use sigmoid(), which is)"
        )
    h = 1 + k
    f = 1 / h
    df_dh = -1 / h**2  # local gradient of the last gate = upstream gradient at h (∂f/∂f = 1)
    dh_dk = torch.ones_like(k)
    dk_dz = -k
    df_dk = df_dh * dh_dk  # upstream × local
    df_dz = df_dk * dk_dz
    return CircuitTrace(
        z=z,
        k=k,
        h=h,
        f=f,
        df_dh=df_dh,
        df_dk=df_dk,
        df_dz=df_dz,
        df_dw=df_dz * x,
        df_db=df_dz,
        df_dx=df_dz * w,
        dh_dk=dh_dk,
        dk_dz=dk_dz,
    )


def circuit_autograd(x, w, b):
    """The gates built from float32 leaves, every intermediate retained, after ``f.backward()``.

    Returns
    -------
    f : the output tensor
    tensors : dict display name → tensor, in the form ``draw_graph(f, names=tensors)`` takes
    """
    x0, x1, w0, w1, b = (torch.tensor(float(v), requires_grad=True) for v in (*x, *w, b))
    w0x0 = w0 * x0
    w1x1 = w1 * x1
    wx = w0x0 + w1x1
    z = wx + b
    minus_z = -z
    k = torch.exp(minus_z)
    h = 1 + k
    f = torch.reciprocal(h)  # f = 1/h; `1 / h` would record two nodes, reciprocal then ×1
    tensors = {"x₀": x0, "x₁": x1, "w₀": w0, "w₁": w1, "b": b, "w₀x₀": w0x0, "w₁x₁": w1x1, "w·x": wx}
    tensors |= {"z": z, "−z": minus_z, "k": k, "h": h, "f": f}
    for tensor in tensors.values():
        if not tensor.is_leaf:
            tensor.retain_grad()
    f.backward()
    return f, tensors
