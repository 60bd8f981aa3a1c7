// The signed-in user: the dashboard JWT and what the dashboard remembers per tenant, in
// localStorage. Keys start with "lc." so they are easy to find and clear.

const TOKEN_KEY = 'lc.jwt';
const USER_KEY = 'lc.user';
const LAST_EMAIL_KEY = 'lc.lastEmail';

function read(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function write(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* private mode or full storage: the dashboard still works for this page load */ }
}

/** The JWT's claims (sub, tenantId, role, exp), or null when it cannot be read. */
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export const session = {
  token: null,
  user: null, // {id, email, role}
  tenantId: null,

  /** Restores the session from localStorage; false when there is none or it has expired. */
  restore() {
    const token = read(TOKEN_KEY);
    const c = token && claims(token);
    if (!c || !c.tenantId || (c.exp && c.exp * 1000 <= Date.now())) {
      this.clear();
      return false;
    }
    let user = null;
    try { user = JSON.parse(read(USER_KEY)); } catch { /* rebuilt below */ }
    this.token = token;
    this.tenantId = c.tenantId;
    this.user = user && user.id === c.sub ? user : { id: c.sub, email: '', role: c.role };
    return true;
  },

  start(token, user) {
    const c = claims(token) || {};
    this.token = token;
    this.tenantId = c.tenantId;
    this.user = { id: user?.id ?? c.sub, email: user?.email ?? '', role: user?.role ?? c.role };
    write(TOKEN_KEY, token);
    write(USER_KEY, JSON.stringify(this.user));
    if (this.user.email) write(LAST_EMAIL_KEY, this.user.email);
  },

  clear() {
    if (this.tenantId) write(tenantKey(this.tenantId, 'lastEventId'), null);
    this.token = null;
    this.user = null;
    this.tenantId = null;
    write(TOKEN_KEY, null);
    write(USER_KEY, null);
  },

  get canManage() {
    return this.user?.role === 'owner' || this.user?.role === 'admin';
  },

  lastEmail() {
    return read(LAST_EMAIL_KEY);
  },

  /** Per-tenant values (widget token, last event id, unread counts). */
  get(name) {
    return this.tenantId ? read(tenantKey(this.tenantId, name)) : null;
  },
  set(name, value) {
    if (this.tenantId) write(tenantKey(this.tenantId, name), value);
  },
};

function tenantKey(tenantId, name) {
  return `lc.${tenantId}.${name}`;
}

/** Remembers a widget token for a tenant (known only at sign-up and after a rotation). */
export function rememberWidgetToken(tenantId, token) {
  write(tenantKey(tenantId, 'widgetToken'), token);
}
