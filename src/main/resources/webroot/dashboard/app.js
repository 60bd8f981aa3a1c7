// The agents' dashboard: sign-in, the app shell (navigation, top bar, connection state) and a
// hash router over the pages in views/. Plain ES modules, no build step.
import { api, describe, setUnauthorizedHandler } from './api.js';
import { session, rememberWidgetToken } from './session.js';
import { TenantSocket } from './socket.js';
import { ConversationStore } from './store.js';
import { icon, replace } from './dom.js';
import * as conversations from './views/conversations.js';
import * as assistants from './views/assistants.js';
import * as widget from './views/widget.js';
import * as team from './views/team.js';
import * as usage from './views/usage.js';
import * as analytics from './views/analytics.js';

const PAGES = { conversations, assistants, widget, team, usage, analytics };
const TITLES = { conversations: 'Conversations', assistants: 'Assistants', widget: 'Widget', team: 'Team', usage: 'Usage', analytics: 'Analytics' };

const $ = (sel) => document.querySelector(sel);
const authSection = $('#auth');
const appShell = $('#app');
const main = $('#main');
const loginForm = $('#login-form');
const signupForm = $('#signup-form');

/** What the views share. */
const ctx = {
  store: null,
  socket: null,
  tenant: null, // {id, name, plan, config}
  setTenant(tenant) {
    ctx.tenant = tenant;
    $('[data-dc=tenant-name]').textContent = tenant?.name || session.tenantId || '';
    const plan = $('[data-dc=plan]');
    plan.textContent = tenant?.plan ? tenant.plan + ' plan' : '';
    plan.hidden = !tenant?.plan;
  },
  /** Sends a frame on the tenant socket if it is live. */
  send(frame) {
    return ctx.socket ? ctx.socket.send(frame) : false;
  },
};

let current = null; // {page, view}

// ---- Auth -------------------------------------------------------------------------------

function showAuth(which, message) {
  stopApp();
  appShell.hidden = true;
  authSection.hidden = false;
  document.title = 'Sign in · Live Chat';
  selectAuthTab(which || (session.lastEmail() ? 'login' : 'signup'));
  if (message) formError(loginForm, message);
  if (session.lastEmail() && !loginForm.email.value) loginForm.email.value = session.lastEmail();
}

function selectAuthTab(which) {
  const login = which === 'login';
  loginForm.hidden = !login;
  signupForm.hidden = login;
  $('[data-dc=show-login]').setAttribute('aria-selected', String(login));
  $('[data-dc=show-signup]').setAttribute('aria-selected', String(!login));
}

function formError(form, text) {
  const el = form.querySelector('.form-error');
  el.textContent = text || '';
  el.hidden = !text;
}

async function submitAuth(form, run) {
  formError(form, '');
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await run();
  } catch (e) {
    formError(form, describe(e));
  } finally {
    button.disabled = false;
  }
}

loginForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const email = loginForm.email.value.trim();
  const password = loginForm.password.value;
  if (!email || !password) return formError(loginForm, 'Enter your email and password.');
  submitAuth(loginForm, async () => {
    const data = await api('POST', '/api/auth/login', { body: { email, password }, auth: false });
    session.start(data.token, data.user);
    loginForm.password.value = '';
    enterApp();
  });
});

signupForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const companyName = signupForm.companyName.value.trim();
  const email = signupForm.email.value.trim();
  const password = signupForm.password.value;
  if (!companyName) return formError(signupForm, 'Enter your company name.');
  if (!email) return formError(signupForm, 'Enter your email.');
  if (password.length < 10) return formError(signupForm, 'The password needs at least 10 characters.');
  submitAuth(signupForm, async () => {
    const data = await api('POST', '/api/auth/signup', { body: { email, password, companyName }, auth: false });
    if (data.tenant?.widgetToken) rememberWidgetToken(data.tenant.id, data.tenant.widgetToken);
    session.start(data.token, data.user);
    signupForm.reset();
    enterApp();
  });
});

