// Formatting of times, durations and sizes in the current language.
import { getLang, t } from './i18n.js';

const fmtCache = new Map();
function fmt(opts) {
  const key = getLang() + JSON.stringify(opts);
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(getLang(), opts);
    fmtCache.set(key, f);
  }
  return f;
}

/** parseTime turns an RFC 3339 string into epoch ms; 0 for empty or zero times. */
export function parseTime(s) {
  if (!s) return 0;
  const ms = Date.parse(s);
  // Go's zero time.Time marshals as 0001-01-01: treat it as unset.
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** shortTime is "14:05" today, "12 мар." this year, "12.03.2023" before. */
export function shortTime(s) {
  const ms = parseTime(s);
  if (!ms) return '';
  const d = new Date(ms);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return fmt({ hour: '2-digit', minute: '2-digit' }).format(d);
  if (d.getFullYear() === now.getFullYear()) return fmt({ day: 'numeric', month: 'short' }).format(d);
  return fmt({ day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}

/** fullTime is the date and time, for tooltips and the timeline. */
export function fullTime(s) {
  const ms = parseTime(s);
  return ms ? fmt({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms)) : '';
}

/** clockTime is "14:05". */
export function clockTime(s) {
  const ms = parseTime(s);
  return ms ? fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(ms)) : '';
}

/** dayLabel heads a day's messages in the conversation. */
export function dayLabel(ms) {
  const d = new Date(ms);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86400000);
  if (d.toDateString() === today.toDateString()) return t('day.today');
  if (d.toDateString() === yesterday.toDateString()) return t('day.yesterday');
  return fmt({ day: 'numeric', month: 'long', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' }).format(d);
}

/** duration is a compact countdown: "4:05", "1:02:03", "3 d". */
export function duration(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  if (d >= 2) return (neg ? '−' : '') + t('unit.days', { n: d });
  const hh = Math.floor(s / 3600);
  s %= 3600;
  const mm = Math.floor(s / 60);
  const ss = s % 60;
  const p = (n) => String(n).padStart(2, '0');
  return (neg ? '−' : '') + (hh ? `${hh}:${p(mm)}:${p(ss)}` : `${mm}:${p(ss)}`);
}

/** fileSize is "12 KB". */
export function fileSize(n) {
  if (!(n > 0)) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

/**
 * slaState tells where a dialog stands against its first-response deadline:
 * null when no SLA runs, otherwise {level, remaining} with level green,
 * amber (under a quarter of the allowed time left) or red (breached). The
 * allowed time is measured from when the dialog entered the queue (or was
 * created), because the team's SLA length is not on the dialog itself.
 */
export function slaState(d, now = Date.now()) {
  if (!d || d.status === 'closed' || parseTime(d.first_response_at)) return null;
  const due = parseTime(d.sla_due_at);
  if (!due) return null;
  const start = parseTime(d.queued_at) || parseTime(d.created_at) || due;
  const total = Math.max(due - start, 1);
  const remaining = due - now;
  const level = remaining <= 0 ? 'red' : remaining / total < 0.25 ? 'amber' : 'green';
  return { level, remaining };
}
