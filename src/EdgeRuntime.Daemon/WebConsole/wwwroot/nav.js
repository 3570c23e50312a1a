// Shared by every page: marks the current page in the header and offers a JSON fetch that reports errors in one line.
"use strict";
for (const a of document.querySelectorAll("header a")) {
  if (a.getAttribute("href") === location.pathname || (location.pathname === "/" && a.getAttribute("href") === "/live")) a.classList.add("here");
}
async function getJson(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  if (r.status === 401) { location.href = "/login"; throw new Error("login needed"); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}
function ms(v) { return v === undefined || v === null ? "–" : v.toFixed(1) + " ms"; }
