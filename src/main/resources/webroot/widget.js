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
  const ICON_MIC = 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z';
  const ICON_MIC_OFF = 'M19 11h-2a5 5 0 0 1-.6 2.4l1.5 1.5A7 7 0 0 0 19 11zM15 11V5a3 3 0 0 0-5.9-.8L15 10.1V11zM4.3 3 3 4.3l6 6V11a3 3 0 0 0 4.5 2.6l1.6 1.6A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 3.5-1.4l3.2 3.2 1.3-1.3z';
  const ICON_HANGUP = 'M12 9c-1.6 0-3.15.25-4.6.72v3.1a1 1 0 0 1-.56.9 11.5 11.5 0 0 0-2.66 1.85 1 1 0 0 1-1.41 0L.29 13.08a1 1 0 0 1 0-1.41A16.9 16.9 0 0 1 12 7c4.57 0 8.72 1.8 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41 0 11.3 11.3 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1A15 15 0 0 0 12 9z';
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
.callbar{display:flex;align-items:center;flex-wrap:wrap;gap:6px 10px;padding:8px 12px 8px 16px;background:#F3F4F6;
  border-bottom:1px solid #E5E7EB;font-size:13px;flex:none;min-height:46px}
.callbar a{color:inherit;font-weight:650}
.call-number{flex:1;min-width:0;white-space:nowrap}
.call-state{flex:1;min-width:0;font-weight:600;display:flex;align-items:center;gap:6px}
.call-state[data-state=connected]::before{content:"";width:8px;height:8px;border-radius:50%;background:#16A34A;flex:none;
  animation:lc-pulse 1.6s ease-in-out infinite}
.call-state[data-state=calling]::before{content:"";width:8px;height:8px;border-radius:50%;background:#F59E0B;flex:none;
  animation:lc-pulse .8s ease-in-out infinite}
@keyframes lc-pulse{50%{opacity:.35}}
.call-timer{font-weight:400;color:#4B5563;font-variant-numeric:tabular-nums}
.cbtn{display:inline-flex;align-items:center;gap:6px;height:30px;padding:0 12px;border-radius:15px;background:#fff;
  border:1px solid #D1D5DB;font-size:13px;font-weight:600;white-space:nowrap}
.cbtn:hover{background:#F9FAFB}
.cbtn svg{width:16px;height:16px}
.cbtn.primary{background:var(--p);color:var(--on);border-color:transparent}
.cbtn.icon-only{width:30px;padding:0;justify-content:center}
.cbtn[aria-pressed=true]{background:#111827;color:#fff;border-color:#111827}
.cbtn.hangup{background:#DC2626;color:#fff;border-color:#DC2626}
.cbtn.hangup:hover{background:#B91C1C}
.cbtn:disabled{opacity:.55;cursor:default}
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
.msg[data-call=marker]{align-self:stretch;max-width:none;display:flex;align-items:center;gap:10px;font-weight:600;
  color:#4B5563;margin:4px 0}
.msg[data-call=marker]::before,.msg[data-call=marker]::after{content:"";flex:1;border-top:1px solid #E5E7EB}
.msg[data-interrupted]{opacity:.8}
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
    const callbar = h('div', { class: 'callbar', 'data-lc': 'callbar', role: 'group', 'aria-label': 'Call', hidden: true });
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
    if (c.channel === 'voice') { voiceConversations.add(c.id); return; } // a call is not the chat
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
    if (callHolds(m, 'message:new')) return;
    if (call && m.conversationId === call.conversationId) { callIncoming(call, m); return; }
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
  /*
   * The call button leases a number (voice/start) and shows it with a tel: link. Where the browser
   * can both recognise and synthesise speech, the call bar also offers a call in the browser: the
   * relay protocol of the carrier's ConversationRelay over /ws/voice (shared/API.md Part 4), with
   * this browser as the carrier: each final transcript goes up as a `prompt`, each `text` token
   * comes down and is spoken in order, talking over a reply sends `interrupt` with what was heard.
   * The call's transcript shows in the message list between "Call started" and "Call ended"; the
   * durable lines come over /ws/chat like the chat's (message:new, message:updated).
   */
  const voiceConversations = new Set(); // calls of this session: their messages are not the chat's
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  const canCallInBrowser = () => typeof Recognition === 'function' && !!window.speechSynthesis &&
    typeof window.SpeechSynthesisUtterance === 'function' && typeof window.WebSocket === 'function';
  // the assistant's language (auth:ok) once the call is connected, the page's before
  const speechLang = (c) => (c && c.lang) || document.documentElement.lang || navigator.language || 'en-US';
  let lease = null;  // {number, conversationId, assistantId} of the last voice/start
  let call = null;   // the in-browser call, kept once ended for its late updates
  let callUi = null;

  async function startCall() {
    const b = ui.callButton;
    b.disabled = true;
    try {
      const res = await request('POST', '/voice/start', { sessionId: ensureSession() });
      if (!res.ok) { system((await failure(res)).message); return; }
      const body = await readJson(res);
      const number = body && body.phoneNumber;
      if (typeof number !== 'string' || !/^\+[0-9]{6,15}$/.test(number)) { system('No phone number is available right now.'); return; }
      if (typeof body.conversationId === 'string') voiceConversations.add(body.conversationId);
      lease = {
        number,
        conversationId: typeof body.conversationId === 'string' ? body.conversationId : null,
        assistantId: typeof body.assistantId === 'string' ? body.assistantId : null,
      };
      renderCallbar();
      (callUi.browser.hidden ? callUi.link : callUi.browser).focus();
    } catch (e) {
      system("Couldn't reach the chat. Check your connection and try again.");
    } finally {
      b.disabled = false;
    }
  }

  function buildCallbar() {
    const link = h('a', { 'data-lc': 'call' });
    const number = h('span', { class: 'call-number' }, 'Call us: ', link);
    const browser = h('button', {
      type: 'button', class: 'cbtn primary', 'data-lc': 'call-browser', onclick: callInBrowser,
    }, icon(ICON_MIC), h('span', { text: 'Call in browser' }));
    const state = h('span', { class: 'call-state', 'data-lc': 'call-state', role: 'status', 'aria-live': 'polite' });
    const timer = h('span', { class: 'call-timer', 'data-lc': 'call-timer', 'aria-hidden': 'true' });
    const mute = h('button', {
      type: 'button', class: 'cbtn icon-only', 'data-lc': 'call-mute', 'aria-pressed': 'false',
      'aria-label': 'Mute microphone', title: 'Mute', onclick: toggleMute,
    }, icon(ICON_MIC));
    const hangup = h('button', {
      type: 'button', class: 'cbtn hangup', 'data-lc': 'call-hangup', 'aria-label': 'Hang up', onclick: () => hangUp(),
    }, icon(ICON_HANGUP), h('span', { text: 'Hang up' }));
    state.append(timer);
    ui.callbar.textContent = '';
    ui.callbar.append(number, state, browser, mute, hangup);
    callUi = { number, link, browser, state, timer, mute, hangup };
  }

  /** The call bar for the lease and the call's state: the number, or the call's controls. */
  function renderCallbar() {
    if (!ui) return;
    if (!callUi) buildCallbar();
    const c = call;
    const active = !!c && c.state !== 'ended';
    ui.callbar.hidden = !lease && !active;
    if (lease) {
      callUi.link.href = 'tel:' + lease.number;
      callUi.link.textContent = lease.number;
    }
    callUi.number.hidden = active || !lease;
    callUi.browser.hidden = active || !lease || !canCallInBrowser();
    callUi.mute.hidden = !active || c.state !== 'connected';
    callUi.hangup.hidden = !active;
    callUi.state.hidden = !active;
    if (active) {
      callUi.state.setAttribute('data-state', c.state);
      setStateText(c.state === 'calling' ? 'Calling…' : c.muted ? 'Connected · muted' : 'Connected');
      callUi.mute.setAttribute('aria-pressed', String(c.muted));
      callUi.mute.setAttribute('aria-label', c.muted ? 'Unmute microphone' : 'Mute microphone');
      callUi.mute.title = c.muted ? 'Unmute' : 'Mute';
      callUi.mute.replaceChildren(icon(c.muted ? ICON_MIC_OFF : ICON_MIC));
      tickTimer();
    }
  }
  function setStateText(text) {
    const node = callUi.state.firstChild;
    if (node && node.nodeType === 3) { if (node.data !== text) node.data = text; }
    else callUi.state.prepend(text);
  }
  function tickTimer() {
    const c = call;
    callUi.timer.textContent = c && c.state === 'connected' ? ' ' + duration(Date.now() - c.startedAt) : '';
  }
  const duration = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  };

  function callInBrowser() {
    if ((call && call.state !== 'ended') || !canCallInBrowser()) return;
    ensureSession();
    connect();
    const c = {
      state: 'calling', ws: null, conversationId: null, muted: false, startedAt: 0, timer: 0,
      replies: [],    // the assistant's lines: {el, id, durable, text, heard, local, done, interrupted, updated}
      reply: null,    // the reply whose tokens are coming in
      said: [],       // the caller's lines not yet tied to a stored message: {text, el}
      speech: [],     // utterances queued or being spoken: {text, reply, started, charIndex, cancelled}
      held: [],       // /ws/chat frames that came before auth:ok told the call's conversation
      queued: [],     // prompts said before auth:ok
      dropping: false, recognition: null, listening: false, restarts: 0,
    };
    call = c;
    voiceStarted(c);
    const url = new URL('/ws/voice', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('widgetId', widgetId);
    let s;
    try { s = new WebSocket(url.href); } catch (e) { endCall(c, 'The call could not be started.'); return; }
    c.ws = s;
    s.onopen = () => {
      const auth = { type: 'auth', widgetId, token, sessionId: st.sessionId };
      if (lease && lease.assistantId) auth.assistantId = lease.assistantId;
      s.send(JSON.stringify(auth));
    };
    s.onmessage = (e) => {
      if (c.state === 'ended') return;
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f && typeof f.type === 'string') voiceFrame(c, f);
    };
    s.onclose = (e) => {
      if (c.state === 'ended') return;
      endCall(c, closeReason(e.code, c.state));
    };
    listen(c); // now, in the click: the browser asks for the microphone at once
    renderCallbar();
    callUi.hangup.focus();
  }

  /** What the visitor reads when the server closes the call's socket. */
  function closeReason(code, state) {
    if (code === 4401) return 'The call could not be authorised.';
    if (code === 4403) return 'Calls are not allowed from this site.';
    if (code === 4400) return 'The call could not be started.';
    if (code === 1000 && state === 'connected') return null;
    return state === 'calling' ? "Couldn't connect the call. Please try again." : 'The call was cut off.';
  }

  function sendVoice(c, f) {
    if (c.ws && c.ws.readyState === 1) c.ws.send(JSON.stringify(f));
  }

  function voiceFrame(c, f) {
    switch (f.type) {
      case 'auth:ok': {
        if (c.state !== 'calling') break;
        c.state = 'connected';
        c.startedAt = Date.now();
        c.conversationId = typeof f.conversationId === 'string' ? f.conversationId : (lease && lease.conversationId);
        if (typeof f.language === 'string' && f.language && f.language !== speechLang(c)) {
          c.lang = f.language;
          // recognition started in the click, in the page's language: it starts again in the assistant's
          if (c.recognition) { c.recognition.lang = c.lang; try { c.recognition.stop(); } catch (e) { /* not listening */ } }
        }
        if (c.conversationId) voiceConversations.add(c.conversationId);
        c.timer = setInterval(tickTimer, 1000);
        const queued = c.queued;
        c.queued = [];
        queued.forEach((q) => sendVoice(c, q));
        const held = c.held;
        c.held = [];
        held.forEach((x) => (x.type === 'message:updated' ? updated(x.data) : incoming(x.data)));
        renderCallbar();
        break;
      }
      case 'text':
        if (c.state === 'connected') onToken(c, typeof f.token === 'string' ? f.token : '', f.last === true);
        break;
      case 'end':
        onEnd(c, f.handoffData);
        break;
      default: // frame types this version does not know are ignored
    }
  }

  // ---- what the caller hears
  function onToken(c, text, last) {
    if (c.dropping) {
      // the rest of a reply the caller talked over, still on its way: not wanted any more
      if (last) c.dropping = false;
      return;
    }
    let r = c.reply;
    if (!r && text) {
      // a line already shown from its stored message (it came over /ws/chat first) is this reply
      r = c.replies.find((x) => !x.local && x.id && similar(x.durable, text)) || null;
      if (r) { r.local = true; r.done = false; }
      else {
        r = { el: callBubble('assistant', '', null, true), id: null, durable: null, text: '', heard: '', local: true, done: false };
        c.replies.push(r);
      }
      c.reply = r;
    }
    if (!r) return;
    if (text) {
      r.text += text;
      if (r.durable == null) appendDelta(r.el, text);
      speak(c, r, text);
    }
    if (last) {
      r.done = true;
      c.reply = null;
      r.el.removeAttribute('data-streaming');
      fillText(r.el, r.durable != null ? r.durable : r.text);
    }
  }

  function speak(c, r, text) {
    if (!text.trim()) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = speechLang(c);
    const item = { u, text, reply: r, started: false, charIndex: -1, cancelled: false };
    u.onstart = () => { item.started = true; };
    u.onboundary = (e) => { if (typeof e.charIndex === 'number') item.charIndex = e.charIndex; };
    u.onend = u.onerror = () => {
      const i = c.speech.indexOf(item);
      if (i < 0) return;
      c.speech.splice(i, 1);
      if (!item.cancelled && r) r.heard += text;
    };
    c.speech.push(item); // a reference kept until it ends: some browsers drop the events of a collected utterance
    window.speechSynthesis.speak(u);
  }

  function silence(c) {
    c.speech.forEach((i) => { i.cancelled = true; });
    c.speech = [];
    try { window.speechSynthesis.cancel(); } catch (e) { /* nothing to cancel */ }
  }

  /** The text of the reply being spoken that the caller has heard so far, to the word. */
  function heardSoFar(r, items) {
    let heard = r.heard;
    const now = items.find((i) => i.reply === r && i.started);
    if (now) {
      if (now.charIndex >= 0) {
        const end = now.text.slice(now.charIndex).search(/\s/);
        heard += end < 0 ? now.text : now.text.slice(0, now.charIndex + end);
      } else {
        heard += now.text; // no word boundaries from this voice: the sentence it had started
      }
    }
    return heard;
  }

  /** The caller talks over a reply: it stops, and the server learns what they heard of it. */
  function bargeIn(c) {
    const items = c.speech.slice();
    if (!items.length) return;
    const r = items[0].reply;
    silence(c);
    if (!r) return; // the last words of a call that is over
    const heard = heardSoFar(r, items);
    if (r === c.reply && !r.done) c.dropping = true;
    if (r === c.reply) c.reply = null;
    r.done = true;
    r.interrupted = true;
    r.heard = heard;
    sendVoice(c, { type: 'interrupt', utteranceUntilInterrupt: heard });
    r.el.removeAttribute('data-streaming');
    r.el.setAttribute('data-interrupted', '');
    if (!r.updated) fillText(r.el, heard.trim() ? heard.trim() + ' …' : '…');
  }

  // ---- what the caller says
  function listen(c) {
    let rec;
    try {
      rec = new Recognition();
      rec.continuous = true;
      rec.interimResults = true;
      rec.maxAlternatives = 1;
      rec.lang = speechLang(c);
    } catch (e) {
      endCall(c, "This browser can't listen to the call.");
      return;
    }
    c.recognition = rec;
    rec.onresult = (e) => onHeard(c, e);
    rec.onerror = (e) => {
      if (e.error === 'not-allowed' || e.error === 'service-not-allowed') {
        endCall(c, 'The call needs your microphone: allow it for this site, then call again.');
      } else if (e.error === 'audio-capture') {
        endCall(c, 'No microphone was found for the call.');
      } // no-speech, aborted, network: it ends, and starts again below
    };
    rec.onend = () => {
      c.listening = false;
      if (call !== c || c.state === 'ended' || c.muted) return;
      if (++c.restarts > 20) { endCall(c, 'Speech recognition stopped working, so the call was ended.'); return; }
      setTimeout(() => startListening(c), Math.min(2000, 150 * c.restarts));
    };
    startListening(c);
  }
  function startListening(c) {
    if (call !== c || c.state === 'ended' || c.muted || c.listening || !c.recognition) return;
    try { c.recognition.start(); c.listening = true; } catch (e) { /* already listening */ }
  }

  function onHeard(c, e) {
    if (c.state === 'ended' || c.muted) return;
    c.restarts = 0;
    const results = e.results || [];
    for (let i = e.resultIndex || 0; i < results.length; i++) {
      const res = results[i];
      const text = norm(res && res[0] && res[0].transcript);
      if (!text) continue;
      if (c.speech.length) {
        if (echo(c, text)) continue; // the reply itself, heard by the microphone
        bargeIn(c);
      }
      if (res.isFinal) prompt(c, text);
    }
  }

  /** Whether every word recognised is a word of the reply being spoken (its sound, not the caller). */
  function echo(c, text) {
    const words = (s) => s.toLowerCase().replace(/[^\p{L}\p{N}\s']/gu, ' ').split(/\s+/).filter(Boolean);
    const spoken = new Set(words(c.speech.map((i) => (i.reply ? i.reply.text : i.text)).join(' ')));
    const said = words(text);
    return said.length > 0 && said.every((w) => spoken.has(w));
  }

  function prompt(c, text) {
    c.dropping = false;
    c.said.push({ text, el: callBubble('visitor', text, null) });
    const f = { type: 'prompt', voicePrompt: text, last: true };
    if (c.state === 'connected') sendVoice(c, f);
    else c.queued.push(f);
  }

  function toggleMute() {
    const c = call;
    if (!c || c.state !== 'connected') return;
    c.muted = !c.muted;
    if (c.muted) {
      try { c.recognition && c.recognition.abort(); } catch (e) { /* not listening */ }
    } else {
      c.restarts = 0;
      startListening(c);
    }
    renderCallbar();
  }

  // ---- the end of a call
  function onEnd(c, handoffData) {
    let d = {};
    try { d = JSON.parse(handoffData) || {}; } catch (e) { d = {}; }
    const say = typeof d.say === 'string' && d.say.trim() ? d.say.trim() : null;
    if (say) speak(c, null, say);
    if (d.reasonCode === 'live-agent-handoff') {
      ui.handoff.textContent = 'Connecting you to the team…';
      ui.handoff.hidden = false;
    } else if (d.reasonCode === 'usage-limit' && say) {
      system(say);
    }
    endCall(c, null, true);
  }

  /** Hangs up the call in progress, if any. */
  function hangUp() {
    if (call && call.state !== 'ended') endCall(call, null);
  }

  function endCall(c, reason, letItFinish) {
    if (c.state === 'ended') return;
    const wasConnected = c.state === 'connected';
    c.state = 'ended';
    clearInterval(c.timer);
    if (c.recognition) {
      c.recognition.onend = null;
      try { c.recognition.abort(); } catch (e) { /* not listening */ }
    }
    if (!letItFinish) silence(c);
    if (c.ws) {
      const s = c.ws;
      if (s.readyState === 0 || s.readyState === 1) try { s.close(1000, 'hang up'); } catch (e) { /* closed */ }
    }
    if (c.reply) {
      c.reply.el.removeAttribute('data-streaming');
      if (!c.reply.text) c.reply.el.remove();
      c.reply = null;
    }
    if (!ui) return;
    const hadFocus = callUi && ui.root.activeElement && ui.callbar.contains(ui.root.activeElement);
    callMarker(wasConnected ? 'Call ended · ' + duration(Date.now() - c.startedAt) : 'Call ended');
    if (reason) system(reason);
    renderCallbar();
    if (hadFocus) (!callUi.browser.hidden ? callUi.browser : ui.input).focus();
  }

  function voiceStarted(c) {
    c.marker = callMarker('Call started');
  }
  /** "Call started" and "Call ended": a divider in the message list around the call's lines. */
  function callMarker(text) {
    const el = system(text);
    el.setAttribute('data-call', 'marker');
    return el;
  }

  /** A line of the call in the message list. */
  function callBubble(role, text, id, streaming) {
    const el = bubble(role, text, id, streaming);
    el.setAttribute('data-call', '');
    return el;
  }
  const squash = (s) => norm(s).replace(/\s+/g, ' ');
  /** Whether one text is the start of the other: a reply and the piece of it spoken first. */
  function similar(a, b) {
    const x = squash(a);
    const y = squash(b);
    return x.startsWith(y) || y.startsWith(x);
  }

  /** Until auth:ok names the call's conversation, what /ws/chat says of another conversation waits. */
  function callHolds(m, type) {
    if (!call || call.state !== 'calling' || m.conversationId === st.conversationId) return false;
    call.held.push({ type, data: m });
    return true;
  }

  /** A stored line of the call: it ties to the line shown when it was said, or shows once. */
  function callIncoming(c, m) {
    if (byId.has(m.id)) return;
    fire('message', { id: m.id, conversationId: m.conversationId, role: m.role, content: m.content, createdAt: m.createdAt });
    if (m.role === 'visitor') {
      const i = c.said.findIndex((l) => squash(l.text) === squash(m.content));
      if (i >= 0) {
        const l = c.said.splice(i, 1)[0];
        finish(l.el, m.content, m.id);
        return;
      }
    } else if (m.role === 'assistant') {
      const r = c.replies.find((x) => x.local && !x.id && similar(x.text, m.content));
      if (r) {
        r.id = m.id;
        r.durable = m.content;
        byId.set(m.id, r.el);
        r.el.setAttribute('data-id', m.id);
        if (r.done && !r.interrupted) fillText(r.el, m.content);
        else if (!r.done && !r.interrupted) { r.el.removeAttribute('data-streaming'); fillText(r.el, m.content); }
        return;
      }
      c.replies.push({ el: callBubble('assistant', m.content, m.id), id: m.id, durable: m.content, text: '', heard: '', local: false, done: true });
      return;
    }
    callBubble(m.role, m.content, m.id);
  }

  /** message:updated: the line shown gets the stored text (a reply the caller cut off: what they heard). */
  function updated(m) {
    if (!m || !m.id || typeof m.content !== 'string' || m.role === 'system') return;
    if (callHolds(m, 'message:updated')) return;
    const r = call && m.conversationId === call.conversationId ? call.replies.find((x) => x.id === m.id) : null;
    if (r) {
      r.durable = m.content;
      r.updated = true;
      if (r.done || r !== call.reply) { r.el.removeAttribute('data-streaming'); fillText(r.el, m.content); }
      return;
    }
    const el = byId.get(m.id);
    if (el) finish(el, m.content, m.id);
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
      case 'message:updated':
        updated(data);
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
    hangUp();
    lease = null;
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
      hangUp();
      lease = null;
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
