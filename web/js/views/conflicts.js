// Conflicts: this workstation's edits that lost to another one or that central refused, with
// what won and why. Re-apply makes the losing value a new edit (checked like any edit);
// dismiss marks it read.

import { get, post, query } from '../api.js';
import { h } from '../dom.js';
import { label, when } from '../format.js';
import { refreshSync } from '../live.js';

function show(value) {
  if (value === null || value === undefined) return h('span', { class: 'muted' }, 'nothing');
  if (typeof value === 'object') return h('code', JSON.stringify(value));
  return h('code', String(value));
}

export default {
  title: 'Conflicts',

  async load(ctx) {
    const all = ctx.query.get('all') === 'true';
    return { all, rows: await get('/conflicts' + query({ all: all ? 'true' : '' })) };
  },

  watches: () => true,

  render({ all, rows }, ctx) {
    return h('section', { 'data-view': 'conflicts', 'aria-labelledby': 'conflicts-title' },
      h('h1', { id: 'conflicts-title' }, 'Conflicts'),
      h('p', { class: 'muted' },
        'Edits made here that another workstation’s edit beat, or that central refused. Nothing is dropped silently.'),
      h('div', { class: 'toolbar' },
        h('a', { href: all ? '#/conflicts' : '#/conflicts?all=true' }, all ? 'Show open only' : 'Show settled too')),
      rows.length === 0
        ? h('p', { class: 'empty' }, all ? 'No conflicts on this workstation.' : 'No open conflicts.')
        : h('ul', { class: 'conflicts' }, rows.map((conflict) => item(conflict, ctx))));
  },

  actions: {
    async reapply(button, ctx) {
      await post(`/conflicts/${button.dataset.conflict}/reapply`);
      ctx.toast('Re-applied as a new edit.');
      refreshSync();
      await ctx.refresh();
    },
    async dismiss(button, ctx) {
      await post(`/conflicts/${button.dataset.conflict}/dismiss`);
      ctx.toast('Dismissed.');
      refreshSync();
      await ctx.refresh();
    },
  },
};

function item(conflict, ctx) {
  const mine = conflict.author === ctx.session.email;
  const may = mine ? ctx.can('resolve_own_conflicts') : ctx.can('resolve_others_conflicts');
  const open = conflict.state === 'open';
  const what = conflict.field ? label(conflict.field) : label(conflict.op || conflict.entity);
  return h('li', { class: 'panel conflict ' + conflict.kind, 'data-key': String(conflict.id), 'data-conflict': conflict.id },
    h('div', { class: 'heading' },
      h('h2', conflict.order_number
        ? h('a', { href: '#/orders/' + encodeURIComponent(conflict.order_number) }, conflict.order_number)
        : conflict.order_id, ' · ', what),
      h('span', { class: 'badge ' + (conflict.kind === 'rejected' ? 'severity-high' : 'severity-medium') },
        conflict.kind === 'rejected' ? 'Refused by central' : 'Lost to another edit'),
      open ? null : h('span', { class: 'badge' }, label(conflict.state))),
    h('dl', { class: 'facts' },
      h('dt', 'Wanted'), h('dd', { 'data-conflict-wanted': '' }, show(conflict.wanted)),
      conflict.winner ? [h('dt', 'Won'), h('dd', show(conflict.winner.value), h('span', { class: 'muted small' },
        ` from ${conflict.winner.node_id.slice(0, 8)} at ${when(conflict.winner.at)}`))] : null,
      h('dt', 'Why'), h('dd', { class: 'why' }, conflict.message, h('span', { class: 'muted small' }, ` (${conflict.code})`)),
      h('dt', 'Edit by'), h('dd', `${conflict.author} on ${conflict.workstation}, ${when(conflict.made_at)}`),
      conflict.settled_at ? [h('dt', 'Settled'), h('dd', `${when(conflict.settled_at)} by ${conflict.settled_by}`)] : null),
    open && may
      ? h('div', { class: 'buttons', 'data-edit': '' },
        h('button', { type: 'button', class: 'primary', 'data-action': 'reapply', 'data-conflict': conflict.id,
          'aria-label': `Re-apply conflict ${conflict.id}` }, 'Re-apply my value'),
        h('button', { type: 'button', 'data-action': 'dismiss', 'data-conflict': conflict.id,
          'aria-label': `Dismiss conflict ${conflict.id}` }, 'Dismiss'))
      : null);
}
