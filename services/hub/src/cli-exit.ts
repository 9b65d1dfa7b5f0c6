import type { AppError } from '@onceonly/errors';

/**
 * Exit codes of the CLI: the same with and without `--json`. `mayNotOperate` is `cert verify`'s: the licence is
 * genuine, but its holder may not operate under it (ADR 033).
 */
export const EXIT = { ok: 0, failed: 1, config: 2, unhealthy: 3, mayNotOperate: 4 } as const;

/**
 * An error as `--json` prints it, on standard error (standard output holds only results, so that
 * `onceonly --json … > result.json` never stores an error as a result): `{"error":{"code","message","fields"}}`,
 * `fields` being the field violations (`field`, `reason`, `description`), empty when there are none.
 */
export function errorJson(error: AppError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message, fields: error.fields } });
}
