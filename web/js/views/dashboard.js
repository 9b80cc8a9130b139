// Dashboard: the seed's stats cards, orders by status, and the processing analytics of the last
// 30 days (stage times against their targets, the bottleneck, SLA, throughput).

import { get, query } from '../api.js';
import { h } from '../dom.js';
import { barChart, columnChart, ring } from '../charts.js';
import { label, money, duration, STATUSES } from '../format.js';

const PERIOD_DAYS = 30;
// The analytics read the whole status history (seconds on a big replica): they are fetched after
// the cards are on screen, and again at most this often while changes keep coming.
const ANALYTICS_EVERY_MS = 30000;
// Kept in sessionStorage too, so a reload within that time shows them at once and does not ask the
// node to work them out again.
let analyticsCache = readStored(); // {at, data, loading}

function readStored() {
  try {
    const stored = JSON.parse(sessionStorage.getItem('kct-analytics'));
    return stored && Date.now() - stored.at < ANALYTICS_EVERY_MS ? stored : null;
  } catch {
    return null;
  }
}

function sinceDate(days) {
  const date = new Date(Date.now() - days * 86400000);
  return date.toISOString().slice(0, 10);
}

function minutes(value) {
  return value === null || value === undefined ? '—' : duration(value * 60);
}

export default {
  title: 'Dashboard',

  async load(ctx) {
    const stats = await get('/stats');
    refreshAnalytics(ctx);
    return { stats };
  },

  // Any change can move the figures; the dashboard is cheap to re-read.
  watches: () => true,

  render({ stats }) {
    const analytics = analyticsCache && analyticsCache.data;
    const revenue = stats.revenue || [];
    const cards = [
      ['total', 'Total orders', stats.total_orders],
      ['pending', 'Pending', stats.pending_orders, '#/orders?status=pending_payment,payment_confirmed'],
      ['processing', 'Processing', stats.processing_orders,
        '#/orders?status=processing,in_production,quality_check,packaging'],
      ['shipped', 'Shipped', stats.shipped_orders, '#/orders?status=shipped,out_for_delivery,delivered'],
      ['completed', 'Completed', stats.completed_orders, '#/orders?status=completed'],
      ['rush', 'Rush orders', stats.rush_orders, '#/queue?priority=rush'],
    ];
    const byStatus = stats.orders_by_status || null;
    return h('section', { 'data-view': 'dashboard', 'aria-labelledby': 'dashboard-title' },
      h('h1', { id: 'dashboard-title' }, 'Dashboard'),
      h('div', { class: 'cards' },
        cards.map(([key, text, value, href]) => h('div', { class: 'card', 'data-key': key, 'data-stat': key },
          h('div', { class: 'card-label' }, href ? h('a', { href }, text) : text),
          h('div', { class: 'card-value' }, String(value ?? 0)))),
        revenue.length
          ? revenue.map((line) => h('div', { class: 'card money', 'data-key': 'revenue-' + line.currency, 'data-stat': 'revenue' },
            h('div', { class: 'card-label' }, `Revenue (${line.currency})`),
            h('div', { class: 'card-value' }, money(line.total_revenue, line.currency)),
            h('div', { class: 'card-note' }, `${line.paid_orders} paid · average ${money(line.average_order_value, line.currency)}`)))
          : h('div', { class: 'card money', 'data-key': 'revenue-none', 'data-stat': 'revenue' },
            h('div', { class: 'card-label' }, 'Revenue'), h('div', { class: 'card-value' }, '—'),
            h('div', { class: 'card-note' }, 'No paid orders yet'))),
      h('div', { class: 'panels' },
        h('section', { class: 'panel', 'aria-labelledby': 'by-status-title' },
          h('h2', { id: 'by-status-title' }, 'Orders by status'),
          byStatus
            ? barChart({
              title: 'Orders by status',
              rows: STATUSES.filter((status) => byStatus[status]).map((status) => ({
                label: label(status), value: byStatus[status], tone: status,
              })),
              empty: 'No orders yet',
            })
            : h('p', { class: 'muted' }, 'Not reported by this node.')),
        analyticsPanels(analytics)));
  },
};

