"""Self-checking exercises: ``check_…(answer)`` returns ✓ or a hint that names what is off."""

from backprop_helpers.exercises.autograd_basics import (
    check_accumulated_grad,
    check_chain_grad,
    check_fork_grad,
)
from backprop_helpers.exercises.feedback import Feedback, check_number

__all__ = [
    "Feedback",
    "check_number",
    "check_accumulated_grad",
    "check_chain_grad",
    "check_fork_grad",
]
