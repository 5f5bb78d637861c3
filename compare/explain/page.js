// The step-through: replays the steps embedded in the page (no network, no libraries).
// State is read from the URL hash (or query): #tab=reverse&step=5, #tab=forward&seed=1&step=3,
// #play=1 advances one step per second, #keys=RRL presses arrow keys.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("walk-data").textContent);
  const state = { tab: "reverse", reverse: 0, forward: 0, seed: 0, timer: null };

  function steps(tab) {
    return tab === "reverse" ? data.reverse : data.dual[state.seed].steps;
  }
  function el(tab, id) {
    return document.getElementById((tab === "reverse" ? "r-" : "f-") + id);
  }

  function render(tab) {
    const list = steps(tab);
    const root = document.getElementById("tab-" + tab);
    root.querySelectorAll("[data-empty]").forEach((node) => {
      node.textContent = node.getAttribute("data-empty");
    });
    root.querySelectorAll(".current, .done").forEach((node) => {
      node.classList.remove("current", "done");
    });
    const k = state[tab];
    for (let i = 0; i < k; i++) {
      list[i].fill.forEach(([id, text]) => {
        const target = el(tab, id);
        if (target) {
          target.textContent = text;
          const row = target.closest("tr");
          if (row) row.classList.add(i === k - 1 ? "current" : "done");
        }
      });
    }
    if (k > 0) {
      list[k - 1].highlight.forEach((id) => {
        const target = el(tab, id);
        if (target) target.classList.add("current");
      });
    }
    root.querySelector(".counter").textContent = "step " + k + " / " + list.length;
    root.querySelector(".caption").textContent = k > 0 ? list[k - 1].caption : "press → (or Next) to start";
    document.body.setAttribute("data-tab", state.tab);
    document.body.setAttribute("data-step", String(state[state.tab]));
    document.body.setAttribute("data-seed", String(state.seed));
  }

  function go(delta) {
    const tab = state.tab;
    const total = steps(tab).length;
    state[tab] = Math.max(0, Math.min(total, state[tab] + delta));
    render(tab);
    return state[tab] < total;
  }

  function play() {
    if (state.timer) {
      clearInterval(state.timer);
      state.timer = null;
      return;
    }
    if (state[state.tab] >= steps(state.tab).length) state[state.tab] = 0;
    state.timer = setInterval(() => {
      if (!go(1)) {
        clearInterval(state.timer);
        state.timer = null;
      }
    }, 1000);
  }

  function show(tab) {
    state.tab = tab;
    document.querySelectorAll(".tab").forEach((node) => node.classList.toggle("active", node.id === "tab-" + tab));
    document.querySelectorAll(".tabs button").forEach((node) => node.classList.toggle("active", node.dataset.tab === tab));
    render(tab);
  }

  function seed(index) {
    state.seed = index;
    state.forward = 0;
    document.querySelectorAll(".seed").forEach((node) => node.classList.toggle("active", Number(node.dataset.seed) === index));
    document.querySelectorAll(".seed-name").forEach((node) => {
      node.textContent = data.dual[index].seed;
    });
    document.getElementById("f-ref").textContent = data.gradient[index].reference;
    render("forward");
  }

  document.querySelectorAll(".tabs button").forEach((node) => node.addEventListener("click", () => show(node.dataset.tab)));
  document.querySelectorAll(".seed").forEach((node) => node.addEventListener("click", () => seed(Number(node.dataset.seed))));
  document.querySelectorAll("[data-action]").forEach((node) => {
    node.addEventListener("click", () => {
      const action = node.dataset.action;
      if (action === "next") go(1);
      else if (action === "prev") go(-1);
      else if (action === "reset") go(-steps(state.tab).length);
      else if (action === "end") go(steps(state.tab).length);
      else if (action === "play") play();
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") go(1);
    else if (event.key === "ArrowLeft") go(-1);
    else if (event.key === "Home") go(-steps(state.tab).length);
    else if (event.key === "End") go(steps(state.tab).length);
    else return;
    event.preventDefault();
  });

  const params = new URLSearchParams((location.hash || location.search).replace(/^[#?]/, ""));
  const tab = params.get("tab") === "forward" ? "forward" : "reverse";
  const wanted = Number(params.get("seed") || 0);
  seed(Number.isInteger(wanted) && wanted >= 0 && wanted < data.dual.length ? wanted : 0);
  render("reverse");
  show(tab);
  const n = Number(params.get("step") || 0);
  if (Number.isFinite(n) && n > 0) go(Math.floor(n));
  if (params.get("play") === "1") play();
  // keys=RRL presses → → ← (real keydown events through the handler above; for tests)
  for (const key of params.get("keys") || "") {
    const name = { R: "ArrowRight", L: "ArrowLeft", H: "Home", E: "End" }[key];
    if (name) document.dispatchEvent(new KeyboardEvent("keydown", { key: name }));
  }
})();
