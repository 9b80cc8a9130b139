// The staff's web app: sign-in, the screens (hash routes such as #/orders/S01-W1-000001), the
// sync bar, and live updates. Screens are modules under views/ with the same shape:
//   title(data, ctx), load(ctx) → data, render(data, ctx) → element,
//   actions: {name(element, ctx, event)} for [data-action] clicks,
//   forms: {name(form, ctx)} for <form data-form> submits,
//   watches(ids, data, ctx) → whether a change to those orders concerns the screen.

import { api, get, post, del, setCsrfToken, onUnauthorized, ApiError } from './api.js';
import { h, morph, formValues } from './dom.js';
import { startLive, stopLive, onOrdersChanged, onSyncStatus } from './live.js';
import { label, clock, ago, when } from './format.js';
import dashboard from './views/dashboard.js';
import queue from './views/queue.js';
import orders from './views/orders.js';
import order from './views/order.js';
import newOrder from './views/new-order.js';
import conflicts from './views/conflicts.js';
import staff from './views/staff.js';
import { resetErrors, showError } from './views/fields.js';

const routes = [
  [/^\/(dashboard)?$/, dashboard],
  [/^\/queue$/, queue],
  [/^\/orders$/, orders],
  [/^\/orders\/new$/, newOrder],
  [/^\/orders\/([^/]+)$/, order],
  [/^\/conflicts$/, conflicts],
  [/^\/staff$/, staff],
];

const NAV = [
  ['#/dashboard', 'Dashboard', dashboard],
  ['#/queue', 'Queue', queue],
  ['#/orders', 'Orders', orders],
  ['#/orders/new', 'New order', newOrder, 'create_orders'],
  ['#/conflicts', 'Conflicts', conflicts],
  ['#/staff', 'Staff', staff],
];

const main = document.getElementById('main');
const bar = document.getElementById('syncbar');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const toastBox = document.getElementById('toast');

// What every screen gets.
const ctx = {
  session: null,
  view: null,
  params: [],
  query: new URLSearchParams(),
  data: null,
  state: {},
  sync: null,
  can(permission) {
    return Boolean(this.session && (this.session.permissions || []).includes(permission));
  },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  // Re-read the screen's data from the node, then patch the page.
  refresh: () => refresh(),
  // Re-render from the data already loaded (after a change of local state such as an open form).
  paint: () => paint(),
  toast,
  api,
};
window.kct = ctx; // for the browser tests and the curious: the app's state, read-only by convention

let generation = 0;
let loading = null;
let again = false;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/dashboard';
  const [path, search = ''] = raw.split('?');
  return { path, query: new URLSearchParams(search) };
}