$('[data-dc=show-login]').addEventListener('click', () => { selectAuthTab('login'); loginForm.email.focus(); });
$('[data-dc=show-signup]').addEventListener('click', () => { selectAuthTab('signup'); signupForm.companyName.focus(); });
$('#auth .tabs').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
  const next = loginForm.hidden ? 'login' : 'signup';
  selectAuthTab(next);
  $(next === 'login' ? '[data-dc=show-login]' : '[data-dc=show-signup]').focus();
});

$('[data-dc=logout]').addEventListener('click', () => logout());

function logout(message) {
  session.clear();
  showAuth('login', message);
}

setUnauthorizedHandler(() => {
  if (session.token) logout('Your session has ended. Sign in again.');
});

// ---- App shell --------------------------------------------------------------------------

function enterApp() {
  authSection.hidden = true;
  appShell.hidden = false;
  formError(loginForm, '');
  formError(signupForm, '');
  const user = session.user;
  $('[data-dc=user]').textContent = user.email ? `${user.email} · ${user.role}` : user.role;
  ctx.setTenant(null);
  $('[data-dc=tenant-name]').textContent = session.tenantId;

  ctx.store = new ConversationStore();
  ctx.store.subscribe((kind) => { if (kind === 'unread' || kind === 'list') showUnreadTotal(); });
  ctx.store.reload();
  startSocket();
  api('GET', '/api/tenant').then((d) => ctx.setTenant(d.tenant)).catch(() => {});
  route();
}

function stopApp() {
  if (current?.view?.destroy) current.view.destroy();
  current = null;
  main.replaceChildren();
  if (ctx.socket) ctx.socket.stop();
  ctx.socket = null;
  ctx.store = null;
  ctx.tenant = null;
}

function startSocket() {
  const store = ctx.store;
  ctx.socket = new TenantSocket({
    token: session.token,
    lastEventId: session.get('lastEventId'),
    save: (id) => session.set('lastEventId', id),
    onEvent: (frame) => store.handleEvent(frame),
    onEphemeral: (frame) => store.handleEphemeral(frame),
    onState: (state, detail) => showConnection(state, detail),
    onAuthFailed: () => logout('Your session has ended. Sign in again.'),
    onResync: () => {
      store.reload();
      current?.view?.resync?.();
    },
  });
  ctx.socket.start();
}

function showConnection(state, detail) {
  const el = $('[data-dc=connection]');
  el.dataset.state = state;
  el.querySelector('.connection-text').textContent = detail || (state === 'live' ? 'Live' : 'Connecting…');
  el.title = state === 'live' ? 'Receiving updates live' : 'Not receiving live updates right now';
}

function showUnreadTotal() {
  const n = ctx.store ? ctx.store.totalUnread() : 0;
  const badge = $('[data-dc=nav-unread]');
  badge.textContent = n > 99 ? '99+' : String(n);
  badge.hidden = n === 0;
  const title = current ? TITLES[current.page] : 'Dashboard';
  document.title = (n ? `(${n}) ` : '') + title + ' · Live Chat';
}

// ---- Router -----------------------------------------------------------------------------

function parseHash() {
  const [page, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { page: PAGES[page] ? page : 'conversations', arg: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

function route() {
  if (!session.token || appShell.hidden) return;
  const { page, arg } = parseHash();
  if (current && current.page === page && current.view.update) {
    current.view.update(arg);
    return;
  }
  if (current?.view?.destroy) current.view.destroy();
  const view = PAGES[page].render(ctx, arg);
  current = { page, view };
  replace(main, view.el);
  main.dataset.page = page;
  for (const a of document.querySelectorAll('[data-dc=nav]')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  showUnreadTotal();
}

window.addEventListener('hashchange', route);

// Navigation icons (drawn here so the HTML stays free of inline SVG paths).
for (const span of document.querySelectorAll('.nav-icon[data-icon]')) span.replaceWith(icon(span.dataset.icon, 'nav-icon'));
$('[data-dc=logout]').prepend(icon('logout'));

// ---- Start ------------------------------------------------------------------------------

if (session.restore()) enterApp();
else showAuth();
