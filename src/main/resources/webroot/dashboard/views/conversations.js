// Conversations: the live list (filters, unread counts), the open thread (history, streamed AI
// replies, visitor typing, takeover / give back / close / assign, the agent's reply) and the
// contact panel (what the visitor told us, and why the lead is qualified). Voice conversations show
// as calls: the carrier's status live, the duration once ended, the caller's number, the chat the
// call came from; their transcript follows the call, and a spoken reply the caller cut off is
// replaced in place by what they heard (message:updated).
import { api, listAll, describe } from '../api.js';
import { session } from '../session.js';
import { conversationTitle, callInfo } from '../store.js';
import { h, replace, icon, formatTime, formatRelative, formatDuration, toast, emptyState } from '../dom.js';

const CONTACT_FIELDS = [
  ['name', 'Name'], ['email', 'Email'], ['phone', 'Phone'], ['company', 'Company'],
  ['need', 'Need'], ['budget', 'Budget'], ['timeline', 'Timeline'],
];
const FIELD_LABELS = Object.fromEntries(CONTACT_FIELDS);
const ROLE_LABELS = { visitor: 'Visitor', assistant: 'AI assistant', agent: 'Agent', system: 'System note' };
const CALL_ROLE_LABELS = { ...ROLE_LABELS, visitor: 'Caller' };
const roleLabel = (role, channel) => (channel === 'voice' ? CALL_ROLE_LABELS : ROLE_LABELS)[role] || role;
const TYPING_MS = 4000;
const TYPING_SEND_MS = 2000;
const MESSAGE_PAGE = 200;

