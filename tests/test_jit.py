"""autodiff.jit and the compiled programs: bitwise equal to the interpreter on the whole
catalog and on random expressions; caching, retracing on signature and branch changes,
composition with the transformations, NaN and bad-input behaviour."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import expressions

import autodiff
import expr
from autodiff.compile import compile_function
from autodiff.jit import GradientProgram
from autodiff.reverse import Plan, reverse
from expr import catalog


def same(a, b):
    """Bitwise equal values of the same dtype (NaN equal to NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def interpreted_and_compiled(f, inputs):
    """(value, grads) by the reverse-mode interpreter and by the compiled program."""
    positions = tuple(range(f.n_inputs))
    arrays = f.bind(inputs, {})
    values, grads = reverse(Plan(f, positions), arrays, check_nan=False)
    program = GradientProgram(f, positions)
    assert program(arrays) is None  # the first call is left to the interpreter
    compiled = program(arrays)
    assert compiled is not None
    return (values[f.outputs[0]], grads), compiled


def assert_bitwise(f, inputs):
    (value, grads), (c_value, c_grads) = interpreted_and_compiled(f, inputs)
    assert same(value, c_value)
    assert len(grads) == len(c_grads) and all(same(g, c) for g, c in zip(grads, c_grads))
    forward = compile_function(f, f.evaluate(*inputs))
    arrays = f.bind(inputs, {})
    assert all(same(f.evaluate(*arrays)[n], v) for n, v in zip(f.outputs, forward(*arrays)))


@pytest.mark.parametrize("name", catalog.names())
def test_compiled_equals_interpreter_bitwise_on_the_catalog(name):
    entry = catalog.get(name)
    f = entry.function()
    for seed in (0, 1):
        inputs = entry.inputs(seed=seed)
        if f.single_output and f.output_shapes[0] == ():
            assert_bitwise(f, inputs)
        else:
            forward = compile_function(f, f.evaluate(*inputs))
            arrays = f.bind(inputs, {})
            got = forward(*arrays)
            assert all(same(f.evaluate(*arrays)[n], v) for n, v in zip(f.outputs, got))


@settings(max_examples=60, deadline=None)
@given(expressions(max_ops=6))
def test_compiled_equals_interpreter_bitwise_on_random_expressions(e):
    assert_bitwise(e.function, e.inputs)


@settings(max_examples=30, deadline=None)
@given(expressions(max_ops=6))
def test_jit_of_value_and_grad_equals_value_and_grad_bitwise(e):
    f = e.function
    argnums = tuple(range(f.n_inputs))
    inputs = tuple(np.asarray(x) for x in e.inputs)  # arrays: the numpy path (bitwise)
    eager = autodiff.value_and_grad(e.function, argnums=argnums)(*inputs)
    jitted = autodiff.jit(autodiff.value_and_grad(f, argnums=argnums))
    for _ in range(2):
        value, grads = jitted(*inputs)
        assert same(value, eager[0]) and all(same(g, h) for g, h in zip(grads, eager[1]))


@settings(max_examples=30, deadline=None)
@given(expressions(max_ops=6, scalar=True))
def test_scalar_path_is_within_a_few_ulp_of_numpy(e):
    """Python float inputs run as float arithmetic with math.* (libm); numpy may use SIMD
    versions of sin/exp/log/..., so the two agree to a few ulp, not bitwise."""
    f = e.function
    scalars = tuple(float(x) for x in e.inputs)
    argnums = tuple(range(f.n_inputs))
    jitted = autodiff.jit(autodiff.value_and_grad(f, argnums=argnums))
    value, grads = jitted(*scalars)
    trace = next(iter(jitted._cache.values()))[0]
    assert trace.scalar_program is not None
    eager_value, eager_grads = autodiff.value_and_grad(f, argnums=argnums)(*scalars)
    scale = 1.0 + abs(float(eager_value))
    assert abs(float(value) - float(eager_value)) <= 1e-13 * scale
    for g, h in zip(grads, eager_grads):
        assert abs(float(g) - float(h)) <= 1e-13 * (1.0 + abs(float(h)))


def test_scalar_arithmetic_path_is_bitwise():
    def rosen(a, b):
        return 100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a) / (a + 3.0)

    jitted = autodiff.jit(autodiff.value_and_grad(rosen, argnums=(0, 1)))
    value, grads = jitted(0.3, -0.7)
    eager_value, eager_grads = autodiff.value_and_grad(rosen, argnums=(0, 1))(0.3, -0.7)
    assert type(value) is float and value == eager_value
    assert all(g == h for g, h in zip(grads, eager_grads))


