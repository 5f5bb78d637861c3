# %% [markdown]
# # Lecture walk-through: f(x1, x2) = x1·x2 + sin(x1) at (2, 3)
#
# The textbook example of reverse-mode AD (Griewank & Walther, Baydin et al.): one
# forward sweep computes the values, one backward sweep computes every partial derivative.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import autodiff
import expr
from compare import style_context

f = expr.parse("x1*x2 + sin(x1)")
print(f)

# %% 1. The forward sweep: each intermediate v_i in Griewank's notation
for row in f.table(2.0, 3.0):
    print(f"{row['label']:>4} = {row['expression']:<12} = {float(row['value']):.6f}")

# %% 2. The backward sweep: the adjoint v̄_i = df/dv_i of each node, output first
for row in autodiff.backward_table(f, 2.0, 3.0):
    print(f"adjoint of {row['label']:>4} = {float(row['adjoint']):.6f}")

# %% 3. Both partials came from that one backward pass
g1, g2 = autodiff.grad(f, argnums=(0, 1))(2.0, 3.0)
print(f"df/dx1 = x2 + cos(x1) = {float(g1):.6f};  df/dx2 = x1 = {float(g2):.6f}")
exact = expr.reference(f, (2.0, 3.0))
print("50-digit reference:", [float(e) for e in exact])

# %% 4. The picture for the slides: the graph with values and adjoints
with style_context("slides"):
    fig, ax = plt.subplots()
    f.draw(ax=ax, values=f.evaluate(2.0, 3.0), adjoints=autodiff.adjoints(f, 2.0, 3.0), fontsize=16)
    ax.set_title("x1·x2 + sin(x1): value and adjoint of every node", loc="left")
out = Path(os.environ.get("EXAMPLES_OUT", "examples_out"))
out.mkdir(exist_ok=True)
fig.savefig(out / "worked_example_slide.png")
print("written:", out / "worked_example_slide.png")
