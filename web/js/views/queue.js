// Queue: open orders by priority score, with why (priority + age + needed-by), who has claimed
// each ("I'm cutting this one"), claim and release, filters by status and priority.

import { get, post, del, query, seg } from '../api.js';
import { h } from '../dom.js';
import { label, when, OPEN_STATUSES, PRIORITIES } from '../format.js';
import { refreshSync } from '../live.js';

const CLAIMABLE = OPEN_STATUSES.filter((status) => status !== 'on_hold' && status !== 'exception');

function filters(ctx) {
  return { status: ctx.query.get('status') || '', priority: ctx.query.get('priority') || '' };
}

function setFilter(ctx, name, value) {
  const next = { ...filters(ctx), [name]: value };
  ctx.navigate('#/queue' + query(next));
}

export default {
  title: 'Queue',

  async load(ctx) {
    return get('/queue' + query({ ...filters(ctx), limit: 200 }));
  },

  watches: () => true,

  render(rows, ctx) {
    const chosen = filters(ctx);
    const me = ctx.session.email;
    return h('section', { 'data-view': 'queue', 'aria-labelledby': 'queue-title' },
      h('h1', { id: 'queue-title' }, 'Queue'),
      h('p', { class: 'muted' }, 'Open orders, most urgent first. Score = priority + age + needed-by bonus.'),
      h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Filters' },
        h('label', { for: 'queue-status' }, 'Status'),
        h('select', { id: 'queue-status', 'data-change': 'status' },
          h('option', { value: '', selected: !chosen.status }, 'All open'),
          OPEN_STATUSES.map((status) => h('option', { value: status, selected: chosen.status === status }, label(status)))),
        h('label', { for: 'queue-priority' }, 'Priority'),
        h('select', { id: 'queue-priority', 'data-change': 'priority' },
          h('option', { value: '', selected: !chosen.priority }, 'All'),
          PRIORITIES.map((priority) => h('option', { value: priority, selected: chosen.priority === priority },
            label(priority))))),
      rows.length === 0
        ? h('p', { class: 'empty' }, 'Nothing in the queue with these filters.')
        : h('table', { class: 'grid queue' },
          h('caption', { class: 'visually-hidden' }, 'Queue by priority score'),
          h('thead', h('tr',
            h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Order'), h('th', { scope: 'col' }, 'Customer'),
            h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Priority'),
            h('th', { scope: 'col', class: 'num' }, 'Score'), h('th', { scope: 'col' }, 'Why'),
            h('th', { scope: 'col' }, 'Needed by'), h('th', { scope: 'col' }, 'Claimed by'))),
          h('tbody', rows.map((row) => queueRow(row, ctx, me)))));
  },

  changes: {
    status: (select, ctx) => setFilter(ctx, 'status', select.value),
    priority: (select, ctx) => setFilter(ctx, 'priority', select.value),
  },

  actions: {
    async claim(button, ctx) {
      await post(`/orders/${seg(button.dataset.order)}/claim`);
      ctx.toast(`You have claimed ${button.dataset.order}.`);
      refreshSync();
      await ctx.refresh();
    },
    async release(button, ctx) {
      await del(`/orders/${seg(button.dataset.order)}/claim`);
      ctx.toast(`Released ${button.dataset.order}.`);
      refreshSync();
      await ctx.refresh();
    },
  },
};

function queueRow(row, ctx, me) {
  const parts = row.score_parts || {};
  const why = [
    `priority ${parts.priority ?? '?'}`,
    `age ${parts.age ?? '?'}`,
    parts.needed_by ? `needed-by ${parts.needed_by}` : null,
  ].filter(Boolean).join(' + ');
  const claim = row.claim;
  let claimCell;
  if (claim) {
    const mine = claim.by === me;
    claimCell = [
      h('span', { class: mine ? 'claim mine' : 'claim' }, mine ? 'You' : (claim.name || claim.by)),
      h('span', { class: 'muted small' }, ' since ', when(claim.at)),
      (mine && ctx.can('claim_orders')) || ctx.can('release_others_claims')
        ? h('button', { type: 'button', class: 'small', 'data-action': 'release', 'data-order': row.order_number,
          'aria-label': `Release ${row.order_number}` }, 'Release')
        : null,
    ];
  } else if (ctx.can('claim_orders') && CLAIMABLE.includes(row.status)) {
    claimCell = h('button', { type: 'button', class: 'small', 'data-action': 'claim', 'data-order': row.order_number,
      'aria-label': `Claim ${row.order_number}` }, 'Claim');
  } else {
    claimCell = h('span', { class: 'muted' }, '—');
  }
  return h('tr', { 'data-key': row.order_id, 'data-order': row.order_number },
    h('td', { class: 'num' }, String(row.queue_position)),
    h('td', h('a', { href: '#/orders/' + encodeURIComponent(row.order_number) }, row.order_number)),
    h('td', row.customer_name),
    h('td', h('span', { class: 'badge status-' + row.status }, label(row.status))),
    h('td', h('span', { class: 'badge priority-' + row.priority }, label(row.priority))),
    h('td', { class: 'num' }, h('strong', String(row.priority_score))),
    h('td', { class: 'small' }, why),
    h('td', row.needed_by || '—'),
    h('td', { class: 'claim-cell' }, claimCell));
}