@pytest.mark.filterwarnings("ignore:invalid value")
def test_scalar_domain_error_falls_back_to_numpy_semantics():
    jitted = autodiff.jit(lambda x, y: expr.log(x) + y)
    assert jitted(2.0, 1.0) == pytest.approx(math.log(2.0) + 1.0)
    assert np.isnan(jitted(-1.0, 1.0))  # numpy's NaN, not math's ValueError
    assert jitted.traces == 1


# ------------------------------------------------------------------ caching and retracing
def test_one_trace_per_signature():
    calls = []

    def f(x, y):
        calls.append(1)
        return expr.sum(expr.sin(x) * y)

    jitted = autodiff.jit(f)
    x = np.linspace(0.0, 1.0, 4)
    for k in range(3):
        assert jitted(x + k, 2.0) == pytest.approx(float(np.sum(np.sin(x + k) * 2.0)))
    assert jitted.traces == 1 and len(calls) == 1
    jitted(np.ones(5), 2.0)  # new shape
    jitted(np.ones(5, dtype=np.float32), 2.0)  # new dtype
    jitted(np.ones(5), np.float64(2.0))  # a numpy scalar is not a Python scalar
    assert jitted.traces == 4
    x32 = np.ones(5, dtype=np.float32)
    assert same(jitted(x32, 2.0), expr.trace(f, x32, 2.0)(x32, 2.0))  # dtypes as traced


def test_branches_are_guarded_and_each_branch_is_cached():
    def f(x):
        return expr.sum(x * x) if expr.sum(x) > 0 else expr.sum(-x)

    jitted = autodiff.jit(f)
    assert jitted(np.array([1.0, 2.0])) == 5.0
    assert jitted(np.array([-1.0, -2.0])) == 3.0  # the other branch: a new trace
    assert jitted(np.array([3.0, 1.0])) == 10.0 and jitted(np.array([-3.0, 1.0])) == 2.0
    assert jitted.traces == 2


def test_a_loop_on_a_traced_condition_is_retraced_per_trip_count():
    def halve(x):
        while x > 1.0:
            x = x * 0.5
        return x

    jitted = autodiff.jit(halve)
    assert [float(jitted(v)) for v in (8.0, 3.0, 5.0, 0.5)] == [1.0, 0.75, 0.625, 0.5]
    assert jitted.traces == 3  # trip counts 3, 2 (5.0 reuses it) and 0


def test_max_traces_bounds_the_cache_and_then_runs_f_itself():
    jitted = autodiff.jit(lambda x: x * 2.0 if x > 0 else x, max_traces=1)
    assert float(jitted(1.0)) == 2.0 and float(jitted(-1.0)) == -1.0
    assert jitted.traces == 1


def test_static_arguments_are_part_of_the_signature():
    jitted = autodiff.jit(lambda x, n: expr.sum(x**n), static_argnums=1)
    x = np.array([1.0, 2.0])
    assert jitted(x, 2.0) == 5.0 and jitted(x, 3.0) == 9.0 and jitted.traces == 2
    with pytest.raises(autodiff.JitError, match="hashable"):
        jitted(x, [1])


def test_closed_over_values_are_constants_of_the_trace():
    scale = np.array([2.0])
    jitted = autodiff.jit(lambda x: expr.sum(x * scale))
    assert jitted(np.array([1.0])) == 2.0
    scale[0] = 100.0  # read by value when traced, as in JAX
    assert jitted(np.array([1.0])) == 2.0


