// Analytics: GET /api/analytics/summary for the window (totals, events by name) and once per
// day or week for conversations by channel over time.
import { api, describe } from '../api.js';
import { h, replace, formatNumber, emptyState } from '../dom.js';
import { barChart, stackedColumns } from '../charts.js';

const RANGES = [
  { days: 7, label: '7 days', bucketDays: 1 },
  { days: 30, label: '30 days', bucketDays: 1 },
  { days: 90, label: '90 days', bucketDays: 7 },
];
const DAY = 86400000;
const PARALLEL = 6;

export function render() {
  let range = RANGES[1];
  let generation = 0;
  const buttons = RANGES.map((r) => h('button', { type: 'button', class: 'seg', 'aria-pressed': String(r === range), dataset: { days: r.days }, on: { click: () => select(r) } }, r.label));
  const cards = h('div', { class: 'stat-grid' });
  const eventsCard = h('section', { class: 'card', 'aria-labelledby': 'events-heading' });
  const convCard = h('section', { class: 'card', 'aria-labelledby': 'conv-time-heading' });
  const el = h('div', { class: 'page' },
    h('div', { class: 'page-head page-head-row' },
      h('div', {}, h('h1', {}, 'Analytics'), h('p', { class: 'muted' }, 'What happened in your widget.')),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range' }, buttons)),
    cards, convCard, eventsCard);

  function select(r) {
    range = r;
    for (const b of buttons) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === r.days));
    load();
  }

  async function load() {
    const g = ++generation;
    const now = new Date();
    const endDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY;
    const count = Math.ceil(range.days / range.bucketDays);
    const buckets = [];
    for (let i = count - 1; i >= 0; i--) {
      const to = endDay - i * range.bucketDays * DAY;
      buckets.push({ from: new Date(to - range.bucketDays * DAY), to: new Date(to) });
    }
    const from = buckets[0].from;
    replace(cards, h('p', { class: 'muted' }, 'Loading…'));
    replace(convCard, heading('conv-time-heading', 'Conversations by channel'), h('p', { class: 'muted' }, 'Loading…'));
    replace(eventsCard, heading('events-heading', 'Widget events'), h('p', { class: 'muted' }, 'Loading…'));
    try {
      const total = await summary(from, now);
      if (g !== generation) return;
      renderTotals(total);
      renderEvents(total.events);
      const perBucket = await mapLimit(buckets, PARALLEL, (b) => summary(b.from, b.to));
      if (g !== generation) return;
      const data = buckets.map((b, i) => ({
        label: range.bucketDays === 1 ? shortDate(b.from) : 'wk ' + shortDate(b.from),
        values: perBucket[i].conversations,
      }));
      const any = data.some((d) => d.values.chat || d.values.voice);
      replace(convCard, heading('conv-time-heading', 'Conversations by channel'),
        h('p', { class: 'muted small' }, range.bucketDays === 1 ? 'Per day (UTC).' : 'Per week (UTC).'),
        any ? stackedColumns(data, [{ key: 'chat', label: 'Chat', cls: 's-chat' }, { key: 'voice', label: 'Voice', cls: 's-voice' }], { label: 'Conversations per day by channel', width: chartWidth(convCard) })
          : emptyState('No conversations in this period'));
    } catch (e) {
      if (g !== generation) return;
      replace(cards, h('p', { class: 'form-error' }, describe(e)));
      replace(convCard, heading('conv-time-heading', 'Conversations by channel'));
      replace(eventsCard, heading('events-heading', 'Widget events'));
    }
  }

  function renderTotals(t) {
    const conversations = (t.conversations.chat || 0) + (t.conversations.voice || 0);
    const events = Object.values(t.events).reduce((s, v) => s + v, 0);
    replace(cards,
      stat('Conversations', conversations, `${formatNumber(t.conversations.chat)} chat · ${formatNumber(t.conversations.voice)} voice`),
      stat('Messages', t.messages, 'every role'),
      stat('Qualified leads', t.qualified, conversations ? Math.round((t.qualified / conversations) * 100) + '% of conversations' : '—'),
      stat('Widget events', events, `${Object.keys(t.events).length} kinds`));
  }

  function renderEvents(events) {
    const items = Object.entries(events).map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value);
    replace(eventsCard, heading('events-heading', 'Widget events'),
      h('p', { class: 'muted small' }, 'Tracked by the widget, by name.'),
      items.length ? barChart(items, { label: 'Widget events by name', width: chartWidth(eventsCard) }) : emptyState('No events in this period', 'The widget tracks opens, messages and page views.'));
  }

  load();
  return { el };
}

function summary(from, to) {
  return api('GET', '/api/analytics/summary', { query: { from: iso(from), to: iso(to) } });
}

/** The card's inner width, so the SVG draws at 1:1 and its text keeps its size. */
function chartWidth(card) {
  const w = card.clientWidth - 40;
  return w > 320 ? Math.round(w) : 640;
}

function heading(id, text) {
  return h('div', { class: 'card-head' }, h('h2', { id }, text));
}

function stat(label, value, sub) {
  return h('section', { class: 'card stat', dataset: { dc: 'stat' } },
    h('p', { class: 'stat-label' }, label),
    h('p', { class: 'stat-value' }, formatNumber(value)),
    h('p', { class: 'muted small' }, sub));
}

function iso(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function shortDate(d) {
  return d.toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
