"""Self-checking exercises: ``check_…(answer)`` returns ✓ or a hint that names what is off."""

from backprop_helpers.exercises.autograd_basics import (
    check_accumulated_grad,
    check_bce_grad,
    check_chain_grad,
    check_fork_grad,
)
from backprop_helpers.exercises.chain_rule import (
    check_circuit_backward,
    check_df_dx1,
    check_df_dz,
    check_upstream_at_k,
)
from backprop_helpers.exercises.digits import check_softmax_ce_grad
from backprop_helpers.exercises.digits_numbers import (
    check_ce_grad_entry,
    check_glorot_std,
    check_uniform_loss,
)
from backprop_helpers.exercises.engine_numbers import check_fork_tanh_grad, check_reflected_div_grad
from backprop_helpers.exercises.feedback import Feedback, check_number
from backprop_helpers.exercises.inside_autograd import check_value_class
from backprop_helpers.exercises.mlp_backward import check_mlp_backward
from backprop_helpers.exercises.perceptron import (
    check_batch_bias_gradient,
    check_largest_stable_lr,
    check_linear_batch_grads,
    check_perceptron_gradient,
    check_perceptron_update,
)
from backprop_helpers.exercises.single_neuron import (
    check_dL_dw2,
    check_dL_dyhat,
    check_neuron_grads,
    check_w2_after_step,
)
from backprop_helpers.exercises.xor import check_db2, check_dW1_shape, check_xor_output_weight

__all__ = [
    "Feedback",
    "check_number",
    "check_dL_dyhat",
    "check_dL_dw2",
    "check_w2_after_step",
    "check_neuron_grads",
    "check_accumulated_grad",
    "check_chain_grad",
    "check_fork_grad",
    "check_bce_grad",
    "check_upstream_at_k",
    "check_df_dx1",
    "check_df_dz",
    "check_circuit_backward",
    "check_perceptron_gradient",
    "check_perceptron_update",
    "check_batch_bias_gradient",
    "check_largest_stable_lr",
    "check_linear_batch_grads",
    "check_dW1_shape",
    "check_db2",
    "check_xor_output_weight",
    "check_mlp_backward",
    "check_value_class",
    "check_softmax_ce_grad",
    "check_ce_grad_entry",
    "check_uniform_loss",
    "check_glorot_std",
    "check_fork_tanh_grad",
    "check_reflected_div_grad",
]
