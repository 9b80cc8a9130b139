// The order page: customer, addresses, items with measurements (add, edit, remove), totals, the
// status history as a timeline with durations, the next moves as buttons (only the node's
// allowed_statuses for this order and role), exceptions, the communication log, priority,
// notes and needed-by. Controls the role lacks are not shown at all.

import { get, post, patch, del, seg } from '../api.js';
import { h, clearEdits } from '../dom.js';
import {
  label, money, when, duration, addressLines, PRIORITIES, EXCEPTION_TYPES, SEVERITIES, COMMUNICATION_TYPES, CHANNELS,
} from '../format.js';
import { refreshSync } from '../live.js';
import { field, formError, itemEditor, readItem, measurementActions, clearErrors, showError } from './fields.js';

const ADDRESS_PARTS = [['line1', 'Address line 1'], ['line2', 'Address line 2'], ['city', 'City'], ['state', 'State'],
  ['postal_code', 'Postal code'], ['country', 'Country']];

const ref = (ctx) => ctx.params[0];

// After an edit: the node answers with the order; show it and tell the sync bar.
function saved(ctx, order, message, form) {
  if (order && order.id && order.order_number) ctx.data = order;
  if (form) {
    clearErrors(form);
    clearEdits(form);
  }
  if (message) ctx.toast(message);
  refreshSync();
  ctx.paint();
}

const sameJSON = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(value) {
  if (value && typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length) return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value ?? null;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
}

