// Status page: /api/status for the numbers, /metrics for the latency histograms (parsed here: _bucket{stage,le}).
"use strict";
function rows(id, pairs) {
  const table = document.getElementById(id);
  table.replaceChildren();
  for (const [k, v, cls] of pairs) {
    const tr = table.insertRow();
    const th = document.createElement("th"); th.textContent = k; tr.appendChild(th);
    const td = tr.insertCell(); td.textContent = v === undefined || v === null ? "–" : v; if (cls) td.className = cls;
  }
}
function duration(s) { const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60; return `${h} h ${m} min ${Math.floor(s % 60)} s`; }
async function histograms() {
  const r = await fetch("/metrics", { credentials: "same-origin" });
  const text = await r.text();
  const stages = {};
  for (const line of text.split("\n")) {
    const m = /^edgert_stage_duration_seconds_bucket\{stage="([^"]+)",le="([^"]+)"\} (\S+)$/.exec(line);
    if (!m) continue;
    (stages[m[1]] = stages[m[1]] || []).push([m[2], Number(m[3])]);
  }
  const box = document.getElementById("latency");
  box.replaceChildren();
  for (const [stage, buckets] of Object.entries(stages)) {
    const counts = buckets.map(([le, c], i) => [le, c - (i ? buckets[i - 1][1] : 0)]).filter(([le]) => le !== "+Inf");
    const max = Math.max(1, ...counts.map(c => c[1]));
    const row = document.createElement("div"); row.className = "row";
    const name = document.createElement("span"); name.style.width = "7em"; name.textContent = stage; row.appendChild(name);
    const hist = document.createElement("div"); hist.className = "hist";
    for (const [le, c] of counts) {
      const bar = document.createElement("div"); bar.style.height = (60 * c / max) + "px"; bar.title = `≤ ${le} s: ${c}`; hist.appendChild(bar);
    }
    row.appendChild(hist);
    const last = document.createElement("span"); last.className = "dim"; last.textContent = `buckets ≤ ${counts.map(c => c[0]).join(", ")} s`;
    row.appendChild(last);
    box.appendChild(row);
  }
}
async function refresh() {
  const s = await getJson("/api/status");
  const t = s.telemetry || {};
  rows("device", [
    ["model", s.model ? s.model.name : null], ["model version", s.model ? s.model.version : null], ["sha256", s.model ? s.model.sha256 : null],
    ["kernel variant", s.kernel_variant], ["threads", s.threads], ["source", s.source],
    ["broker", s.broker, s.broker === "connected" ? "ok" : s.broker === "disabled" ? "dim" : "bad"],
    ["CPU temperature", t.cpu_temperature_c !== undefined ? t.cpu_temperature_c.toFixed(1) + " °C" : "not available"],
    ["uptime", duration(s.uptime_s)], ["memory (RSS)", t.rss_bytes ? (t.rss_bytes / 1048576).toFixed(1) + " MiB" : null],
    ["last fault", s.last_fault || "none"],
  ]);
  rows("frames", [["fps", t.fps], ["processed", s.frames.processed], ["dropped", s.frames.dropped, s.frames.dropped ? "bad" : ""],
    ["corrupt", s.frames.corrupt, s.frames.corrupt ? "bad" : ""], ["gated (triggers idle)", s.frames.gated]]);
  const st = s.ota.state || {};
  rows("ota", [["enabled", s.ota.enabled ? "yes" : "no (Ota:StateDirectory not set)"], ["state", st.state], ["target version", st.target_version],
    ["active version", st.active_version], ["health passed", st.health_passed], ["swaps", s.ota.swaps], ["ignored messages", st.ignored_messages]]);
  rows("otahistory", s.ota.history.map(h => [h.at, h.state + (h.target_version !== undefined ? " (v" + h.target_version + ")" : "")]));
  const z = document.getElementById("zones");
  z.replaceChildren();
  if (!s.zones.enabled) { z.textContent = s.zones.hint; }
  else for (const zs of s.zones.states) {
    const d = document.createElement("div"); d.className = "zone";
    d.textContent = `${zs.zone}: ${zs.state} — ` + Object.entries(zs.classes).map(([c, v]) => `${c} ${(100 * v.coverage).toFixed(1)} %`).join(", ");
    z.appendChild(d);
  }
  await histograms();
}
refresh();
setInterval(refresh, 3000);
