// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so whatever a
// visitor writes shows as text. No inline style attributes either: the page's CSP forbids them.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * h('button', {class: 'btn', dataset: {dc: 'logout'}, on: {click}}, 'Log out')
 * props: class, dataset, on (event handlers), any other key = attribute (true = empty
 * attribute, false/null/undefined = absent). Children: nodes, strings, numbers, arrays, null.
 */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(el, props, children) {
  append(el, children); // children first, so that a select's value finds its option
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
      else if (key === 'dataset') Object.entries(value).forEach(([k, v]) => { if (v !== undefined && v !== null) el.dataset[k] = String(v); });
      else if (key === 'on') Object.entries(value).forEach(([type, fn]) => el.addEventListener(type, fn));
      else if (key === 'style') throw new Error('inline styles are not allowed; use a class');
      else if (key === 'value' && 'value' in el && !(el instanceof SVGElement)) el.value = value;
      else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden' || key === 'readOnly') el[key] = Boolean(value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const ICONS = {
  chat: 'M4 5h16v11H8l-4 4z',
  bot: 'M12 3v3M6 8h12v10H6zM9 13h.01M15 13h.01M3 12v3M21 12v3',
  widget: 'M4 4h16v12H4zM8 20h8M12 16v4',
  team: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM2.5 20c.7-3.4 3.3-5.5 6.5-5.5s5.8 2.1 6.5 5.5M16 4.5a3.5 3.5 0 0 1 0 6.5M18 14.8c1.9.8 3.1 2.6 3.5 5.2',
  usage: 'M4 20V10M10 20V4M16 20v-7M22 20H2',
  analytics: 'M3 3v18h18M7 15l4-5 4 3 5-7',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  plus: 'M12 5v14M5 12h14',
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  external: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
  close: 'M6 6l12 12M18 6L6 18',
  back: 'M15 5l-7 7 7 7',
  phone: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
};

export function icon(name, cls) {
  return svg('svg', { class: ['icon', cls], viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' },
    svg('path', { d: ICONS[name] || '' }));
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function formatRelative(iso) {
  if (!iso) return '';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(seconds)) return '';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min ago';
  if (seconds < 86400) return Math.round(seconds / 3600) + ' h ago';
  if (seconds < 7 * 86400) return Math.round(seconds / 86400) + ' d ago';
  return new Date(iso).toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** A length of time in seconds as m:ss (h:mm:ss from an hour on). */
export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const two = (n) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

export function formatNumber(n) {
  return typeof n === 'number' ? n.toLocaleString() : '—';
}

let toastArea;
/** A short message in the corner; kind = 'ok' | 'error'. */
export function toast(text, kind = 'ok') {
  toastArea ??= document.getElementById('toasts');
  const el = h('div', { class: ['toast', 'toast-' + kind], role: kind === 'error' ? 'alert' : 'status' }, text);
  toastArea.append(el);
  setTimeout(() => el.classList.add('toast-out'), 3200);
  setTimeout(() => el.remove(), 3600);
}

/** A labelled form field: label + control (+ optional hint). */
export function field(labelText, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintEl);
}

/** A status line for errors inside a form or card. */
export function errorLine() {
  const el = h('p', { class: 'form-error', role: 'alert', hidden: true });
  return {
    el,
    show(text) { el.textContent = text; el.hidden = !text; },
    clear() { el.textContent = ''; el.hidden = true; },
  };
}

export function emptyState(title, text) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), text ? h('p', { class: 'muted' }, text) : null);
}

/** Runs fn while a button shows it is busy (disabled, aria-busy). */
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * A destructive button that asks for a second click instead of a modal dialog: the first click
 * turns it into "Click again to confirm" for a few seconds, the second runs fn.
 */
export function confirmButton(button, confirmLabel, fn) {
  let armed = false;
  let timer;
  const original = Array.from(button.childNodes);
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.classList.add('is-armed');
      replace(button, confirmLabel);
      timer = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    await busy(button, fn);
  });
  button.addEventListener('blur', () => setTimeout(disarm, 150));
  function disarm() {
    if (!armed) return;
    armed = false;
    clearTimeout(timer);
    button.classList.remove('is-armed');
    replace(button, original);
  }
  return button;
}
