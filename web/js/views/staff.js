// Staff: the accounts this workstation knows. An admin of a standalone workstation adds
// accounts, changes roles and disables or enables them here; on a workstation joined to central
// the accounts come from central and are managed there (`kct central add-user`, …).

import { get, post, seg } from '../api.js';
import { h, clearEdits } from '../dom.js';
import { label, when } from '../format.js';
import { field, formError, clearErrors } from './fields.js';

const ROLES = ['viewer', 'processor', 'manager', 'admin'];

export default {
  title: 'Staff',

  async load() {
    const [users, sync] = await Promise.all([get('/users'), get('/sync')]);
    return { users, fromCentral: Boolean(sync.central_url) };
  },

  watches: () => false,

  render({ users, fromCentral }, ctx) {
    const manage = ctx.can('manage_accounts') && !fromCentral;
    return h('section', { 'data-view': 'staff', 'aria-labelledby': 'staff-title' },
      h('h1', { id: 'staff-title' }, 'Staff'),
      fromCentral
        ? h('p', { class: 'muted' }, 'This workstation gets its accounts from central; an admin manages them there ',
          '(', h('code', 'kct central add-user'), ', ', h('code', 'set-role'), ', ', h('code', 'disable'), '). ',
          'Changes arrive here within seconds.')
        : null,
      h('table', { class: 'grid staff' },
        h('caption', { class: 'visually-hidden' }, 'Staff accounts'),
        h('thead', h('tr', h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'E-mail'),
          h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Updated'))),
        h('tbody', users.map((user) => h('tr', { 'data-key': user.email, 'data-user': user.email },
          h('td', user.name),
          h('td', user.email),
          h('td', manage && user.email !== ctx.session.email
            ? [h('label', { class: 'visually-hidden', for: 'role-' + user.email }, `Role of ${user.name}`),
              h('select', { id: 'role-' + user.email, 'data-change': 'role', 'data-email': user.email, 'data-edit': '' },
                ROLES.map((role) => h('option', { value: role, selected: role === user.role }, label(role))))]
            : h('span', { class: 'role', 'data-role': user.role }, label(user.role))),
          h('td', user.disabled ? h('span', { class: 'badge severity-high' }, 'Disabled') : 'Active',
            manage && user.email !== ctx.session.email
              ? h('button', { type: 'button', class: 'small', 'data-action': user.disabled ? 'enable' : 'disable',
                'data-email': user.email, 'data-edit': '' }, user.disabled ? 'Enable' : 'Disable')
              : null),
          h('td', { class: 'small' }, when(user.updated_at)))))),
      manage
        ? h('form', { 'data-form': 'add', class: 'panel stack', 'data-edit': '' },
          h('h2', 'Add an account'),
          h('div', { class: 'row' },
            field('email', 'E-mail', { type: 'email', required: true, autocomplete: 'off' }),
            field('name', 'Name', { required: true, autocomplete: 'off' }),
            field('role', 'Role', { tag: 'select', options: ROLES.map((role) => h('option', { value: role }, label(role))) }),
            field('password', 'Password (8 characters or more)', { type: 'password', required: true,
              autocomplete: 'new-password', minlength: 8 })),
          formError('add'),
          h('button', { type: 'submit', class: 'primary' }, 'Add account'))
        : null);
  },

  forms: {
    async add(form, ctx) {
      clearErrors(form);
      const values = Object.fromEntries(new FormData(form));
      await post('/users', values);
      form.reset();
      clearEdits(form);
      ctx.toast(`Added ${values.email}.`);
      await ctx.refresh();
    },
  },

  changes: {
    async role(select, ctx) {
      await post(`/users/${seg(select.dataset.email)}/role`, { role: select.value });
      ctx.toast(`${select.dataset.email} is now ${select.value === 'admin' ? 'an' : 'a'} ${select.value}.`);
      clearEdits(select.form || select.parentElement);
      await ctx.refresh();
    },
  },

  actions: {
    async disable(button, ctx) {
      await post(`/users/${seg(button.dataset.email)}/disable`);
      await ctx.refresh();
    },
    async enable(button, ctx) {
      await post(`/users/${seg(button.dataset.email)}/enable`);
      await ctx.refresh();
    },
  },
};