async function route() {
  // In-page anchors (the skip link's #main) are not screens.
  if (!ctx.session || (location.hash && !location.hash.startsWith('#/'))) return;
  const { path, query } = parseHash();
  let view = null;
  let params = [];
  for (const [pattern, candidate] of routes) {
    const match = path.match(pattern);
    if (match) {
      view = candidate;
      params = match.slice(1).map((part) => (part ? decodeURIComponent(part) : part));
      break;
    }
  }
  generation += 1;
  const sameScreen = view === ctx.view && String(params) === String(ctx.params);
  ctx.query = query;
  if (!sameScreen) {
    ctx.view = view;
    ctx.params = params;
    ctx.state = {};
    ctx.data = null;
    resetErrors();
    main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  }
  paintNav();
  if (!view) {
    main.replaceChildren(h('section', h('h1', 'Not found'), h('p', 'There is no screen at ', h('code', path), '.')));
    return;
  }
  await refresh();
  if (!sameScreen) {
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

async function refresh() {
  if (!ctx.view) return;
  // One load at a time; changes arriving meanwhile cause one more load after it.
  if (loading) {
    again = true;
    return loading;
  }
  const mine = generation;
  const view = ctx.view;
  loading = (async () => {
    try {
      const data = await view.load(ctx);
      if (mine !== generation || view !== ctx.view) return;
      ctx.data = data;
      paint();
    } catch (error) {
      if (mine !== generation) return;
      if (error.status === 401) return;
      if (ctx.data && error.status !== 404) {
        toast(error.message, 'error');
      } else {
        ctx.data = null;
        main.replaceChildren(h('section', { class: 'problem' }, h('h1', error.status === 404 ? 'Not found' : 'Cannot show this screen'),
          h('p', error.message), h('p', h('a', { href: '#/dashboard' }, 'Back to the dashboard'))));
      }
    }
  })();
  await loading;
  loading = null;
  if (again) {
    again = false;
    await refresh();
  }
}

function paint() {
  const view = ctx.view;
  if (!view || ctx.data === null) return;
  const next = view.render(ctx.data, ctx);
  next.classList.add('screen');
  const current = main.firstElementChild;
  if (current && current.classList.contains('screen') && current.dataset.view === next.dataset.view) {
    morph(current, next);
  } else {
    main.replaceChildren(next);
  }
  const title = typeof view.title === 'function' ? view.title(ctx.data, ctx) : view.title;
  document.title = `${title} · KCT`;
  // The first screen painted with its data since the page loaded: "complete" for make bench-web.
  if (!performance.getEntriesByName('kct-ready').length) performance.mark('kct-ready');
}

function paintNav() {
  const { path } = parseHash();
  const current = '#' + (path === '/' ? '/dashboard' : path);
  const links = NAV.filter(([, , view, permission]) => (!permission || ctx.can(permission)) && (!view.visible || view.visible(ctx)))
    .map(([href, text]) => {
      const active = current === href || (href === '#/orders' && /^#\/orders\/(?!new)/.test(current));
      return h('a', { href, 'aria-current': active ? 'page' : false, 'data-key': href }, text,
        href === '#/conflicts' && ctx.sync && ctx.sync.open_conflicts
          ? h('span', { class: 'count', 'aria-label': `${ctx.sync.open_conflicts} open` }, String(ctx.sync.open_conflicts))
          : null);
    });
  morph(nav, h('nav', { id: 'nav', 'aria-label': 'Screens' }, links));
}

// ---- The sync bar

function paintSync(status, streamOpen) {
  ctx.sync = status;
  const nodeDown = status.node_reachable === false;
  // The daemon's stream to central is the live signal: it drops the moment central goes away
  // and reopens within about a second of its return (`online` alone stays true until a sync fails).
  const online = !nodeDown && (status.stream_open === undefined || status.stream_open === null
    ? status.online : status.stream_open);
  const parts = [];
  let state;
  if (nodeDown) state = ['down', 'Workstation node not answering', 'Edits cannot be saved until it is back.'];
  else if (!status.central_url) state = ['local', 'Standalone', 'This workstation has no central to sync with.'];
  else if (online) state = ['online', 'Online', 'Syncing with central.'];
  else state = ['offline', 'Offline', 'Central cannot be reached; edits are saved here and sent later.'];
  parts.push(h('span', { class: 'sync-state ' + state[0], 'data-state': state[0], title: state[2] },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), state[1]));
  if (!nodeDown) {
    parts.push(h('span', { class: 'sync-item', 'data-sync': 'pending' },
      status.pending === 1 ? '1 edit waiting' : `${status.pending} edits waiting`));
    parts.push(h('span', { class: 'sync-item', 'data-sync': 'last' },
      status.last_sync_at ? `Last sync ${clock(status.last_sync_at)} (${ago(status.last_sync_at)})` : 'Never synced'));
    if (status.lag !== null && status.lag !== undefined) {
      parts.push(h('span', { class: 'sync-item', 'data-sync': 'lag' }, `Lag ${status.lag}`));
    }
    if (status.open_conflicts) {
      parts.push(h('a', { class: 'sync-item warn', href: '#/conflicts', 'data-sync': 'conflicts' },
        status.open_conflicts === 1 ? '1 open conflict' : `${status.open_conflicts} open conflicts`));
    }
    if (status.last_error && !online) {
      parts.push(h('span', { class: 'sync-item error', 'data-sync': 'error' }, `Last error: ${status.last_error}`));
    }
    if (!streamOpen) parts.push(h('span', { class: 'sync-item muted' }, 'live updates reconnecting…'));
  }
  morph(bar, h('div', { id: 'syncbar', class: 'syncbar ' + state[0], role: 'status', 'aria-label': 'Sync status' }, parts));
  paintNav();
}

// ---- Messages

let toastTimer = null;
function toast(message, kind = 'info') {
  toastBox.textContent = message;
  toastBox.className = 'toast ' + kind;
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastBox.hidden = true; }, kind === 'error' ? 8000 : 3000);
}

// ---- Sign-in