def test_pytree_arguments_and_outputs():
    def f(params, x):
        return {"out": expr.sum(params["w"] * x), "parts": (params["w"] * 2.0, None)}

    jitted = autodiff.jit(f)
    out = jitted({"w": np.array([1.0, 2.0])}, np.array([3.0, 4.0]))
    assert out["out"] == 11.0 and same(out["parts"][0], np.array([2.0, 4.0]))
    assert out["parts"][1] is None


# ------------------------------------------------------------------ composition
def loss(w, x):
    h = expr.tanh(x @ w)
    return expr.sum(h * h) if expr.sum(w) > 0 else expr.sum(h)


W = np.array([[0.5, -0.2], [0.1, 0.3]])
XS = np.array([[1.0, 2.0], [-0.5, 0.25], [0.3, 0.3]])


def test_jit_of_grad_and_value_and_grad_follow_branches():
    for w in (W, -W):
        eager = autodiff.value_and_grad(loss)(w, XS)
        value, grad = autodiff.jit(autodiff.value_and_grad(loss))(w, XS)
        assert same(value, eager[0]) and same(grad, eager[1])
        assert same(
            autodiff.jit(autodiff.grad(loss, argnums=(0, 1)))(w, XS)[1],
            autodiff.grad(loss, argnums=(0, 1))(w, XS)[1],
        )
    jitted = autodiff.jit(autodiff.grad(loss))
    jitted(W, XS), jitted(-W, XS), jitted(2.0 * W, XS)
    assert jitted.traces == 2  # the branch inside grad is a guard of the outer trace


def test_grad_of_jit_and_nested_jit():
    jitted = autodiff.jit(loss)
    for w in (W, -W):
        assert same(autodiff.grad(jitted)(w, XS), autodiff.grad(loss)(w, XS))
        assert same(autodiff.jit(jitted)(w, XS), loss(w, XS))
        assert same(autodiff.jit(autodiff.grad(jitted))(w, XS), autodiff.grad(loss)(w, XS))
    v = (np.ones_like(W), np.zeros_like(XS))
    got, want = autodiff.hvp(jitted, (W, XS), v), autodiff.hvp(loss, (W, XS), v)
    assert all(same(a, b) for a, b in zip(got, want))


def test_jit_of_hvp():
    def f(w, x):
        return expr.sum(expr.tanh(x @ w) ** 2)

    def f_hvp(w, x, v, u):
        return autodiff.hvp(f, (w, x), (v, u))

    v, u = np.ones_like(W), np.zeros_like(XS)
    got, want = autodiff.jit(f_hvp)(W, XS, v, u), f_hvp(W, XS, v, u)
    assert all(same(a, b) for a, b in zip(got, want))


def test_nan_is_reported_as_value_and_grad_reports_it():
    def f(x):
        return expr.sum(expr.sqrt(x) * 0.0 + x)  # d/dx at 0: inf * 0 = NaN

    g = autodiff.jit(autodiff.grad(f))
    assert same(g(np.array([1.0, 4.0])), np.array([1.0, 1.0]))
    with pytest.raises(autodiff.NaNError, match="backward sweep"):
        g(np.array([0.0, 4.0]))
    unchecked = autodiff.jit(autodiff.grad(f, check_nan=False))
    assert np.isnan(unchecked(np.array([0.0, 4.0]))[0])


def test_bad_arguments_get_a_jit_error():
    with pytest.raises(autodiff.JitError, match="function"):
        autodiff.jit(3.0)
    with pytest.raises(autodiff.JitError, match="static_argnums"):
        autodiff.jit(lambda x: x, static_argnums="0")
    with pytest.raises(autodiff.JitError, match="max_traces"):
        autodiff.jit(lambda x: x, max_traces=0)
    with pytest.raises(autodiff.JitError, match="str"):
        autodiff.jit(lambda x: x)("text")