function refreshAnalytics(ctx) {
  const now = Date.now();
  if (analyticsCache && (analyticsCache.loading || now - analyticsCache.at < ANALYTICS_EVERY_MS)) return;
  analyticsCache = { ...(analyticsCache || {}), loading: true };
  get('/analytics' + query({ since: sinceDate(PERIOD_DAYS) }))
    .catch((error) => ({ unavailable: error.message }))
    .then((data) => {
      analyticsCache = { at: Date.now(), data, loading: false };
      try {
        if (!data.unavailable) sessionStorage.setItem('kct-analytics', JSON.stringify({ at: analyticsCache.at, data }));
      } catch {
        // Storage full or disabled: the next load asks the node again.
      }
      if (ctx.view && ctx.view.title === 'Dashboard') ctx.paint();
      if (!performance.getEntriesByName('kct-analytics').length) performance.mark('kct-analytics');
    });
}

function analyticsPanels(analytics) {
  if (!analytics || analytics.unavailable) {
    return h('section', { class: 'panel', 'aria-busy': analytics ? false : 'true' }, h('h2', 'Processing analytics'),
      h('p', { class: 'muted' }, analytics ? analytics.unavailable : 'Working out the analytics…'));
  }
  const stages = analytics.stages || [];
  const sla = analytics.sla || {};
  const bottleneck = analytics.bottleneck_stage;
  return [
    h('section', { class: 'panel', 'aria-labelledby': 'stages-title' },
      h('h2', { id: 'stages-title' }, `Time per stage, last ${PERIOD_DAYS} days`),
      h('p', { class: 'muted' }, 'Median (bar) against the target (line); the 90th percentile in brackets.'),
      stages.every((stage) => !stage.count) ? h('p', { class: 'chart-empty' }, 'No order has been through a stage yet.') : barChart({
        title: 'Median minutes per stage',
        rows: stages.map((stage) => ({
          label: label(stage.stage.replace(/_to_/, ' → ')),
          value: stage.median_minutes || 0,
          marker: stage.target_minutes,
          text: `${minutes(stage.median_minutes)} (${minutes(stage.p90_minutes)})`,
          tone: stage.stage === bottleneck ? 'bottleneck' : (stage.median_minutes > stage.target_minutes ? 'late' : ''),
        })),
        empty: 'No order has been through a stage yet',
      }),
      h('p', { 'data-analytics': 'bottleneck' }, 'Bottleneck: ',
        h('strong', bottleneck ? label(bottleneck.replace(/_to_/, ' → ')) : 'none yet'))),
    h('section', { class: 'panel sla', 'aria-labelledby': 'sla-title' },
      h('h2', { id: 'sla-title' }, 'Ready by the needed-by date'),
      h('div', { class: 'sla-body' },
        ring({ title: 'SLA compliance', percent: sla.compliance_percent }),
        h('dl', { class: 'facts' },
          h('dt', 'Due'), h('dd', String(sla.due ?? 0)),
          h('dt', 'On time'), h('dd', String(sla.on_time ?? 0)),
          h('dt', 'Late'), h('dd', String(sla.late ?? 0)),
          h('dt', 'Overdue, still open'), h('dd', String(sla.overdue_open ?? 0)))),
      (sla.overdue_open_orders || []).length
        ? h('p', 'Overdue: ', (sla.overdue_open_orders || []).slice(0, 12).map((number, index) => [index ? ', ' : '',
          h('a', { href: '#/orders/' + encodeURIComponent(number) }, number)]))
        : null),
    h('section', { class: 'panel', 'aria-labelledby': 'staff-title' },
      h('h2', { id: 'staff-title' }, 'Status moves per member of staff'),
      barChart({
        title: 'Status moves per member of staff',
        rows: (analytics.throughput_by_staff || []).slice(0, 10).map((row) => ({ label: row.person, value: row.moves })),
        empty: 'No moves in this period',
      })),
    h('section', { class: 'panel wide', 'aria-labelledby': 'days-title' },
      h('h2', { id: 'days-title' }, 'Status moves per day'),
      columnChart({
        title: 'Status moves per day',
        points: (analytics.throughput_by_day || []).map((row) => ({ label: row.day.slice(5), value: row.moves })),
        empty: 'No moves in this period',
      })),
  ];
}
