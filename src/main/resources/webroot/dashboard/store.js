// The conversations the dashboard knows, kept in step with the tenant socket. The
// conversations view renders from here; the store lives as long as the session, so unread
// counts keep growing while another page is shown.
import { api } from './api.js';
import { session } from './session.js';
import { formatDuration } from './dom.js';

const PAGE = 50;

export class ConversationStore {
  constructor() {
    this.convs = new Map();
    this.previews = new Map(); // conversation id → {text, role, at}
    this.unread = new Map(this.loadUnread());
    this.filters = { status: '', channel: '', qualified: '' };
    this.nextCursor = null;
    this.loading = false;
    this.loaded = false;
    this.error = null;
    this.openId = null;
    this.listeners = new Set();
    this.generation = 0;
    this.arrivals = new Map(); // conversation id → arrival order of those that came in live
    this.arrivalSeq = 0;
  }

  /**
   * fn(kind, payload): 'list' | 'conv' (id) | 'message' (msg) | 'message-updated' (msg) | 'delta' (data) |
   * 'typing' (data) | 'unread'.
   */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(kind, payload) {
    for (const fn of this.listeners) fn(kind, payload);
  }

  /** The conversations to show, newest first. */
  list() {
    const arrival = (c) => this.arrivals.get(c.id) || 0;
    return [...this.convs.values()].filter((c) => this.matches(c) || c.id === this.openId).sort((a, b) => {
      if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
      // created in the same second: the one that arrived live last goes on top
      if (arrival(a) !== arrival(b)) return arrival(b) - arrival(a);
      return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
    });
  }

  matches(c) {
    const f = this.filters;
    if (f.status && c.status !== f.status) return false;
    if (f.channel && c.channel !== f.channel) return false;
    if (f.qualified && String(Boolean(c.qualified)) !== f.qualified) return false;
    return true;
  }

  setFilters(filters) {
    this.filters = { ...this.filters, ...filters };
    return this.reload();
  }

  /** Loads the first page again (after a filter change or a reconnect that could not resume). */
  async reload() {
    const generation = ++this.generation;
    this.loading = true;
    this.error = null;
    this.emit('list');
    try {
      const data = await api('GET', '/api/conversations', { query: { ...this.filters, limit: PAGE } });
      if (generation !== this.generation) return;
      const keep = this.openId && this.convs.get(this.openId);
      this.convs.clear();
      if (keep) this.convs.set(keep.id, keep);
      for (const c of data.items) this.convs.set(c.id, c);
      this.nextCursor = data.nextCursor;
      this.loaded = true;
    } catch (e) {
      if (generation === this.generation) this.error = e;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.emit('list');
      }
    }
  }

  async loadMore() {
    if (!this.nextCursor || this.loading) return;
    const generation = this.generation;
    this.loading = true;
    this.emit('list');
    try {
      const data = await api('GET', '/api/conversations', { query: { ...this.filters, limit: PAGE, cursor: this.nextCursor } });
      if (generation !== this.generation) return;
      for (const c of data.items) if (!this.convs.has(c.id)) this.convs.set(c.id, c);
      this.nextCursor = data.nextCursor;
    } catch (e) {
      this.error = e;
    } finally {
      this.loading = false;
      this.emit('list');
    }
  }

  /** Stores a newer state of a conversation (from an event or a PATCH answer). */
  upsert(conv) {
    const known = this.convs.has(conv.id);
    const old = this.convs.get(conv.id);
    // A message event may have moved lastMessageAt past what this (older) snapshot says.
    if (old && old.lastMessageAt && (!conv.lastMessageAt || old.lastMessageAt > conv.lastMessageAt)) {
      conv = { ...conv, lastMessageAt: old.lastMessageAt };
    }
    this.convs.set(conv.id, conv);
    this.emit(known ? 'conv' : 'list', conv.id);
  }

  /** Durable tenant events. */
  handleEvent(frame) {
    const { type, data } = frame;
    if (!data) return;
    if (type === 'conversation:new' || type === 'conversation:updated' || type === 'conversation:qualified') {
      if (type === 'conversation:new' && !this.arrivals.has(data.id)) this.arrivals.set(data.id, ++this.arrivalSeq);
      this.upsert(data);
    } else if (type === 'message:new') {
      this.handleMessage(data);
    } else if (type === 'message:updated') {
      this.handleMessageUpdated(data);
    }
  }

  /**
   * A stored message whose text changed (a caller talked over a spoken reply: it becomes what they
   * heard). Views replace the message they show in place; it never becomes a second message.
   */
  handleMessageUpdated(msg) {
    if (!msg.id || !msg.conversationId) return;
    const preview = this.previews.get(msg.conversationId);
    if (preview && preview.id === msg.id) this.previews.set(msg.conversationId, { ...preview, text: msg.content });
    if (this.convs.has(msg.conversationId)) this.emit('conv', msg.conversationId);
    this.emit('message-updated', msg);
  }

  handleMessage(msg) {
    const conv = this.convs.get(msg.conversationId);
    this.previews.set(msg.conversationId, { id: msg.id, text: msg.content, role: msg.role, at: msg.createdAt });
    if (conv) {
      this.convs.set(conv.id, { ...conv, lastMessageAt: msg.createdAt, updatedAt: msg.createdAt });
    } else {
      // Older than the loaded page: fetch it so the list shows it.
      api('GET', `/api/conversations/${encodeURIComponent(msg.conversationId)}`)
        .then((d) => { if (!this.convs.has(d.conversation.id)) this.upsert(d.conversation); })
        .catch(() => {});
    }
    // Unread = what visitors wrote that nobody has looked at yet.
    if (msg.conversationId !== this.openId && msg.role === 'visitor') {
      this.unread.set(msg.conversationId, (this.unread.get(msg.conversationId) || 0) + 1);
      this.saveUnread();
      this.emit('unread');
    }
    if (conv) this.emit('conv', conv.id);
    this.emit('message', msg);
  }

  /** Ephemeral frames: typing and streamed reply pieces. */
  handleEphemeral(frame) {
    if (frame.type === 'typing' && frame.data) this.emit('typing', frame.data);
    else if (frame.type === 'message:delta' && frame.data) this.emit('delta', frame.data);
  }

  open(id) {
    this.openId = id;
    if (id && this.unread.has(id)) {
      this.unread.delete(id);
      this.saveUnread();
      this.emit('unread');
    }
  }

  totalUnread() {
    let n = 0;
    for (const v of this.unread.values()) n += v;
    return n;
  }

  loadUnread() {
    try {
      const raw = JSON.parse(session.get('unread') || '{}');
      return Object.entries(raw).filter(([, v]) => Number.isInteger(v) && v > 0);
    } catch {
      return [];
    }
  }
  saveUnread() {
    session.set('unread', JSON.stringify(Object.fromEntries(this.unread)));
  }
}

