// Two small SVG charts, drawn from data with DOM calls (labels as text nodes, colours from CSS
// classes), so no charting library is needed.
import { svg, h } from './dom.js';

/** Horizontal bars: items = [{label, value}], largest first. */
export function barChart(items, { label = 'Bar chart', width = 640 } = {}) {
  const rowH = 30;
  const labelW = 170;
  const barMax = width - labelW - 60;
  const max = Math.max(1, ...items.map((i) => i.value));
  const height = items.length * rowH + 8;
  const root = svg('svg', { class: 'chart chart-bars', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet' });
  items.forEach((item, i) => {
    const y = i * rowH + 4;
    const w = Math.max(2, (item.value / max) * barMax);
    root.append(
      svg('text', { x: labelW - 10, y: y + rowH / 2, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, truncate(item.label, 24)),
      svg('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10, rx: 4, class: 'chart-bar' }, svg('title', {}, `${item.label}: ${item.value}`)),
      svg('text', { x: labelW + w + 8, y: y + rowH / 2, class: 'chart-value', 'dominant-baseline': 'middle' }, item.value.toLocaleString()));
  });
  return root;
}

/**
 * Stacked columns over time: buckets = [{label, values: {key: n}}], series = [{key, label, cls}].
 * Returns a figure with the chart and its legend.
 */
export function stackedColumns(buckets, series, { label = 'Column chart', width = 720 } = {}) {
  const height = 260;
  const pad = { top: 14, right: 12, bottom: 34, left: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = buckets.map((b) => series.reduce((s, x) => s + (b.values[x.key] || 0), 0));
  const ticks = 4;
  const step = niceStep(Math.max(1, ...totals) / ticks);
  const max = step * ticks;
  const root = svg('svg', { class: 'chart chart-columns', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });

  for (let t = 0; t <= ticks; t++) {
    const v = (max / ticks) * t;
    const y = pad.top + plotH - (v / max) * plotH;
    root.append(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: t === 0 ? 'chart-axis' : 'chart-grid' }),
      svg('text', { x: pad.left - 8, y, class: 'chart-tick', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatTick(v)));
  }

  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(3, Math.min(38, slot * 0.62));
  const every = Math.ceil(buckets.length / 10);
  buckets.forEach((b, i) => {
    const x = pad.left + slot * i + (slot - barW) / 2;
    let y = pad.top + plotH;
    for (const s of series) {
      const v = b.values[s.key] || 0;
      if (!v) continue;
      const hgt = (v / max) * plotH;
      y -= hgt;
      root.append(svg('rect', { x, y, width: barW, height: hgt, class: ['chart-col', s.cls] }, svg('title', {}, `${b.label} · ${s.label}: ${v}`)));
    }
    if (i % every === 0 || i === buckets.length - 1) {
      root.append(svg('text', { x: x + barW / 2, y: height - pad.bottom + 18, class: 'chart-tick', 'text-anchor': 'middle' }, b.label));
    }
  });

  const legend = h('ul', { class: 'legend' }, series.map((s) => h('li', {}, h('span', { class: ['legend-swatch', s.cls], 'aria-hidden': 'true' }), s.label)));
  return h('figure', { class: 'chart-figure' }, root, legend);
}

/** A whole step of 1, 2 or 5 × 10ⁿ at least v (counts have whole ticks). */
function niceStep(v) {
  if (v <= 1) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * pow) return m * pow;
  return 10 * pow;
}

function formatTick(v) {
  return v.toLocaleString();
}

function truncate(text, n) {
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}
