// Orders: newest first, with search (order number, customer, e-mail, phone), status and
// priority filters, pages of 25 reaching every order, and a quick status move per row (the
// moves offered are the node's allowed_statuses for the order and the signed-in role).

import { getPage, get, post, query, seg } from '../api.js';
import { h } from '../dom.js';
import { label, money, when, STATUSES, PRIORITIES } from '../format.js';
import { refreshSync } from '../live.js';

const PAGE = 25;

// Pages are keyset pages: the URL holds the node's cursor of the page shown (`after`, empty on
// the first) and its number; the cursors of the pages before it are kept in the screen's state
// (`ctx.state.trail`), so "Newer" steps back one page. A bookmarked deep page has no trail: its
// "Newer" goes to the first page.
function filters(ctx) {
  return {
    search: ctx.query.get('search') || '',
    status: ctx.query.get('status') || '',
    priority: ctx.query.get('priority') || '',
    after: ctx.query.get('after') || '',
    page: Math.max(1, Number(ctx.query.get('page')) || 1),
  };
}

function go(ctx, changes) {
  const next = { ...filters(ctx), page: 1, after: '', ...changes };
  if (next.page === 1) ctx.state.trail = [];
  ctx.navigate('#/orders' + query({ ...next, page: next.page > 1 ? next.page : '' }));
}

export default {
  title: 'Orders',

  async load(ctx) {
    const chosen = filters(ctx);
    const page = await getPage('/orders' + query({
      search: chosen.search, status: chosen.status, priority: chosen.priority, limit: PAGE, cursor: chosen.after,
    }));
    return { rows: page.rows, next: page.next, chosen };
  },

  watches: (ids, data) => data.rows.some((row) => ids.has(row.id)) || data.chosen.page === 1,

  render({ rows, next, chosen }, ctx) {
    const quick = ctx.state.quick;
    const canMove = ctx.can('move_production_status') || ctx.can('confirm_payment') || ctx.can('cancel_orders');
    return h('section', { 'data-view': 'orders', 'aria-labelledby': 'orders-title' },
      h('div', { class: 'heading' },
        h('h1', { id: 'orders-title' }, 'Orders'),
        ctx.can('create_orders') ? h('a', { class: 'button primary', href: '#/orders/new' }, 'New order') : null),
      h('form', { class: 'toolbar', 'data-form': 'filter', role: 'search', 'aria-label': 'Find orders' },
        h('label', { for: 'orders-search' }, 'Search'),
        h('input', { id: 'orders-search', name: 'search', type: 'search', value: chosen.search,
          placeholder: 'Order number, name, e-mail, phone' }),
        h('label', { for: 'orders-status' }, 'Status'),
        h('select', { id: 'orders-status', name: 'status', 'data-change': 'filter' },
          h('option', { value: '', selected: !chosen.status }, 'Any'),
          chosen.status && !STATUSES.includes(chosen.status)
            ? h('option', { value: chosen.status, selected: true }, chosen.status.split(',').map(label).join(', '))
            : null,
          STATUSES.map((status) => h('option', { value: status, selected: chosen.status === status }, label(status)))),
        h('label', { for: 'orders-priority' }, 'Priority'),
        h('select', { id: 'orders-priority', name: 'priority', 'data-change': 'filter' },
          h('option', { value: '', selected: !chosen.priority }, 'Any'),
          PRIORITIES.map((priority) => h('option', { value: priority, selected: chosen.priority === priority },
            label(priority)))),
        h('button', { type: 'submit' }, 'Search')),
      rows.length === 0
        ? h('p', { class: 'empty' }, chosen.page > 1 ? 'No more orders.' : 'No orders match.')
        : h('table', { class: 'grid orders' },
          h('caption', { class: 'visually-hidden' }, `Orders, page ${chosen.page}`),
          h('thead', h('tr',
            h('th', { scope: 'col' }, 'Order'), h('th', { scope: 'col' }, 'Customer'),
            h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Priority'),
            h('th', { scope: 'col', class: 'num' }, 'Total'), h('th', { scope: 'col' }, 'Needed by'),
            h('th', { scope: 'col' }, 'Created'), canMove ? h('th', { scope: 'col' }, 'Move') : null)),
          h('tbody', rows.map((row) => orderRow(row, quick, canMove)))),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        h('button', { type: 'button', 'data-action': 'newer', disabled: chosen.page <= 1 },
          (ctx.state.trail || []).length || chosen.page <= 1 ? '← Newer' : '← First page'),
        h('span', { 'aria-live': 'polite' }, `Page ${chosen.page}`),
        h('button', { type: 'button', 'data-action': 'older', 'data-cursor': next || '', disabled: !next },
          'Older →')));
  },

  forms: {
    filter(form, ctx) {
      const values = Object.fromEntries(new FormData(form));
      go(ctx, values);
    },
    async quickmove(form, ctx) {
      const { status } = Object.fromEntries(new FormData(form));
      const ref = form.dataset.order;
      await post(`/orders/${seg(ref)}/status`, { status });
      ctx.state.quick = null;
      ctx.toast(`${ref} moved to ${label(status)}.`);
      refreshSync();
      await ctx.refresh();
    },
  },

  changes: {
    filter(select, ctx) {
      go(ctx, Object.fromEntries(new FormData(select.form)));
    },
  },

  actions: {
    older(button, ctx) {
      const chosen = filters(ctx);
      ctx.state.trail = [...(ctx.state.trail || []), chosen.after];
      go(ctx, { ...chosen, after: button.dataset.cursor, page: chosen.page + 1 });
    },
    newer(button, ctx) {
      const chosen = filters(ctx);
      const trail = [...(ctx.state.trail || [])];
      const after = trail.pop();
      ctx.state.trail = trail;
      if (after === undefined) go(ctx, { ...chosen, after: '', page: 1 });
      else go(ctx, { ...chosen, after, page: chosen.page - 1 });
    },
    async quick(button, ctx) {
      const ref = button.dataset.order;
      const order = await get(`/orders/${seg(ref)}`);
      ctx.state.quick = { ref, allowed: order.allowed_statuses || [] };
      ctx.paint();
      const select = document.getElementById('quick-' + ref);
      if (select) select.focus();
    },
    cancelquick(button, ctx) {
      ctx.state.quick = null;
      ctx.paint();
    },
  },
};

