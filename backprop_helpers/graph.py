"""The computation graph of a tensor, read from ``grad_fn`` and drawn with matplotlib alone (to be written)."""

__all__ = []
