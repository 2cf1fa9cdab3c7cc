// GET /console: an admin pastes a token and sees the company's connectors with their versions
// (each version's stage, a deleted one's purge time, expiry), updated live from the realtime
// stream (reminders included), and the latest activity from the audit ledger. Plain HTML and a
// little script; no build step.
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { AppEnv } from "../env";

const page = (nonce: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Credential vault console</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.4rem; } form { display: flex; gap: .5rem; margin-bottom: 1rem; }
  input { flex: 1; font: inherit; padding: .4rem .6rem; } button { font: inherit; padding: .4rem .9rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #dde2ea; vertical-align: top; }
  code { font-size: 12px; color: #5a6478; } #status { font-weight: 600; } .live { color: #0a7d33; } .down { color: #b42318; }
  #events li { font-family: ui-monospace, monospace; font-size: 12px; } .flash { background: #fff6d6; transition: background 2s; }
</style>
</head>
<body>
<h1>Connector credential vault</h1>
<form id="connect"><input id="token" type="password" placeholder="Paste an admin access token" autocomplete="off" required><button>Connect</button></form>
<p>Stream: <span id="status" class="down">not connected</span></p>
<table><thead><tr><th>Connector</th><th>Provider</th><th>Current</th><th>Versions (newest first)</th></tr></thead><tbody id="connectors"></tbody></table>
<h2>Live changes</h2>
<ul id="events"></ul>
<h2>Activity</h2>
<table><thead><tr><th>When</th><th>Action</th><th>Connector</th><th>Version</th><th>By</th></tr></thead><tbody id="activity"></tbody></table>
<script nonce="${nonce}">
"use strict";
let token = "";
let source;
const $ = (id) => document.getElementById(id);
const api = async (path) => {
  const response = await fetch(path, { headers: { authorization: "Bearer " + token } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.code + ": " + body.error.message : response.status);
  return body;
};
const cell = (row, text, cls) => { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; };
async function renderVersions(connectorId) {
  const row = document.querySelector('[data-connector="' + connectorId + '"]');
  if (!row) return load();
  const { versions, currentVersion } = await api("/v1/connectors/" + connectorId + "/credentials");
  row.cells[2].textContent = currentVersion === null ? "none" : "v" + currentVersion;
  const describe = (v) => "v" + v.version + " " + v.stage +
    (v.purgeAfter ? " (purged after " + v.purgeAfter + ")" : "") +
    (v.expiresAt ? " (expires " + v.expiresAt + ")" : "");
  row.cells[3].textContent = versions.map(describe).join(", ") || "—";
  row.classList.add("flash"); setTimeout(() => row.classList.remove("flash"), 1500);
}
async function loadActivity() {
  const { events } = await api("/v1/audit?limit=20");
  const body = $("activity"); body.replaceChildren();
  for (const e of events) {
    const row = body.insertRow();
    cell(row, e.occurredAt); cell(row, e.action); cell(row, e.connectorId || "—");
    cell(row, e.version === null ? "—" : "v" + e.version); cell(row, e.actor || "operator");
  }
}
async function load() {
  loadActivity().catch(() => {});
  const { connectors } = await api("/v1/connectors");
  const body = $("connectors"); body.replaceChildren();
  for (const connector of connectors) {
    const row = body.insertRow(); row.dataset.connector = connector.id;
    const name = cell(row, connector.name + " "); const id = document.createElement("code"); id.textContent = connector.id; name.append(id);
    cell(row, connector.provider); cell(row, "…"); cell(row, "…");
    await renderVersions(connector.id);
  }
}
function listen() {
  if (source) source.close();
  source = new EventSource("/v1/realtime?channel=public:connector_credentials&access_token=" + encodeURIComponent(token));
  source.onopen = () => { $("status").textContent = "live"; $("status").className = "live"; };
  source.onerror = () => { $("status").textContent = "reconnecting…"; $("status").className = "down"; };
  for (const type of ["INSERT", "UPDATE", "DELETE"]) {
    source.addEventListener(type, (message) => {
      const change = JSON.parse(message.data);
      const meta = change.eventType === "DELETE" ? change.old : change.new;
      const item = document.createElement("li");
      item.textContent = change.commitTimestamp + " " + change.eventType + " connector " + meta.connectorId + " v" + meta.version;
      $("events").prepend(item);
      renderVersions(meta.connectorId).catch(() => {});
      loadActivity().catch(() => {});
    });
  }
  source.addEventListener("REMINDER", (message) => {
    const reminder = JSON.parse(message.data);
    const item = document.createElement("li");
    item.textContent = "REMINDER " + reminder.type + " connector " + reminder.connectorId + " v" + reminder.version + " expires " + reminder.expiresAt;
    $("events").prepend(item);
  });
}
$("connect").addEventListener("submit", async (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  try { await load(); listen(); } catch (error) { $("status").textContent = String(error.message || error); $("status").className = "down"; }
});
</script>
</body>
</html>
`;

export const consolePage = new Hono<AppEnv>();

consolePage.get("/", (c) => {
  const nonce = randomBytes(16).toString("base64");
  c.header(
    "content-security-policy",
    `default-src 'self'; img-src 'self' data:; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header("referrer-policy", "no-referrer");
  return c.html(page(nonce));
});
