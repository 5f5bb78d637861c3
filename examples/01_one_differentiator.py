# %% [markdown]
# # One differentiator on its own: reverse-mode AD
#
# `autodiff` works like JAX: `grad(f)` is a new function. `f` can be a formula string, a
# SymPy expression, an `expr.Function`, or a Python function written with `expr` ops.

# %%
import numpy as np

import autodiff
import expr

f = "x1*x2 + sin(x1)"
df = autodiff.grad(f, argnums=(0, 1))
print("gradient at (2, 3):", [float(g) for g in df(2.0, 3.0)])


# %% A Python function with numpy-like ops: the Rosenbrock function of a vector
def rosenbrock(x):
    return expr.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


x = np.array([-1.2, 1.0, 0.5, 2.0])
value, gradient = autodiff.value_and_grad(rosenbrock)(x)
print("f(x) =", float(value))
print("grad f(x) =", gradient)

# %% Check against the 50-digit mpmath reference (independent of autodiff)
reference = expr.reference(rosenbrock, x)
error = np.max(np.abs(gradient - reference)) / np.max(np.abs(reference))
print(f"relative error vs 50-digit reference: {error:.1e}")
assert error < 1e-14

# %% Forward mode gives the same Jacobian column by column; the Hessian composes both
print("jacfwd == grad:", np.allclose(autodiff.jacfwd(rosenbrock)(x), gradient))
print("Hessian diagonal:", np.diag(autodiff.hessian(rosenbrock)(x)))
