/*
 * Live chat widget (shared/API.md Part 7). One tag on the tenant's page:
 *   <script src="https://chat.example.com/widget.js" data-widget-id="tnt-…" data-widget-token="…" async></script>
 * or, in secure mode, data-visitor-token="…" data-session-id="…" (a visitor token is bound to its session).
 * The server is the script's own origin. Plain ES2020, no dependencies, no build step.
 *
 * Everything lives in an open shadow root of <div id="livechat-widget">: no style leaks in or out.
 * Message text is only ever set through textContent / text nodes, never parsed as HTML.
 */
(() => {
  'use strict';
  if (window.LiveChat && window.LiveChat.version) return; // loaded twice: keep the first

  // document.currentScript is null when a loader (tag manager, old browser) runs the file in another way
  const script = document.currentScript ||
    Array.from(document.querySelectorAll('script[src][data-widget-id]'))
      .find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script || !script.dataset.widgetId) {
    console.warn('[livechat] widget.js needs data-widget-id on its <script> tag');
    return;
  }

  const ds = script.dataset;
  const widgetId = ds.widgetId;
  const secure = !!ds.visitorToken;
  const token = ds.visitorToken || ds.widgetToken || '';
  const base = new URL(script.src, location.href).origin;
  const api = base + '/api/widgets/' + encodeURIComponent(widgetId);
  const DEFAULT_COLOR = '#3B82F6';
  const KEY = 'livechat:' + widgetId;
  const SESSION_RE = /^[A-Za-z0-9_.-]{1,128}$/;

  // ---------------------------------------------------------------- state kept across page loads
  const mem = {};
  const storage = {
    read() {
      try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return mem; }
    },
    write(v) {
      try { localStorage.setItem(KEY, JSON.stringify(v)); } catch (e) { Object.assign(mem, v); }
    },
  };
  let saved = storage.read();
  if (secure) {
    if (ds.sessionId && ds.sessionId !== saved.sessionId) saved = { sessionId: ds.sessionId };
    if (!ds.sessionId) console.warn('[livechat] data-visitor-token needs data-session-id');
  }
  const st = {
    sessionId: SESSION_RE.test(saved.sessionId || '') ? saved.sessionId : null,
    conversationId: typeof saved.conversationId === 'string' ? saved.conversationId : null,
    lastEventId: typeof saved.lastEventId === 'string' ? saved.lastEventId : null,
  };
  const persist = () => storage.write({ sessionId: st.sessionId, conversationId: st.conversationId, lastEventId: st.lastEventId });

  function newSessionId() {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    return 's_' + Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => abc[b & 63]).join('');
  }
  function ensureSession() {
    if (!st.sessionId) { st.sessionId = newSessionId(); persist(); }
    return st.sessionId;
  }

  // ---------------------------------------------------------------- page-facing API and events
  const listeners = {};
  let isReady = false;
  function fire(name, arg) {
    (listeners[name] || []).slice().forEach((fn) => {
      try { fn(arg); } catch (e) { console.error('[livechat] listener for "' + name + '" failed', e); }
    });
  }
  let user = null;
  const pub = {
    version: '1',
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen),
    /*
     * Part 1 has no field for the visitor's identity on chat, so the user is kept here (LiveChat.user)
     * and sent once as a tracked event `user_identified` with the fields as metadata. In secure mode
     * the tenant's server puts them into the visitor token instead, which fills the contact data.
     */
    setUser(u) {
      const clean = {};
      ['name', 'email', 'phone'].forEach((k) => {
        if (u && typeof u[k] === 'string' && u[k].trim()) clean[k] = u[k].trim().slice(0, 256);
      });
      user = clean;
      track('user_identified', clean, true);
    },
    get user() { return user ? Object.assign({}, user) : null; },
    get sessionId() { return st.sessionId; },
    get conversationId() { return st.conversationId; },
    reset,
    on(name, fn) {
      if (typeof fn !== 'function') return () => {};
      (listeners[name] = listeners[name] || []).push(fn);
      if (name === 'ready' && isReady) queueMicrotask(() => fn(pub));
      return () => { listeners[name] = (listeners[name] || []).filter((f) => f !== fn); };
    },
  };
  window.LiveChat = pub;

  // ---------------------------------------------------------------- HTTP
  /** A widget request; a plain JSON one gives up after 20 s, a streamed chat runs as long as the server. */
  function request(method, path, body, accept) {
    const headers = { Accept: accept || 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(api + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      mode: 'cors', credentials: 'omit',
      signal: !accept && window.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(20000) : undefined,
    });
  }
  async function readJson(res) {
    try { return await res.json(); } catch (e) { return null; }
  }
  /** A failed response as {status, code, message}; 429 says how long to wait. */
  async function failure(res) {
    const body = await readJson(res);
    const err = (body && body.error) || {};
    let message = typeof err.message === 'string' ? err.message : 'Something went wrong (' + res.status + ').';
    if (res.status === 429) {
      const wait = parseInt(res.headers.get('Retry-After') || '', 10);
      message = err.code === 'rate_limited' || !err.message
        ? 'Too many messages. Please wait ' + (wait > 0 ? wait + ' s' : 'a moment') + ' and try again.'
        : message;
    }
    return { status: res.status, code: err.code || '', message };
  }
  let trackedOpen = false;
  function track(event, metadata, createSession) {
    if (!st.sessionId && !createSession) return;
    const body = { sessionId: ensureSession(), event, timestamp: new Date().toISOString() };
    if (metadata) body.metadata = metadata;
    request('POST', '/track', body).catch(() => {});
  }

  /** Server-Sent Events from a fetch body: event/data lines, a blank line dispatches, CRLF/CR/LF. */
  async function readEvents(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    let event = '';
    let data = [];
    let stop = false;
    const line = (l) => {
      if (stop) return;
      if (l === '') {
        if (data.length) stop = onEvent(event || 'message', data.join('\n')) === true;
        event = ''; data = [];
        return;
      }
      if (l[0] === ':') return;
      const i = l.indexOf(':');
      const field = i < 0 ? l : l.slice(0, i);
      let value = i < 0 ? '' : l.slice(i + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    };
    for (;;) {
      const { value, done } = await reader.read();
      let text = rest + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
      let hold = '';
      // a CR at the very end may be the first half of a CRLF
      if (!done && text.endsWith('\r')) { hold = '\r'; text = text.slice(0, -1); }
      const lines = text.split(/\r\n|\r|\n/);
      rest = lines.pop() + hold;
      lines.forEach(line);
      if (stop) { reader.cancel().catch(() => {}); return; }
      if (done) {
        if (rest) line(rest);
        line('');
        return;
      }
    }
  }

  // ---------------------------------------------------------------- DOM helpers
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    children.forEach((c) => c != null && el.append(c));
    return el;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function icon(d) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }
  const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z';
  const ICON_CLOSE = 'M6 6l12 12M18 6L6 18';
  const ICON_SEND = 'M3 20l18-8L3 4v6l12 2-12 2z';
  const ICON_PHONE = 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z';

  /** Text with http(s) links made clickable; everything else stays text nodes. */
  function fillText(el, text) {
    el.textContent = '';
    const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let at = 0;
    let m;
    while ((m = re.exec(text))) {
      if (m.index > at) el.append(text.slice(at, m.index));
      el.append(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
      at = m.index + m[0].length;
    }
    if (at < text.length) el.append(text.slice(at));
  }

  function contrastText(color) {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
    if (!m) return '#fff';
    let hex = m[1];
    if (hex.length === 3) hex = hex.replace(/./g, '$&$&');
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? '#111827' : '#fff';
  }

  const STYLE = `
:host{all:initial!important;display:block!important;position:static!important}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111827;
  -webkit-font-smoothing:antialiased;--p:${DEFAULT_COLOR};--on:#fff}
button{font:inherit;color:inherit;cursor:pointer;border:0;background:none;padding:0;margin:0}
svg{width:20px;height:20px;fill:currentColor;stroke:currentColor;stroke-width:0}
:focus{outline:none}
:focus-visible{outline:2px solid var(--p);outline-offset:2px}
.launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;
  background:var(--p);color:var(--on);display:flex;align-items:center;justify-content:center;
  box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:3px solid #111827;outline-offset:3px}
.launcher svg{width:26px;height:26px}
.launcher .x{stroke-width:2.4;fill:none;stroke-linecap:round}
.left .launcher{right:auto;left:20px}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;
  background:#DC2626;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;
  box-shadow:0 0 0 2px #fff}
.panel{position:fixed;bottom:88px;right:20px;z-index:2147483001;width:370px;max-width:calc(100vw - 40px);
  height:min(600px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:14px;
  box-shadow:0 12px 40px rgba(0,0,0,.22),0 0 0 1px rgba(0,0,0,.06);overflow:hidden}
.left .panel{right:auto;left:20px}
.head{display:flex;align-items:center;gap:10px;padding:12px 12px 12px 16px;background:var(--p);color:var(--on);flex:none}
.logo{width:32px;height:32px;border-radius:50%;object-fit:cover;background:#fff;flex:none}
.titles{flex:1;min-width:0}
.title{font-weight:650;font-size:15px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sub{font-size:12px;opacity:.85;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.hbtn{width:34px;height:34px;border-radius:8px;display:flex;align-items:center;justify-content:center;flex:none}
.hbtn:hover{background:rgba(255,255,255,.16)}
.hbtn:focus-visible{outline:2px solid var(--on);outline-offset:-2px}
.hbtn .x{fill:none;stroke-width:2.2;stroke-linecap:round}
.callbar{padding:8px 16px;background:#F3F4F6;border-bottom:1px solid #E5E7EB;font-size:13px;flex:none}
.callbar a{color:inherit;font-weight:650}
.list{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:8px;background:#fff;
  overscroll-behavior:contain}
.msg{max-width:82%;padding:8px 12px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;
  background:#F3F4F6;align-self:flex-start;border-bottom-left-radius:4px}
.msg a{color:inherit}
.msg[data-role=visitor]{align-self:flex-end;background:var(--p);color:var(--on);border-radius:16px;
  border-bottom-right-radius:4px}
.msg[data-role=agent]{background:#ECFDF5;border:1px solid #A7F3D0}
.msg[data-role=agent]::before{content:"Agent";display:block;font-size:11px;font-weight:650;color:#047857}
.msg[data-role=system]{align-self:center;background:none;color:#6B7280;font-size:12.5px;text-align:center;
  max-width:95%;padding:2px 8px}
.msg[data-failed]{opacity:.65}
.msg[data-failed]::after{content:" \\B7  not sent";font-size:11px}
.msg[data-streaming=true]::after{content:"\\258D";display:inline-block;margin-left:1px;opacity:.6;
  animation:lc-blink 1s steps(2) infinite}
@keyframes lc-blink{50%{opacity:0}}
.greet{font-style:normal}
.typing{padding:0 16px 6px;font-size:12.5px;color:#6B7280;font-style:italic;flex:none}
.handoff{margin:0 12px 8px;padding:6px 10px;border-radius:8px;background:#FEF3C7;color:#92400E;font-size:12.5px;flex:none}
.foot{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #E5E7EB;flex:none}
textarea{flex:1;resize:none;font:inherit;color:#111827;background:#fff;border:1px solid #D1D5DB;border-radius:10px;
  padding:8px 10px;min-height:38px;max-height:120px;line-height:1.4}
textarea:focus-visible{outline:2px solid var(--p);outline-offset:0;border-color:transparent}
.send{width:38px;height:38px;border-radius:10px;background:var(--p);color:var(--on);display:flex;align-items:center;
  justify-content:center;flex:none}
.send:disabled{opacity:.5;cursor:default}
.send:focus-visible{outline:2px solid #111827;outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){
  .panel,.left .panel{inset:0;width:100%;height:100%;max-width:none;border-radius:0}
  .open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
`;

  // ---------------------------------------------------------------- UI
  let ui = null;
  let isOpen = false;
  let unread = 0;
  let config = null;
  let assistant = null;

  function build() {
    const host = document.createElement('div');
    host.id = 'livechat-widget';
    const root = host.attachShadow({ mode: 'open' });
    if (root.adoptedStyleSheets && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      // a constructed sheet is not an inline <style>: it works under a page's strict style-src CSP
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(h('style', { text: STYLE }));
    }

    const name = config.name || 'Chat';
    const launcherIcon = icon(ICON_CHAT);
    const launcherClose = icon(ICON_CLOSE);
    launcherClose.classList.add('x');
    launcherClose.setAttribute('hidden', '');
    const badge = h('span', { class: 'badge', 'data-lc': 'badge', 'aria-hidden': 'true', hidden: true });
    const launcher = h('button', {
      type: 'button', class: 'launcher', 'data-lc': 'launcher', 'aria-label': 'Open chat',
      'aria-expanded': 'false', 'aria-controls': 'lc-panel', onclick: () => setOpen(!isOpen),
    }, launcherIcon, launcherClose, badge);

    const logoUrl = safeUrl(config.branding && config.branding.logo);
    const closeIcon = icon(ICON_CLOSE);
    closeIcon.classList.add('x');
    const title = h('div', { class: 'title', id: 'lc-title', text: name });
    const sub = h('div', { class: 'sub' });
    const closeButton = h('button', { type: 'button', class: 'hbtn', 'data-lc': 'close', 'aria-label': 'Close chat', title: 'Close', onclick: () => setOpen(false) }, closeIcon);
    const head = h('div', { class: 'head' },
      logoUrl ? h('img', { class: 'logo', src: logoUrl, alt: '', referrerpolicy: 'no-referrer' }) : null,
      h('div', { class: 'titles' }, title, sub),
      closeButton);
    const callbar = h('div', { class: 'callbar', hidden: true });
    const list = h('div', { class: 'list', 'data-lc': 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
    const typing = h('div', { class: 'typing', 'data-lc': 'typing', 'aria-live': 'polite', hidden: true });
    const handoff = h('div', { class: 'handoff', 'data-lc': 'handoff', role: 'status', hidden: true, text: "You're now chatting with a person" });
    const input = h('textarea', {
      'data-lc': 'input', 'aria-label': 'Message', rows: '1', maxlength: '4000', placeholder: 'Type a message…',
      onkeydown: (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
      },
      oninput: () => { grow(); updateSend(); visitorTyping(); },
    });
    const send = h('button', { type: 'button', class: 'send', 'data-lc': 'send', 'aria-label': 'Send message', disabled: true, onclick: submit }, icon(ICON_SEND));
    const panel = h('div', {
      class: 'panel', id: 'lc-panel', 'data-lc': 'panel', role: 'dialog', 'aria-label': 'Chat with ' + name,
      hidden: true,
    }, head, callbar, list, typing, handoff, h('div', { class: 'foot' }, input, send));
    const wrap = h('div', {
      class: 'root' + (config.widget && config.widget.position === 'bottom-left' ? ' left' : ''),
      onkeydown: (e) => { if (e.key === 'Escape' && isOpen) { e.stopPropagation(); setOpen(false); } },
    }, panel, launcher);

    const color = config.widget && config.widget.primaryColor;
    const primary = typeof color === 'string' && cssColor(color) ? color : DEFAULT_COLOR;
    wrap.style.setProperty('--p', primary);
    wrap.style.setProperty('--on', contrastText(primary));

    root.append(wrap);
    document.body.append(host);
    ui = { host, root, wrap, launcher, launcherIcon, launcherClose, badge, panel, list, typing, handoff, input, send, callbar, sub, closeButton, callButton: null };
    showGreeting();
    applyAssistant(assistant);
  }

  /** The assistant's name, greeting and call button; also when /assistant answers after the panel was drawn. */
  function applyAssistant(a) {
    assistant = a || null;
    const name = config.name || 'Chat';
    ui.sub.textContent = a && a.name && a.name !== name ? a.name : 'We typically reply in a few minutes';
    const greeting = ui.list.querySelector('[data-lc=greeting]');
    if (greeting) fillText(greeting, greetingText());
    if (a && a.voice && !ui.callButton) {
      ui.callButton = h('button', { type: 'button', class: 'hbtn', 'data-lc': 'call-button', 'aria-label': 'Call us', title: 'Call us', onclick: startCall }, icon(ICON_PHONE));
      ui.closeButton.before(ui.callButton);
    }
  }
  const greetingText = () => (assistant && assistant.greeting) || 'Hi! How can we help you today?';
  function cssColor(c) {
    try { return window.CSS.supports('color', c); } catch (e) { return false; }
  }
  function safeUrl(u) {
    if (typeof u !== 'string' || !u) return null;
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) { return null; }
  }
  function grow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + 'px';
  }
  function updateSend() {
    ui.send.disabled = busy || !ui.input.value.trim();
  }

  function setOpen(open) {
    open = !!open;
    if (!ui) { wantOpen = open; return; }
    if (open === isOpen) return;
    isOpen = open;
    const hadFocus = !!ui.root.activeElement;
    ui.panel.hidden = !open;
    ui.wrap.classList.toggle('open', open);
    ui.launcher.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    ui.launcher.setAttribute('aria-expanded', String(open));
    ui.launcherIcon.toggleAttribute('hidden', open); // SVG elements have no .hidden property
    ui.launcherClose.toggleAttribute('hidden', !open);
    if (open) {
      setUnread(0);
      ensureSession();
      connect();
      if (!trackedOpen) { trackedOpen = true; track('widget_opened', { page: location.origin + location.pathname }); }
      scrollDown(true);
      ui.input.focus();
      fire('open');
    } else {
      if (hadFocus || document.activeElement === document.body) ui.launcher.focus();
      fire('close');
    }
  }
  let wantOpen = false;

  function setUnread(n) {
    unread = n;
    if (!ui) return;
    ui.badge.textContent = n > 99 ? '99+' : String(n);
    ui.badge.hidden = n === 0;
  }

  function nearBottom() {
    const l = ui.list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  }
  function scrollDown(force) {
    if (force || stick) ui.list.scrollTop = ui.list.scrollHeight;
  }
  let stick = true;

  // ---------------------------------------------------------------- messages
  const byId = new Map();       // message id → element
  let unmatched = [];           // our own bubbles not yet tied to a message id: {role, text, el}
  let remote = new Map();       // turnId → element, replies streamed for another tab's turn
  // this tab's own turn also streams over the socket, and those frames may come after the HTTP
  // stream's `done`: until its reply has arrived as message:new, deltas of a turn not seen yet are
  // taken for this tab's own and ignored
  const ownTurns = new Set();
  let ownAwaiting = false;
  let ownAwaitingTimer = 0;
  function awaitOwnReply(on) {
    ownAwaiting = on;
    clearTimeout(ownAwaitingTimer);
    if (on) ownAwaitingTimer = setTimeout(() => { ownAwaiting = false; }, 30000);
  }

  function showGreeting() {
    const g = h('div', { class: 'msg greet', 'data-lc': 'greeting', 'data-role': 'assistant' });
    fillText(g, greetingText());
    ui.list.prepend(g);
  }

  function bubble(role, text, id, streaming) {
    const el = h('div', { class: 'msg', 'data-lc': 'message', 'data-role': role, 'data-id': id || null });
    if (streaming) {
      el.setAttribute('data-streaming', 'true');
      el.append(document.createTextNode(text || ''));
    } else {
      fillText(el, text || '');
    }
    if (id) byId.set(id, el);
    stick = nearBottom();
    ui.list.append(el);
    scrollDown();
    return el;
  }
  function system(text) { return bubble('system', text); }
  function finish(el, text, id) {
    el.removeAttribute('data-streaming');
    fillText(el, text);
    if (id && !byId.has(id)) { byId.set(id, el); el.setAttribute('data-id', id); }
    scrollDown();
  }
  function appendDelta(el, delta) {
    stick = nearBottom();
    el.firstChild ? el.firstChild.appendData(delta) : el.append(delta);
    scrollDown();
  }
  const norm = (s) => String(s == null ? '' : s).trim();
  const messageOf = (role, content, id, createdAt) =>
    ({ id: id || null, conversationId: st.conversationId, role, content, createdAt: createdAt || new Date().toISOString() });

  function clearList() {
    byId.clear();
    unmatched = [];
    remote.clear();
    early = [];
    if (ui) {
      ui.list.textContent = '';
      showGreeting();
      ui.handoff.hidden = true;
      hideTyping();
      ui.callbar.hidden = true;
    }
  }

  function applyConversation(c) {
    if (!c) return;
    if (!st.conversationId && busy) { early.push({ type: 'conversation:updated', data: c }); return; }
    if (c.id !== st.conversationId) return;
    if (typeof c.aiEnabled === 'boolean') ui.handoff.hidden = c.aiEnabled;
  }

  /** The conversation so far, after a page load: oldest first, page by page. */
  async function loadHistory() {
    if (!st.conversationId || !st.sessionId) return;
    const conversationId = st.conversationId;
    let after = null;
    const items = [];
    for (let page = 0; page < 25; page++) {
      const q = new URLSearchParams({ sessionId: st.sessionId, conversationId, limit: '200' });
      if (after) q.set('after', after);
      let res;
      try { res = await request('GET', '/messages?' + q); } catch (e) { return; }
      if (st.conversationId !== conversationId) return; // reset meanwhile
      if (res.status === 404) {
        st.conversationId = null; st.lastEventId = null; persist();
        return;
      }
      if (!res.ok) return;
      const body = await readJson(res);
      if (!body || !Array.isArray(body.items)) return;
      if (page === 0) applyConversation(body.conversation);
      items.push(...body.items);
      if (!body.nextCursor) break;
      after = body.nextCursor;
    }
    items.forEach((m) => {
      if (m && m.id && typeof m.content === 'string' && m.role !== 'system' && !byId.has(m.id)) bubble(m.role, m.content, m.id);
    });
    scrollDown(true);
  }

  let early = []; // frames of the conversation this tab's first message is creating, until its id is known

  /** A durable message from the socket: show it unless it is already on screen. */
  function incoming(m) {
    // the server's system notes (e.g. "handed over") are written for agents; the handoff notice says it here
    if (!m || !m.id || typeof m.content !== 'string' || m.role === 'system') return;
    if (voiceConversations.has(m.conversationId)) return;
    if (!st.conversationId) {
      if (busy) { early.push({ type: 'message:new', data: m }); return; }
      st.conversationId = m.conversationId; persist(); // started by another tab of this session
    }
    if (m.conversationId !== st.conversationId) return;
    if (byId.has(m.id)) return;
    const text = norm(m.content);
    const i = unmatched.findIndex((u) => u.role === m.role && norm(u.text) === text);
    if (i >= 0) {
      const u = unmatched.splice(i, 1)[0];
      finish(u.el, m.content, m.id);
      if (m.role === 'assistant') awaitOwnReply(false);
      return;
    }
    if (m.role === 'assistant') {
      // the final text of this tab's turn, which may come before the HTTP stream's `done`
      if (busy && !streamFinished) {
        awaitOwnReply(false);
        if (streamEl) finish(streamEl, m.content, m.id);
        else streamEl = bubble('assistant', m.content, m.id);
        streamFinished = true;
        hideTyping();
        notify(m);
        return;
      }
      // or of a reply this tab followed for another tab's turn
      const r = remote.values().next();
      if (!r.done) {
        remote.delete(remote.keys().next().value);
        finish(r.value, m.content, m.id);
        notify(m);
        return;
      }
    }
    bubble(m.role, m.content, m.id);
    if (m.role === 'agent') hideTyping();
    notify(m);
  }
  function notify(m) {
    if (!isOpen && (m.role === 'agent' || m.role === 'assistant')) setUnread(unread + 1);
    fire('message', { id: m.id, conversationId: m.conversationId, role: m.role, content: m.content, createdAt: m.createdAt });
  }

  // ---------------------------------------------------------------- typing line
  let typingTimer = 0;
  function showTyping(text, ms) {
    ui.typing.textContent = text;
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    if (ms) typingTimer = setTimeout(hideTyping, ms);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    if (ui) ui.typing.hidden = true;
  }
  let lastTypingSent = 0;
  function visitorTyping() {
    if (!st.conversationId || !live || !ui.input.value.trim()) return;
    const now = Date.now();
    if (now - lastTypingSent < 2000) return;
    lastTypingSent = now;
    sendFrame({ type: 'typing', conversationId: st.conversationId });
  }
  const assistantName = () => (assistant && assistant.name) || 'Assistant';

  // ---------------------------------------------------------------- chat over HTTP (streamed)
  let busy = false;
  let streamEl = null;        // the assistant bubble of this tab's turn in progress
  let streamFinished = false; // its final text already came over the socket

  function submit() {
    const text = ui.input.value.trim();
    if (!text || busy) return;
    ui.input.value = '';
    grow();
    chat(text);
  }

  let epoch = 0; // bumped by reset(): a turn still running for the forgotten conversation is dropped

  async function chat(text) {
    ensureSession();
    connect();
    busy = true;
    updateSend();
    const turn = epoch;
    const current = () => turn === epoch;
    const mine = bubble('visitor', text);
    unmatched.push({ role: 'visitor', text, el: mine });
    fire('message', messageOf('visitor', text));
    showTyping(assistantName() + ' is typing…');
    streamEl = null;
    streamFinished = false;
    awaitOwnReply(true);
    const conversationBefore = st.conversationId;
    let finished = false;
    const body = { sessionId: st.sessionId, message: text };
    if (st.conversationId) body.conversationId = st.conversationId;

    const done = (reply) => {
      finished = true;
      if (reply && typeof reply.conversationId === 'string') {
        st.conversationId = reply.conversationId;
        persist();
      }
      hideTyping();
      const message = reply && reply.message;
      if (reply && reply.metadata && reply.metadata.handoff) ui.handoff.hidden = false;
      if (message == null) {
        awaitOwnReply(false);
        if (streamEl && !streamFinished) streamEl.remove();
      } else if (!streamFinished) {
        if (!streamEl) streamEl = bubble('assistant', '', null, true);
        finish(streamEl, message);
        unmatched.push({ role: 'assistant', text: message, el: streamEl });
        notify({ id: null, conversationId: st.conversationId, role: 'assistant', content: message });
      }
    };
    const failed = (message) => {
      finished = true;
      awaitOwnReply(false);
      hideTyping();
      if (streamEl && !streamFinished) {
        if (streamEl.textContent) streamEl.removeAttribute('data-streaming');
        else streamEl.remove();
      }
      system(message);
    };
    const notSent = () => {
      mine.setAttribute('data-failed', '');
      unmatched = unmatched.filter((u) => u.el !== mine);
    };

    try {
      const res = await request('POST', '/chat', body, 'text/event-stream');
      if (!current()) return;
      if (!res.ok) {
        const err = await failure(res);
        if (!current()) return;
        notSent();
        if (err.code === 'conversation_not_found' && conversationBefore) {
          st.conversationId = null; st.lastEventId = null; persist();
          failed('That conversation is no longer available. Send your message again to start a new one.');
        } else {
          failed(err.message);
        }
      } else if ((res.headers.get('Content-Type') || '').includes('text/event-stream') && res.body) {
        await readEvents(res, (event, data) => {
          if (!current()) return true;
          let d = null;
          try { d = JSON.parse(data); } catch (e) { return false; }
          if (event === 'delta' && d && typeof d.delta === 'string') {
            hideTyping();
            if (!streamEl) streamEl = bubble('assistant', '', null, true);
            if (!streamFinished) appendDelta(streamEl, d.delta);
          } else if (event === 'done') {
            done(d);
          } else if (event === 'error') {
            failed((d && d.error && d.error.message) || 'The reply could not be completed.');
          }
          return finished; // nothing follows done or error: stop reading
        });
        if (current() && !finished) failed('The reply was interrupted. Please try again.');
      } else {
        const reply = await readJson(res);
        if (current()) done(reply);
      }
    } catch (e) {
      if (current() && !finished) {
        if (!streamEl) notSent();
        failed(streamEl ? 'The reply was interrupted. Please try again.' : "Couldn't reach the chat. Check your connection and try again.");
      }
    } finally {
      if (current()) {
        busy = false;
        streamEl = null;
        updateSend();
        const held = early;
        early = [];
        held.forEach((f) => (f.type === 'message:new' ? incoming(f.data) : applyConversation(f.data)));
      }
    }
  }

  // ---------------------------------------------------------------- voice
  const voiceConversations = new Set();
  async function startCall() {
    const b = ui.callButton;
    b.disabled = true;
    try {
      const res = await request('POST', '/voice/start', { sessionId: ensureSession() });
      if (!res.ok) { system((await failure(res)).message); return; }
      const body = await readJson(res);
      const number = body && body.phoneNumber;
      if (typeof number !== 'string' || !/^\+[0-9]{6,15}$/.test(number)) { system('No phone number is available right now.'); return; }
      if (body.conversationId) voiceConversations.add(body.conversationId);
      ui.callbar.textContent = '';
      ui.callbar.append('Call us: ', h('a', { 'data-lc': 'call', href: 'tel:' + number, text: number }));
      ui.callbar.hidden = false;
    } catch (e) {
      system("Couldn't reach the chat. Check your connection and try again.");
    } finally {
      b.disabled = false;
    }
  }

  // ---------------------------------------------------------------- live socket
  let ws = null;
  let live = false;
  let retryTimer = 0;
  let pingTimer = 0;
  let backoff = 1000;
  let stopped = false;

  function sendFrame(f) {
    if (ws && live && ws.readyState === 1) ws.send(JSON.stringify(f));
  }

  function connect() {
    if (ws || retryTimer || stopped || !st.sessionId || !window.WebSocket) return;
    const url = new URL('/ws/chat', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('widgetId', widgetId);
    let s;
    try { s = new WebSocket(url.href); } catch (e) { schedule(); return; }
    ws = s;
    const sessionId = st.sessionId;
    s.onopen = () => {
      const auth = { type: 'auth', widgetId, token, sessionId };
      if (st.lastEventId) auth.lastEventId = st.lastEventId;
      s.send(JSON.stringify(auth));
    };
    s.onmessage = (e) => {
      if (ws !== s) return;
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f && typeof f.type === 'string') frame(f);
    };
    s.onclose = (e) => {
      if (ws !== s) return;
      ws = null;
      live = false;
      clearInterval(pingTimer);
      // replies half streamed for another tab: their final text comes back with the resume
      remote.forEach((el) => el.remove());
      remote.clear();
      if (e.code >= 4400 && e.code < 4500) {
        stopped = true; // refused credentials or origin: trying again would be refused again
        console.warn('[livechat] live updates refused:', e.code, e.reason);
        return;
      }
      schedule();
    };
  }
  function schedule() {
    if (retryTimer || stopped) return;
    const wait = Math.min(30000, backoff * (0.85 + Math.random() * 0.3));
    backoff = Math.min(backoff * 2, 30000);
    retryTimer = setTimeout(() => { retryTimer = 0; connect(); }, wait);
  }
  function disconnect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    clearInterval(pingTimer);
    live = false;
    const s = ws;
    ws = null;
    if (s) try { s.close(1000, 'reset'); } catch (e) { /* already closed */ }
  }
  window.addEventListener('online', () => {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = 0; backoff = 1000; connect(); }
  });

  function frame(f) {
    const data = f.data || {};
    if (typeof f.id === 'string' && f.id) { st.lastEventId = f.id; persist(); }
    switch (f.type) {
      case 'auth:ok':
        live = true;
        backoff = 1000;
        clearInterval(pingTimer);
        pingTimer = setInterval(() => sendFrame({ type: 'ping' }), 25000);
        break;
      case 'message:new':
        incoming(data);
        break;
      case 'conversation:updated':
        applyConversation(data);
        break;
      case 'typing':
        if (data.conversationId !== st.conversationId) break;
        if (data.role === 'agent') showTyping('Agent is typing…', 4000);
        else if (data.role === 'assistant' && !busy) showTyping(assistantName() + ' is typing…', 4000);
        break;
      case 'message:delta': {
        // this tab's own turn streams over HTTP; a turn of another tab can be followed here
        if (!data.conversationId || data.conversationId !== st.conversationId || typeof data.delta !== 'string') break;
        if (ownTurns.has(data.turnId)) break;
        if ((busy || ownAwaiting) && !remote.has(data.turnId)) { ownTurns.add(data.turnId); break; }
        let el = remote.get(data.turnId);
        if (!el) {
          hideTyping();
          el = bubble('assistant', '', null, true);
          remote.set(data.turnId, el);
        }
        appendDelta(el, data.delta);
        break;
      }
      default: // frame types this version does not know are ignored
    }
  }

  // ---------------------------------------------------------------- reset and other tabs
  function reset() {
    epoch++;
    busy = false;
    streamEl = null;
    disconnect();
    stopped = false;
    st.conversationId = null;
    st.lastEventId = null;
    // a visitor token is bound to its session: in secure mode only the conversation is forgotten
    if (!secure) st.sessionId = null;
    persist();
    clearList();
    setUnread(0);
    if (ui) updateSend();
    if (isOpen) { ensureSession(); connect(); }
  }
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY || !ui) return;
    const now = storage.read();
    if (now.sessionId !== st.sessionId) {
      // another tab reset the chat
      epoch++;
      busy = false;
      streamEl = null;
      updateSend();
      disconnect();
      stopped = false;
      st.sessionId = now.sessionId || null;
      st.conversationId = now.conversationId || null;
      st.lastEventId = now.lastEventId || null;
      clearList();
      if (st.sessionId && (isOpen || st.conversationId)) loadHistory().then(connect);
    } else if (!st.conversationId && now.conversationId && !busy) {
      st.conversationId = now.conversationId;
      loadHistory().then(connect);
    }
  });

  // ---------------------------------------------------------------- start
  async function start() {
    // the assistant (greeting, voice) is not worth holding the launcher back for more than a moment
    const asst = request('GET', '/assistant')
      .then(async (r) => (r.ok ? ((await readJson(r)) || {}).assistant || null : null))
      .catch(() => null);
    let first;
    try {
      const cfg = await request('GET', '/config');
      if (!cfg.ok) {
        console.warn('[livechat] widget config refused:', (await failure(cfg)).message);
        return;
      }
      config = ((await readJson(cfg)) || {}).config || {};
      first = await Promise.race([asst, new Promise((r) => setTimeout(r, 2500, undefined))]);
    } catch (e) {
      console.warn('[livechat] chat server unreachable', e);
      return;
    }
    if (!document.body) await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
    assistant = first || null;
    build();
    if (first === undefined) asst.then((a) => a && applyAssistant(a));
    isReady = true;
    if (st.conversationId && st.sessionId) loadHistory().then(connect);
    if (wantOpen) setOpen(true);
    fire('ready', pub);
  }
  start();
})();