export default {
  title: (order) => `${order.order_number}`,

  load: (ctx) => get(`/orders/${seg(ref(ctx))}`),

  watches: (ids, order) => ids.has(order.id),

  render(order, ctx) {
    return h('article', { 'data-view': 'order', 'data-order': order.order_number, 'aria-labelledby': 'order-title' },
      header(order, ctx),
      moves(order, ctx),
      h('div', { class: 'order-grid' },
        h('div', { class: 'order-main' },
          items(order, ctx),
          totals(order),
          exceptions(order, ctx),
          communications(order, ctx)),
        h('div', { class: 'order-side' },
          details(order, ctx),
          addresses(order, ctx),
          history(order))));
  },

  forms: {
    async move(form, ctx, event) {
      const status = event.submitter && event.submitter.value;
      if (!status) return;
      clearErrors(form);
      const note = form.elements.namedItem('note').value.trim();
      const order = await post(`/orders/${seg(ref(ctx))}/status`, note ? { status, note } : { status });
      form.elements.namedItem('note').value = '';
      saved(ctx, order, `Moved to ${label(status)}.`, form);
    },

    async details(form, ctx) {
      clearErrors(form);
      const order = ctx.data;
      const values = Object.fromEntries(new FormData(form));
      const changes = {};
      for (const name of ['customer_name', 'customer_email', 'customer_phone', 'notes', 'needed_by', 'priority',
        'tax_amount', 'shipping_amount']) {
        if (!(name in values)) continue;
        const before = order[name] ?? '';
        if (values[name].trim() !== String(before)) changes[name] = values[name].trim();
      }
      if (!Object.keys(changes).length) {
        ctx.toast('Nothing changed.');
        return;
      }
      const updated = await patch(`/orders/${seg(ref(ctx))}`, changes);
      saved(ctx, updated, 'Saved.', form);
    },

    async addresses(form, ctx) {
      clearErrors(form);
      const changes = {};
      for (const kind of ['shipping_address', 'billing_address']) {
        const address = {};
        for (const [part] of ADDRESS_PARTS) {
          const text = form.elements.namedItem(`${kind}.${part}`).value.trim();
          if (text) address[part] = text;
        }
        const before = ctx.data[kind] || null;
        const after = Object.keys(address).length ? { ...(before || {}), ...address } : null;
        for (const [part] of ADDRESS_PARTS) if (after && !address[part]) delete after[part];
        if (!sameJSON(before, after)) changes[kind] = after;
      }
      if (!Object.keys(changes).length) {
        ctx.toast('Nothing changed.');
        return;
      }
      const updated = await patch(`/orders/${seg(ref(ctx))}`, changes);
      saved(ctx, updated, 'Addresses saved.', form);
    },

    async 'item-edit'(form, ctx) {
      clearErrors(form);
      const id = form.dataset.itemId;
      const prefix = 'item-' + id;
      const before = ctx.data.items.find((item) => item.id === id);
      const after = readItem(form, prefix, { canPrice: ctx.can('change_prices') });
      const changes = {};
      for (const [name, value] of Object.entries(after)) {
        const old = before[name] ?? null;
        if (name === 'custom_measurements' ? !sameJSON(old, value) : String(old ?? '') !== String(value ?? '')) {
          changes[name] = value;
        }
      }
      if (!Object.keys(changes).length) {
        ctx.state.editing = null;
        ctx.paint();
        return;
      }
      try {
        const updated = await patch(`/orders/${seg(ref(ctx))}/items/${seg(id)}`, changes);
        ctx.state.editing = null;
        delete (ctx.state.measurements || {})[prefix];
        saved(ctx, updated, 'Item saved.', form);
      } catch (error) {
        showError(form, error, (name) => `${prefix}.${name}`);
      }
    },

    async 'item-add'(form, ctx) {
      clearErrors(form);
      const item = readItem(form, 'new-item');
      try {
        const updated = await post(`/orders/${seg(ref(ctx))}/items`, item);
        ctx.state.adding = false;
        delete (ctx.state.measurements || {})['new-item'];
        form.reset();
        saved(ctx, updated, 'Item added.', form);
      } catch (error) {
        showError(form, error, (name) => `new-item.${name}`);
      }
    },

    async 'exception-open'(form, ctx) {
      clearErrors(form);
      const values = Object.fromEntries(new FormData(form));
      await post(`/orders/${seg(ref(ctx))}/exceptions`, {
        exception_type: values.exception_type.trim(),
        exception_severity: values.exception_severity,
        description: values.description.trim() || null,
        customer_notified: form.elements.namedItem('customer_notified').checked,
      });
      form.reset();
      clearEdits(form);
      ctx.toast('Exception opened.');
      refreshSync();
      await ctx.refresh();
    },

    async 'exception-resolve'(form, ctx) {
      clearErrors(form);
      const values = Object.fromEntries(new FormData(form));
      await post(`/exceptions/${seg(form.dataset.exception)}/resolve`, {
        resolution_status: values.resolution_status,
        resolution_notes: values.resolution_notes.trim() || null,
        customer_notified: form.elements.namedItem('customer_notified').checked,
      });
      ctx.toast(`Exception ${label(values.resolution_status).toLowerCase()}.`);
      refreshSync();
      await ctx.refresh();
    },

    async communication(form, ctx) {
      clearErrors(form);
      const values = Object.fromEntries(new FormData(form));
      const updated = await post(`/orders/${seg(ref(ctx))}/communications`, {
        communication_type: values.communication_type,
        communication_channel: values.communication_channel,
        message_content: values.message_content.trim(),
      });
      form.reset();
      saved(ctx, updated, 'Logged.', form);
    },
  },

  actions: {
    ...measurementActions,
    'edit-item'(button, ctx) {
      ctx.state.editing = button.dataset.itemId;
      ctx.paint();
      const input = document.getElementById(`field-item-${button.dataset.itemId}-product-name`);
      if (input) input.focus();
    },
    'cancel-item'(button, ctx) {
      delete (ctx.state.measurements || {})['item-' + ctx.state.editing];
      ctx.state.editing = null;
      ctx.state.adding = false;
      delete (ctx.state.measurements || {})['new-item'];
      ctx.paint();
    },
    'add-item'(button, ctx) {
      ctx.state.adding = true;
      ctx.paint();
      const input = document.getElementById('field-new-item-product-name');
      if (input) input.focus();
    },
    'remove-item'(button, ctx) {
      ctx.state.removing = button.dataset.itemId;
      ctx.paint();
    },
    'keep-item'(button, ctx) {
      ctx.state.removing = null;
      ctx.paint();
    },
    async 'confirm-remove'(button, ctx) {
      const updated = await del(`/orders/${seg(ref(ctx))}/items/${seg(button.dataset.itemId)}`);
      ctx.state.removing = null;
      saved(ctx, updated, 'Item removed.');
      if (!updated) await ctx.refresh();
    },
    async claim(button, ctx) {
      await post(`/orders/${seg(ref(ctx))}/claim`);
      refreshSync();
      await ctx.refresh();
    },
    async release(button, ctx) {
      await del(`/orders/${seg(ref(ctx))}/claim`);
      refreshSync();
      await ctx.refresh();
    },
  },
};

