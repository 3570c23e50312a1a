// Zones editor: polygons in normalized coordinates ([0,1], x right, y down) drawn over a still frame, saved as the
// zones file (the same JSON --zones reads; the daemon validates it again and answers 400 with the reason).
"use strict";
const img = document.getElementById("still"), canvas = document.getElementById("canvas"), g = canvas.getContext("2d");
const colors = ["#4fb3ff", "#ffb54f", "#52d273", "#ff6bd6", "#ff6b6b", "#c9f25a"];
let file = { labels: [], zones: [] }, selected = -1, dragging = null;

function message(text, bad) { const m = document.getElementById("message"); m.textContent = text; m.className = bad ? "bad" : "ok"; }

function fit() {
  if (img.naturalWidth && img.naturalHeight) document.getElementById("view").style.setProperty("--aspect", String(img.naturalWidth / img.naturalHeight));
  canvas.width = img.clientWidth; canvas.height = img.clientHeight;
  canvas.style.width = img.clientWidth + "px"; canvas.style.height = img.clientHeight + "px";
  draw();
}

function draw() {
  g.clearRect(0, 0, canvas.width, canvas.height);
  file.zones.forEach((z, i) => {
    const c = colors[i % colors.length];
    g.strokeStyle = c; g.fillStyle = c + "44"; g.lineWidth = i === selected ? 3 : 2;
    g.beginPath();
    z.points.forEach(([x, y], k) => k ? g.lineTo(x * canvas.width, y * canvas.height) : g.moveTo(x * canvas.width, y * canvas.height));
    if (z.points.length >= 3) { g.closePath(); g.fill(); }
    g.stroke();
    g.fillStyle = c;
    for (const [x, y] of z.points) { g.beginPath(); g.arc(x * canvas.width, y * canvas.height, 4, 0, 7); g.fill(); }
    if (z.points.length) { g.font = "bold 14px system-ui"; g.fillText(z.name, z.points[0][0] * canvas.width + 6, z.points[0][1] * canvas.height - 6); }
  });
}

function list() {
  const box = document.getElementById("list");
  box.replaceChildren();
  file.zones.forEach((z, i) => {
    const d = document.createElement("div"); d.className = "zone row" + (i === selected ? " sel" : "");
    d.addEventListener("click", ev => { if (selected !== i) { selected = i; list(); draw(); if (ev.target.focus) ev.target.focus(); } });
    const name = document.createElement("input"); name.value = z.name; name.className = "zone-name"; name.size = 14;
    name.addEventListener("input", () => { z.name = name.value; draw(); });
    const cls = document.createElement("select"); cls.multiple = true; cls.size = 3; cls.className = "zone-classes";
    for (const l of file.labels) { const o = new Option(l, l, false, z.classes.includes(l)); cls.add(o); }
    cls.addEventListener("change", () => { z.classes = [...cls.selectedOptions].map(o => o.value); });
    const on = document.createElement("input"); on.type = "number"; on.step = "0.01"; on.min = "0.01"; on.max = "1"; on.value = z.on_threshold; on.title = "on threshold";
    on.addEventListener("input", () => { z.on_threshold = Number(on.value); });
    const info = document.createElement("span"); info.className = "dim"; info.textContent = `${z.points.length} corners, on ≥`;
    d.append(name, cls, info, on);
    box.appendChild(d);
  });
}

function at(ev) { const r = canvas.getBoundingClientRect(); return [Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height))]; }
function round(p) { return p.map(v => Math.round(v * 10000) / 10000); }

canvas.addEventListener("mousedown", ev => {
  const [x, y] = at(ev);
  // A corner under the pointer is dragged; anywhere else adds a corner to the selected zone.
  for (let i = 0; i < file.zones.length; i++)
    for (const p of file.zones[i].points)
      if (Math.hypot((p[0] - x) * canvas.width, (p[1] - y) * canvas.height) < 7) { dragging = p; selected = i; list(); return; }
  if (selected < 0) newZone();
  file.zones[selected].points.push(round([x, y]));
  list(); draw();
  ev.preventDefault();
});
canvas.addEventListener("mousemove", ev => { if (dragging) { const p = round(at(ev)); dragging[0] = p[0]; dragging[1] = p[1]; draw(); } });
window.addEventListener("mouseup", () => { if (dragging) { dragging = null; list(); } });

function newZone() {
  let n = file.zones.length + 1;
  while (file.zones.some(z => z.name === "zone" + n)) n++;
  file.zones.push({ name: "zone" + n, points: [], classes: ["person"], on_threshold: 0.1, off_threshold: 0.05, on_frames: 2, off_frames: 5 });
  selected = file.zones.length - 1;
  list(); draw();
}
document.getElementById("new").addEventListener("click", newZone);
document.getElementById("undo").addEventListener("click", () => { if (selected >= 0) { file.zones[selected].points.pop(); list(); draw(); } });
document.getElementById("delete").addEventListener("click", () => { if (selected >= 0) { file.zones.splice(selected, 1); selected = file.zones.length - 1; list(); draw(); } });
document.getElementById("refresh").addEventListener("click", () => { img.src = "/api/still.jpg?t=" + Date.now(); });
document.getElementById("save").addEventListener("click", async () => {
  for (const z of file.zones) if (z.off_threshold > z.on_threshold) z.off_threshold = z.on_threshold;
  const r = await fetch("/api/zones", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(file) });
  const body = await r.json();
  if (!r.ok) { message("Not saved: " + (body.error || r.status), true); return; }
  file = body; list(); draw();
  message(`Saved ${file.zones.length} zone(s); the daemon uses them from the next frame.`, false);
});

img.addEventListener("load", fit);
window.addEventListener("resize", fit);

(async () => {
  try {
    file = await getJson("/api/zones");
  } catch (e) {
    const d = document.getElementById("disabled"); d.textContent = e.message; d.hidden = false; return;
  }
  document.getElementById("editor").hidden = false;
  selected = file.zones.length - 1;
  list();
  img.src = "/api/still.jpg?t=" + Date.now();
})();
