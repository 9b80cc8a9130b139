// New order: customer, priority, needed-by, any number of items each with any number of custom
// measurements, tax, shipping, addresses and notes. The node checks everything (the domain's
// rules); its message is shown beside the field it names.

import { post } from '../api.js';
import { h, clearEdits } from '../dom.js';
import { label, PRIORITIES } from '../format.js';
import { refreshSync } from '../live.js';
import { field, formError, itemEditor, readItem, measurementActions, clearErrors, showError } from './fields.js';

let itemCounter = 0;

function itemKeys(ctx) {
  if (!ctx.state.items) ctx.state.items = ['i' + ++itemCounter];
  return ctx.state.items;
}

const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'JPY'];

export default {
  title: 'New order',

  load: async () => ({}),

  // Nothing on this screen comes from other orders.
  watches: () => false,

  render(data, ctx) {
    if (!ctx.can('create_orders')) {
      return h('section', { 'data-view': 'new-order' }, h('h1', 'New order'),
        h('p', 'Your role may not take orders.'));
    }
    const keys = itemKeys(ctx);
    return h('section', { 'data-view': 'new-order', 'aria-labelledby': 'new-order-title' },
      h('h1', { id: 'new-order-title' }, 'New order'),
      h('form', { 'data-form': 'create', class: 'new-order', novalidate: true, 'data-edit': '' },
        h('fieldset', { class: 'panel' },
          h('legend', 'Customer'),
          h('div', { class: 'row' },
            field('customer_name', 'Name', { required: true, autocomplete: 'off' }, { wide: true }),
            field('customer_email', 'E-mail', { type: 'email', required: true, autocomplete: 'off' }, { wide: true }),
            field('customer_phone', 'Phone', { type: 'tel', autocomplete: 'off' }))),
        h('fieldset', { class: 'panel' },
          h('legend', 'Order'),
          h('div', { class: 'row' },
            field('priority', 'Priority', {
              tag: 'select',
              options: PRIORITIES.map((priority) => h('option', { value: priority, selected: priority === 'normal' },
                label(priority))),
            }),
            field('needed_by', 'Needed by', { type: 'date' }),
            field('currency', 'Currency', {
              tag: 'select', options: CURRENCIES.map((code) => h('option', { value: code }, code)),
            }),
            field('tax_amount', 'Tax', { inputmode: 'decimal', placeholder: '0.00' }),
            field('shipping_amount', 'Shipping', { inputmode: 'decimal', placeholder: '0.00' }))),
        h('div', { class: 'items-editor' },
          keys.map((key, index) => h('div', { class: 'panel item-block', 'data-key': key },
            itemEditor(ctx, 'items.' + key, {}, { legend: `Item ${index + 1}` }),
            keys.length > 1
              ? h('button', { type: 'button', class: 'small', 'data-action': 'remove-item', 'data-item': key },
                `Remove item ${index + 1}`)
              : null)),
          h('button', { type: 'button', 'data-action': 'add-item' }, '+ Another item')),
        h('fieldset', { class: 'panel' },
          h('legend', 'Shipping address (optional)'),
          h('div', { class: 'row' },
            field('shipping.line1', 'Address line 1', {}, { wide: true }),
            field('shipping.city', 'City'),
            field('shipping.state', 'State', { size: 6 }),
            field('shipping.postal_code', 'Postal code', { size: 8 }),
            field('shipping.country', 'Country', { size: 4 }))),
        h('div', { class: 'panel' },
          field('notes', 'Notes', { tag: 'textarea', rows: 2 }, { wide: true })),
        formError('create'),
        h('div', { class: 'buttons' },
          h('button', { type: 'submit', class: 'primary' }, 'Create order'),
          h('a', { class: 'button', href: '#/orders' }, 'Cancel'))));
  },

  forms: {
    async create(form, ctx) {
      clearErrors(form);
      const keys = itemKeys(ctx);
      const value = (name) => form.elements.namedItem(name).value.trim();
      const shipping = {};
      for (const part of ['line1', 'city', 'state', 'postal_code', 'country']) {
        if (value('shipping.' + part)) shipping[part] = value('shipping.' + part);
      }
      const order = {
        customer_name: value('customer_name'),
        customer_email: value('customer_email'),
        customer_phone: value('customer_phone') || null,
        priority: value('priority'),
        currency: value('currency'),
        needed_by: value('needed_by') || null,
        tax_amount: value('tax_amount') || null,
        shipping_amount: value('shipping_amount') || null,
        shipping_address: Object.keys(shipping).length ? shipping : null,
        notes: value('notes') || null,
        items: keys.map((key) => readItem(form, 'items.' + key)),
      };
      let created;
      try {
        created = await post('/orders', order);
      } catch (error) {
        showError(form, error, (name, refusal) => placeError(name, refusal, form, keys));
        return;
      }
      clearEdits(form);
      ctx.state = {};
      refreshSync();
      ctx.toast(`Created ${created.order_number}.`);
      ctx.navigate('#/orders/' + encodeURIComponent(created.order_number));
    },
  },

  actions: {
    ...measurementActions,
    'add-item'(button, ctx) {
      itemKeys(ctx).push('i' + ++itemCounter);
      ctx.paint();
      const blocks = document.querySelectorAll('.item-block');
      const input = blocks[blocks.length - 1].querySelector('input');
      if (input) input.focus();
    },
    'remove-item'(button, ctx) {
      const keys = itemKeys(ctx);
      keys.splice(keys.indexOf(button.dataset.item), 1);
      ctx.paint();
    },
  },
};

const ITEM_FIELDS = ['product_name', 'product_source', 'size', 'color', 'custom_measurements', 'quantity', 'unit_price'];

// The form field an API error names: order fields as they are; an item's field in the item the
// message names ("order.items[1]: …"), else in the first item where that field looks wrong.
function placeError(name, error, form, keys) {
  if (name === 'shipping_address') return 'shipping.line1';
  if (!ITEM_FIELDS.includes(name)) return name;
  const match = /items\[(\d+)\]/.exec(error.message);
  let index = match ? Number(match[1]) : -1;
  if (index < 0) {
    index = keys.findIndex((key) => {
      const input = form.elements.namedItem(`items.${key}.${name}`);
      return input && (!input.value.trim() || (name === 'quantity' && !(Number(input.value) >= 1)));
    });
  }
  const key = keys[Math.max(0, index)] || keys[0];
  return name === 'custom_measurements' ? `items.${key}.product_name` : `items.${key}.${name}`;
}