def test_decorator_form_keeps_the_name():
    @autodiff.jit
    def step(x):
        return x * 2.0

    assert step.__name__ == "step" and float(step(2.0)) == 4.0


# ------------------------------------------------------------------ the generated code
def mlp_program():
    model = autodiff.nn.MLP([2, 8, 8, 2], seed=0)
    X, y = autodiff.nn.two_moons(16, seed=0)
    jitted = autodiff.jit(autodiff.value_and_grad(model.loss_fn, argnums=tuple(range(6))))
    jitted(*model.params, X, autodiff.nn.one_hot(y, 2))
    return next(iter(jitted._cache.values()))[0]


def test_generated_code_has_only_generated_names_and_reuses_buffers():
    trace = mlp_program()
    source = trace.program.source
    identifiers = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source))
    keywords = {"def", "program", "return", "out", "None", "True", "False", "transpose", "reshape"}
    assert all(re.fullmatch(r"[vkca]\d+x?", name) or name in keywords for name in identifiers)
    assert "out=" in source  # adjoints and temporaries written in place
    assert not re.search(r"['\"]", source)  # no strings at all


def _cube(x):
    return np.asarray(x) ** 3


def _cube_sympy(x):
    return x**3


def test_user_op_names_never_reach_the_generated_source():
    """define_op's name is a user string: the compiled program calls its kernel by a
    generated name, on the numpy path and on the scalar path."""
    cube = expr.define_op("jit_source_cube", _cube, _cube_sympy)  # (same kernel: re-runnable)
    f = expr.trace(lambda a: cube(a) * 2.5 + a, 1.5)
    for scalar in (False, True):
        program = compile_function(f, f.evaluate(1.5), scalar=scalar)
        assert float(program(1.5 if scalar else np.float64(1.5))[0]) == 9.9375  # exact
        source = program.source
        assert "cube" not in source and not re.search(r"['\"]", source)
        identifiers = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source)) - {
            "def",
            "program",
            "return",
        }
        assert all(re.fullmatch(r"[vkca]\d+x?", name) or name == "float" for name in identifiers)


def test_no_sum_to_where_shapes_match():
    f = mlp_program().function
    for node, *_ in f.program:
        if f.op(node) == "sum_to":
            assert f.shape(f.args(node)[0]) != f.shape(node)


def test_traced_function_path_is_compiled_from_the_second_call():
    f = catalog.mlp_loss(8, 16)
    inputs = catalog.mlp_inputs(8, 16)
    vg = autodiff.value_and_grad(f, argnums=(0, 1, 2, 3))
    first, second = vg(*inputs), vg(*inputs)
    assert vg.positions == (0, 1, 2, 3)
    program = vg.gradient_program
    assert program.programs  # compiled at the second call
    assert same(first[0], second[0]) and all(same(a, b) for a, b in zip(first[1], second[1]))


def test_pow_of_numpy_scalars_is_bitwise_too():
    """numpy's scalar `**` is libm's pow, its ufunc may be a SIMD one: rules call the
    kernel, so a 0-d intermediate (a numpy scalar) differentiates the same both ways."""
    f = expr.trace(lambda x, y: (x * 1.5) ** (y * 1.0), 1.0, 1.0)
    rng = np.random.default_rng(1)
    for _ in range(200):
        assert_bitwise(f, (rng.uniform(0.5, 2.0), rng.uniform(-2.0, 2.0)))


def test_python_function_path_reads_closures_afresh_and_reuses_the_same_graph():
    scale = [2.0]

    def f(w):
        return expr.sum(expr.tanh(w) * scale[0])

    w = np.array([0.3, -0.4])
    vg = autodiff.value_and_grad(f)
    first = vg(w)
    for _ in range(3):  # the same graph again: the compiled program runs, bitwise equal
        value, grad = vg(w)
        assert same(value, first[0]) and same(grad, first[1])
    assert vg._last_trace.program.programs  # it did compile
    scale[0] = 3.0  # a closure is read at every call (no jit here): a new constant
    value, grad = vg(w)
    assert value == pytest.approx(np.sum(np.tanh(w) * 3.0), rel=1e-15)
    np.testing.assert_allclose(grad, 3.0 / np.cosh(w) ** 2, rtol=1e-15)


