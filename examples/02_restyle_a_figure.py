# %% [markdown]
# # Make one figure from Python and restyle it
#
# Every experiment is a function returning tidy records (a list of flat dicts); every
# figure is a function from records to a matplotlib Figure. So you can rerun one
# experiment with your own settings, keep the data, and restyle the plot.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from compare import read_csv, style_context, write_csv
from compare.experiments import crossover
from compare.plots.cost import caption_crossover, plot_crossover

out = Path(os.environ.get("EXAMPLES_OUT", "examples_out"))
out.mkdir(exist_ok=True)

# %% Run the experiment small and fast, keep its data as CSV
records = crossover(total=16, hidden=8, repeat=3)
write_csv(records, out / "crossover_small.csv")
print(records[0])

# %% The paper style (serif, 7 in wide): the default figure, plus its caption
with style_context("paper"):
    fig = plot_crossover(records)
    fig.savefig(out / "crossover_paper.png")
print(caption_crossover(records))

# %% Restyle: slide style, your own title, drawn into your own axes, replotted from CSV
again = read_csv(out / "crossover_small.csv")
with style_context("slides"):
    fig, ax = plt.subplots()
    plot_crossover(again, ax=ax)
    ax.set_title("Forward or reverse? Count inputs and outputs", loc="left")
    ax.lines[0].set_color("black")
    fig.savefig(out / "crossover_slides.png")
print("written:", sorted(p.name for p in out.glob("crossover_*")))
