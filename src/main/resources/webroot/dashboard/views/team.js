// Team: the tenant's dashboard users and their roles; owners and admins add members.
import { api, listAll, describe } from '../api.js';
import { session } from '../session.js';
import { h, replace, field, errorLine, toast, busy, formatTime, emptyState, icon } from '../dom.js';

const ROLES = {
  owner: 'Everything, including adding other owners.',
  admin: 'Manages assistants, the widget and the team (except owners).',
  agent: 'Answers conversations; sees settings without changing them.',
};

export function render() {
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: '3', class: 'muted' }, 'Loading…')));
  const table = h('table', { class: 'table', dataset: { dc: 'team' } },
    h('caption', { class: 'sr-only' }, 'Team members'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Member'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Joined'))),
    tbody);
  const el = h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Team'), h('p', { class: 'muted' }, 'The people who answer your visitors.')),
    h('div', { class: 'team-grid' },
      h('section', { class: 'card', 'aria-label': 'Members' }, table),
      session.canManage ? addForm() : h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Only owners and admins can add members.'))));

  async function load() {
    try {
      const users = await listAll('/api/users');
      if (!users.length) return replace(tbody, h('tr', {}, h('td', { colspan: '3' }, emptyState('No members'))));
      replace(tbody, users.map(row));
    } catch (e) {
      const text = e.status === 403 ? 'Only owners and admins can see the team.' : describe(e);
      replace(tbody, h('tr', {}, h('td', { colspan: '3', class: 'muted' }, text)));
    }
  }

  function row(u) {
    return h('tr', { dataset: { dc: 'member', id: u.id } },
      h('td', {}, h('div', { class: 'member' }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, (u.email[0] || '?').toUpperCase()),
        h('span', {}, u.email), u.id === session.user?.id ? h('span', { class: 'badge badge-muted' }, 'you') : null)),
      h('td', {}, h('span', { class: ['badge', 'role-' + u.role], title: ROLES[u.role] || '' }, u.role)),
      h('td', { class: 'muted' }, formatTime(u.createdAt)));
  }

  function addForm() {
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'off', required: true });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
    const role = h('select', { name: 'role' },
      h('option', { value: 'agent' }, 'Agent'),
      h('option', { value: 'admin' }, 'Admin'),
      session.user?.role === 'owner' ? h('option', { value: 'owner' }, 'Owner') : null);
    const roleHint = h('p', { class: 'hint' });
    const error = errorLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'add-member' } }, icon('plus'), 'Add member');
    const showHint = () => { roleHint.textContent = ROLES[role.value]; };
    role.addEventListener('change', showHint);
    showHint();
    const form = h('form', { class: 'card stack', novalidate: true, dataset: { dc: 'member-form' }, on: { submit: (e) => { e.preventDefault(); send(); } } },
      h('div', { class: 'card-head' }, h('h2', {}, 'Add a member')),
      field('Email', email),
      field('Initial password', password, 'At least 10 characters. Share it privately; they sign in with it.'),
      h('div', { class: 'field' }, h('label', { for: 'member-role' }, 'Role'), role, roleHint),
      error.el,
      h('div', { class: 'form-actions' }, h('span', { class: 'spacer' }), submit));
    role.id = 'member-role';

    async function send() {
      error.clear();
      if (!email.value.trim()) return error.show('Enter the email of the new member.');
      if (password.value.length < 10) return error.show('The password needs at least 10 characters.');
      await busy(submit, async () => {
        try {
          const data = await api('POST', '/api/users', { body: { email: email.value.trim(), password: password.value, role: role.value } });
          toast(`${data.user.email} can now sign in.`);
          email.value = '';
          password.value = '';
          load();
        } catch (e) {
          error.show(describe(e));
        }
      });
    }
    return form;
  }

  load();
  return { el };
}
