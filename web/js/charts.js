// Small inline-SVG charts drawn from plain numbers: nothing fetched, nothing to install. Each
// chart is an <svg role="img"> whose label reads out every value, so a screen reader gets the
// numbers the bars show.

import { s, h } from './dom.js';

const WIDTH = 600;

// Horizontal bars: rows of {label, value, text?, marker?, tone?}; `marker` draws a target line.
export function barChart({ title, rows, unit = '', empty = 'No data yet' }) {
  if (!rows.length || rows.every((row) => !row.value && !row.marker)) {
    return h('p', { class: 'chart-empty' }, empty);
  }
  const rowHeight = 26;
  const labelWidth = 170;
  const valueWidth = 90;
  const plotWidth = WIDTH - labelWidth - valueWidth;
  const max = Math.max(1, ...rows.map((row) => Math.max(row.value || 0, row.marker || 0)));
  const height = rows.length * rowHeight + 4;
  const summary = rows.map((row) => `${row.label}: ${row.text ?? row.value + unit}`).join('; ');
  return s('svg', {
    class: 'chart', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': `${title}. ${summary}`,
    preserveAspectRatio: 'xMinYMin meet',
  },
  s('title', null, title),
  rows.map((row, index) => {
    const y = index * rowHeight + 2;
    const width = Math.max(row.value ? 2 : 0, ((row.value || 0) / max) * plotWidth);
    return s('g', { class: 'bar ' + (row.tone || '') },
      s('text', { x: labelWidth - 8, y: y + 16, 'text-anchor': 'end', class: 'chart-label' }, row.label),
      s('rect', { x: labelWidth, y: y + 3, width: width.toFixed(1), height: rowHeight - 8, rx: 3 }),
      row.marker ? s('line', {
        class: 'chart-marker', x1: (labelWidth + (row.marker / max) * plotWidth).toFixed(1), y1: y,
        x2: (labelWidth + (row.marker / max) * plotWidth).toFixed(1), y2: y + rowHeight - 2,
      }) : null,
      s('text', { x: labelWidth + width + 6, y: y + 16, class: 'chart-value' }, row.text ?? row.value + unit));
  }));
}

// Vertical columns over days: points of {label, value}; for throughput per day.
export function columnChart({ title, points, unit = '', empty = 'No data yet' }) {
  if (!points.length) return h('p', { class: 'chart-empty' }, empty);
  const height = 180;
  const bottom = 28;
  const left = 34;
  const max = Math.max(1, ...points.map((point) => point.value));
  const step = (WIDTH - left) / points.length;
  const barWidth = Math.max(2, Math.min(36, step * 0.7));
  const plot = height - bottom - 12;
  const summary = points.map((point) => `${point.label}: ${point.value}${unit}`).join('; ');
  const labelEvery = Math.ceil(points.length / 10);
  return s('svg', {
    class: 'chart', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': `${title}. ${summary}`,
  },
  s('title', null, title),
  s('line', { class: 'chart-axis', x1: left, y1: height - bottom, x2: WIDTH, y2: height - bottom }),
  s('text', { class: 'chart-value', x: left - 6, y: 16, 'text-anchor': 'end' }, String(max)),
  points.map((point, index) => {
    const barHeight = (point.value / max) * plot;
    const x = left + index * step + (step - barWidth) / 2;
    return s('g', { class: 'bar' },
      s('rect', { x: x.toFixed(1), y: (height - bottom - barHeight).toFixed(1), width: barWidth.toFixed(1),
        height: barHeight.toFixed(1), rx: 2 }, s('title', null, `${point.label}: ${point.value}${unit}`)),
      index % labelEvery === 0
        ? s('text', { class: 'chart-label', x: (x + barWidth / 2).toFixed(1), y: height - 10, 'text-anchor': 'middle' },
          point.label)
        : null);
  }));
}

// A ring showing a share (SLA compliance): `percent` 0–100 or null.
export function ring({ title, percent }) {
  const radius = 42;
  const circumference = 2 * Math.PI * radius;
  const known = percent !== null && percent !== undefined;
  const filled = known ? (Math.max(0, Math.min(100, percent)) / 100) * circumference : 0;
  const text = known ? `${Math.round(percent)}%` : '—';
  return s('svg', { class: 'ring', viewBox: '0 0 100 100', role: 'img', 'aria-label': `${title}: ${text}` },
    s('title', null, title),
    s('circle', { class: 'ring-track', cx: 50, cy: 50, r: radius }),
    s('circle', {
      class: 'ring-fill ' + (known && percent < 80 ? 'warn' : ''), cx: 50, cy: 50, r: radius,
      'stroke-dasharray': `${filled.toFixed(1)} ${circumference.toFixed(1)}`, transform: 'rotate(-90 50 50)',
    }),
    s('text', { x: 50, y: 57, 'text-anchor': 'middle', class: 'ring-text' }, text));
}
