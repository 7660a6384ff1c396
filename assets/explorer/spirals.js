// The spirals' explorer: the output's and every hidden unit's map at the recorded epoch chosen from
// the list (or the slider), the points on top, and the accuracy and loss curves with a cursor.
(function () {
  const app = document.getElementById("app");
  const maps = RUN.maps;
  const epochs = maps.map((m) => m.epoch);
  const [[x0, x1], [y0, y1]] = RUN.extent;
  const [gw, gh] = RUN.grid;
  let chosen = 0;
  header(app, RUN.name, "Maps recorded at " + maps.length + " epochs of " + RUN.loss.last +
    ". Numbers from hud, " + RUN.kernels + ". Pick an epoch from the list; click a map to enlarge it.");
  const row = el("div", { class: "row" }, app);
  const left = el("div", { class: "column" }, row);
  const right = el("div", { class: "column" }, row);
  const pick = el("div", { class: "controls" }, left);
  el("label", { for: "epochs" }, pick, "recorded epoch ");
  const list = el("select", { id: "epochs" }, pick);
  maps.forEach((m, i) => el("option", { value: i }, list, "epoch " + m.epoch + ": accuracy " + fixed(m.accuracy, 2) + "%, loss " + fixed(m.loss, 4)));
  list.onchange = () => { player.stop(); player.set(Number(list.value)); };
  const big = el("div", { class: "map", id: "main-map" }, left);
  const player = makePlayer(left, epochs, show);
  el("h2", { style: "font-size:14px;margin:4px 0" }, left, "Every unit (click one to enlarge it)");
  const sheet = el("div", { class: "maps", id: "sheet" }, left);
  const acc = makeChart(right, [{ name: "accuracy", curve: RUN.accuracy, colour: "#2ca02c", min: 0, max: 100 }],
    { title: "accuracy (%)", id: "accuracy-chart" }, jump);
  const loss = makeChart(right, [{ name: "loss", curve: RUN.loss, colour: "#1f77b4", log: true }],
    { title: "loss (last batch; log scale)", id: "loss-chart" }, jump);
  const key = el("div", { class: "panel" }, right);
  function jump(epoch) { player.stop(); player.set(nearestIndex(epochs, epoch)); }

  // One map with the points on top, `scale` screen pixels per grid point.
  function map(parent, image, scale, caption, radius) {
    const w = gw * scale, h = gh * scale;
    const box = el("div", { class: "map" }, parent);
    el("img", { src: image, width: w, height: h, alt: caption }, box);
    const svg = svgEl("svg", { width: w, height: h }, box);
    for (const [x, y, c] of RUN.points) {
      const px = ((x - x0) / (x1 - x0)) * w, py = (1 - (y - y0) / (y1 - y0)) * h;
      svgEl("circle", { cx: px, cy: py, r: radius, fill: RUN.colours[2 + c], class: "point" }, svg);
    }
    el("div", { class: "caption" }, box, caption);
    return box;
  }

  function show(i) {
    const m = maps[i];
    list.value = i;
    big.textContent = "";
    map(big, m.images[chosen], 3, RUN.units[chosen].name + " at epoch " + m.epoch + " (orange: " + RUN.units[chosen].painted + ")", 3).id = "chosen-map";
    sheet.textContent = "";
    m.images.forEach((image, u) => {
      const box = map(sheet, image, 1, RUN.units[u].name.replace("hidden layer ", "layer ").replace(", unit", " unit"), 1.5);
      if (u === chosen) box.classList.add("chosen");
      box.onclick = () => { chosen = u; show(player.get()); };
    });
    acc.cursor(m.epoch);
    loss.cursor(m.epoch);
    key.textContent = "";
    el("h2", {}, key, "Epoch " + m.epoch);
    el("div", {}, key, "accuracy " + fixed(m.accuracy, 2) + "%, loss " + fixed(m.loss, 4));
    el("div", { class: "hint" }, key, "Dots: the points, class 0 blue, class 1 red. Orange: where the unit is on; yellow-green: off.");
  }

  const wanted = hashParam("epoch");
  player.set(wanted === null ? epochs.length - 1 : indexAtOrBefore(epochs, wanted), wanted !== null);
})();
