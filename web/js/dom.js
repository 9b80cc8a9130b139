// Building and patching the DOM. Screens render their whole content as fresh elements with h();
// morph() then changes the page in place to match, so a live update touches only what changed
// and never rewrites a field the user is typing in (focused or edited since its form was saved).

const edited = new WeakSet();

// Remembers which fields the user has changed, so re-renders keep their text.
document.addEventListener('input', (event) => edited.add(event.target), true);

// Forget the edits of a form once it has been saved: its fields show the saved values again.
export function clearEdits(form) {
  for (const field of form.querySelectorAll('input, select, textarea')) edited.delete(field);
}

export function isEdited(field) {
  return edited.has(field);
}

// h('button', {class: 'primary', onclick: ..., 'aria-label': 'Close'}, 'text', child, [children])
// Attributes: false/null/undefined are left out, true is an empty attribute. `value`, `checked`
// and `selected` set the default (the attribute), so a fresh element reads back the same value.
export function h(tag, attributes, ...children) {
  const svg = tag.startsWith('svg:');
  const element = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  if (attributes && (typeof attributes !== 'object' || attributes instanceof Node || Array.isArray(attributes))) {
    children.unshift(attributes);
    attributes = null;
  }
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  if (tag === 'textarea' && attributes && attributes.value != null) {
    element.removeAttribute('value');
    element.textContent = attributes.value;
  }
  return element;
}

// An SVG element: s('rect', {x: 1, ...}).
export function s(tag, attributes, ...children) {
  return h('svg:' + tag, attributes, ...children);
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

const keyOf = (node) => (node.nodeType === 1 ? node.getAttribute('data-key') : null);

// Makes `from` (in the page) look like `to` (fresh, detached). Children with data-key are matched
// by key, others by position and tag. Returns the node now in the page.
export function morph(from, to) {
  if (from.nodeType !== to.nodeType || from.nodeName !== to.nodeName || keyOf(from) !== keyOf(to)) {
    from.replaceWith(to);
    return to;
  }
  if (from.nodeType !== 1) {
    if (from.nodeValue !== to.nodeValue) from.nodeValue = to.nodeValue;
    return from;
  }
  morphAttributes(from, to);
  const tag = from.nodeName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
    if (tag === 'SELECT') morphChildren(from, to);
    else if (tag === 'TEXTAREA' && from.defaultValue !== to.defaultValue) from.defaultValue = to.defaultValue;
    const busy = from === document.activeElement || edited.has(from);
    if (!busy) {
      if (from.type === 'checkbox' || from.type === 'radio') from.checked = to.defaultChecked;
      else if (from.value !== to.value) from.value = to.value;
    }
    return from;
  }
  morphChildren(from, to);
  return from;
}

function morphAttributes(from, to) {
  // A <details> the user opened or closed stays so.
  const keep = from.nodeName === 'DETAILS' ? 'open' : null;
  for (const { name } of [...from.attributes]) if (!to.hasAttribute(name) && name !== keep) from.removeAttribute(name);
  for (const { name, value } of [...to.attributes]) {
    if (name === keep) continue;
    if (from.getAttribute(name) !== value) from.setAttribute(name, value);
  }
}

function morphChildren(from, to) {
  const next = [...to.childNodes];
  const keyed = new Map();
  for (const child of from.childNodes) {
    const key = keyOf(child);
    if (key !== null) keyed.set(key, child);
  }
  next.forEach((child, index) => {
    const current = from.childNodes[index] || null;
    const key = keyOf(child);
    let match = null;
    if (key !== null) match = keyed.get(key) || null;
    else if (current && keyOf(current) === null && current.nodeName === child.nodeName) match = current;
    if (match) {
      keyed.delete(key);
      if (match !== current) from.insertBefore(match, current);
      morph(match, child);
    } else {
      from.insertBefore(child, current);
    }
  });
  while (from.childNodes.length > next.length) from.lastChild.remove();
}

// The values of a form's named fields as an object of strings (checkboxes: booleans).
export function formValues(form) {
  const values = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled) continue;
    values[field.name] = field.type === 'checkbox' ? field.checked : field.value;
  }
  return values;
}
