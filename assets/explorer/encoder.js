// The encoder's explorer: hidden-unit space at each recorded epoch (K = 2: the PNG's picture, in its
// own pixel frame; K = 3: the cube, turned by dragging), the loss with a cursor, and for the chosen
// input item its target bits, hidden activations and outputs.
(function () {
  const app = document.getElementById("app");
  const snaps = RUN.snapshots;
  const epochs = snaps.map((s) => s.epoch);
  const items = RUN.targets.length;
  let chosen = hashParam("item");
  if (chosen !== null && (chosen < 1 || chosen > items)) chosen = null;
  header(app, RUN.name, "Recorded at " + snaps.length + " epochs of " + RUN.loss.last +
    ". Numbers from hud, " + RUN.kernels + ". Hover or tap a dot (or press its number); drag the slider or press play.");
  const row = el("div", { class: "row" }, app);
  const left = el("div", { class: "column" }, row);
  const right = el("div", { class: "column" }, row);
  // The plane is drawn at the PNG's size; the cube needs less width.
  const size = RUN.hid === 2 ? RUN.size : [620, RUN.size[1]];
  const picture = svgEl("svg", { id: "picture", width: size[0], height: size[1], viewBox: `0 0 ${size[0]} ${size[1]}` }, left);
  const player = makePlayer(left, epochs, show);
  const options = el("div", { class: "controls" }, left);
  let trails = false;
  if (RUN.hid === 2) {
    const box = el("input", { type: "checkbox", id: "trails" }, el("label", {}, options, ""));
    box.parentNode.append(" trails: each dot's way so far");
    box.onchange = () => { trails = box.checked; show(player.get()); };
    // #trails=1 opens the page with them on.
    trails = box.checked = hashParam("trails") === 1;
    box.addEventListener("change", () => player.writeHash());
  } else {
    el("span", { class: "hint" }, options, "Drag the cube to turn it; double-click to return to the first view.");
  }
  const chart = makeChart(right, [{ name: "loss", curve: RUN.loss, colour: "#1f77b4", log: true, mark: RUN.stop }],
    { title: "loss (log scale; dashed: --stop " + RUN.stop + ")", id: "loss-chart" },
    (epoch) => { player.stop(); player.set(nearestIndex(epochs, epoch)); });
  const info = el("div", { class: "panel", id: "info" }, right);
  const verdict = RUN.hid === 3 ? el("div", { class: "panel", id: "verdict" }, right) : null;
  const draw = RUN.hid === 2 ? planeDrawer(picture) : cubeDrawer(picture);

  function show(i) {
    draw(i);
    chart.cursor(epochs[i]);
    describe(i);
    if (verdict) {
      // The verdict's first part says what the cube is; the details (each input off its corner, each
      // plane that cuts off more or less) fold away, so that the page does not jump while playing.
      const [what, ...details] = snaps[i].verdict.split("; ");
      verdict.textContent = "";
      el("h2", {}, verdict, "The cube at epoch " + epochs[i]);
      el("div", {}, verdict, what);
      if (details.length) {
        const more = el("details", {}, verdict);
        el("summary", {}, more, details.length + " detail" + (details.length > 1 ? "s" : ""));
        for (const d of details) el("div", {}, more, d);
      }
    }
  }

  function choose(k) { chosen = k; show(player.get()); player.writeHash(); }
  extraHash = () => (chosen === null ? "" : "&item=" + chosen) + (trails ? "&trails=1" : "");
  // From the keyboard: 1 to 9 choose an item (of the first nine), Escape lets it go.
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || ["INPUT", "SELECT", "BUTTON"].includes(e.target.tagName)) return;
    const k = Number(e.key);
    if (Number.isInteger(k) && k >= 1 && k <= Math.min(items, 9)) choose(k);
    if (e.key === "Escape" && chosen !== null) { chosen = null; show(player.get()); player.writeHash(); }
  });
  window.addEventListener("hashchange", () => {
    const k = hashParam("item");
    if (k !== null && k >= 1 && k <= items && k !== chosen) { chosen = k; show(player.get()); }
  });

  function describe(i) {
    const s = snaps[i];
    info.textContent = "";
    if (chosen === null) { el("h2", {}, info, "Hover or tap a dot"); el("div", { class: "hint" }, info, "to see its item, target bits, hidden activations and outputs."); return; }
    const k = chosen - 1;
    el("h2", {}, info, "Item " + chosen + " at epoch " + s.epoch);
    el("div", {}, info, "target bits " + RUN.targets[k]);
    el("div", {}, info, "hidden (" + s.hidden[k].map((h) => fixed(h, 4)).join(", ") + ")");
    const table = el("table", {}, info);
    const head = el("tr", {}, table);
    el("th", {}, head, "output"); el("th", {}, head, "value"); el("th", {}, head, "target");
    s.outputs[k].forEach((o, j) => {
      const bit = Number(RUN.targets[k][j]);
      const tr = el("tr", { class: (o > 0.5) === (bit === 1) ? "" : "wrong" }, table);
      el("td", {}, tr, String(j + 1)); el("td", {}, tr, fixed(o, 4)); el("td", {}, tr, String(bit));
    });
  }

  function title(s) {
    return RUN.name + ": epoch " + s.epoch + (s.loss === null ? "" : ", loss " + fixed(s.loss, 4));
  }

  // plotters' size N draws glyphs about as tall as CSS's 0.8 N.
  const pt = (n) => (0.8 * n).toFixed(1);

  // K = 2: plot_hidden's picture, laid out as the PNG is (the plot area's pixels come with the data).
  function planeDrawer(svg) {
    const f = RUN.frame;
    // Frame::to_pixel: plotters' mapping of [-1, 1] onto the plot area's pixels.
    const map = (v, low, high) => low + (high > low ? Math.floor((v + 1) / 2 * (high - low) + 1e-3) : Math.ceil((v + 1) / 2 * (high - low) - 1e-3));
    const px = (x, y) => [map(x, f.left, f.right) + 0.5, map(y, f.bottom, f.top) + 0.5];
    return function (i) {
      const s = snaps[i];
      svg.textContent = "";
      svgEl("rect", { x: 0, y: 0, width: RUN.size[0], height: RUN.size[1], fill: "#fff" }, svg);
      svgEl("text", { x: RUN.size[0] / 2, y: 36, "font-size": pt(18), "text-anchor": "middle", "dominant-baseline": "central", id: "title" }, svg, title(s));
      for (let t = 0; t <= 8; t++) {
        const v = -1 + 0.25 * t, label = v.toFixed(2).replace("-", "\u2212");
        const [x] = px(v, -1), [, y] = px(-1, v);
        svgEl("line", { x1: x, x2: x, y1: f.bottom, y2: f.bottom + 5, stroke: "#000" }, svg);
        svgEl("text", { x, y: f.bottom + 9, "font-size": pt(15), "text-anchor": "middle", "dominant-baseline": "hanging" }, svg, label);
        svgEl("line", { x1: f.left - 5, x2: f.left, y1: y, y2: y, stroke: "#000" }, svg);
        svgEl("text", { x: f.left - 9, y, "font-size": pt(15), "text-anchor": "end", "dominant-baseline": "central" }, svg, label);
      }
      svgEl("text", { x: (f.left + f.right) / 2, y: f.bottom + 34, "font-size": pt(15), "text-anchor": "middle", "dominant-baseline": "hanging" }, svg, "hidden unit 1");
      const my = (f.top + f.bottom) / 2;
      svgEl("text", { x: f.left - 58, y: my, "font-size": pt(15), "text-anchor": "middle", transform: "rotate(-90 " + (f.left - 58) + " " + my + ")" }, svg, "hidden unit 2");
      if (trails) {
        for (let k = 0; k < items; k++) {
          const way = snaps.slice(0, i + 1).map((t) => t.hidden[k]).filter(finite);
          const d = way.map((h, n) => (n ? "L" : "M") + px(h[0], h[1]).join(",")).join("");
          svgEl("path", { d, fill: "none", stroke: "#b4c8f4", "stroke-width": 2, class: "trail" }, svg);
        }
      }
      svgEl("rect", { x: f.left + 0.5, y: f.top + 0.5, width: f.right - f.left, height: f.bottom - f.top, fill: "none", stroke: "#000", "stroke-width": 1, "shape-rendering": "crispEdges" }, svg);
      const dots = s.hidden.map((h) => (finite(h) ? px(h[0], h[1]) : null));
      dots.forEach((d, k) => d && svgEl("circle", { cx: d[0], cy: d[1], r: 5, fill: "#0000ff", class: "dot", "data-item": k + 1 }, svg));
      for (const [, x0, y0, x1, y1, , , c] of s.lines || []) {
        const [a, b] = px(x0, y0), [p, q] = px(x1, y1);
        svgEl("line", { x1: a, y1: b, x2: p, y2: q, stroke: RUN.colours[c], "stroke-width": 2, class: "output-line" }, svg);
      }
      for (const [o, x0, y0, x1, y1, tx, ty, c, a, b] of s.lines || []) {
        const [cx, cy] = px(tx, ty), label = String(o + 1), half = 4 * label.length + 3;
        svgEl("rect", { x: cx - half, y: cy - 9, width: 2 * half, height: 18, fill: "#fff", stroke: RUN.colours[c] }, svg);
        svgEl("text", { x: cx, y: cy, "font-size": pt(14), fill: RUN.colours[c], "text-anchor": "middle", "dominant-baseline": "central" }, svg, label);
        if (RUN.positive_sides) arrow(svg, px, [x0, y0, x1, y1, a, b], c);
      }
      dots.forEach((d, k) => {
        if (!d) return;
        const [x, y] = d;
        const label = RUN.labels ? RUN.labels[k] : String(k + 1);
        svgEl("text", { x: x + 7, y: y - 7, "font-size": pt(13), fill: "#333" }, svg, label);
      });
      if (chosen !== null && dots[chosen - 1]) { const [x, y] = dots[chosen - 1]; svgEl("circle", { cx: x, cy: y, r: 9, fill: "none", stroke: "#d62728", "stroke-width": 2 }, svg); }
      dots.forEach((d, k) => {
        if (!d) return;
        const [x, y] = d;
        const hit = svgEl("circle", { cx: x, cy: y, r: 11, class: "hit" }, svg);
        hit.addEventListener("mouseenter", () => choose(k + 1));
        hit.addEventListener("click", () => choose(k + 1));
      });
    };
  }

  // The arrow from a line's middle into the side where its output is above 0.5, as the PNG draws it.
  function arrow(svg, px, [x0, y0, x1, y1, a, b], c) {
    const mx = (x0 + x1) / 2, my = (y0 + y1) / 2, length = Math.hypot(a, b);
    const from = px(mx, my), to = px(mx + 0.05 * a / length, my + 0.05 * b / length);
    const dx = to[0] - from[0], dy = to[1] - from[1], norm = Math.hypot(dx, dy);
    if (norm === 0) return;
    const ux = dx / norm, uy = dy / norm;
    const at = (along, across) => [from[0] + Math.round(ux * along - uy * across), from[1] + Math.round(uy * along + ux * across)];
    const stroke = { stroke: RUN.colours[c], "stroke-width": 2, fill: "none", class: "arrow" };
    svgEl("path", Object.assign({ d: "M" + at(0, 0) + "L" + at(30, 0) + "M" + at(22, -5) + "L" + at(30, 0) + "L" + at(22, 5) }, stroke), svg);
    // Past the arrow's tip by half the label's width, as the PNG places it clear of the tip.
    const [tx, ty] = at(46, 0);
    svgEl("text", { x: tx, y: ty, "font-size": pt(11), fill: RUN.colours[c], "text-anchor": "middle", "dominant-baseline": "central" }, svg, ">0.5");
  }

  // K = 3: the cube, each plane's section, the dots; turned by dragging.
  function cubeDrawer(svg) {
    const W = size[0], H = size[1];
    const project = makeTurntable(svg, W, H, () => draw(player.get()));
    function draw(i) {
      const s = snaps[i];
      svg.textContent = "";
      svgEl("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }, svg);
      svgEl("text", { x: W / 2, y: 30, "font-size": 18, "text-anchor": "middle", id: "title" }, svg, title(s));
      drawCube(svg, project);
      for (const [o, c, vertices] of s.planes || []) {
        const points = vertices.map((v) => project(v).slice(0, 2).join(",")).join(" ");
        svgEl("polygon", { points, fill: RUN.colours[c], "fill-opacity": 0.18, stroke: RUN.colours[c], "stroke-width": 1.5, class: "plane", "data-output": o + 1 }, svg);
        const mid = vertices.reduce((acc, v) => acc.map((a, j) => a + v[j] / vertices.length), [0, 0, 0]);
        const [x, y] = project(mid);
        svgEl("text", { x, y, "font-size": 13, fill: RUN.colours[c], "text-anchor": "middle" }, svg, String(o + 1));
      }
      const order = s.hidden.map((h, k) => [h, k]).filter(([h]) => finite(h)).map(([h, k]) => [project(h), k]).sort((a, b) => b[0][2] - a[0][2]);
      for (const [[x, y], k] of order) {
        svgEl("circle", { cx: x, cy: y, r: 6, fill: "#0000ff", stroke: "#fff", "stroke-width": 1, class: "dot", "data-item": k + 1 }, svg);
        svgEl("text", { x: x + 8, y: y - 8, "font-size": 13, fill: "#333" }, svg, RUN.labels ? RUN.labels[k] : String(k + 1));
        if (chosen === k + 1) svgEl("circle", { cx: x, cy: y, r: 10, fill: "none", stroke: "#d62728", "stroke-width": 2 }, svg);
        const hit = svgEl("circle", { cx: x, cy: y, r: 11, class: "hit" }, svg);
        hit.addEventListener("mouseenter", () => { if (!project.dragging()) choose(k + 1); });
        hit.addEventListener("click", () => choose(k + 1));
      }
    }
    return draw;
  }

  const wanted = hashParam("epoch");
  player.set(wanted === null ? epochs.length - 1 : indexAtOrBefore(epochs, wanted), wanted !== null);
})();