def test_python_function_path_follows_new_branches():
    def f(x):
        return x * x if x > 0 else -x

    g = autodiff.grad(f)
    assert [float(g(v)) for v in (1.0, 2.0, 3.0, -1.0, 2.0, -2.0)] == [
        2.0,
        4.0,
        6.0,
        -1.0,
        4.0,
        -1.0,
    ]

    def g2(x):  # no branch for a while, then one: the speculative trace without values fails
        return expr.sin(x) if not flag else (x if x > 0 else -x)

    flag = False
    h = autodiff.grad(g2)
    assert float(h(0.0)) == 1.0 and float(h(0.0)) == 1.0
    flag = True
    assert float(h(-3.0)) == -1.0


def test_jit_of_jacobians_and_hessian_and_grad_of_jacrev():
    def f(x):
        return expr.sin(x) * expr.sum(x * x)

    x = np.array([0.3, -0.2, 0.5])
    for transformation in (autodiff.jacfwd, autodiff.jacrev):
        assert same(autodiff.jit(transformation(f))(x), transformation(f)(x))
    h = autodiff.hessian(lambda x: expr.sum(expr.sin(x) * x))
    assert same(autodiff.jit(h)(x), h(x))
    # d/dx sum(J(x)) traced through jacrev, checked by central differences
    g = autodiff.grad(lambda x: expr.sum(autodiff.jacrev(f)(x)))(x)
    total = lambda x: float(np.sum(autodiff.jacrev(f)(x)))  # noqa: E731
    fd = [(total(x + 1e-6 * e) - total(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-7)


def test_jit_of_jvp_and_vjp():
    def f(x):
        return expr.sin(x) * x

    x, t = np.array([0.5, 1.0]), np.array([1.0, 0.0])
    got = autodiff.jit(lambda x, t: autodiff.jvp(f, (x,), (t,)))(x, t)
    assert all(same(a, b) for a, b in zip(got, autodiff.jvp(f, (x,), (t,))))

    def pull(x, u):
        return autodiff.vjp(f, x)[1](u)

    assert same(autodiff.jit(pull)(x, t)[0], pull(x, t)[0])


def test_hostile_input_names_never_reach_the_generated_source(tmp_path):
    """Input names are user strings: the compiled program names every value itself."""
    sentinel = tmp_path / "ran"
    names = [f'x); __import__("os").system("touch {sentinel}") #', "b\nimport os"]
    f = expr.trace(lambda a, b: expr.sin(a) * b + 2.0, 1.0, 2.0, names=names)
    compiled = compile_function(f, f.evaluate(1.0, 2.0))
    assert "os" not in compiled.source and "#" not in compiled.source
    assert float(autodiff.grad(f)(1.0, 2.0)) == pytest.approx(2.0 * math.cos(1.0), rel=1e-15)
    assert not sentinel.exists()


def test_a_traced_function_checks_its_branches_on_every_path():
    """A Function traced through `if x > 0:` refuses inputs that take the other branch
    (never the other branch's value): evaluated, differentiated (interpreted, compiled
    from the second call, forward mode, Hessian, its gradient graph) and as the reference;
    jit retraces."""
    f = expr.trace(lambda x: expr.sin(x) if x > 0 else x * x, 1.0, concrete=True)
    value_and_grad = autodiff.value_and_grad(f)
    for x in (1.0, 2.0, 0.5):  # the traced branch: interpreted, then compiled
        value, slope = value_and_grad(x)
        assert value == pytest.approx(math.sin(x)) and slope == pytest.approx(math.cos(x))
    program = GradientProgram(f, (0,))  # the compiled path of value_and_grad(Function)
    assert program([np.array(1.0)]) is None and program([np.array(1.0)]) is not None
    assert program([np.array(-2.0)]) is None  # left to the interpreter, which refuses it
    calls = [
        lambda: f(-2.0),
        lambda: f.evaluate(np.array(-2.0)),
        lambda: value_and_grad(-2.0),
        lambda: autodiff.grad(f)(-2.0),
        lambda: autodiff.jvp(f, (-2.0,), (1.0,)),
        lambda: autodiff.hessian(f)(-2.0),
        lambda: expr.reference(f, -2.0),
        lambda: autodiff.grad_graph(f, 0, 1.0)(-2.0),  # the gradient graph keeps f's guards
    ]
    for call in calls:
        with pytest.raises(expr.TraceError, match=r"condition 1 of 1 .* is True; at these inputs"):
            call()
    assert value_and_grad(3.0)[1] == pytest.approx(math.cos(3.0))  # and back again
    jitted = autodiff.jit(autodiff.value_and_grad(lambda x: expr.sin(x) if x > 0 else x * x))
    assert jitted(np.array(-2.0))[1] == pytest.approx(-4.0) and jitted.traces == 1
    assert jitted(np.array(2.0))[1] == pytest.approx(math.cos(2.0)) and jitted.traces == 2


@pytest.mark.parametrize("op", ["sum", "max", "mean", "logsumexp"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_short_axis_reductions_are_bitwise_to_the_last_bit(op):
    """Reductions over a short axis are written as elementwise calls on slices: the same
    bits as numpy's reduction, signed zeros, infinities and NaN included (complex sums and
    maxima, which numpy pairs differently, keep numpy's reduction: checked too)."""
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -1e308, 1e308, 1.0, -2.5]
    fn = getattr(expr, op)
    for k in range(1, 10):
        for axis, shape in ((1, (300, k)), (0, (k, 300))):
            x = rng.standard_normal(shape)
            mask = rng.random(shape) < 0.5
            x[mask] = rng.choice(special, size=int(mask.sum()))
            x[:3] = -0.0  # rows (columns) of -0.0 only
            cases = (x, x + 1j * x[::-1]) if op in ("sum", "max") else (x,)
            for value, keepdims in itertools.product(cases, (False, True)):
                f = expr.trace(lambda v: fn(v, axis=axis, keepdims=keepdims), value)  # noqa: B023
                got = compile_function(f, f.evaluate(value))(value)[0]
                want = f.evaluate(value)[f.outputs[0]]
                assert got.shape == want.shape and got.dtype == want.dtype
                assert got.tobytes() == want.tobytes(), (k, axis, keepdims, value.dtype)


def test_python_function_path_keeps_the_graph_it_traced_again():
    """A retrace that records the last call's very graph holds that Function (not built
    again); a new constant (a closure read afresh) or a new branch gives a new one."""
    scale = [2.0]

    def loss(w):
        total = expr.sum(expr.tanh(w) * scale[0])
        return total if scale[0] < 5.0 else -total

    vg = autodiff.value_and_grad(loss)
    w = np.array([0.3, -1.2, 2.0])
    for _ in range(3):
        vg(w)
    first = vg._last_trace.function
    assert vg.call((w,), {}).function is first
    scale[0] = 3.0
    assert vg.call((w,), {}).function is not first
    assert vg(w)[0] == pytest.approx(3.0 * np.sum(np.tanh(w)), rel=1e-15)
    scale[0] = 6.0  # the other branch: traced with values again, a new graph
    assert vg(w)[0] == pytest.approx(-6.0 * np.sum(np.tanh(w)), rel=1e-15)


def test_python_function_path_with_aux_keeps_computing_the_aux():
    """has_aux: the aux holds the values of each call (traced with values every time,
    never the value-free retrace, which has no values to give)."""
    vg = autodiff.value_and_grad(lambda x: (expr.sum(x * x), x * 2.0), has_aux=True)
    for shift in range(4):
        x = np.arange(3.0) + shift
        (value, aux), grad = vg(x)
        assert value == pytest.approx(np.sum(x * x)) and np.array_equal(aux, 2.0 * x)
        assert np.array_equal(grad, 2.0 * x)
