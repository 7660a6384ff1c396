"use strict";
// What every explorer shares: the run's data, elements, the player (slider, play/pause, speed) and
// the charts of per-epoch curves with a cursor.
const RUN = JSON.parse(document.getElementById("run").textContent);
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, parent, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function svgEl(tag, attrs, parent, text) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function fixed(v, digits) {
  return v === null || v === undefined || !isFinite(v) ? "NaN" : Number(v).toFixed(digits);
}

// The hash's parameters: #epoch=400&item=3.
function hashParam(name) {
  const m = new RegExp("(?:^#|&)" + name + "=(\\d+)").exec(location.hash);
  return m ? Number(m[1]) : null;
}

// The index of the last recorded epoch at or before `epoch` (the first if none is).
function indexAtOrBefore(epochs, epoch) {
  let lo = 0, hi = epochs.length - 1;
  if (epoch <= epochs[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (epochs[mid] <= epoch) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function nearestIndex(epochs, epoch) {
  const i = indexAtOrBefore(epochs, epoch);
  return i + 1 < epochs.length && epochs[i + 1] - epoch < epoch - epochs[i] ? i + 1 : i;
}

// Whether a point's coordinates are all numbers: a NaN (null in the data) has no place on a picture,
// so its point is left out rather than put at the origin.
function finite(h) {
  return h.every((v) => v !== null && isFinite(v));
}

// A curve's points: [[epoch, value], ...] (NaN values left out). Value k is epoch
// start + (k + 1) * stride - 1, the last one the run's last.
function curvePoints(curve) {
  const points = [], final = curve.start + curve.last - 1;
  curve.values.forEach((v, i) => {
    const epoch = Math.min(curve.start + (i + 1) * curve.stride - 1, final);
    if (v !== null) points.push([epoch, v]);
  });
  return points;
}

// The page's own parameters in the URL's fragment besides the epoch (#item=3, #trails=1): each page
// sets `extraHash` to give them, so that a shared address keeps what it shows.
let extraHash = () => "";

// Slider, step buttons, play/pause and speed over `epochs`; `show(i)` draws recorded epoch i. `unit`
// ("epoch" unless given) names them in the label and in the URL's fragment (#epoch=400), which is
// written once the picture rests (browsers throttle a page that rewrites its address every frame).
function makePlayer(parent, epochs, show, unit) {
  unit = unit || "epoch";
  const bar = el("div", { class: "controls" }, parent);
  const back = el("button", { title: "previous recorded " + unit + " (left arrow)" }, bar, "\u25c0");
  const play = el("button", { id: "play", title: "play or pause (space)" }, bar, "\u25b6");
  const next = el("button", { title: "next recorded " + unit + " (right arrow)" }, bar, "\u25b6\u258f");
  const slider = el("input", { type: "range", id: "slider", min: 0, max: epochs.length - 1, value: 0, "aria-label": unit }, bar);
  const label = el("span", { id: "epoch-label" }, bar);
  const speed = el("select", { id: "speed", title: "recorded " + unit + "s per second" }, bar);
  for (const fps of [5, 10, 20, 40]) el("option", { value: fps }, speed, fps + " / s");
  speed.value = 20;
  let index = 0, timer = null, hashTimer = null;
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => history.replaceState(null, "", "#" + unit + "=" + epochs[index] + extraHash()), timer ? 1000 : 250);
  }
  function set(i, fromHash) {
    index = Math.max(0, Math.min(epochs.length - 1, i));
    slider.value = index;
    label.textContent = unit + " " + epochs[index] + "  (" + (index + 1) + " of " + epochs.length + " recorded)";
    show(index);
    if (!fromHash) writeHash();
  }
  function stop() { if (timer) { clearInterval(timer); writeHash(); } timer = null; play.textContent = "\u25b6"; }
  function start() {
    if (index === epochs.length - 1) set(0);
    stop();
    play.textContent = "\u275a\u275a";
    timer = setInterval(() => { if (index >= epochs.length - 1) stop(); else set(index + 1); }, 1000 / speed.value);
  }
  play.onclick = () => (timer ? stop() : start());
  speed.onchange = () => { if (timer) start(); };
  back.onclick = () => { stop(); set(index - 1); };
  next.onclick = () => { stop(); set(index + 1); };
  slider.oninput = () => { stop(); set(Number(slider.value)); };
  document.addEventListener("keydown", (e) => {
    // Leave the browser's own keys alone, and the keys of a focused control (but the slider's).
    const t = e.target.tagName;
    if (e.altKey || e.ctrlKey || e.metaKey || t === "SELECT" || t === "BUTTON" || (t === "INPUT" && e.target !== slider)) return;
    if (e.key === "ArrowLeft") { stop(); set(index - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { stop(); set(index + 1); e.preventDefault(); }
    if (e.key === " ") { timer ? stop() : start(); e.preventDefault(); }
  });
  window.addEventListener("hashchange", () => {
    const e = hashParam(unit);
    if (e !== null) set(indexAtOrBefore(epochs, e), true);
  });
  return { set, get: () => index, stop, writeHash };
}

// Round numbers for an axis from 0 to `last`: about 4 steps of 1, 2 or 5 times a power of ten.
function niceTicks(last) {
  const raw = last / 4, power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || power;
  const ticks = [];
  for (let t = 0; t <= last; t += step) ticks.push(t);
  return ticks;
}

// A chart of per-epoch series ({name, curve, colour, log, min, max, mark}) with a cursor; a click asks
// to jump to the epoch under it (`onPick(epoch)`).
function makeChart(parent, series, options, onPick) {
  const W = options.width || 440, H = options.height || 220;
  const m = { left: 58, right: 26, top: 22, bottom: 34 };
  const svg = svgEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "chart", id: options.id }, parent);
  const first = Math.min(...series.map((s) => s.curve.start));
  const last = Math.max(...series.map((s) => s.curve.start + s.curve.last - 1), first + 1);
  const x = (e) => m.left + ((e - first) / (last - first)) * (W - m.left - m.right);
  svgEl("rect", { x: m.left, y: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom, fill: "none", stroke: "#999" }, svg);
  svgEl("text", { x: m.left, y: 14, "font-size": 13 }, svg, options.title);
  for (const e of niceTicks(last)) {
    if (e < first) continue;
    svgEl("line", { x1: x(e), x2: x(e), y1: H - m.bottom, y2: H - m.bottom + 4, stroke: "#999" }, svg);
    svgEl("text", { x: x(e), y: H - m.bottom + 16, "font-size": 11, "text-anchor": "middle" }, svg, String(e));
  }
  svgEl("text", { x: (m.left + W - m.right) / 2, y: H - 4, "font-size": 11, "text-anchor": "middle" }, svg, options.unit || "epoch");
  series.forEach((s, n) => {
    const points = curvePoints(s.curve).filter((p) => isFinite(p[1]) && (!s.log || p[1] > 0));
    if (points.length === 0) {
      svgEl("text", { x: W / 2, y: H / 2, "font-size": 12, "text-anchor": "middle", fill: "#d62728" }, svg, "no finite " + s.name + " to draw");
      return;
    }
    const values = points.map((p) => (s.log ? Math.log10(p[1]) : p[1]));
    let lo = s.min !== undefined ? s.min : Math.min(...values);
    let hi = s.max !== undefined ? s.max : Math.max(...values);
    if (s.log) { lo = Math.floor(lo); hi = Math.ceil(hi); }
    if (!(hi > lo)) { hi = lo + 1; }
    const y = (v) => m.top + (1 - (v - lo) / (hi - lo)) * (H - m.top - m.bottom);
    const d = points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + "," + y(values[i]).toFixed(1)).join("");
    svgEl("path", { d, fill: "none", stroke: s.colour, "stroke-width": 1.5, class: "series" }, svg);
    if (n === 0) {
      // A log scale is labelled at every power of ten (at most 8 of them), a linear one in quarters.
      const every = s.log ? Math.ceil((hi - lo) / 8) : 0;
      const ticks = s.log ? Array.from({ length: Math.floor((hi - lo) / every) + 1 }, (_, k) => lo + k * every) : [0, 1, 2, 3, 4].map((k) => lo + ((hi - lo) * k) / 4);
      for (const v of ticks) {
        const text = s.log ? "1e" + v : String(Math.round(v * 100) / 100);
        svgEl("line", { x1: m.left - 4, x2: m.left, y1: y(v), y2: y(v), stroke: "#999" }, svg);
        svgEl("text", { x: m.left - 6, y: y(v) + 4, "font-size": 11, "text-anchor": "end" }, svg, text);
      }
    }
    if (s.mark !== undefined) {
      const v = s.log ? Math.log10(s.mark) : s.mark;
      if (v >= lo && v <= hi) svgEl("line", { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), stroke: s.colour, "stroke-dasharray": "4 3", "stroke-width": 1 }, svg);
    }
  });
  const cursor = svgEl("line", { y1: m.top, y2: H - m.bottom, stroke: "#d62728", "stroke-width": 1.5, id: (options.id || "chart") + "-cursor" }, svg);
  svg.addEventListener("click", (e) => {
    // The chart may be drawn smaller than its own size (a narrow window): scale the click back.
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) * W) / box.width;
    const epoch = first + ((px - m.left) / (W - m.left - m.right)) * (last - first);
    onPick(Math.max(first, Math.min(last, Math.round(epoch))));
  });
  return { cursor: (epoch) => { cursor.setAttribute("x1", x(epoch)); cursor.setAttribute("x2", x(epoch)); } };
}

