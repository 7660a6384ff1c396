// The recurrent network's explorer: the hidden states of the same fresh sequences at each recorded
// step (the plane for 2 hidden units, the cube for 3, turned by dragging), coloured by the language's
// state, each sequence's path, the start state (x); hover or tap a state for its symbols so far and
// the next-symbol probabilities; the loss of every step with a cursor.
(function () {
  const app = document.getElementById("app");
  const snaps = RUN.snapshots;
  const steps = snaps.map((s) => s.step);
  const W = 640, H = 620;
  // The state the address names (#sequence=2&symbol=5), as [sequence, position], or null.
  function chosenInHash() {
    const q = hashParam("sequence");
    return q !== null && q >= 1 && q <= RUN.sequences.length ? [q - 1, Math.max(1, hashParam("symbol") || 1) - 1] : null;
  }
  let chosen = chosenInHash(); // [sequence, position]
  header(app, RUN.name, "Recorded at " + snaps.length + " steps of " + RUN.loss.last + ". Numbers from hud, " + RUN.kernels +
    ". Hover or tap a state" + (RUN.hid === 3 ? "; drag the cube to turn it." : "."));
  const row = el("div", { class: "row" }, app);
  const left = el("div", { class: "column" }, row);
  const right = el("div", { class: "column" }, row);
  const svg = svgEl("svg", { id: "picture", width: W, height: H, viewBox: `0 0 ${W} ${H}` }, left);
  const player = makePlayer(left, steps, show, "step");
  const chart = makeChart(right, [{ name: "loss", curve: RUN.loss, colour: "#1f77b4", log: true }],
    { title: "loss of each step (log scale)", id: "loss-chart", unit: "step" },
    (step) => { player.stop(); player.set(nearestIndex(steps, step)); });
  const info = el("div", { class: "panel", id: "info" }, right);
  const key = el("div", { class: "panel" }, right);
  el("h2", {}, key, "Colour: the language's state");
  const bar = svgEl("svg", { width: 400, height: 34 }, key);
  RUN.state_colours.forEach((c, s) => {
    const w = 380 / RUN.state_colours.length;
    svgEl("rect", { x: 10 + s * w, y: 2, width: w, height: 14, fill: c }, bar);
    svgEl("text", { x: 10 + (s + 0.5) * w, y: 30, "font-size": 10, "text-anchor": "middle" }, bar, String(s));
  });
  const project = RUN.hid === 3
    ? makeTurntable(svg, W, H, () => show(player.get()))
    : ([x, y]) => [W / 2 + x * 250, H / 2 + 10 - y * 250, 0];

  function show(i) {
    const s = snaps[i];
    svg.textContent = "";
    svgEl("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }, svg);
    svgEl("text", { x: W / 2, y: 24, "font-size": 16, "text-anchor": "middle", id: "title" }, svg, "after " + s.step + " steps");
    if (RUN.hid === 3) drawCube(svg, project); else drawSquare();
    const places = s.hidden.map((path) => path.map((h) => (finite(h) ? project(h) : null)));
    places.forEach((path) => {
      const d = path.filter((p) => p).map((p, t) => (t ? "L" : "M") + p[0].toFixed(1) + "," + p[1].toFixed(1)).join("");
      svgEl("path", { d, fill: "none", stroke: "#999", "stroke-width": 0.8 }, svg);
    });
    const [sx, sy] = project(s.start);
    svgEl("path", { d: `M${sx - 6},${sy - 6}L${sx + 6},${sy + 6}M${sx - 6},${sy + 6}L${sx + 6},${sy - 6}`, stroke: "#000", "stroke-width": 2, id: "start" }, svg);
    const all = [];
    places.forEach((path, q) => path.forEach((p, t) => p && all.push([p, q, t])));
    all.sort((a, b) => b[0][2] - a[0][2]);
    for (const [[x, y], q, t] of all) {
      const state = RUN.sequences[q].states[t];
      svgEl("circle", { cx: x, cy: y, r: 4.5, fill: RUN.state_colours[state], stroke: "#333", "stroke-width": 0.5, class: "state" }, svg);
    }
    if (chosen) {
      const p = places[chosen[0]] && places[chosen[0]][chosen[1]];
      if (p) svgEl("circle", { cx: p[0], cy: p[1], r: 9, fill: "none", stroke: "#d62728", "stroke-width": 2 }, svg);
    }
    for (const [[x, y], q, t] of all) {
      const hit = svgEl("circle", { cx: x, cy: y, r: 7, class: "hit" }, svg);
      const pick = () => { if (!(project.dragging && project.dragging())) { chosen = [q, t]; show(player.get()); player.writeHash(); } };
      hit.addEventListener("mouseenter", pick);
      hit.addEventListener("click", pick);
    }
    chart.cursor(s.step);
    describe(s);
  }

  function drawSquare() {
    const [x0, y0] = project([-1, 1]), [x1, y1] = project([1, -1]);
    svgEl("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: "none", stroke: "#000" }, svg);
    for (const v of [-1, -0.5, 0, 0.5, 1]) {
      const [x] = project([v, -1]), [, y] = project([-1, v]);
      svgEl("text", { x, y: y1 + 16, "font-size": 12, "text-anchor": "middle" }, svg, String(v));
      svgEl("text", { x: x0 - 6, y: y + 4, "font-size": 12, "text-anchor": "end" }, svg, String(v));
    }
    svgEl("text", { x: W / 2, y: y1 + 34, "font-size": 13, "text-anchor": "middle" }, svg, "hidden unit 1");
    svgEl("text", { x: 16, y: H / 2, "font-size": 13, "text-anchor": "middle", transform: `rotate(-90 16 ${H / 2})` }, svg, "hidden unit 2");
  }

  function describe(s) {
    info.textContent = "";
    if (!chosen || !s.hidden[chosen[0]] || !s.hidden[chosen[0]][chosen[1]]) {
      el("h2", {}, info, "Hover or tap a state");
      el("div", { class: "hint" }, info, "to see its sequence so far, the language's state there and the network's next-symbol probabilities.");
      return;
    }
    const [q, t] = chosen, sequence = RUN.sequences[q];
    el("h2", {}, info, "Sequence " + (q + 1) + ", after symbol " + (t + 1) + " of " + sequence.symbols.length + " (step " + s.step + ")");
    el("div", {}, info, "read so far: " + sequence.symbols.slice(0, t + 1) + "  (whole: " + sequence.symbols + ")");
    el("div", {}, info, "state " + sequence.states[t] + ", hidden (" + s.hidden[q][t].map((h) => fixed(h, 4)).join(", ") + ")");
    const table = el("table", {}, info);
    const head = el("tr", {}, table);
    el("th", {}, head, "next symbol"); el("th", {}, head, "probability");
    const next = sequence.symbols[t + 1];
    s.probs[q][t].forEach((p, c) => {
      const symbol = RUN.alphabet[c];
      const tr = el("tr", {}, table);
      el("td", {}, tr, symbol + (symbol === next ? " (next)" : "")); el("td", {}, tr, fixed(p, 4));
    });
  }

  extraHash = () => (chosen ? "&sequence=" + (chosen[0] + 1) + "&symbol=" + (chosen[1] + 1) : "");
  window.addEventListener("hashchange", () => {
    const named = chosenInHash();
    if (named) { chosen = named; show(player.get()); }
  });

  const wanted = hashParam("step");
  player.set(wanted === null ? steps.length - 1 : indexAtOrBefore(steps, wanted), wanted !== null);
})();
