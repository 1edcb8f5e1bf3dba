// Lists the items (GET /items, every page) and keeps the list current from the live-updates WebSocket API:
// {"action": "subscribe", "collection": "items"}, then one message per change (modules/live_updates README).
// config.json says where the API and the WebSocket API answer and what a request carries; `make local`
// serves it with the local user's token, a page hosted elsewhere writes its own after signing in.
"use strict";

const rows = new Map(); // item id -> {item, version}
const body = document.getElementById("items");
const status = document.getElementById("status");

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function render(id, changed) {
  const known = rows.get(id);
  let row = document.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
  if (!known) {
    if (row) row.remove();
    return;
  }
  if (!row) {
    row = document.createElement("tr");
    row.dataset.id = id;
    body.prepend(row);
  }
  const item = known.item || {};
  row.replaceChildren(...[id, item.name, item.status, item.amount, known.version].map((value) => {
    const cell = document.createElement("td");
    cell.textContent = value === undefined || value === null ? "" : String(value);
    return cell;
  }));
  row.dataset.version = String(known.version);
  if (changed) {
    row.classList.remove("changed");
    void row.offsetWidth; // restart the highlight
    row.classList.add("changed");
  }
}

// A change older than what the page shows is dropped: EventBridge may deliver two changes of an item out of
// order, and every message carries the item's version.
async function apply(message, config) {
  const known = rows.get(message.id);
  if (known && message.version !== null && known.version > message.version) return;
  if (message.type.endsWith(".deleted")) {
    rows.delete(message.id);
  } else if (message.truncated) { // too large for one message: read it from the API
    const response = await fetch(`${config.apiUrl}/items/${encodeURIComponent(message.id)}`, { headers: config.headers });
    if (!response.ok) return;
    const item = await response.json();
    rows.set(message.id, { item, version: item.version });
  } else {
    rows.set(message.id, { item: message.item, version: message.version });
  }
  render(message.id, true);
}

async function list(config) {
  let cursor = null;
  do {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    const response = await fetch(`${config.apiUrl}/items${query}`, { headers: config.headers });
    if (!response.ok) throw new Error(`GET /items answered ${response.status}`);
    const page = await response.json();
    for (const item of page.items) {
      rows.set(item.id, { item, version: item.version });
      render(item.id, false);
    }
    cursor = page.nextCursor;
  } while (cursor);
}

function subscribe(config) {
  const token = config.headers.Authorization;
  const socket = new WebSocket(token ? `${config.liveUpdatesUrl}?token=${encodeURIComponent(token)}` : config.liveUpdatesUrl);
  socket.onopen = () => socket.send(JSON.stringify({ action: "subscribe", collection: "items" }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "subscribed") show("live", "live: changes appear as they happen");
    else if (message.type === "error") show("error", `${message.error}: ${message.message}`);
    else if (message.type && message.type.startsWith("item.")) apply(message, config);
  };
  // API Gateway closes a connection after 2 hours (10 minutes idle): connect again.
  socket.onclose = () => {
    show("reconnecting", "connection closed: reconnecting…");
    setTimeout(() => subscribe(config), 2000);
  };
}

(async () => {
  try {
    const config = await (await fetch("config.json")).json();
    subscribe(config); // before listing: nothing that changes meanwhile is missed (versions order the two)
    await list(config);
  } catch (error) {
    show("error", String(error));
  }
})();
