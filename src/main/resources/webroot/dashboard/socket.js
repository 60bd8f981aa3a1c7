// The tenant socket (GET /api/ws/tenant): authenticates with the JWT, keeps the id of the last
// event it handled, and reconnects with backoff (1 s, 2 s, 4 s … 30 s) resuming from that id, so
// no event is missed and none is handled twice.

const MAX_DELAY_MS = 30000;
const PING_MS = 25000;

export class TenantSocket {
  /**
   * handlers: onEvent(frame) for durable events (with id), onEphemeral(frame) for typing and
   * deltas, onState(state, detail) with state 'connecting' | 'live', onAuthFailed(reason),
   * onResync() after an authentication that could not resume (no event id known yet).
   * lastEventId: where to resume from (a string), or null; save(id) persists each new one.
   */
  constructor({ token, lastEventId, save, onEvent, onEphemeral, onState, onAuthFailed, onResync }) {
    this.token = token;
    this.lastEventId = lastEventId || null;
    this.save = save || (() => {});
    this.handlers = { onEvent, onEphemeral, onState, onAuthFailed, onResync };
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
    this.live = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.onOnline = () => this.reconnectNow();
    window.addEventListener('online', this.onOnline);
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    window.removeEventListener('online', this.onOnline);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000, 'logout');
      this.ws = null;
    }
    this.live = false;
  }

  /** Sends a frame when authenticated; returns whether it was sent. */
  send(frame) {
    if (!this.live || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  reconnectNow() {
    if (this.stopped || this.live) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    if (!this.ws) this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.setState('connecting', this.attempt ? 'Reconnecting…' : 'Connecting…');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/ws/tenant';
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    const resumedFrom = this.lastEventId;
    ws.onopen = () => {
      const auth = { type: 'auth', token: this.token };
      if (this.lastEventId) auth.lastEventId = this.lastEventId;
      ws.send(JSON.stringify(auth));
    };
    ws.onmessage = (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch { return; }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === 'auth:ok') {
        this.live = true;
        this.attempt = 0;
        this.setState('live', 'Live');
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_MS);
        // Without an id to resume from, events committed before this socket joined are not
        // replayed (those of a first load that raced with it, or of an outage): let the app
        // reload what it shows instead.
        if (!resumedFrom) this.handlers.onResync?.();
        return;
      }
      if (frame.type === 'pong') return;
      if (frame.id !== undefined && frame.id !== null) {
        const id = String(frame.id);
        if (this.lastEventId && !isAfter(id, this.lastEventId)) return; // already handled
        this.lastEventId = id;
        this.save(id);
        this.handlers.onEvent?.(frame);
      } else {
        this.handlers.onEphemeral?.(frame);
      }
    };
    ws.onclose = (e) => {
      clearInterval(this.pingTimer);
      this.live = false;
      this.ws = null;
      if (this.stopped) return;
      if (e.code === 4401 && /invalid token|token expired/i.test(e.reason || '')) {
        this.setState('connecting', 'Signed out');
        this.handlers.onAuthFailed?.(e.reason);
        return;
      }
      if (e.code === 4400) {
        // The server refused the id we kept: start over without it and reload instead.
        this.lastEventId = null;
        this.save(null);
      }
      this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  scheduleRetry() {
    if (this.stopped) return;
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    this.attempt++;
    let left = Math.round(delay / 1000);
    this.setState('connecting', `Reconnecting in ${left} s`);
    clearTimeout(this.retryTimer);
    const tick = () => {
      left--;
      if (left > 0) {
        this.setState('connecting', `Reconnecting in ${left} s`);
        this.retryTimer = setTimeout(tick, 1000);
      } else {
        this.connect();
      }
    };
    this.retryTimer = setTimeout(tick, Math.min(1000, delay));
  }

  setState(state, detail) {
    this.handlers.onState?.(state, detail);
  }
}

/** Whether decimal id a is greater than b (ids may exceed Number's exact range). */
function isAfter(a, b) {
  try {
    return BigInt(a) > BigInt(b);
  } catch {
    return true;
  }
}