export function render(ctx, arg) {
  const store = ctx.store;
  const rows = new Map(); // conversation id → row button
  let assistants = new Map();
  let users = [];
  let thread = null; // {id, channel, ids:Set, els:Map, loading, pending:[{kind, m}], lastId, streams:Map}
  let typingTimer = null;
  let lastTypingSent = 0;

  // ---- Layout -----------------------------------------------------------------------------
  const statusFilter = filterSelect('Status', 'status', [['', 'Status'], ['open', 'Open'], ['closed', 'Closed']]);
  const channelFilter = filterSelect('Channel', 'channel', [['', 'Channel'], ['chat', 'Chat'], ['voice', 'Voice']]);
  const qualifiedFilter = filterSelect('Qualified', 'qualified', [['', 'Leads'], ['true', 'Qualified'], ['false', 'Not qualified']]);
  const listEl = h('ul', { class: 'conv-list', 'aria-label': 'Conversations, newest first' });
  const listInfo = h('div', { class: 'list-info', role: 'status' });
  const loadMore = h('button', { type: 'button', class: 'btn btn-ghost btn-block', hidden: true, on: { click: () => store.loadMore() } }, 'Load older conversations');
  const countEl = h('span', { class: 'count' });

  const listPane = h('section', { class: 'conv-list-pane', 'aria-labelledby': 'conv-heading' },
    h('div', { class: 'pane-head' }, h('h1', { id: 'conv-heading' }, 'Conversations'), countEl),
    h('div', { class: 'filters' }, statusFilter.el, channelFilter.el, qualifiedFilter.el),
    listInfo, listEl, loadMore);

  const threadPane = h('section', { class: 'thread-pane', 'aria-label': 'Conversation' });
  const contactPane = h('aside', { class: 'contact-pane', 'aria-label': 'Contact', hidden: true });
  const el = h('div', { class: 'conv-page' }, listPane, threadPane, contactPane);

  // ---- The list ---------------------------------------------------------------------------
  function filterSelect(label, key, options) {
    const select = h('select', { name: key, on: { change: () => { mark(); store.setFilters({ [key]: select.value }); } } },
      options.map(([value, text]) => h('option', { value }, text)));
    select.value = store.filters[key];
    const mark = () => select.classList.toggle('is-set', Boolean(select.value));
    mark();
    const id = 'filter-' + key;
    select.id = id;
    return { el: h('div', { class: 'filter' }, h('label', { for: id, class: 'sr-only' }, label), select), select };
  }

  function renderList() {
    const items = store.list();
    const seen = new Set();
    items.forEach((c, i) => {
      seen.add(c.id);
      let row = rows.get(c.id);
      if (!row) {
        row = h('button', { type: 'button', class: 'conv-row', dataset: { dc: 'conversation', id: c.id }, on: { click: () => openRoute(c.id) } });
        rows.set(c.id, h('li', {}, row));
        row = rows.get(c.id);
      }
      fillRow(row.firstChild, c);
      if (listEl.children[i] !== row) listEl.insertBefore(row, listEl.children[i] || null);
    });
    for (const [id, li] of rows) if (!seen.has(id)) { li.remove(); rows.delete(id); }

    countEl.textContent = items.length ? String(items.length) + (store.nextCursor ? '+' : '') : '';
    loadMore.hidden = !store.nextCursor;
    loadMore.disabled = store.loading;
    if (store.error) replace(listInfo, h('p', { class: 'form-error' }, describe(store.error)));
    else if (store.loading && !items.length) replace(listInfo, h('p', { class: 'muted pad' }, 'Loading conversations…'));
    else if (!items.length) replace(listInfo, emptyState('No conversations yet', hasFilters() ? 'Nothing matches these filters.' : 'They appear here live as soon as a visitor writes in the widget.'));
    else replace(listInfo);
  }

  function hasFilters() {
    return Object.values(store.filters).some(Boolean);
  }

  function fillRow(row, c) {
    const unread = store.unread.get(c.id) || 0;
    const preview = store.previews.get(c.id);
    row.classList.toggle('is-unread', unread > 0);
    if (thread?.id === c.id) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
    row.dataset.status = c.status;
    row.dataset.channel = c.channel;
    const call = callInfo(c);
    const fallback = call
      ? (c.contact_data?.phone && conversationTitle(c) !== c.contact_data.phone ? c.contact_data.phone : 'No transcript yet')
      : (c.contact_data?.email && c.contact_data?.name ? c.contact_data.email : 'Session ' + c.sessionId);
    replace(row,
      h('span', { class: 'row-top' },
        h('span', { class: 'row-title' }, call ? icon('phone', 'row-icon') : null, conversationTitle(c)),
        h('span', { class: 'row-time' }, formatRelative(c.lastMessageAt || c.createdAt))),
      call ? h('span', { class: ['row-call', call.ended ? 'is-ended' : 'is-live'], dataset: { dc: 'call-status', callStatus: call.status || '' } }, call.summary) : null,
      h('span', { class: 'row-preview' }, preview ? (preview.role === 'visitor' ? '' : roleLabel(preview.role, c.channel) + ': ') + preview.text : fallback),
      h('span', { class: 'row-tags' },
        h('span', { class: ['badge', 'badge-' + c.channel], dataset: { dc: 'channel' } }, c.channel === 'voice' ? 'Call' : c.channel === 'chat' ? 'Chat' : c.channel),
        h('span', { class: ['badge', c.status === 'open' ? 'badge-open' : 'badge-closed'], dataset: { dc: 'status' } }, c.status === 'open' ? 'Open' : 'Closed'),
        h('span', { class: ['badge', c.aiEnabled ? 'badge-ai' : 'badge-human'] }, c.aiEnabled ? 'AI' : 'Agent'),
        c.qualified ? h('span', { class: 'badge badge-qualified', dataset: { dc: 'qualified' } }, 'Qualified') : null,
        // the assistant could not help, or a person was asked for, while nobody was online
        c.metadata?.followUp && c.aiEnabled ? h('span', { class: 'badge badge-follow-up', dataset: { dc: 'follow-up' }, title: c.metadata.followUp.reason === 'asked' ? 'Asked for a person while nobody was online' : 'The assistant could not answer while nobody was online' }, 'Follow up') : null,
        c.linkedConversationId ? h('span', { class: 'badge badge-linked', dataset: { dc: 'linked' }, title: call ? 'Started from a chat' : 'Continued as a call' }, call ? 'From chat' : 'Has call') : null,
        h('span', { class: 'unread', dataset: { dc: 'unread' }, hidden: unread === 0, 'aria-label': `${unread} unread` }, String(unread))));
  }

  function openRoute(id) {
    location.hash = '#/conversations/' + encodeURIComponent(id);
  }

  // ---- The thread -------------------------------------------------------------------------
  function showNoThread() {
    thread = null;
    store.open(null);
    el.classList.remove('has-open');
    contactPane.hidden = true;
    replace(threadPane, h('div', { class: 'thread-empty' },
      icon('chat', 'icon-lg'),
      h('p', { class: 'empty-title' }, 'Pick a conversation'),
      h('p', { class: 'muted' }, 'Take over from the AI, reply, and give it back when you are done.')));
    renderList();
  }

  async function openConversation(id) {
    if (!id) return showNoThread();
    if (thread?.id === id) return;
    thread = { id, channel: null, ids: new Set(), els: new Map(), loading: true, pending: [], lastId: null, streams: new Map() };
    store.open(id);
    el.classList.add('has-open');
    renderList();
    let conv = store.convs.get(id);
    if (!conv) {
      replace(threadPane, h('p', { class: 'muted pad' }, 'Loading…'));
      try {
        conv = (await api('GET', `/api/conversations/${encodeURIComponent(id)}`)).conversation;
        if (thread?.id !== id) return;
        store.upsert(conv);
      } catch (e) {
        if (thread?.id !== id) return;
        replace(threadPane, h('div', { class: 'thread-empty' }, h('p', { class: 'form-error' }, describe(e)),
          h('a', { href: '#/conversations', class: 'btn btn-ghost' }, 'Back to the list')));
        contactPane.hidden = true;
        return;
      }
    }
    thread.channel = conv.channel;
    buildThread(conv);
    await loadMessages(id);
  }

  // Elements of the open thread, rebuilt for each conversation.
  let ui = null;

  function buildThread(conv) {
    const messages = h('div', { class: 'thread', dataset: { dc: 'thread' }, role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0' },
      h('p', { class: 'muted pad', dataset: { loading: 'true' } }, 'Loading messages…'));
    const typing = h('p', { class: 'typing', dataset: { dc: 'typing' }, hidden: true, 'aria-live': 'polite' });
    const input = h('textarea', { id: 'reply-input', class: 'reply-input', dataset: { dc: 'reply-input' }, rows: '2', maxlength: '4000', placeholder: 'Write a reply…', 'aria-describedby': 'reply-hint' });
    const send = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { dc: 'reply-send' } }, 'Send');
    const replyHint = h('p', { class: 'hint', id: 'reply-hint' });
    const form = h('form', { class: 'reply', on: { submit: (e) => { e.preventDefault(); sendReply(); } } },
      h('label', { for: 'reply-input', class: 'sr-only' }, 'Reply to the visitor'),
      h('div', { class: 'reply-row' }, input, send), replyHint);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
    });
    input.addEventListener('input', () => {
      const now = Date.now();
      if (input.value.trim() && now - lastTypingSent >= TYPING_SEND_MS && thread) {
        if (ctx.send({ type: 'typing', conversationId: thread.id })) lastTypingSent = now;
      }
    });

    // Both stay visible (a toggle pair): the one that matches the current state shows it, pressed.
    const takeover = h('button', { type: 'button', class: 'seg seg-human', dataset: { dc: 'takeover' }, on: { click: (e) => patch(e.currentTarget, { aiEnabled: false }, 'You have the conversation. The AI is paused.') } });
    const giveBack = h('button', { type: 'button', class: 'seg seg-ai', dataset: { dc: 'give-back' }, on: { click: (e) => patch(e.currentTarget, { aiEnabled: true }, 'The AI assistant answers again.') } });
    const closeConv = h('button', { type: 'button', class: 'btn', dataset: { dc: 'close-conv' }, on: { click: (e) => patch(e.currentTarget, { status: 'closed' }, 'Conversation closed.') } }, 'Close');
    const reopen = h('button', { type: 'button', class: 'btn', dataset: { dc: 'reopen-conv' }, on: { click: (e) => patch(e.currentTarget, { status: 'open' }, 'Conversation reopened.') } }, 'Reopen');
    const assign = h('select', { id: 'assign-select', dataset: { dc: 'assign' }, on: { change: () => patch(assign, { assigneeId: assign.value || null }, assign.value ? 'Assigned.' : 'Unassigned.') } });
    const title = h('h2', { class: 'thread-title' });
    const meta = h('p', { class: 'thread-meta muted' });
    const callStatus = h('p', { class: 'thread-call', dataset: { dc: 'thread-call-status' }, role: 'status', hidden: true });
    const linked = h('a', { class: 'linked-link', dataset: { dc: 'linked-conversation' }, hidden: true });
    const callNote = h('p', { class: 'call-note', dataset: { dc: 'call-note' }, hidden: true },
      'This is a phone call: its transcript follows the call live. The caller does not hear replies typed here; to talk to them, give them the transfer number or call them back.');
    const banner = h('p', { class: 'banner' });
    const back = h('a', { href: '#/conversations', class: 'btn btn-ghost btn-icon back-link', 'aria-label': 'Back to the list' }, icon('back'));

    replace(threadPane,
      h('header', { class: 'thread-head' },
        h('div', { class: 'thread-heading' }, back, h('div', {}, title, meta, callStatus, linked)),
        h('div', { class: 'thread-actions' },
          h('div', { class: 'segmented', role: 'group', 'aria-label': 'Who answers' }, giveBack, takeover), closeConv, reopen,
          h('div', { class: 'assign' }, h('label', { for: 'assign-select' }, 'Assignee'), assign))),
      banner, messages, typing, callNote, form);
    ui = { messages, typing, input, send, replyHint, takeover, giveBack, closeConv, reopen, assign, title, meta, banner, callStatus, linked, callNote, form };
    fillThreadHead(conv);
    fillContact(conv);
  }

  function fillThreadHead(conv) {
    if (!ui) return;
    ui.title.textContent = conversationTitle(conv);
    const call = callInfo(conv);
    const phone = conv.contact_data?.phone;
    const kind = !call ? 'Chat'
      : call.direction === 'browser' ? 'Call from the widget, in the browser' + (phone ? ' (' + phone + ')' : '')
        : (call.direction === 'outbound' ? 'Phone call to ' : 'Phone call from ') + (phone || 'an unknown number');
    ui.meta.textContent = [kind, 'started ' + formatTime(conv.createdAt), conv.status === 'open' ? 'open' : 'closed'].join(' · ');
    ui.callStatus.hidden = !call;
    if (call) {
      replace(ui.callStatus, icon('phone'), call.summary);
      ui.callStatus.dataset.callStatus = call.status || '';
      ui.callStatus.classList.toggle('is-live', !call.ended);
    }
    if (conv.linkedConversationId) {
      ui.linked.href = '#/conversations/' + encodeURIComponent(conv.linkedConversationId);
      ui.linked.dataset.id = conv.linkedConversationId;
      replace(ui.linked, icon('link'), call ? 'Open the chat this call came from' : 'Open the call started from this chat');
      ui.linked.hidden = false;
    } else {
      ui.linked.removeAttribute('href');
      ui.linked.hidden = true;
    }
    // an agent's typed reply is not spoken to a caller
    ui.callNote.hidden = !call;
    ui.form.hidden = Boolean(call);
    ui.takeover.textContent = conv.aiEnabled ? 'Take over' : 'Taken over';
    ui.takeover.setAttribute('aria-pressed', String(!conv.aiEnabled));
    ui.giveBack.textContent = conv.aiEnabled ? 'AI answering' : 'Give back to AI';
    ui.giveBack.setAttribute('aria-pressed', String(conv.aiEnabled));
    ui.closeConv.hidden = conv.status !== 'open';
    ui.reopen.hidden = conv.status === 'open';
    ui.banner.dataset.mode = conv.aiEnabled ? 'ai' : 'human';
    ui.banner.textContent = conv.channel === 'voice'
      ? (conv.aiEnabled ? 'The AI assistant talks with the caller.' : 'A person has this call: the AI is paused until you give it back.')
      : conv.aiEnabled
        ? 'The AI assistant is answering this conversation. Take over, or just reply, to answer yourself.'
        : 'A person has this conversation: the AI is paused until you give it back.';
    ui.replyHint.textContent = 'Enter sends, Shift+Enter starts a new line.' + (conv.aiEnabled ? ' Replying takes the conversation over from the AI.' : '');
    fillAssign(conv);
  }

  function fillAssign(conv) {
    const options = [h('option', { value: '' }, 'Unassigned')];
    const known = new Set();
    for (const u of users) { known.add(u.id); options.push(h('option', { value: u.id }, u.id === session.user?.id ? `${u.email} (you)` : u.email)); }
    if (conv.assigneeId && !known.has(conv.assigneeId)) options.push(h('option', { value: conv.assigneeId }, conv.assigneeId));
    replace(ui.assign, options);
    ui.assign.value = conv.assigneeId || '';
  }

  function fillContact(conv) {
    contactPane.hidden = false;
    const cd = conv.contact_data || {};
    const extra = Object.keys(cd).filter((k) => !FIELD_LABELS[k]);
    const assistant = conv.assistantId ? assistants.get(conv.assistantId) : null;
    const assignee = users.find((u) => u.id === conv.assigneeId);
    replace(contactPane,
      h('section', { class: 'card contact-card', dataset: { dc: 'contact' } },
        h('h3', {}, 'Contact'),
        h('dl', { class: 'kv' },
          CONTACT_FIELDS.map(([key, label]) => [h('dt', {}, label), h('dd', { dataset: { field: key }, class: cd[key] ? null : 'muted' }, cd[key] || '—')]),
          extra.map((k) => [h('dt', {}, k), h('dd', { dataset: { field: k } }, String(cd[k]))]))),
      conv.channel === 'voice' ? callCard(conv) : null,
      conv.qualified ? qualifiedWhy(conv, assistant) : null,
      h('section', { class: 'card' },
        h('h3', {}, 'Details'),
        h('dl', { class: 'kv' },
          h('dt', {}, 'Channel'), h('dd', {}, conv.channel === 'voice' ? 'phone call' : conv.channel),
          conv.channel !== 'voice' && conv.linkedConversationId ? [h('dt', {}, 'Call'), h('dd', {},
            h('a', { href: '#/conversations/' + encodeURIComponent(conv.linkedConversationId) }, 'Open the call'))] : null,
          h('dt', {}, 'Status'), h('dd', {}, conv.status),
          h('dt', {}, 'Handled by'), h('dd', {}, conv.aiEnabled ? 'AI assistant' : 'A person'),
          h('dt', {}, 'Assistant'), h('dd', {}, assistant ? assistant.name : conv.assistantId ? conv.assistantId : 'deleted'),
          h('dt', {}, 'Assignee'), h('dd', {}, assignee ? assignee.email : conv.assigneeId || 'nobody'),
          h('dt', {}, 'Session'), h('dd', { class: 'mono' }, conv.sessionId),
          h('dt', {}, 'Started'), h('dd', {}, formatTime(conv.createdAt)),
          h('dt', {}, 'Last message'), h('dd', {}, conv.lastMessageAt ? formatTime(conv.lastMessageAt) : '—'))));
  }

  function callCard(conv) {
    const call = callInfo(conv);
    const outbound = call.direction === 'outbound';
    const browser = call.direction === 'browser';
    const phone = conv.contact_data?.phone;
    const DIRECTIONS = { inbound: 'inbound (they called)', outbound: 'outbound (we called)', browser: 'from the widget, in the browser' };
    return h('section', { class: 'card call-card', dataset: { dc: 'call' } },
      h('h3', {}, 'Call'),
      h('dl', { class: 'kv' },
        h('dt', {}, outbound ? 'Called' : 'Caller'),
        h('dd', { dataset: { field: 'call-phone' } }, browser ? 'a visitor of your site' : phone ? h('a', { href: 'tel:' + phone }, phone) : '—'),
        h('dt', {}, 'Status'), h('dd', { dataset: { field: 'call-status' } }, call.label),
        h('dt', {}, 'Duration'), h('dd', { dataset: { field: 'call-duration' } }, call.durationSeconds !== null ? formatDuration(call.durationSeconds) : call.ended ? '—' : 'not ended yet'),
        h('dt', {}, 'Direction'), h('dd', {}, DIRECTIONS[call.direction] || call.direction || '—'),
        call.answeredBy ? [h('dt', {}, 'Answered by'), h('dd', {}, call.answeredBy)] : null,
        h('dt', {}, 'Call SID'), h('dd', { class: 'mono' }, call.callSid || '—'),
        conv.linkedConversationId ? [h('dt', {}, 'From the chat'), h('dd', {},
          h('a', { href: '#/conversations/' + encodeURIComponent(conv.linkedConversationId) }, 'Open the chat'))] : null));
  }

  function qualifiedWhy(conv, assistant) {
    const cd = conv.contact_data || {};
    const fields = assistant?.qualification?.requiredFields || [];
    return h('section', { class: 'card qualified-card', dataset: { dc: 'qualified-why' } },
      h('h3', {}, h('span', { class: 'badge badge-qualified' }, 'Qualified lead')),
      fields.length
        ? [h('p', { class: 'muted' }, `Every detail ${assistant.name} needs to qualify a lead is known:`),
           h('ul', { class: 'check-list' }, fields.map((f) => h('li', { dataset: { field: f } },
             h('span', { class: 'check', 'aria-hidden': 'true' }, '✓'), h('span', { class: 'check-label' }, (FIELD_LABELS[f] || f) + ': '), h('span', {}, cd[f] || '—'))))]
        : h('p', { class: 'muted' }, assistant ? 'The assistant qualified this lead.' : 'The assistant that qualified this lead was deleted.'));
  }

  async function loadMessages(id) {
    try {
      let after = null;
      const items = [];
      for (let page = 0; page < 50; page++) {
        const data = await api('GET', `/api/conversations/${encodeURIComponent(id)}/messages`, { query: { limit: MESSAGE_PAGE, after } });
        if (thread?.id !== id) return;
        items.push(...data.items);
        after = data.nextCursor;
        if (!after) break;
      }
      const loading = ui.messages.querySelector('[data-loading]');
      if (loading) loading.remove();
      thread.loading = false;
      for (const m of items) appendMessage(m, false);
      applyPending(thread);
      if (!thread.ids.size) ui.messages.append(h('p', { class: 'muted pad thread-none' }, 'No messages yet.'));
      scrollToEnd(true);
    } catch (e) {
      if (thread?.id !== id) return;
      replace(ui.messages, h('p', { class: 'form-error pad' }, describe(e)));
    }
  }

  /** After a reconnect that could not resume: fetch what came after the last message shown. */
  async function catchUp() {
    if (!thread || thread.loading || !ui) return;
    const t = thread;
    // Live messages wait until what was missed is shown, so the thread keeps the stored order.
    t.loading = true;
    const missed = [];
    try {
      let after = t.lastId;
      for (let page = 0; page < 50; page++) {
        const data = await api('GET', `/api/conversations/${encodeURIComponent(t.id)}/messages`, { query: { limit: MESSAGE_PAGE, after } });
        if (thread !== t) return;
        missed.push(...data.items);
        after = data.nextCursor;
        if (!after) break;
      }
    } catch { /* the list reload shows the problem */ }
    if (thread !== t) return;
    t.loading = false;
    const stick = isNearEnd();
    for (const m of missed) appendMessage(m, false);
    applyPending(t);
    scrollToEnd(stick);
  }

  /** What came live while the thread was loading, in the order it came. */
  function applyPending(t) {
    const pending = t.pending;
    t.pending = [];
    for (const p of pending) {
      if (p.kind === 'updated') updateMessage(p.m, false);
      else appendMessage(p.m, false);
    }
  }

  function messageEl(m) {
    const node = h('div', { class: ['msg', 'msg-' + m.role], dataset: { dc: 'message', role: m.role, id: m.id } },
      h('div', { class: 'msg-bubble' }), h('div', { class: 'msg-meta' }));
    fillMessage(node, m);
    return node;
  }

  function fillMessage(node, m) {
    const flags = [];
    if (m.metadata?.greeting) flags.push('greeting');
    if (m.metadata?.handoff && m.role !== 'system') flags.push('handed over to a person');
    if (m.metadata?.interrupted) flags.push(thread?.channel === 'voice' ? 'cut off by the caller: what they heard' : 'interrupted');
    const sources = Array.isArray(m.metadata?.sources) ? m.metadata.sources.map((s) => s?.title).filter(Boolean) : [];
    node.classList.toggle('is-interrupted', Boolean(m.metadata?.interrupted));
    node.firstChild.textContent = m.content;
    replace(node.lastChild,
      h('span', {}, roleLabel(m.role, thread?.channel)),
      h('span', {}, formatTime(m.createdAt)),
      flags.length ? h('span', { class: 'msg-flag', dataset: { dc: 'message-flag' } }, flags.join(', ')) : null,
      sources.length ? h('span', { class: 'msg-sources' }, 'Sources: ' + sources.join(', ')) : null);
  }

  /** message:updated: the message shown gets its new text where it is; one never shown yet is shown once. */
  function updateMessage(m, live) {
    if (!thread || m.conversationId !== thread.id || !m.id) return;
    if (thread.loading) { thread.pending.push({ kind: 'updated', m }); return; }
    const node = thread.els.get(m.id);
    if (!node) { appendMessage(m, live); return; }
    fillMessage(node, m);
  }

  function appendMessage(m, live) {
    if (!thread || m.conversationId !== thread.id) return;
    if (thread.loading) { thread.pending.push({ kind: 'new', m }); return; }
    if (thread.ids.has(m.id)) return;
    thread.ids.add(m.id);
    thread.lastId = m.id;
    const stick = isNearEnd();
    ui.messages.querySelector('.thread-none')?.remove();
    if (m.role === 'assistant') {
      // The durable reply replaces the bubble its pieces were streamed into.
      for (const s of ui.messages.querySelectorAll('[data-streaming=true]')) s.remove();
      thread.streams.clear();
    }
    if (m.role === 'visitor' || m.role === 'assistant') hideTyping();
    const node = messageEl(m);
    thread.els.set(m.id, node);
    ui.messages.append(node);
    if (live) scrollToEnd(stick);
  }

  function appendDelta(d) {
    if (!thread || d.conversationId !== thread.id || thread.loading) return;
    hideTyping();
    let bubble = thread.streams.get(d.turnId);
    const stick = isNearEnd();
    if (!bubble) {
      ui.messages.querySelector('.thread-none')?.remove();
      const text = h('div', { class: 'msg-bubble' });
      const node = h('div', { class: 'msg msg-assistant is-streaming', dataset: { dc: 'message', role: 'assistant', streaming: 'true', turnId: d.turnId } },
        text, h('div', { class: 'msg-meta' }, h('span', {}, 'AI assistant'), h('span', { class: 'msg-flag' }, 'writing…')));
      bubble = { node, text };
      thread.streams.set(d.turnId, bubble);
      ui.messages.append(node);
    }
    bubble.text.textContent += d.delta || '';
    scrollToEnd(stick);
  }

  function showTyping(data) {
    if (!thread || data.conversationId !== thread.id || !ui) return;
    if (data.role !== 'visitor' && data.role !== 'assistant') return;
    ui.typing.textContent = data.role === 'visitor' ? 'Visitor is typing…' : 'The AI assistant is writing…';
    ui.typing.dataset.role = data.role;
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    if (ui) ui.typing.hidden = true;
  }

  function isNearEnd() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }
  function scrollToEnd(force) {
    if (force) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  // ---- Actions ----------------------------------------------------------------------------
  async function patch(control, body, done) {
    if (!thread) return;
    const id = thread.id;
    control.disabled = true;
    try {
      const data = await api('PATCH', `/api/conversations/${encodeURIComponent(id)}`, { body });
      store.upsert(data.conversation);
      toast(done);
    } catch (e) {
      toast(describe(e), 'error');
      const conv = store.convs.get(id);
      if (conv && ui && thread?.id === id) fillThreadHead(conv);
    } finally {
      control.disabled = false;
    }
  }

  async function sendReply() {
    if (!thread || !ui) return;
    const content = ui.input.value.trim();
    if (!content) { ui.input.focus(); return; }
    const id = thread.id;
    ui.send.disabled = true;
    try {
      const data = await api('POST', `/api/conversations/${encodeURIComponent(id)}/messages`, { body: { content } });
      if (thread?.id === id) {
        ui.input.value = '';
        appendMessage(data.message, true);
        scrollToEnd(true);
      }
      const conv = store.convs.get(id);
      if (conv && conv.aiEnabled) store.upsert({ ...conv, aiEnabled: false });
    } catch (e) {
      toast(describe(e), 'error');
    } finally {
      if (ui) ui.send.disabled = false;
      ui?.input.focus();
    }
  }

  // ---- Store events -----------------------------------------------------------------------
  const unsubscribe = store.subscribe((kind, payload) => {
    if (kind === 'list') renderList();
    else if (kind === 'unread') renderList();
    else if (kind === 'conv') {
      const c = store.convs.get(payload);
      const li = rows.get(payload);
      if (c && li && (store.matches(c) || c.id === thread?.id)) fillRow(li.firstChild, c);
      else renderList();
      if (c && thread?.id === payload && ui) { fillThreadHead(c); fillContact(c); }
    } else if (kind === 'message') appendMessage(payload, true);
    else if (kind === 'message-updated') updateMessage(payload, true);
    else if (kind === 'delta') appendDelta(payload);
    else if (kind === 'typing') showTyping(payload);
  });

  // Team members for the assignee select (owners and admins may list them; an agent sees itself).
  listAll('/api/users').then((items) => { users = items; }).catch(() => {
    users = session.user ? [{ id: session.user.id, email: session.user.email || 'you', role: session.user.role }] : [];
  }).finally(refreshOpen);
  listAll('/api/assistants').then((items) => { assistants = new Map(items.map((a) => [a.id, a])); refreshOpen(); }).catch(() => {});

  function refreshOpen() {
    const c = thread && store.convs.get(thread.id);
    if (c && ui) { fillThreadHead(c); fillContact(c); }
  }

  // Relative times in the list stay fresh.
  const clock = setInterval(() => renderList(), 30000);

  renderList();
  if (arg) openConversation(arg);
  else showNoThread();

  return {
    el,
    update(nextArg) {
      if (nextArg) openConversation(nextArg);
      else showNoThread();
    },
    resync: catchUp,
    destroy() {
      unsubscribe();
      clearInterval(clock);
      clearTimeout(typingTimer);
      store.open(null);
      thread = null;
    },
  };
}
