// How old something is, in kubectl's short form: 45s, 5m30s, 3h, 2d5h, 400d, 3y20d.
// Precision drops as the age grows, so a column of ages stays narrow.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

function pair(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`;
}

export function formatDuration(ms: number): string {
  if (ms < -SECOND) return '<invalid>';
  if (ms < 0) return '0s';
  const s = Math.floor(ms / SECOND);
  if (ms < 2 * MINUTE) return `${s}s`;
  const m = Math.floor(ms / MINUTE);
  if (ms < 10 * MINUTE) return pair(m, 'm', s % 60, 's');
  if (ms < 3 * HOUR) return `${m}m`;
  const h = Math.floor(ms / HOUR);
  if (ms < 8 * HOUR) return pair(h, 'h', m % 60, 'm');
  if (ms < 48 * HOUR) return `${h}h`;
  const d = Math.floor(ms / DAY);
  if (ms < 8 * DAY) return pair(d, 'd', h % 24, 'h');
  if (ms < 2 * YEAR) return `${d}d`;
  const y = Math.floor(ms / YEAR);
  if (ms < 8 * YEAR) return pair(y, 'y', d % 365, 'd');
  return `${y}y`;
}

/** Age of an RFC 3339 timestamp at `now`; `<unknown>` when missing or unparsable. */
export function formatAge(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : formatDuration(now - t);
}
