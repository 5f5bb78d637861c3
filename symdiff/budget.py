"""Budgets that hold even inside SymPy: each job runs in a forked worker that is killed when
a step overruns.

A job is a function of a `Reporter`; it announces each step (`reporter.step("diff")`) and
sends what it measured (`reporter.send(tree_size=...)`). The parent process waits for each
step at most `budget_s` seconds (a step may ask for a multiple), and on overrun kills the
worker and returns what arrived so far. Cost: one fork per job (about 5-10 ms here), one
pipe message per step. Where the platform cannot fork, the job runs in process and a step
is only checked after it returns (documented limitation).

>>> def job(reporter):
...     reporter.step("add")
...     reporter.send(total=1 + 1)
>>> outcome = run_job(job, budget_s=5.0)
>>> outcome.values, outcome.exceeded_step
({'total': 2}, None)
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sympy.core.parameters import evaluate

from expr import checks
from expr.deep import run_deep

from .errors import BudgetExceeded, SymdiffError

#: Longest budget accepted (a day): None means no limit, inf is refused.
MAX_BUDGET_S = 86_400.0


def check_budget(budget_s: Any, name: str = "budget_s") -> float:
    """A budget in seconds: a finite number in (0, MAX_BUDGET_S] (strings, inf, NaN and
    bools are refused with a `SymdiffError`).

    >>> check_budget(2)
    2.0
    """
    try:
        return checks.real(budget_s, name, 0.0, MAX_BUDGET_S, SymdiffError, open_minimum=True)
    except SymdiffError:
        raise SymdiffError(
            f"{name} must be a positive number of seconds up to {MAX_BUDGET_S:g} (None for "
            f"no limit where None is accepted), got {budget_s!r:.60}"
        ) from None


@dataclass
class Outcome:
    """What a job measured: `values` (merged), `steps` (step -> seconds, in order), the step
    that ran over budget (None if none), and an error message if the job raised."""

    values: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    exceeded_step: str | None = None
    error: str | None = None
    error_type: str | None = None


class Reporter:
    """The job's side of the pipe (or an in-process stand-in)."""

    def __init__(self, send: Callable[[tuple], None]) -> None:
        self._send = send

    def step(self, name: str, factor: float = 1.0) -> None:
        """Start step `name`; it may take `factor` x the budget."""
        self._send(("step", name, factor))

    def send(self, **values: Any) -> None:
        """Report measured values (numbers, strings, None)."""
        self._send(("values", values))


def _child(job: Callable[[Reporter], None], conn: Any) -> None:
    reporter = Reporter(conn.send)
    try:
        run_deep(job, reporter)  # deep SymPy work (and pickling it) on a big stack
        conn.send(("end",))
    except BaseException as error:  # report everything, the parent decides
        conn.send(("error", type(error).__name__, str(error), traceback.format_exc(limit=4)))
    finally:
        conn.close()


def can_fork() -> bool:
    """Whether budgets can stop a runaway step (needs the "fork" start method)."""
    return "fork" in multiprocessing.get_all_start_methods()


def run_job(job: Callable[[Reporter], None], budget_s: float, strict: bool = False) -> Outcome:
    """Run `job` in a forked worker, each step within `budget_s` (x its factor) seconds.

    Returns an `Outcome`; with `strict=True` an overrun raises `BudgetExceeded` instead
    (its `record` holds what was measured). An exception inside the job becomes
    `Outcome.error` (strict: re-raised as `SymdiffError`).
    """
    budget_s = check_budget(budget_s)
    if not callable(job):
        raise SymdiffError(f"run_job needs a function of a Reporter, got {type(job).__name__}")
    if not can_fork():
        return _run_in_process(job, budget_s, strict)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_child, args=(job, sender), daemon=True)
    outcome = Outcome()
    worker.start()
    sender.close()
    current, factor, started = "start", 1.0, time.perf_counter()
    try:
        while True:
            left = started + budget_s * factor - time.perf_counter()
            if left <= 0 or not receiver.poll(left):
                outcome.exceeded_step = current
                break
            try:
                with evaluate(False):  # the worker's results are canonical already: rebuild
                    message = receiver.recv()  # them as they are (linear, not SymPy's eval)
            except EOFError:
                outcome.error, outcome.error_type = (
                    "the worker died (killed or crashed)",
                    "EOFError",
                )
                break
            now = time.perf_counter()
            if message[0] == "step":
                outcome.steps[current] = now - started
                current, factor, started = message[1], message[2], now
            elif message[0] == "values":
                outcome.values.update(message[1])
            elif message[0] == "end":
                outcome.steps[current] = now - started
                break
            else:
                _, outcome.error_type, text, trace = message
                outcome.error = f"{outcome.error_type} in step {current!r}: {text}"
                outcome.values["traceback"] = trace
                break
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
    outcome.steps.pop("start", None)
    _raise_if_strict(outcome, budget_s, strict)
    return outcome


def _raise_if_strict(outcome: Outcome, budget_s: float, strict: bool) -> None:
    if not strict:
        return
    if outcome.exceeded_step is not None:
        raise BudgetExceeded(
            f"step {outcome.exceeded_step!r} ran over its budget of {budget_s:g} s "
            f"(measured so far: {sorted(outcome.values)})",
            step=outcome.exceeded_step,
            record=outcome.values,
        )
    if outcome.error is not None:
        raise SymdiffError(outcome.error)


def _run_in_process(job: Callable[[Reporter], None], budget_s: float, strict: bool) -> Outcome:
    """Fallback without fork: steps are timed and checked after they return."""
    outcome = Outcome()
    state = {"current": "start", "factor": 1.0, "started": time.perf_counter()}

    def send(message: tuple) -> None:
        now = time.perf_counter()
        if message[0] == "values":
            outcome.values.update(message[1])
            return
        elapsed = now - state["started"]
        outcome.steps[state["current"]] = elapsed
        if elapsed > budget_s * state["factor"]:
            raise _Overrun
        state.update(current=message[1], factor=message[2], started=now)

    try:
        job(Reporter(send))
        send(("step", "end", 1.0))
        outcome.steps.pop("end", None)
    except _Overrun:
        outcome.exceeded_step = state["current"]
    except Exception as error:
        outcome.error_type = type(error).__name__
        outcome.error = f"{outcome.error_type} in step {state['current']!r}: {error}"
    outcome.steps.pop("start", None)
    _raise_if_strict(outcome, budget_s, strict)
    return outcome


class _Overrun(Exception):
    pass


def call_with_budget(
    fn: Callable[..., Any], *args: Any, budget_s: float, step: str | None = None, **kwargs: Any
) -> Any:
    """`fn(*args, **kwargs)` in a forked worker, killed after `budget_s` seconds: the result
    (sent back by pickle, so keep it small) or `BudgetExceeded` naming `step` (default: the
    function's name).

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> call_with_budget(sympy.expand, (x + 1) ** 2, budget_s=5.0)
    x**2 + 2*x + 1
    """

    def job(reporter: Reporter) -> None:
        reporter.step(step or getattr(fn, "__name__", "call"))
        reporter.send(result=fn(*args, **kwargs))

    if not callable(fn):
        raise SymdiffError(f"call_with_budget needs a function, got {type(fn).__name__}")
    # on a big stack in both processes: pickling a deep SymPy result recurses
    outcome = run_deep(run_job, job, budget_s, strict=True)
    return outcome.values["result"]
