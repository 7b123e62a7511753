"""Self-checking exercises: ``check_…(answer)`` returns ✓ or a hint that names what is off."""

from backprop_helpers.exercises.feedback import Feedback, check_number

__all__ = [
    "Feedback",
    "check_number",
]
