/**
 * The SQLSTATE of a database error (for example `23505`, unique violation), or undefined for anything else.
 * Both backends raise errors carrying `code`; this keeps callers from reaching into driver error types.
 */
export function sqlStateOf(err: unknown): string | undefined {
  const code = codeOf(err);
  // five characters; no SQLSTATE class starts with E, which keeps Node's EPIPE and friends out
  return code !== undefined && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code) ? code : undefined;
}

/** True for a unique violation (SQLSTATE 23505): the usual sign that an idempotent insert already happened. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlStateOf(err) === '23505';
}

const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
// 08xxx connection exception; 57P01-03 the server is shutting down or starting; 53300 too many connections
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** True when the error says the server cannot be reached or dropped the connection (not a problem with the SQL). */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && (NETWORK_ERRNO.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  const message = err instanceof Error ? err.message : '';
  // "...is not queryable": node-postgres refusing a statement on a connection that has already failed
  return /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable/i.test(
    message,
  );
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
