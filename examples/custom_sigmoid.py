# %% [markdown]
# # A hand-written backward rule: the custom sigmoid
#
# Lecturers show this in torch as a `torch.autograd.Function` whose `backward` is written
# by hand:
#
# ```python
# class Sigmoid(torch.autograd.Function):
#     @staticmethod
#     def forward(ctx, x):
#         y = 1 / (1 + torch.exp(-x))
#         ctx.save_for_backward(y)
#         return y
#
#     @staticmethod
#     def backward(ctx, g):
#         (y,) = ctx.saved_tensors
#         return g * y * (1 - y)
# ```
#
# `autodiff` has JAX's form of the same thing: `custom_vjp` with `defvjp(fwd, bwd)`. The
# forward returns the output and what the backward needs (the residuals, torch's saved
# tensors); the backward maps the output's cotangent to one cotangent per argument.

# %%
import numpy as np

import autodiff
import expr


@autodiff.custom_vjp
def sigmoid(x):
    return 1.0 / (1.0 + expr.exp(-x))


def sigmoid_fwd(x):
    y = 1.0 / (1.0 + expr.exp(-x))
    return y, y  # output, residuals (saved for the backward)


def sigmoid_bwd(y, g):
    return (g * y * (1.0 - y),)  # one cotangent per argument


sigmoid.defvjp(sigmoid_fwd, sigmoid_bwd)


# %% The same logistic-regression loss with the custom rule and with the built-in sigmoid
def loss(activation):
    def f(w, b, x, labels):
        p = activation(x @ w + b)
        return -expr.mean(labels * expr.log(p) + (1.0 - labels) * expr.log(1.0 - p))

    return f


rng = np.random.default_rng(3)
x = rng.standard_normal((20, 3))
labels = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
w, b = rng.standard_normal(3), 0.1

custom = autodiff.grad(loss(sigmoid), argnums=(0, 1))(w, b, x, labels)
builtin = autodiff.grad(loss(expr.sigmoid), argnums=(0, 1))(w, b, x, labels)
difference = max(float(np.max(np.abs(c - d))) for c, d in zip(custom, builtin))
print(
    "gradient with the hand-written backward:", np.round(custom[0], 6), round(float(custom[1]), 6)
)
print(f"largest difference from the built-in rule: {difference:.1e}")
assert difference < 1e-15

# %% The backward is written with expr ops, so it differentiates again: the Hessian
# (forward mode over reverse mode) agrees with the built-in rule's too.
h_custom = autodiff.hessian(loss(sigmoid))(w, b, x, labels)
h_builtin = autodiff.hessian(loss(expr.sigmoid))(w, b, x, labels)
print(f"Hessian difference: {np.max(np.abs(h_custom - h_builtin)):.1e}")
assert np.max(np.abs(h_custom - h_builtin)) < 1e-14