/** A readable title for a conversation: the contact's name or email, else the session. */
export function conversationTitle(c) {
  const cd = c.contact_data || {};
  if (cd.name) return cd.name;
  if (cd.email) return cd.email;
  if (cd.phone) return cd.phone;
  const tag = (c.sessionId || '').replace(/[^A-Za-z0-9]/g, '').slice(-4).toUpperCase();
  return (c.channel === 'voice' ? 'Caller ' : 'Visitor ') + tag;
}

const CALL_STATUS = {
  queued: 'queued', initiated: 'dialling', ringing: 'ringing', 'in-progress': 'in progress', completed: 'completed',
  busy: 'busy', failed: 'failed', 'no-answer': 'no answer', canceled: 'canceled',
};
const CALL_ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * What a voice conversation's metadata.call says, for display: {status (the carrier's word),
 * label ("in progress"), ended, durationSeconds (a number once ended, else null), answeredBy,
 * direction, callSid, summary ("Call · 3:42 · completed")}; null for a chat.
 */
export function callInfo(c) {
  if (!c || c.channel !== 'voice') return null;
  const call = c.metadata && typeof c.metadata.call === 'object' && c.metadata.call ? c.metadata.call : {};
  const status = typeof call.status === 'string' && call.status ? call.status : null;
  const ended = status ? CALL_ENDED.has(status) : c.status === 'closed';
  const durationSeconds = ended && typeof call.durationSeconds === 'number' && call.durationSeconds >= 0 ? call.durationSeconds : null;
  const label = status ? CALL_STATUS[status] || status.replace(/-/g, ' ') : ended ? 'ended' : 'waiting for the call';
  const parts = ['Call'];
  if (durationSeconds !== null) parts.push(formatDuration(durationSeconds));
  parts.push(label);
  return {
    status, label, ended, durationSeconds,
    answeredBy: typeof call.answeredBy === 'string' ? call.answeredBy : null,
    direction: typeof call.direction === 'string' ? call.direction : null,
    callSid: typeof call.callSid === 'string' ? call.callSid : null,
    summary: parts.join(' · '),
  };
}
