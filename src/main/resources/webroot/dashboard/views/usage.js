// Usage: this month's messages, tokens and voice calls against the plan's limits.
import { api, describe } from '../api.js';
import { h, replace, formatNumber } from '../dom.js';

const METERS = [
  ['messages', 'messagesPerMonth', 'Visitor messages', 'Messages visitors sent in the widget.'],
  ['tokens', 'tokensPerMonth', 'AI tokens', 'Tokens of the assistant’s replies.'],
  ['voiceCalls', 'voiceCallsPerMonth', 'Voice calls', 'Calls started from the widget.'],
];

export function render() {
  const body = h('div', { class: 'meters' }, h('p', { class: 'muted' }, 'Loading…'));
  const period = h('p', { class: 'muted' });
  const el = h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Usage'), period),
    body);

  api('GET', '/api/usage').then((data) => {
    const monthName = monthLabel(data.period);
    period.textContent = `${monthName} · ${data.plan} plan. Past a limit, the widget stops answering until the month ends.`;
    replace(body, METERS.map(([key, limitKey, label, help]) => meter(label, help, data.usage[key], data.limits[limitKey])));
  }).catch((e) => replace(body, h('p', { class: 'form-error' }, describe(e))));

  return { el };
}

function meter(label, help, used, limit) {
  const unlimited = limit === null || limit === undefined;
  const ratio = unlimited ? 0 : limit === 0 ? 1 : Math.min(1, used / limit);
  const level = ratio >= 1 ? 'full' : ratio >= 0.8 ? 'high' : 'ok';
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = (unlimited ? 0 : Math.max(ratio * 100, used > 0 ? 1 : 0)).toFixed(1) + '%';
  const bar = h('div', {
    class: ['meter-bar', 'level-' + level],
    role: 'meter', 'aria-label': label,
    'aria-valuemin': '0', 'aria-valuemax': String(unlimited ? used : limit), 'aria-valuenow': String(used),
  }, fill);
  return h('section', { class: 'card meter', dataset: { dc: 'meter' } },
    h('div', { class: 'meter-head' }, h('h2', {}, label),
      h('span', { class: 'meter-pct' }, unlimited ? 'Unlimited' : Math.round(ratio * 100) + '%')),
    h('p', { class: 'meter-value' }, h('strong', {}, formatNumber(used)), unlimited ? ' used' : ` of ${formatNumber(limit)}`),
    bar,
    h('p', { class: 'muted small' }, help));
}

function monthLabel(period) {
  const [y, m] = String(period).split('-').map(Number);
  if (!y || !m) return period;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString([], { month: 'long', year: 'numeric', timeZone: 'UTC' });
}