function showSignIn(message) {
  stopLive();
  ctx.session = null;
  ctx.view = null;
  setCsrfToken(null);
  nav.replaceChildren();
  who.replaceChildren();
  bar.replaceChildren();
  document.title = 'Sign in · KCT';
  main.replaceChildren(h('section', { class: 'signin screen', 'data-view': 'signin' },
    h('h1', 'Sign in'),
    h('p', { class: 'muted' }, 'Use your staff account. Signing in works offline: this workstation checks it.'),
    h('form', { 'data-form': 'signin', class: 'stack', novalidate: true },
      h('label', { for: 'signin-email' }, 'E-mail'),
      h('input', { id: 'signin-email', name: 'email', type: 'email', autocomplete: 'username', required: true }),
      h('label', { for: 'signin-password' }, 'Password'),
      h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password',
        required: true }),
      h('p', { class: 'field-error', id: 'signin-error', role: 'alert' }, message || ''),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'))));
  main.querySelector('#signin-email').focus();
}

async function signIn(form) {
  const { email, password } = formValues(form);
  const errorBox = form.querySelector('#signin-error');
  errorBox.textContent = '';
  try {
    await post('/session', { email, password, cookie: true });
    await startSession();
  } catch (error) {
    errorBox.textContent = error.message;
    form.querySelector('#signin-password').select();
  }
}

async function startSession() {
  const session = await get('/session');
  ctx.session = session;
  setCsrfToken(session.csrf_token);
  paintWho();
  startLive();
  await route();
}

function paintWho() {
  const session = ctx.session;
  morph(who, h('div', { id: 'who', class: 'who' },
    h('span', { class: 'who-name' }, session.name),
    h('span', { class: 'role', 'data-role': session.role }, label(session.role)),
    h('span', { class: 'muted', title: `Session ends ${when(session.expires_at)} unless used` },
      `until ${clock(session.expires_at)}`),
    h('button', { type: 'button', 'data-action': 'signout', class: 'link' }, 'Sign out')));
}

async function signOut() {
  sessionStorage.clear();
  try {
    await del('/session');
  } catch {
    // Already ended: the sign-in screen is where we go either way.
  }
  showSignIn('Signed out.');
}

// ---- Events, delegated from the document so re-rendered screens need no re-binding

document.addEventListener('click', async (event) => {
  const target = event.target.closest('[data-action]');
  if (!target || target.disabled) return;
  const name = target.dataset.action;
  if (name === 'signout') return signOut();
  const handler = ctx.view && ctx.view.actions && ctx.view.actions[name];
  if (!handler) return;
  event.preventDefault();
  target.disabled = true;
  try {
    await handler(target, ctx, event);
  } catch (error) {
    report(error);
  } finally {
    target.disabled = false;
  }
});

document.addEventListener('submit', async (event) => {
  const form = event.target.closest('form[data-form]');
  if (!form) return;
  event.preventDefault();
  const name = form.dataset.form;
  if (name === 'signin') return signIn(form);
  const handler = ctx.view && ctx.view.forms && ctx.view.forms[name];
  if (!handler) return;
  const button = event.submitter || form.querySelector('[type=submit]');
  if (button) button.disabled = true;
  try {
    await handler(form, ctx, event);
  } catch (error) {
    report(error, form);
  } finally {
    if (button) button.disabled = false;
  }
});

document.addEventListener('change', (event) => {
  const target = event.target.closest('[data-change]');
  const handler = target && ctx.view && ctx.view.changes && ctx.view.changes[target.dataset.change];
  if (handler) Promise.resolve(handler(target, ctx, event)).catch((error) => report(error));
});

// An error from the node shown where it belongs: beside the field it names, in the form's
// message line, or as a toast.
function report(error, form) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    toast(String(error.message || error), 'error');
    return;
  }
  if (error.status === 401) return;
  if (form && showError(form, error)) return;
  toast(error.message, 'error');
}
ctx.report = report;

onUnauthorized((error) => showSignIn(ctx.session ? 'Your session has ended: ' + error.message : ''));
onOrdersChanged((ids) => {
  if (!ctx.view || !ctx.data) return;
  if (!ctx.view.watches || ctx.view.watches(ids, ctx.data, ctx)) refresh();
});
onSyncStatus(paintSync);
window.addEventListener('hashchange', route);
// The session's expiry moves with use; the header shows it, re-read every minute.
setInterval(async () => {
  if (!ctx.session) return;
  try {
    ctx.session = { ...ctx.session, ...(await get('/session')) };
    paintWho();
  } catch {
    // A 401 already showed the sign-in screen.
  }
}, 60000);

startSession().catch((error) => {
  showSignIn(error.status === 401 ? '' : error.message);
});
