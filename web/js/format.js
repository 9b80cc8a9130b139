// Words and numbers as staff read them. Statuses, priorities and permissions are the names of
// protocol/ORDER-LIFECYCLE.md and PERMISSIONS.md; money arrives as exact decimal strings.

export const STATUSES = [
  'pending_payment', 'payment_confirmed', 'processing', 'in_production', 'quality_check', 'packaging',
  'shipped', 'out_for_delivery', 'delivered', 'completed', 'cancelled', 'refunded', 'on_hold', 'exception',
];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent', 'rush', 'wedding_party', 'prom_group', 'vip_customer'];

export const OPEN_STATUSES = STATUSES.filter((status) => !['completed', 'cancelled', 'refunded'].includes(status));

export const EXCEPTION_TYPES = [
  'wrong_measurement', 'fabric_defect', 'production_delay', 'shipping_delay', 'payment_issue',
  'customer_request', 'quality_issue', 'other',
];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'];
export const COMMUNICATION_TYPES = [
  'note', 'status_update', 'order_confirmation', 'payment_confirmation', 'shipping_notification',
  'delivery_confirmation', 'exception_notice', 'satisfaction_survey',
];
export const CHANNELS = ['email', 'sms', 'phone', 'in_person'];

// "in_production" → "In production".
export function label(name) {
  if (!name) return '';
  const text = String(name).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "1049.00" USD → "$1,049.00"; the decimal string is split, never parsed as a float.
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '';
  const [whole, fraction] = String(amount).split('.');
  const negative = whole.startsWith('-');
  const digits = (negative ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' }[currency];
  const number = digits + (fraction ? '.' + fraction : '');
  const text = symbol ? symbol + number : number + ' ' + currency;
  return negative ? '−' + text : text;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

export function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function clock(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOnly.format(date);
}

// 93784 → "1 d 2 h"; 150 → "2 min 30 s"; the two largest units.
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  let rest = Math.max(0, Math.round(seconds));
  const units = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  const parts = [];
  for (const [unit, size] of units) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(Math.floor(rest / size) + ' ' + unit);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

// Seconds since an ISO time, for "3 s ago".
export function ago(iso) {
  if (!iso) return '';
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  return seconds < 1 ? 'just now' : duration(seconds) + ' ago';
}

// An address object ({line1, line2, city, state, postal_code, country}) as lines.
export function addressLines(address) {
  if (!address || typeof address !== 'object') return [];
  const cityLine = [address.city, address.state, address.postal_code].filter(Boolean).join(' ');
  const known = ['line1', 'line2', 'city', 'state', 'postal_code', 'country'];
  const others = Object.entries(address)
    .filter(([key]) => !known.includes(key))
    .map(([key, value]) => `${label(key)}: ${value}`);
  return [address.line1, address.line2, cityLine, address.country, ...others].filter(Boolean);
}
