"""`diffcompare explain`: the page in a real (headless) browser, its self-containedness, the
GIF's frames, and the errors."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import expr
from compare.cli import main
from compare.errors import CompareError
from compare.explain import explain

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH (CI installs Debian's chromium in .ci/run; locally: "
    "apt-get install -y chromium)",
)


class Elements(HTMLParser):
    """id -> {"class": ..., "text": ...} of every element with an id (text: its own data)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, str]] = {}
        self.stack: list[str | None] = []
        self.body: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = {k: v or "" for k, v in attrs.items()}
        ident = attrs.get("id")
        if ident:
            self.found[ident] = {"class": attrs.get("class") or "", "text": ""}
        self.stack.append(ident)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for ident in reversed(self.stack):
            if ident:
                self.found[ident]["text"] += data
                break


def browse(page: Path, fragment: str, tmp_path: Path, budget_ms: int = 1000) -> Elements:
    """The DOM after the page's script ran in headless chromium (virtual time)."""
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            f"{page.as_uri()}#{fragment}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = Elements()
    dom.feed(result.stdout)
    return dom


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain")
    return explain("x1*x2 + sin(x1)", "2,3", out, formats=())[0]


def current(dom: Elements, prefix: str) -> list[str]:
    return [
        i for i, e in dom.found.items() if i.startswith(prefix) and "current" in e["class"].split()
    ]


@needs_chromium
def test_after_seven_steps_the_backward_sweep_is_at_v2(page, tmp_path):
    dom = browse(page, "step=7", tmp_path)
    assert dom.body["data-step"] == "7"
    # 5 forward steps (x1, x2, v1, v2, v3), then the seed at v3 and v̄2 = v̄3 = 1
    assert current(dom, "r-node-") == ["r-node-3"]
    assert current(dom, "r-edge-") == ["r-edge-3-4"]
    assert dom.found["r-fwd-4"]["text"] == "6.9093"
    assert dom.found["r-bwd-1"]["text"] == "1"
    assert dom.found["r-bwd-2"]["text"] == ""  # not reached yet
    assert dom.found["r-adj-3"]["text"] == "adj = 1"
    assert dom.found["r-grad-0"]["text"] == ""


@needs_chromium
def test_the_last_step_shows_the_gradient_next_to_the_reference(page, tmp_path):
    dom = browse(page, "step=10", tmp_path)
    assert current(dom, "r-node-") == ["r-node-0"]
    reference = expr.reference("x1*x2 + sin(x1)", (2.0, 3.0))
    shown = [float(dom.found[f"r-grad-{i}"]["text"]) for i in (0, 1)]
    assert shown == pytest.approx([float(r) for r in reference], rel=1e-15)
    assert dom.found["r-bwd-4"]["text"] == "2.58385"
    assert "2.58385316345285761300243177049923781023399922892" in page.read_text()


@needs_chromium
def test_arrow_keys_step_forward_and_back(page, tmp_path):
    dom = browse(page, "keys=RRRRRRRL", tmp_path)  # 7 x → then ←
    assert dom.body["data-step"] == "6"
    assert current(dom, "r-node-") == ["r-node-4"]  # the seed step at the output
    assert dom.found["r-bwd-0"]["text"] == "1" and dom.found["r-bwd-1"]["text"] == ""
    dom = browse(page, "keys=E", tmp_path)
    assert dom.body["data-step"] == "10"


@needs_chromium
def test_play_advances_one_step_per_second_of_virtual_time(page, tmp_path):
    dom = browse(page, "play=1", tmp_path, budget_ms=3500)
    assert dom.body["data-step"] == "3"
    assert current(dom, "r-node-") == ["r-node-2"]


@needs_chromium
@pytest.mark.parametrize("seed, derivative", [(0, "2.5838531634528574"), (1, "2")])
def test_forward_mode_tab_walks_the_dual_numbers(page, tmp_path, seed, derivative):
    dom = browse(page, f"tab=forward&seed={seed}&step=5", tmp_path)
    assert dom.body["data-tab"] == "forward" and "active" in dom.found["tab-forward"]["class"]
    assert dom.found["f-deriv"]["text"] == derivative
    assert dom.found["f-t-0"]["text"] == ("1" if seed == 0 else "0")
    assert current(dom, "f-node-") == ["f-node-4"]


def test_page_is_self_contained(page):
    text = page.read_text()
    for needle in ("http://", "https://", "<link", "src=", "@import"):
        assert needle not in text
    assert "<svg" in text and "<script>" in text


def test_gif_has_one_frame_per_step_and_holds_the_last(tmp_path):
    image = pytest.importorskip("PIL.Image")
    paths = explain("x*y + sin(x)", "1,2", tmp_path)
    gif = image.open(paths[1])
    assert gif.n_frames == 10  # 5 forward steps + 5 backward steps
    durations = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
    assert durations[:-1] == [1000] * 9 and durations[-1] > 1000


def test_command_accepts_a_catalog_name_and_reports_bad_input(tmp_path, capsys):
    assert main(["explain", "worked_example", "--out", str(tmp_path), "--format", "none"]) == 0
    assert (tmp_path / "explain.html").exists()
    assert (
        main(["explain", "x*y", "--at", "-1.5,2", "--out", str(tmp_path), "--format", "none"]) == 0
    )
    assert main(["explain", "x*y", "--at", "1", "--out", str(tmp_path)]) == 2
    assert "--at has 1 numbers but the function has 2 inputs" in capsys.readouterr().err
    assert main(["explain", "__import__('os')", "--at", "1", "--out", str(tmp_path)]) == 2
    with pytest.raises(CompareError, match="at most 40 operations"):
        explain("+".join(f"sin(x*{k})" for k in range(30)), "1", tmp_path, formats=())
    with pytest.raises(CompareError, match="needs scalar inputs"):
        explain("rosenbrock", None, tmp_path, formats=())
    with pytest.raises(CompareError, match="unknown animation format"):
        explain("x", "1", tmp_path, formats=("avi",))


@pytest.mark.parametrize(
    "formula, point",
    [
        ("x**2*exp(-x) + sigmoid(x*y)", (1.5, -0.5)),
        ("tanh(a/b) - log(a) * sqrt(b)", (0.7, 2.5)),
        ("x1*x2 + sin(x1)", (2.0, 3.0)),
    ],
)
def test_both_walks_end_at_the_50_digit_gradient(formula, point):
    from compare.explain.walk import walk

    data = walk(expr.parse(formula), point)
    reference = [float(g["reference"]) for g in data["gradient"]]
    reverse = [float(g["reverse"]) for g in data["gradient"]]
    forward = [w["derivative"] for w in data["dual"]]
    assert reverse == pytest.approx(reference, rel=1e-14)
    assert forward == pytest.approx(reference, rel=1e-14)
    assert len(data["reverse"]) == 2 * sum(1 for n in data["nodes"] if n["kind"] != "const")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="no ffmpeg on PATH: MP4 not written")
def test_mp4_where_ffmpeg_exists(tmp_path):
    paths = explain("x1*x2 + sin(x1)", "2,3", tmp_path, formats=("gif", "mp4"))
    assert [p.suffix for p in paths] == [".html", ".gif", ".mp4"]
    assert paths[2].stat().st_size > 1000


def test_the_default_run_writes_the_page_and_the_gif_beside_figure_16(tmp_path):
    assert main(["explainer", "--out", str(tmp_path), "--no-progress"]) == 0
    for name in ("fig16_explainer.png", "explain.html", "explain.gif", "explainer_step.csv"):
        assert (tmp_path / name).is_file(), name
    assert "explain.html" in (tmp_path / "report.md").read_text()
