// The tenant's telephony account (GET/PUT/DELETE /api/tenant/telephony, owners and admins): the
// carrier account its calls go through instead of the server's, and where to point its numbers.
// The auth token is write-only: the server only says whether one is set.
import { api, describe } from '../api.js';
import { session } from '../session.js';
import { h, replace, field, errorLine, toast, busy, icon, confirmButton } from '../dom.js';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const TOKEN = /^\S{16,128}$/;

/** The Telephony card of the settings page. */
export function telephonyCard() {
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  const card = h('section', { class: 'card stack', id: 'telephony', dataset: { dc: 'telephony' }, 'aria-labelledby': 'telephony-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'telephony-heading' }, 'Telephony')),
    help(),
    body);

  if (!session.canManage) {
    replace(body, h('p', { class: 'muted small' }, 'Only owners and admins see and change the telephony account.'));
    return card;
  }

  async function load() {
    try {
      show((await api('GET', '/api/tenant/telephony')).telephony);
    } catch (e) {
      replace(body, h('p', { class: 'form-error', role: 'alert' }, describe(e)));
    }
  }

  function show(t) {
    const own = t.source === 'tenant';
    const sid = h('input', { name: 'accountSid', type: 'text', class: 'mono', maxlength: '34', autocomplete: 'off', spellcheck: 'false', placeholder: 'AC…', value: own ? t.accountSid || '' : '' });
    const token = h('input', {
      name: 'authToken', type: 'password', maxlength: '128', autocomplete: 'new-password', spellcheck: 'false',
      placeholder: own && t.authTokenSet ? 'set' : '', dataset: { dc: 'telephony-token' },
    });
    const base = h('input', { name: 'apiBaseUrl', type: 'url', maxlength: '200', placeholder: 'https://api.twilio.com', value: own ? t.apiBaseUrl || '' : '' });
    const error = errorLine();
    const save = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'save-telephony' } }, own ? 'Save account' : 'Use this account');
    const remove = own ? confirmButton(h('button', { type: 'button', class: 'btn btn-danger', dataset: { dc: 'delete-telephony' } }, icon('trash'), 'Remove'),
      'Click again to remove', async () => {
        try {
          show((await api('DELETE', '/api/tenant/telephony')).telephony);
          toast('Telephony account removed: calls use the server’s account.');
        } catch (e) {
          error.show(describe(e));
        }
      }) : null;

    const state = own
      ? h('p', { class: 'telephony-source', dataset: { dc: 'telephony-source', source: 'tenant' } },
        h('span', { class: 'badge badge-open' }, 'Own account'), ' Calls go through your carrier account ', h('span', { class: 'mono' }, t.accountSid || ''), '.')
      : h('p', { class: 'telephony-source', dataset: { dc: 'telephony-source', source: 'server' } },
        h('span', { class: 'badge badge-muted' }, 'Server account'),
        t.accountSid ? [' Calls go through the server’s carrier account ', h('span', { class: 'mono' }, t.accountSid), '. Enter your own to use it instead.']
          : ' Calls go through the server’s carrier account. Enter your own to use it instead.');

    const form = h('form', { class: 'stack', novalidate: true, dataset: { dc: 'telephony-form' }, on: { submit: (e) => { e.preventDefault(); submit(); } } },
      state,
      h('div', { class: 'grid-2' },
        field('Account SID', sid, 'AC followed by 32 hexadecimal digits.'),
        field('Auth token', token, own && t.authTokenSet ? 'Stored and never shown. Leave empty to keep it, or type a new one.' : 'Never shown again once saved.')),
      field('API base URL', base, 'Empty = the server’s (https://api.twilio.com unless configured otherwise). For a Twilio-compatible carrier.'),
      error.el,
      h('div', { class: 'form-actions' }, remove, h('span', { class: 'spacer' }), save));

    async function submit() {
      error.clear();
      const accountSid = sid.value.trim();
      const authToken = token.value;
      const apiBaseUrl = base.value.trim();
      if (!ACCOUNT_SID.test(accountSid)) return error.show('The account SID is AC followed by 32 hexadecimal digits.');
      if (!authToken && !(own && t.authTokenSet)) return error.show('Enter the account’s auth token.');
      if (authToken && !TOKEN.test(authToken)) return error.show('The auth token is 16 to 128 characters without spaces.');
      if (apiBaseUrl && !/^https?:\/\/[^\s/?#]+/i.test(apiBaseUrl)) return error.show('The API base URL must be an http(s) URL.');
      const payload = { accountSid, apiBaseUrl: apiBaseUrl || null };
      if (authToken) payload.authToken = authToken;
      await busy(save, async () => {
        try {
          const data = await api('PUT', '/api/tenant/telephony', { body: payload });
          show(data.telephony);
          toast('Telephony account saved.');
        } catch (e) {
          error.show(describe(e));
        }
      });
    }
    replace(body, form);
  }

  load();
  return card;
}

/** Where the carrier must send a number's calls and status callbacks. */
function help() {
  const origin = location.origin;
  const url = (path) => h('code', { class: 'mono copyable' }, origin + path);
  return h('div', { class: 'telephony-help', dataset: { dc: 'telephony-help' } },
    h('p', {}, 'In your Twilio console, for each phone number of an assistant:'),
    h('ul', { class: 'help-list' },
      h('li', {}, 'set “A call comes in” (the Voice URL) to ', url('/api/voice/twilio/incoming'), ', HTTP POST;'),
      h('li', {}, 'set the status callback URL to ', url('/api/voice/twilio/status'), '.')),
    h('p', { class: 'hint' }, 'These are this dashboard’s address; if the server’s public URL (LIVECHAT_PUBLIC_URL) is another one, use that instead. The numbers themselves are set on each assistant.'));
}
