// What keeps every screen current: the node's event stream (GET /api/events names the orders a
// local edit, another tab, the CLI or a sync changed) and its sync status (GET /api/sync, asked
// twice a second while the page is visible, because going offline is not an event the node
// announces). Listeners get the changed order ids; the sync bar gets the status.

import { get } from './api.js';

const changeListeners = new Set();
const syncListeners = new Set();
let source = null;
let pollTimer = null;
let lastSync = null;
let streamOpen = false;

export function onOrdersChanged(listener) {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

export function onSyncStatus(listener) {
  syncListeners.add(listener);
  if (lastSync) listener(lastSync, streamOpen);
  return () => syncListeners.delete(listener);
}

export function startLive() {
  stopLive();
  source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    streamOpen = true;
    pollSync();
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself (the node sends retry: 1000); meanwhile the bar says so.
    streamOpen = false;
    publishSync();
  });
  source.addEventListener('change', (event) => {
    let ids = [];
    try {
      ids = JSON.parse(event.data).order_ids || [];
    } catch {
      return;
    }
    for (const listener of changeListeners) listener(new Set(ids));
    pollSync();
  });
  document.addEventListener('visibilitychange', visibilityChanged);
  pollSync();
}

export function stopLive() {
  if (source) source.close();
  source = null;
  streamOpen = false;
  clearTimeout(pollTimer);
  pollTimer = null;
  document.removeEventListener('visibilitychange', visibilityChanged);
}

function visibilityChanged() {
  if (document.visibilityState === 'visible') pollSync();
}

let polling = false;
async function pollSync() {
  clearTimeout(pollTimer);
  if (polling) return;
  polling = true;
  try {
    lastSync = await get('/sync');
    lastSync.node_reachable = true;
  } catch (error) {
    lastSync = { ...(lastSync || {}), node_reachable: error.status !== 0 ? true : false, node_error: error.message };
    if (error.status === 401) {
      polling = false;
      return;
    }
  }
  polling = false;
  publishSync();
  if (source && document.visibilityState !== 'hidden') pollTimer = setTimeout(pollSync, 500);
}

function publishSync() {
  if (!lastSync) return;
  for (const listener of syncListeners) listener(lastSync, streamOpen);
}

// A page left for another (reload, link) may be kept in the back-forward cache with its stream
// still open; a browser allows only six connections to one host, so a few reloads would leave
// none for the next page. Close the stream when the page is hidden; open it again if it returns.
window.addEventListener('pagehide', () => {
  if (source) {
    stopLive();
    resumeOnShow = true;
  }
});
let resumeOnShow = false;
window.addEventListener('pageshow', (event) => {
  if (event.persisted && resumeOnShow) {
    resumeOnShow = false;
    startLive();
  }
});

// Re-read the sync status now (after an edit: "edits waiting" goes up at once).
export const refreshSync = () => pollSync();