// ---- Sections

function header(order, ctx) {
  const claim = order.claim;
  return h('header', { class: 'order-header' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/orders' }, 'Orders'), ' / ', order.order_number),
    h('h1', { id: 'order-title' }, order.order_number, ' ', h('span', { class: 'muted' }, '· ', order.customer_name)),
    h('div', { class: 'badges' },
      h('span', { class: 'badge status-' + order.status, 'data-status': order.status }, label(order.status)),
      order.resume_status ? h('span', { class: 'muted' }, `(returns to ${label(order.resume_status)})`) : null,
      h('span', { class: 'badge priority-' + order.priority }, label(order.priority)),
      order.needed_by ? h('span', { class: 'badge' }, 'Needed by ', order.needed_by) : null,
      claim ? h('span', { class: 'claim' }, 'Claimed by ', claim.name || claim.by) : null,
      claim && (claim.by === ctx.session.email || ctx.can('release_others_claims'))
        ? h('button', { type: 'button', class: 'small', 'data-action': 'release', 'data-edit': '' }, 'Release claim')
        : null,
      !claim && order.claim !== undefined && ctx.can('claim_orders')
        ? h('button', { type: 'button', class: 'small', 'data-action': 'claim', 'data-edit': '' }, 'Claim')
        : null),
    h('p', { class: 'muted small' }, `Created ${when(order.created_at)} by ${order.created_by}; updated ${when(order.updated_at)}`));
}

function moves(order, ctx) {
  const allowed = order.allowed_statuses || [];
  if (!allowed.length) {
    return h('section', { class: 'panel moves', 'aria-labelledby': 'moves-title' },
      h('h2', { id: 'moves-title', class: 'visually-hidden' }, 'Next steps'),
      h('p', { class: 'muted' }, ['completed', 'cancelled', 'refunded'].includes(order.status)
        ? `This order is ${label(order.status).toLowerCase()}: it does not move any more.`
        : 'There is no move you can make on this order.'));
  }
  return h('section', { class: 'panel moves', 'aria-labelledby': 'moves-title', 'data-edit': '' },
    h('h2', { id: 'moves-title' }, 'Next steps'),
    h('form', { 'data-form': 'move', class: 'move-form' },
      // Enter in the note field must not move the order: the implicit default button does nothing.
      h('button', { type: 'submit', disabled: true, hidden: true, 'aria-hidden': 'true', tabindex: -1 }),
      h('div', { class: 'move-buttons', role: 'group', 'aria-label': 'Move the order to' },
        allowed.map((status) => h('button', {
          type: 'submit', name: 'status', value: status, 'data-move': status, 'data-key': 'move-' + status,
          class: 'move ' + (['cancelled', 'refunded'].includes(status) ? 'danger' : ['on_hold', 'exception'].includes(status) ? '' : 'primary'),
        }, '→ ', label(status)))),
      h('div', { class: 'move-note' },
        h('label', { for: 'move-note' }, 'Note for the history (optional)'),
        h('input', { id: 'move-note', name: 'note', maxlength: 500 })),
      formError('move')));
}

function items(order, ctx) {
  const canEdit = ctx.can('edit_items');
  const canPrice = ctx.can('change_prices');
  const rows = [];
  for (const item of order.items) {
    const editing = ctx.state.editing === item.id;
    rows.push(h('tr', { 'data-key': item.id, 'data-item-id': item.id },
      h('td', { class: 'num' }, String(item.line_number)),
      h('td', h('strong', item.product_name), item.product_source === 'custom' ? h('span', { class: 'muted' }, ' (custom)') : null),
      h('td', item.size || '—'),
      h('td', item.color || '—'),
      h('td', { class: 'measure-list' }, measurementList(item.custom_measurements)),
      h('td', { class: 'num' }, String(item.quantity)),
      h('td', { class: 'num' }, money(item.unit_price, order.currency)),
      h('td', { class: 'num' }, money(item.total_price, order.currency)),
      canEdit
        ? h('td', { class: 'actions', 'data-edit': '' },
          ctx.state.removing === item.id
            ? [h('span', 'Remove this item? '),
              h('button', { type: 'button', class: 'small danger', 'data-action': 'confirm-remove', 'data-item-id': item.id },
                'Yes, remove'),
              h('button', { type: 'button', class: 'small', 'data-action': 'keep-item' }, 'Keep')]
            : [h('button', { type: 'button', class: 'small', 'data-action': 'edit-item', 'data-item-id': item.id,
              'aria-label': `Edit item ${item.line_number}`, disabled: editing }, 'Edit'),
            h('button', { type: 'button', class: 'small', 'data-action': 'remove-item', 'data-item-id': item.id,
              'aria-label': `Remove item ${item.line_number}` }, 'Remove')])
        : null));
    if (editing) {
      rows.push(h('tr', { 'data-key': 'edit-' + item.id, class: 'editing' },
        h('td', { colspan: canEdit ? 9 : 8 },
          h('form', { 'data-form': 'item-edit', 'data-item-id': item.id, 'data-edit': '' },
            itemEditor(ctx, 'item-' + item.id, item, { canPrice, legend: `Item ${item.line_number}` }),
            formError('item-edit'),
            h('div', { class: 'buttons' },
              h('button', { type: 'submit', class: 'primary' }, 'Save item'),
              h('button', { type: 'button', 'data-action': 'cancel-item' }, 'Cancel'))))));
    }
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'items-title' },
    h('div', { class: 'heading' },
      h('h2', { id: 'items-title' }, `Items (${order.items.length})`),
      canEdit && !ctx.state.adding
        ? h('button', { type: 'button', 'data-action': 'add-item', 'data-edit': '' }, '+ Add item')
        : null),
    h('table', { class: 'grid items' },
      h('caption', { class: 'visually-hidden' }, 'Items'),
      h('thead', h('tr', h('th', { scope: 'col', class: 'num' }, '#'), h('th', { scope: 'col' }, 'Product'),
        h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Colour'), h('th', { scope: 'col' }, 'Measurements'),
        h('th', { scope: 'col', class: 'num' }, 'Qty'), h('th', { scope: 'col', class: 'num' }, 'Unit price'),
        h('th', { scope: 'col', class: 'num' }, 'Total'),
        canEdit ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
      h('tbody', rows)),
    canEdit && ctx.state.adding
      ? h('form', { 'data-form': 'item-add', class: 'add-item', 'data-edit': '' },
        itemEditor(ctx, 'new-item', {}, { canPrice: true, legend: 'New item' }),
        formError('item-add'),
        h('div', { class: 'buttons' },
          h('button', { type: 'submit', class: 'primary' }, 'Add item'),
          h('button', { type: 'button', 'data-action': 'cancel-item' }, 'Cancel')))
      : null);
}

function measurementList(measurements) {
  const entries = Object.entries(measurements || {});
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('dl', { class: 'measures' }, entries.map(([name, value]) => [h('dt', label(name)), h('dd', String(value))]));
}

function totals(order) {
  const currency = order.currency;
  return h('section', { class: 'panel totals', 'aria-labelledby': 'totals-title' },
    h('h2', { id: 'totals-title', class: 'visually-hidden' }, 'Totals'),
    h('dl', { class: 'facts totals-list' },
      h('dt', 'Subtotal'), h('dd', { 'data-total': 'subtotal' }, money(order.subtotal_amount, currency)),
      h('dt', 'Tax'), h('dd', money(order.tax_amount, currency)),
      h('dt', 'Shipping'), h('dd', money(order.shipping_amount, currency)),
      h('dt', { class: 'grand' }, 'Total'), h('dd', { class: 'grand', 'data-total': 'total' }, money(order.total_amount, currency))));
}

function details(order, ctx) {
  const canEdit = ctx.can('edit_order_details');
  const canPriority = ctx.can('change_priority');
  const canPrice = ctx.can('change_prices');
  if (!canEdit && !canPriority) {
    return h('section', { class: 'panel', 'aria-labelledby': 'details-title' },
      h('h2', { id: 'details-title' }, 'Customer and order'),
      h('dl', { class: 'facts' },
        h('dt', 'Customer'), h('dd', order.customer_name),
        h('dt', 'E-mail'), h('dd', order.customer_email),
        h('dt', 'Phone'), h('dd', order.customer_phone || '—'),
        h('dt', 'Priority'), h('dd', label(order.priority)),
        h('dt', 'Needed by'), h('dd', order.needed_by || '—'),
        h('dt', 'Notes'), h('dd', { class: 'notes' }, order.notes || '—')));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'details-title' },
    h('h2', { id: 'details-title' }, 'Customer and order'),
    h('form', { 'data-form': 'details', class: 'stack', 'data-edit': '' },
      canEdit ? [
        field('customer_name', 'Customer', { value: order.customer_name, required: true, autocomplete: 'off' }),
        field('customer_email', 'E-mail', { value: order.customer_email, type: 'email', autocomplete: 'off' }),
        field('customer_phone', 'Phone', { value: order.customer_phone || '', type: 'tel', autocomplete: 'off' }),
        field('needed_by', 'Needed by', { value: order.needed_by || '', type: 'date' }),
      ] : null,
      canPriority
        ? field('priority', 'Priority', {
          tag: 'select',
          options: PRIORITIES.map((priority) => h('option', { value: priority, selected: priority === order.priority },
            label(priority))),
        })
        : h('p', 'Priority: ', h('strong', label(order.priority))),
      canPrice ? [
        field('tax_amount', `Tax (${order.currency})`, { value: order.tax_amount, inputmode: 'decimal' }),
        field('shipping_amount', `Shipping (${order.currency})`, { value: order.shipping_amount, inputmode: 'decimal' }),
      ] : null,
      canEdit ? field('notes', 'Notes', { tag: 'textarea', value: order.notes || '', rows: 3 }, { wide: true }) : null,
      formError('details'),
      h('button', { type: 'submit', class: 'primary' }, 'Save')));
}

function addresses(order, ctx) {
  const canEdit = ctx.can('edit_order_details');
  const show = (title, address) => h('div', { class: 'address' }, h('h3', title),
    addressLines(address).length ? h('address', addressLines(address).map((line) => h('div', line)))
      : h('p', { class: 'muted' }, 'None'));
  if (!canEdit) {
    return h('section', { class: 'panel', 'aria-labelledby': 'addresses-title' },
      h('h2', { id: 'addresses-title' }, 'Addresses'),
      show('Shipping', order.shipping_address), show('Billing', order.billing_address));
  }
  const fields = (kind, title) => h('fieldset', { class: 'address-fields' }, h('legend', title),
    ADDRESS_PARTS.map(([part, text]) => field(`${kind}.${part}`, text, { value: (order[kind] || {})[part] || '' })));
  return h('section', { class: 'panel', 'aria-labelledby': 'addresses-title' },
    h('h2', { id: 'addresses-title' }, 'Addresses'),
    show('Shipping', order.shipping_address), show('Billing', order.billing_address),
    h('details', { class: 'addresses' },
      h('summary', 'Edit addresses'),
      h('form', { 'data-form': 'addresses', class: 'stack', 'data-edit': '' },
        fields('shipping_address', 'Shipping'), fields('billing_address', 'Billing'),
        formError('addresses'),
        h('button', { type: 'submit', class: 'primary' }, 'Save addresses'))));
}

function history(order) {
  const entries = [...order.status_history].sort((a, b) => a.changed_at.localeCompare(b.changed_at));
  const last = entries[entries.length - 1];
  const inCurrent = last ? (Date.now() - new Date(last.changed_at).getTime()) / 1000 : null;
  return h('section', { class: 'panel', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Status history'),
    h('ol', { class: 'timeline' },
      entries.map((entry, index) => {
        const next = entries[index + 1];
        const stayed = next ? next.duration_in_previous_seconds : inCurrent;
        return h('li', { 'data-key': entry.id, 'data-status': entry.to_status },
          h('div', { class: 'timeline-head' },
            h('span', { class: 'badge status-' + entry.to_status }, label(entry.to_status)),
            h('span', { class: 'muted small' }, ' ', when(entry.changed_at))),
          h('div', { class: 'small' }, entry.from_status ? `from ${label(entry.from_status)} · ` : 'created · ',
            'by ', entry.changed_by),
          entry.note ? h('div', { class: 'note' }, entry.note) : null,
          stayed !== null && stayed !== undefined
            ? h('div', { class: 'duration small' }, next ? `${duration(stayed)} in this status` : `${duration(stayed)} so far`)
            : null);
      })));
}

function exceptions(order, ctx) {
  const list = [...order.exceptions].sort((a, b) => b.created_at.localeCompare(a.created_at));
  const canOpen = ctx.can('open_exceptions');
  const canResolve = ctx.can('resolve_exceptions');
  return h('section', { class: 'panel', 'aria-labelledby': 'exceptions-title' },
    h('h2', { id: 'exceptions-title' }, `Exceptions (${list.filter((e) => ['open', 'investigating'].includes(e.resolution_status)).length} open)`),
    list.length === 0 ? h('p', { class: 'muted' }, 'None.') : h('ul', { class: 'exceptions' }, list.map((exception) => {
      const open = ['open', 'investigating'].includes(exception.resolution_status);
      return h('li', { 'data-key': exception.id, class: 'exception severity-' + exception.exception_severity },
        h('div', h('strong', label(exception.exception_type)), ' ',
          h('span', { class: 'badge severity-' + exception.exception_severity }, label(exception.exception_severity)), ' ',
          h('span', { class: 'badge' }, label(exception.resolution_status))),
        exception.description ? h('p', exception.description) : null,
        h('div', { class: 'muted small' }, `Opened ${when(exception.created_at)} by ${exception.created_by}`,
          exception.customer_notified ? ' · customer notified' : ''),
        exception.resolved_at ? h('div', { class: 'muted small' },
          `${label(exception.resolution_status)} ${when(exception.resolved_at)} by ${exception.resolved_by}`,
          exception.resolution_notes ? `: ${exception.resolution_notes}` : '') : null,
        open && canResolve
          ? h('form', { 'data-form': 'exception-resolve', 'data-exception': exception.id, class: 'inline-form', 'data-edit': '' },
            field(`resolve-${exception.id}.resolution_status`, 'Outcome', {
              tag: 'select', name: 'resolution_status',
              options: [h('option', { value: 'resolved' }, 'Resolved'), h('option', { value: 'dismissed' }, 'Dismissed')],
            }),
            field(`resolve-${exception.id}.resolution_notes`, 'Notes', { name: 'resolution_notes' }),
            h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'customer_notified',
              checked: exception.customer_notified }), ' Customer notified'),
            h('button', { type: 'submit' }, 'Resolve'),
            formError('exception-resolve'))
          : null);
    })),
    canOpen
      ? h('details', { class: 'open-exception', 'data-edit': '' },
        h('summary', 'Open an exception'),
        h('form', { 'data-form': 'exception-open', class: 'stack' },
          field('exception_type', 'Type', { list: 'exception-types', required: true, placeholder: 'wrong_measurement' }),
          h('datalist', { id: 'exception-types' }, EXCEPTION_TYPES.map((type) => h('option', { value: type }))),
          field('exception_severity', 'Severity', {
            tag: 'select', options: SEVERITIES.map((severity) => h('option', { value: severity, selected: severity === 'medium' },
              label(severity))),
          }),
          field('description', 'Description', { tag: 'textarea', rows: 2 }),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'customer_notified' }), ' Customer notified'),
          formError('exception-open'),
          h('button', { type: 'submit' }, 'Open exception')))
      : null);
}

