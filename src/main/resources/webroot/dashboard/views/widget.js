// Widget settings: name, colour, position, logo, default assistant and allowed origins, with a
// live preview; the embed snippet; the widget token's rotation; the telephony account.
import { api, listAll, describe } from '../api.js';
import { session, rememberWidgetToken } from '../session.js';
import { h, replace, field, errorLine, toast, busy, icon } from '../dom.js';
import { telephonyCard } from './telephony.js';

const HEX = /^#[0-9a-fA-F]{6}$/;
const ORIGIN = /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(:\d{1,5})?$/;
const DEFAULT_COLOR = '#3B82F6';

export function render(ctx) {
  const el = h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Widget'),
      h('p', { class: 'muted' }, 'How the chat looks on your site, where it may run, and the code to embed it.')),
    h('p', { class: 'muted pad' }, 'Loading…'));

  async function load() {
    try {
      const [tenantData, assistants] = await Promise.all([api('GET', '/api/tenant'), listAll('/api/assistants').catch(() => [])]);
      ctx.setTenant(tenantData.tenant);
      build(tenantData.tenant, assistants);
    } catch (e) {
      replace(el, h('p', { class: 'form-error' }, describe(e)));
    }
  }

  function build(tenant, assistants) {
    const config = tenant.config || {};
    const origins = [...(config.allowedOrigins || [])];
    const readOnly = !session.canManage;

    // ---- Settings form ----------------------------------------------------------------------
    const name = h('input', { name: 'name', type: 'text', maxlength: '100', required: true, value: config.name ?? tenant.name ?? '' });
    const color = h('input', { name: 'primaryColor', type: 'color', value: (config.widget?.primaryColor || DEFAULT_COLOR).toLowerCase(), class: 'color-swatch', 'aria-label': 'Primary colour picker' });
    const colorText = h('input', { name: 'primaryColorHex', type: 'text', maxlength: '7', pattern: '#[0-9A-Fa-f]{6}', value: config.widget?.primaryColor || DEFAULT_COLOR, class: 'mono', id: 'color-hex' });
    const position = h('select', { name: 'position' },
      h('option', { value: 'bottom-right' }, 'Bottom right'), h('option', { value: 'bottom-left' }, 'Bottom left'));
    position.value = config.widget?.position === 'bottom-left' ? 'bottom-left' : 'bottom-right';
    const logo = h('input', { name: 'logo', type: 'url', maxlength: '2048', placeholder: 'https://…/logo.png', value: config.branding?.logo ?? '' });
    const assistant = h('select', { name: 'assistantId' },
      h('option', { value: '' }, 'None (chat is off)'),
      assistants.map((a) => h('option', { value: a.id }, a.name)));
    assistant.value = config.assistantId || '';

    const originInput = h('input', { type: 'text', id: 'origin-input', placeholder: 'https://www.example.com', dataset: { dc: 'origin-input' } });
    const originAdd = h('button', { type: 'button', class: 'btn', dataset: { dc: 'origin-add' }, on: { click: addOrigin } }, icon('plus'), 'Add');
    const originList = h('ul', { class: 'chips', dataset: { dc: 'origins' }, 'aria-label': 'Allowed origins' });
    const originError = errorLine();
    originInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); addOrigin(); } });

    // Secure mode, when this server has it: PUT replaces the whole config, so send it back as it is.
    const secureKnown = typeof config.requireVisitorToken === 'boolean';
    const secure = h('input', { type: 'checkbox', name: 'requireVisitorToken', id: 'require-visitor-token', checked: config.requireVisitorToken === true });
    const secureField = secureKnown ? h('div', { class: 'field' },
      h('label', { class: 'check-line', for: 'require-visitor-token' }, secure, 'Require a visitor token (secure mode)'),
      h('p', { class: 'hint' }, 'Browsers must then present a visitor token your server gets with the widget token, instead of the widget token itself.')) : null;

    // What the assistant does when it cannot help, when this server has the setting (sent back as it is otherwise).
    const handoffKnown = typeof config.handoff?.mode === 'string';
    const handoff = h('select', { name: 'handoffMode', dataset: { dc: 'handoff-mode' } },
      h('option', { value: 'offer' }, 'Offer a person (or a follow-up when nobody is online)'),
      h('option', { value: 'auto' }, 'Hand over at once when an agent is online'),
      h('option', { value: 'never' }, 'Never hand over; offer a follow-up'));
    handoff.value = config.handoff?.mode || 'offer';
    const handoffField = handoffKnown ? field('When the assistant cannot help', handoff,
      'A conversation only goes to a person while someone has this dashboard open; otherwise the assistant asks for an email or phone number.') : null;

    const error = errorLine();
    const save = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'save-widget' } }, 'Save settings');
    const form = h('form', { class: 'card stack', novalidate: true, dataset: { dc: 'widget-form' }, on: { submit: (e) => { e.preventDefault(); submit(); } } },
      h('div', { class: 'card-head' }, h('h2', {}, 'Appearance and behaviour')),
      field('Name shown in the widget', name),
      h('div', { class: 'grid-2' },
        h('div', { class: 'field' }, h('label', { for: 'color-hex' }, 'Primary colour'), h('div', { class: 'color-row' }, color, colorText)),
        field('Position', position)),
      field('Logo URL', logo, 'An http(s) image URL, or empty for the initial of the name.'),
      field('Default assistant', assistant, 'Who answers in the widget.'),
      h('fieldset', { class: 'fieldset' },
        h('legend', {}, 'Allowed origins'),
        h('p', { class: 'hint' }, 'Sites that may use the widget, like https://www.example.com. Empty = any site.'),
        h('div', { class: 'inline-add' }, h('label', { for: 'origin-input', class: 'sr-only' }, 'Origin to allow'), originInput, originAdd),
        originError.el,
        originList),
      secureField,
      handoffField,
      error.el,
      h('div', { class: 'form-actions' }, h('span', { class: 'spacer' }), save));
    if (readOnly) for (const c of form.querySelectorAll('input, select, button')) c.disabled = true;

    function renderOrigins() {
      if (!origins.length) return replace(originList, h('li', { class: 'muted small' }, 'Any origin may use the widget.'));
      replace(originList, origins.map((o) => h('li', { class: 'chip', dataset: { dc: 'origin', origin: o } },
        h('span', { class: 'mono' }, o),
        h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${o}`, disabled: readOnly, on: { click: () => { origins.splice(origins.indexOf(o), 1); renderOrigins(); } } }, icon('close')))));
    }

    function addOrigin() {
      originError.clear();
      const value = originInput.value.trim().replace(/\/+$/, '').toLowerCase();
      if (!value) return;
      if (!ORIGIN.test(value)) return originError.show('An origin is scheme://host[:port], with no path: https://www.example.com');
      if (!origins.includes(value)) origins.push(value);
      originInput.value = '';
      renderOrigins();
      originInput.focus();
    }

    async function submit() {
      error.clear();
      if (originInput.value.trim()) addOrigin();
      if (!name.value.trim()) return error.show('The widget needs a name.');
      if (!HEX.test(colorText.value)) return error.show('The colour must be #RRGGBB.');
      const logoValue = logo.value.trim();
      if (logoValue && !/^https?:\/\/[^\s/]+/i.test(logoValue)) return error.show('The logo must be an http(s) URL.');
      const body = {
        name: name.value.trim(),
        assistantId: assistant.value || null,
        widget: { primaryColor: colorText.value, position: position.value },
        branding: { logo: logoValue || null },
        allowedOrigins: origins,
      };
      if (secureKnown) body.requireVisitorToken = secure.checked;
      if (handoffKnown) body.handoff = { mode: handoff.value };
      await busy(save, async () => {
        try {
          const data = await api('PUT', '/api/tenant/config', { body });
          ctx.setTenant({ ...ctx.tenant, name: data.config.name, config: data.config });
          origins.splice(0, origins.length, ...(data.config.allowedOrigins || []));
          renderOrigins();
          renderSnippet();
          toast('Widget settings saved.');
        } catch (e) {
          error.show(describe(e));
        }
      });
    }

    // ---- Live preview -----------------------------------------------------------------------
    const previewLogo = h('span', { class: 'pv-logo' });
    const previewName = h('span', { class: 'pv-name' });
    const previewGreeting = h('div', { class: 'pv-msg pv-msg-bot' });
    const panel = h('div', { class: 'pv-panel', 'aria-hidden': 'true' },
      h('div', { class: 'pv-head' }, previewLogo, h('div', {}, previewName, h('span', { class: 'pv-status' }, 'Typically replies in minutes'))),
      h('div', { class: 'pv-body' },
        previewGreeting,
        h('div', { class: 'pv-msg pv-msg-me' }, 'Hi! Do you ship to Canada?'),
        h('div', { class: 'pv-msg pv-msg-bot' }, 'We do, in 3 to 5 business days.')),
      h('div', { class: 'pv-input' }, h('span', {}, 'Write a message…'), h('span', { class: 'pv-send' }, '➤')));
    const bubble = h('div', { class: 'pv-launcher', 'aria-hidden': 'true' }, icon('chat'));
    const stage = h('div', { class: 'pv-stage', dataset: { dc: 'preview' } },
      h('div', { class: 'pv-site' }, h('div', { class: 'pv-bar pv-bar-wide' }), h('div', { class: 'pv-bar' }), h('div', { class: 'pv-bar pv-bar-short' }), h('div', { class: 'pv-block' })),
      panel, bubble);

    function updatePreview() {
      const hex = HEX.test(colorText.value) ? colorText.value : DEFAULT_COLOR;
      stage.style.setProperty('--brand', hex);
      stage.style.setProperty('--brand-ink', readableInk(hex));
      stage.dataset.position = position.value;
      previewName.textContent = name.value.trim() || 'Your company';
      const chosen = assistants.find((a) => a.id === assistant.value);
      previewGreeting.textContent = chosen?.greeting || 'Hi! How can we help you today?';
      const url = logo.value.trim();
      if (/^https?:\/\/[^\s/]+/i.test(url)) {
        const img = h('img', { src: url, alt: '' });
        img.addEventListener('error', () => replace(previewLogo, initial()));
        replace(previewLogo, img);
      } else {
        replace(previewLogo, initial());
      }
    }
    function initial() {
      return (name.value.trim()[0] || '?').toUpperCase();
    }

    color.addEventListener('input', () => { colorText.value = color.value.toUpperCase(); updatePreview(); });
    colorText.addEventListener('input', () => { if (HEX.test(colorText.value)) color.value = colorText.value.toLowerCase(); updatePreview(); });
    for (const c of [name, position, logo, assistant]) c.addEventListener('input', updatePreview);
    position.addEventListener('change', updatePreview);
    assistant.addEventListener('change', updatePreview);

    // ---- Embed snippet ----------------------------------------------------------------------
    const snippet = h('textarea', { class: 'snippet mono', dataset: { dc: 'snippet' }, readOnly: true, rows: '3', id: 'snippet', spellcheck: 'false' });
    const copy = h('button', { type: 'button', class: 'btn', dataset: { dc: 'copy-snippet' }, on: { click: () => copyText(snippet.value, snippet, 'Snippet copied.') } }, icon('copy'), 'Copy');
    const tokenNote = h('p', { class: 'hint', dataset: { dc: 'token-note' } });
    const demo = h('a', { class: 'btn btn-ghost', dataset: { dc: 'demo-link' }, target: '_blank', rel: 'noopener' }, icon('external'), 'Try it on the demo page');
    const originNote = h('p', { class: 'hint' });

    function renderSnippet() {
      const token = session.get('widgetToken');
      const origin = location.origin;
      snippet.value = `<script src="${origin}/widget.js" data-widget-id="${tenant.id}" data-widget-token="${token || 'YOUR_WIDGET_TOKEN'}" async></script>`;
      if (token) {
        tokenNote.textContent = 'Paste it before </body> on every page that should show the chat.';
        demo.href = `/demo?widgetId=${encodeURIComponent(tenant.id)}&token=${encodeURIComponent(token)}`;
        demo.hidden = false;
      } else {
        tokenNote.textContent = 'The widget token is shown only when it is created: rotate to get a new token, then the snippet has it.';
        demo.removeAttribute('href');
        demo.hidden = true;
      }
      const allowed = ctx.tenant?.config?.allowedOrigins || origins;
      originNote.textContent = allowed.length && !allowed.includes(origin)
        ? `The demo page runs on ${origin}, which is not an allowed origin: add it to try the widget there.`
        : '';
      originNote.hidden = !originNote.textContent;
    }

    // ---- Token rotation ---------------------------------------------------------------------
    const grace = h('input', { type: 'number', name: 'graceSeconds', id: 'rotate-grace', dataset: { dc: 'rotate-grace' }, 'aria-describedby': 'rotate-grace-hint', min: '0', max: '2592000', step: '1', value: '3600' });
    const rotate = h('button', { type: 'button', class: 'btn btn-primary', dataset: { dc: 'rotate' } }, 'Rotate token');
    const rotateError = errorLine();
    const newToken = h('div', { class: 'new-token', dataset: { dc: 'new-token' }, hidden: true });
    rotate.addEventListener('click', () => busy(rotate, async () => {
      rotateError.clear();
      const seconds = grace.value === '' ? 3600 : Number(grace.value);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 2592000) return rotateError.show('The grace period is a whole number of seconds from 0 to 2592000 (30 days).');
      try {
        const data = await api('POST', '/api/tenant/widget-token/rotate', { body: { graceSeconds: seconds } });
        rememberWidgetToken(tenant.id, data.widgetToken);
        const value = h('code', { class: 'mono token-value', dataset: { dc: 'new-token-value' } }, data.widgetToken);
        replace(newToken,
          h('p', {}, h('strong', {}, 'New widget token'), ' — shown only now, copy it if you embed the widget by hand:'),
          h('div', { class: 'token-row' }, value, h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => copyText(data.widgetToken, null, 'Token copied.') } }, icon('copy'), 'Copy')),
          h('p', { class: 'hint' }, seconds === 0 ? 'The old token no longer works.' : `The old token keeps working for ${humanSeconds(seconds)}.`));
        newToken.hidden = false;
        renderSnippet();
        toast('Widget token rotated.');
      } catch (e) {
        rotateError.show(describe(e));
      }
    }));
    if (readOnly) { grace.disabled = true; rotate.disabled = true; }

    replace(el,
      h('div', { class: 'page-head' }, h('h1', {}, 'Widget'),
        h('p', { class: 'muted' }, 'How the chat looks on your site, where it may run, and the code to embed it.')),
      h('div', { class: 'widget-grid' },
        form,
        h('section', { class: 'card preview-card', 'aria-labelledby': 'preview-heading' },
          h('div', { class: 'card-head' }, h('h2', { id: 'preview-heading' }, 'Preview')), stage)),
      h('section', { class: 'card stack', 'aria-labelledby': 'embed-heading' },
        h('div', { class: 'card-head' }, h('h2', { id: 'embed-heading' }, 'Embed code')),
        h('label', { for: 'snippet', class: 'sr-only' }, 'Embed snippet'),
        snippet, tokenNote, originNote,
        h('div', { class: 'form-actions' }, copy, demo)),
      h('section', { class: 'card stack', 'aria-labelledby': 'rotate-heading' },
        h('div', { class: 'card-head' }, h('h2', { id: 'rotate-heading' }, 'Widget token')),
        h('p', { class: 'muted small' }, 'Rotate the token if it leaked. Sites that embed the old one keep working during the grace period, then must use the new one.'),
        h('div', { class: 'field' },
          h('label', { for: 'rotate-grace' }, 'Grace period for the old token (seconds)'),
          h('div', { class: 'inline-add grace-row' }, grace, rotate),
          h('p', { class: 'hint', id: 'rotate-grace-hint' }, '0 = revoke the old token now; 3600 = one hour; at most 30 days.')),
        rotateError.el, newToken),
      telephonyCard());

    renderOrigins();
    renderSnippet();
    updatePreview();
  }

  load();
  return { el };
}

async function copyText(text, textarea, done) {
  try {
    await navigator.clipboard.writeText(text);
    toast(done);
  } catch {
    if (textarea) {
      textarea.focus();
      textarea.select();
      toast('Press Ctrl+C (⌘C) to copy the selected text.');
    } else {
      toast('Copying is not allowed here: select the text and copy it.', 'error');
    }
  }
}

/** Black or white, whichever reads better on the colour. */
function readableInk(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.45 ? '#111827' : '#ffffff';
}

function humanSeconds(s) {
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} seconds`;
}
