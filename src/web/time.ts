/** Relative times for the inbox ("Just now", "5 minutes ago") and the absolute tooltip. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** `iso` relative to `nowMs`. Future times (clock skew) count as "Just now". */
export function relativeTime(iso: string, nowMs: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const ago = nowMs - then;
  if (ago < MINUTE) return 'Just now';
  if (ago < HOUR) return plural(Math.floor(ago / MINUTE), 'minute');
  if (ago < DAY) return plural(Math.floor(ago / HOUR), 'hour');
  if (ago < 2 * DAY) return 'Yesterday';
  if (ago < 30 * DAY) return plural(Math.floor(ago / DAY), 'day');
  return new Date(then).toLocaleDateString();
}

/** The full local date and time, for the tooltip. */
export function absoluteTime(iso: string): string {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : new Date(then).toLocaleString();
}
