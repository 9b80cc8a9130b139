// Form pieces shared by the order page and the new-order form: labelled fields with a place for
// the node's message about them, the item editor with any number of custom measurements, and
// putting an API error beside the field it names.

import { h } from '../dom.js';

let counter = 0;
// The node's messages about fields (by path) and forms ('form:NAME'), kept here rather than only
// in the page so a re-render (a live update) does not wipe them. Cleared on a new screen.
const errors = new Map();
export function resetErrors() {
  errors.clear();
}

const uid = (name) => `f-${name.replace(/[^a-z0-9]+/gi, '-')}-${++counter}`;

// A labelled input; `path` names it in the form (and in error placement).
export function field(path, text, attributes = {}, { hint, wide } = {}) {
  const id = 'field-' + path.replace(/[^a-z0-9]+/gi, '-');
  const errorId = id + '-error';
  const tag = attributes.tag || 'input';
  const message = errors.get(path) || '';
  const common = { id, name: path, 'aria-describedby': errorId, 'aria-invalid': message ? 'true' : false };
  const control = tag === 'select'
    ? h('select', { ...common, ...without(attributes, 'tag', 'options') }, attributes.options)
    : h(tag, { ...common, ...without(attributes, 'tag') });
  return h('div', { class: 'field' + (wide ? ' wide' : ''), 'data-field': path, 'data-key': 'field-' + path },
    h('label', { for: id }, text),
    control,
    hint ? h('div', { class: 'hint' }, hint) : null,
    h('div', { class: 'field-error', id: errorId, role: 'alert' }, message));
}

// The line where a form shows a refusal that is not about one field.
export function formError(name) {
  return h('p', { class: 'form-error', role: 'alert', 'data-form-error': name }, errors.get('form:' + name) || '');
}

function without(object, ...names) {
  const copy = { ...object };
  for (const name of names) delete copy[name];
  return copy;
}

// ---- Items with measurements

// The measurement rows of an item editor live in ctx.state so a re-render (a live update)
// keeps the rows the user added; each row has a key so removing one keeps the others' text.
export function measurementKeys(ctx, prefix, measurements) {
  ctx.state.measurements = ctx.state.measurements || {};
  if (!ctx.state.measurements[prefix]) {
    const names = Object.keys(measurements || {});
    ctx.state.measurements[prefix] = names.length ? names.map(() => uid('m')) : [];
  }
  return ctx.state.measurements[prefix];
}

export function itemEditor(ctx, prefix, item = {}, { canPrice = true, legend = 'Item' } = {}) {
  const measurements = item.custom_measurements || {};
  const names = Object.keys(measurements);
  const keys = measurementKeys(ctx, prefix, measurements);
  return h('fieldset', { class: 'item-editor', 'data-item': prefix, 'data-key': 'item-' + prefix },
    h('legend', legend),
    h('div', { class: 'row' },
      field(`${prefix}.product_name`, 'Product', { value: item.product_name || '', required: true }, { wide: true }),
      field(`${prefix}.size`, 'Size', { value: item.size || '', size: 6 }),
      field(`${prefix}.color`, 'Colour', { value: item.color || '', size: 8 }),
      field(`${prefix}.quantity`, 'Quantity', { value: item.quantity || 1, type: 'number', min: 1, step: 1 }),
      canPrice
        ? field(`${prefix}.unit_price`, 'Unit price', { value: item.unit_price || '', inputmode: 'decimal',
          placeholder: '0.00', required: true })
        : null),
    h('div', { class: 'measurements', role: 'group', 'aria-label': `Custom measurements of ${legend}` },
      h('div', { class: 'measurements-title' }, 'Custom measurements'),
      keys.length === 0 ? h('p', { class: 'muted small' }, 'None.') : null,
      keys.map((key, index) => {
        const name = names[index] ?? '';
        const value = name ? measurements[name] : '';
        return h('div', { class: 'measurement', 'data-key': key, 'data-measurement': key },
          field(`${prefix}.m.${key}.name`, 'Measurement', { value: name, placeholder: 'chest', list: 'measurement-names' }),
          field(`${prefix}.m.${key}.value`, 'Value', { value: String(value), placeholder: '40', size: 8 }),
          h('button', { type: 'button', class: 'small', 'data-action': 'remove-measurement', 'data-prefix': prefix,
            'data-measurement-key': key, 'aria-label': `Remove measurement ${name || index + 1}` }, 'Remove'));
      }),
      h('button', { type: 'button', class: 'small', 'data-action': 'add-measurement', 'data-prefix': prefix },
        '+ Measurement')),
    h('datalist', { id: 'measurement-names' },
      ['chest', 'waist', 'hips', 'inseam', 'outseam', 'sleeve', 'shoulder', 'neck', 'jacket_length', 'seat', 'thigh']
        .map((name) => h('option', { value: name }))));
}

export const measurementActions = {
  'add-measurement'(button, ctx) {
    const prefix = button.dataset.prefix;
    measurementKeys(ctx, prefix, {}).push(uid('m'));
    ctx.paint();
    const rows = document.querySelectorAll(`[data-item="${prefix}"] [data-measurement]`);
    const last = rows[rows.length - 1];
    if (last) last.querySelector('input').focus();
  },
  'remove-measurement'(button, ctx) {
    const keys = measurementKeys(ctx, button.dataset.prefix, {});
    const index = keys.indexOf(button.dataset.measurementKey);
    if (index >= 0) keys.splice(index, 1);
    ctx.paint();
  },
};

// The item as the API takes it, from the editor's fields. Measurement values that are numbers
// are sent as numbers.
export function readItem(form, prefix, { canPrice = true } = {}) {
  const value = (name) => {
    const element = form.elements.namedItem(`${prefix}.${name}`);
    return element ? element.value.trim() : '';
  };
  const item = {
    product_name: value('product_name'),
    size: value('size') || null,
    color: value('color') || null,
    quantity: Number(value('quantity') || 1),
  };
  if (!Number.isInteger(item.quantity)) item.quantity = value('quantity');
  if (canPrice) item.unit_price = value('unit_price');
  const measurements = {};
  for (const row of form.querySelectorAll(`[data-item="${prefix}"] [data-measurement]`)) {
    const [nameInput, valueInput] = row.querySelectorAll('input');
    const name = nameInput.value.trim();
    const text = valueInput.value.trim();
    if (!name) continue;
    measurements[name] = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
  item.custom_measurements = Object.keys(measurements).length ? measurements : null;
  return item;
}

// ---- Errors beside fields

export function clearErrors(form) {
  errors.delete('form:' + form.dataset.form);
  for (const wrapper of form.querySelectorAll('[data-field]')) errors.delete(wrapper.dataset.field);
  for (const box of form.querySelectorAll('.field-error, .form-error')) box.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

// Shows `error` beside the field it names (`paths` maps the API's field name to the form's,
// or is a function); otherwise in the form's message line. Returns the element it used.
export function showError(form, error, paths = {}) {
  let path = null;
  if (error.field) path = typeof paths === 'function' ? paths(error.field, error) : (paths[error.field] ?? error.field);
  const wrapper = path ? form.querySelector(`[data-field="${CSS.escape(path)}"]`) : null;
  if (wrapper) {
    errors.set(path, error.message);
    const box = wrapper.querySelector('.field-error');
    box.textContent = error.message;
    const input = wrapper.querySelector('input, select, textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    return box;
  }
  errors.set('form:' + form.dataset.form, error.message);
  const box = form.querySelector('.form-error');
  if (box) box.textContent = error.message;
  return box;
}