function communications(order, ctx) {
  const list = [...order.customer_communication_logs].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return h('section', { class: 'panel', 'aria-labelledby': 'log-title' },
    h('h2', { id: 'log-title' }, 'Communication log'),
    ctx.can('log_communications')
      ? h('form', { 'data-form': 'communication', class: 'log-form', 'data-edit': '' },
        field('communication_type', 'Type', {
          tag: 'select', options: COMMUNICATION_TYPES.map((type) => h('option', { value: type }, label(type))),
        }),
        field('communication_channel', 'Channel', {
          tag: 'select', options: CHANNELS.map((channel) => h('option', { value: channel }, label(channel))),
        }),
        field('message_content', 'Message', { tag: 'textarea', rows: 2, required: true }, { wide: true }),
        formError('communication'),
        h('button', { type: 'submit' }, 'Add to log'))
      : null,
    list.length === 0 ? h('p', { class: 'muted' }, 'Nothing logged yet.') : h('ul', { class: 'log' }, list.map((entry) =>
      h('li', { 'data-key': entry.id },
        h('div', h('strong', label(entry.communication_type)), ' · ', label(entry.communication_channel),
          h('span', { class: 'muted small' }, ` · ${when(entry.created_at)} · ${entry.created_by}`)),
        h('p', entry.message_content)))));
}
