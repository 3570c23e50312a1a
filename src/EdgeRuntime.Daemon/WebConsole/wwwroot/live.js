// Live page: the MJPEG <img> streams by itself; this polls /api/status once a second for fps and latency.
"use strict";
async function refresh() {
  try {
    const s = await getJson("/api/status");
    const t = s.telemetry || {};
    const lat = t.latency_ms || {};
    document.getElementById("fps").textContent = t.fps !== undefined ? t.fps.toFixed(1) : "–";
    document.getElementById("inf").textContent = ms(lat.inference && lat.inference.p50);
    let e2e = 0;
    for (const k of ["decode", "preprocess", "inference", "postprocess", "publish"]) if (lat[k]) e2e += lat[k].p50;
    document.getElementById("e2e").textContent = e2e ? ms(e2e) : "–";
    document.getElementById("frames").textContent = s.frames.processed;
    document.getElementById("model").textContent = s.model ? s.model.name + " " + s.model.version : "–";
    if (s.preview.redacted) document.getElementById("note").textContent += " Redacted like the MQTT snapshots.";
  } catch (e) { document.getElementById("fps").textContent = "?"; }
}
refresh();
setInterval(refresh, 1000);
document.getElementById("live").addEventListener("error", () => {
  // 429 (too many viewers) or the daemon restarted: try again in a few seconds.
  setTimeout(() => { document.getElementById("live").src = "/api/live.mjpg?t=" + Date.now(); }, 3000);
});
