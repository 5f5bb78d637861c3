# %% [markdown]
# # Make one figure from Python and restyle it
#
# `compare.run_experiment` gives an experiment's tidy records (a list of flat dicts) and
# its matplotlib Figures, and writes nothing unless asked. `compare.plot` draws any
# figure from records into a new Figure, into your own Figure or SubFigure, or (for a
# single-panel figure) into your own Axes. So you can rerun one experiment with your own
# settings, keep the data, and restyle the plot.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import compare
from compare import read_csv, style_context, write_csv

out = Path(os.environ.get("EXAMPLES_OUT", "examples_out"))
out.mkdir(exist_ok=True)

# %% Run the experiment small and fast (options override the preset), keep its data as CSV
result = compare.run_experiment("crossover", "quick", total=16, hidden=8, repeat=3)
write_csv(result.records, out / "crossover_small.csv")
print(result.records[0])

# %% The paper style (serif, 3.5 in wide for this one): the default figure and its caption
result.figures[0].savefig(out / "crossover_paper.png")
print(result.caption())

# %% Restyle: slide style, your own title, drawn into your own axes, replotted from CSV
again = read_csv(out / "crossover_small.csv")
with style_context("slides"):
    fig, ax = plt.subplots()
    compare.plot("fig04_crossover", again, ax=ax)
    ax.set_title("Forward or reverse? Count inputs and outputs", loc="left")
    ax.lines[0].set_color("black")
    fig.savefig(out / "crossover_slides.png")

# %% Your own layout: a multi-panel figure (the worked example) beside the crossover
with style_context("paper"):
    page = plt.figure(figsize=(10, 4), layout="constrained")
    left, right = page.subfigures(1, 2, width_ratios=[3, 2])
    worked = compare.run_experiment("worked_example", "quick")
    compare.plot("fig10_worked_example", worked.records, fig=left)
    compare.plot("fig04_crossover", again, fig=right)
    page.savefig(out / "crossover_beside_worked_example.png")
print("written:", sorted(p.name for p in out.glob("crossover_*")))