function orderRow(row, quick, canMove) {
  const open = quick && quick.ref === row.order_number;
  let move = null;
  if (canMove) {
    move = open
      ? h('td', quick.allowed.length
        ? h('form', { class: 'inline', 'data-form': 'quickmove', 'data-order': row.order_number },
          h('label', { class: 'visually-hidden', for: 'quick-' + row.order_number }, `New status for ${row.order_number}`),
          h('select', { id: 'quick-' + row.order_number, name: 'status' },
            quick.allowed.map((status) => h('option', { value: status }, label(status)))),
          h('button', { type: 'submit', class: 'small primary' }, 'Move'),
          h('button', { type: 'button', class: 'small', 'data-action': 'cancelquick' }, 'Cancel'))
        : [h('span', { class: 'muted' }, 'No moves for you. '),
          h('button', { type: 'button', class: 'small', 'data-action': 'cancelquick' }, 'Close')])
      : h('td', h('button', { type: 'button', class: 'small', 'data-action': 'quick', 'data-order': row.order_number,
        'aria-label': `Move ${row.order_number}` }, 'Move…'));
  }
  return h('tr', { 'data-key': row.id, 'data-order': row.order_number },
    h('td', h('a', { href: '#/orders/' + encodeURIComponent(row.order_number) }, row.order_number)),
    h('td', row.customer_name, h('div', { class: 'muted small' }, row.customer_email)),
    h('td', h('span', { class: 'badge status-' + row.status }, label(row.status))),
    h('td', h('span', { class: 'badge priority-' + row.priority }, label(row.priority))),
    h('td', { class: 'num' }, money(row.total_amount, row.currency)),
    h('td', row.needed_by || '—'),
    h('td', { class: 'small' }, when(row.created_at)),
    move);
}
