"""The README's code runs as written: `>>>` examples are doctests, other python blocks run."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_give_the_printed_results():
    # The README registers an op (expr.define_op) whose SymPy counterpart refers to the
    # README's own `sympy`: keep its globals alive (doctest.testfile clears them), or every
    # later use of the ops table's SymPy counterparts fails with NameError.
    text = README.read_text()
    test = doctest.DocTestParser().get_doctest(text, {"__name__": "README"}, "README.md", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, clear_globs=False)
    assert result.attempted >= 5
    assert result.failed == 0


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    scripts = [b for b in blocks if ">>>" not in b]
    for block in scripts:
        exec(compile(block, str(README), "exec"), {})


def test_readme_commands_are_the_ones_ci_runs():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    tests = re.search(r"```bash\n# run the tests\n(.*?)\n```", text, flags=re.S).group(1)
    for command in tests.split("&&"):
        words = shlex.split(command)
        assert " ".join(words) in " ".join(shlex.split(ci.replace(" -q ", " "))), command
