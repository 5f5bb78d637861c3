"""Gradient checkpointing: trade recomputation for memory, with both *measured*.

- `strategy`: the strategy types and their normalization (`as_strategy`, done once);
- `schedule`: the action list of a strategy (store, restore, free, advance, tape, reverse)
  and revolve's theory; pure construction;
- `execute`: the one interpreter of an action list (`Execution`), on a real machine or on
  a size model (`simulate`, the budget search, `trace_actions` for drawings);
- `machines`: the graph and chain machines (and their size models);
- `chain`: `checkpoint_sequential` / `sequential_vjp` over a list of layers;
- `graph`: `checkpointed_vjp`, `grad(f, checkpoint=...)`'s `checkpointed_value_and_grad`,
  and `checkpoint(fn)`, a region to recompute (as `jax.checkpoint`).

Every run reports a `Stats`: peak stored bytes and values, forward and backward step and op
evaluations, wall and CPU time and (optionally) the tracemalloc peak. The sweeps run on
`expr.Tracer`s too, so `jvp` of a checkpointed gradient (forward-over-reverse: hvp,
hessian) records the recomputation and just works.

>>> import autodiff
>>> [str(a) for a in autodiff.schedule(2, None)]
['tape 0', 'tape 1', 'reverse 1', 'reverse 0']
"""

from ..stats import CheckpointStats
from .chain import SequentialResult, checkpoint_sequential, sequential_vjp
from .execute import Action, Execution, SizeModel, simulate, trace_actions
from .graph import checkpoint, checkpoint_regions, checkpointed_value_and_grad, checkpointed_vjp
from .schedule import (
    beta,
    forward_steps,
    repetitions,
    revolve_forward_steps,
    schedule,
    schedule_records,
)
from .strategy import *  # noqa: F403  (the strategy types, every, binomial, budget)
from .strategy import __all__ as _STRATEGIES

__all__ = [
    "Action",
    "CheckpointStats",
    "Execution",
    "SequentialResult",
    "SizeModel",
    "beta",
    "checkpoint",
    "checkpoint_regions",
    "checkpoint_sequential",
    "checkpointed_value_and_grad",
    "checkpointed_vjp",
    "forward_steps",
    "repetitions",
    "revolve_forward_steps",
    "schedule",
    "schedule_records",
    "sequential_vjp",
    "simulate",
    "trace_actions",
    *_STRATEGIES,
]
