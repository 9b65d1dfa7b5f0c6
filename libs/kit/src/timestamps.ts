/**
 * Strict RFC 3339 instants for request fields. `Date.parse` rolls 2027-02-30 over into March and reads a time
 * without an offset in the server's zone; a caller's time is refused instead unless it is a real date and time
 * with an explicit offset (`Z` or `±hh:mm`).
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MINUTE_MS = 60_000;

function realDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls over out-of-range parts (30 February, 24:00): a real date and time reads back the same
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s
  );
}

/** The instant an RFC 3339 date-time with an offset names, or undefined when `value` is not one. */
export function parseInstant(value: string): Date | undefined {
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1 || !realDateTime(y, mo, d, h, mi, s)) return undefined;
  const offsetH = Number(m[10] ?? 0);
  const offsetM = Number(m[11] ?? 0);
  if (offsetH > 23 || offsetM > 59) return undefined;
  const offset = (m[9] === '-' ? -1 : 1) * (offsetH * 60 + offsetM) * MINUTE_MS;
  const ms = Math.floor(Number(`0${m[7] ?? ''}`) * 1000);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset);
}