function header(app, title, note) {
  const h = el("header", {}, app);
  el("h1", {}, h, title);
  el("p", {}, h, note);
}

// The cube [-1, 1]^3 seen from a direction the reader turns by dragging (double-click: back to the
// first view). Returns project(p) -> [x, y, depth] in the svg's pixels; project.dragging() says
// whether a drag is under way; `redraw()` runs after each turn.
function makeTurntable(svg, W, H, redraw) {
  const start = { yaw: -0.6, pitch: 0.45 };
  const view = Object.assign({}, start);
  const scale = Math.min(W, H) * 0.27;
  function project([x, y, z]) {
    const cy = Math.cos(view.yaw), sy = Math.sin(view.yaw), cp = Math.cos(view.pitch), sp = Math.sin(view.pitch);
    const a = cy * x - sy * y, b = sy * x + cy * y;
    const depth = cp * b + sp * z, up = -sp * b + cp * z;
    return [W / 2 + scale * a, H / 2 + 20 - scale * up, depth];
  }
  let dragging = null;
  svg.addEventListener("pointerdown", (e) => { dragging = [e.clientX, e.clientY]; svg.setPointerCapture(e.pointerId); e.preventDefault(); });
  svg.addEventListener("pointerup", () => { dragging = null; });
  svg.addEventListener("pointermove", (e) => {
    if (!dragging) return;
    view.yaw += (e.clientX - dragging[0]) * 0.01;
    view.pitch = Math.max(-1.5, Math.min(1.5, view.pitch + (e.clientY - dragging[1]) * 0.01));
    dragging = [e.clientX, e.clientY];
    redraw();
  });
  svg.addEventListener("dblclick", () => { Object.assign(view, start); redraw(); });
  svg.style.touchAction = "none";
  project.dragging = () => dragging !== null;
  return project;
}

// The cube's edges, and each hidden unit's axis through its middle to the positive end.
function drawCube(svg, project) {
  const corners = [];
  for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) corners.push([x, y, z]);
  corners.forEach((a, m) => corners.forEach((b, n) => {
    if (n > m && a.filter((v, j) => v !== b[j]).length === 1) {
      const [p, q] = [project(a), project(b)];
      svgEl("line", { x1: p[0], y1: p[1], x2: q[0], y2: q[1], stroke: "#888", "stroke-width": 1 }, svg);
    }
  }));
  for (const [j, name] of ["h1", "h2", "h3"].entries()) {
    const end = [0, 0, 0]; end[j] = 1.3;
    const [[cx, cy], [x, y]] = [project([0, 0, 0]), project(end)];
    svgEl("line", { x1: cx, y1: cy, x2: x, y2: y, stroke: "#999", "stroke-dasharray": "3 3" }, svg);
    svgEl("text", { x, y, "font-size": 14, fill: "#555", "text-anchor": "middle", "dominant-baseline": "central" }, svg, name + " +1");
  }
}
