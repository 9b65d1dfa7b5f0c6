import { invalid } from '@onceonly/errors';
import type { Queryable } from '@onceonly/store';
import { listScope, type SealActor } from '../../domain/seals/permissions.js';
import type { SealRecord } from '../../domain/seals/seal.js';
import type { SealDeps } from './ports.js';

/** Page size when the request names none, and the most one page holds (larger requests are cut to it). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** ListSeals. */
export interface ListSealsCommand {
  readonly actor: SealActor;
  /** Undefined: the caller's seals (for an auditor: every department's). */
  readonly departmentCode?: string | undefined;
  readonly includeInactive: boolean;
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
}

export interface SealPage {
  readonly seals: SealRecord[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/**
 * Lists seals, oldest first: a department its own, an auditor any department's (or all). Without
 * `includeInactive`, only seals that sign now.
 * @throws AppError PERMISSION_DENIED, INVALID_ARGUMENT (a page token this service did not write).
 */
export async function listSeals(q: Queryable, deps: SealDeps, command: ListSealsCommand): Promise<SealPage> {
  const departmentCode = listScope(command.actor, command.departmentCode);
  const limit = Math.min(command.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const after = command.pageToken ? decodePageToken(command.pageToken) : undefined;
  const rows = await deps.store.listSeals(q, {
    departmentCode,
    includeInactive: command.includeInactive,
    now: deps.clock(),
    after,
    limit: limit + 1,
  });
  const seals = rows.slice(0, limit);
  const last = seals.at(-1);
  return { seals, nextPageToken: rows.length > limit && last ? encodePageToken(last) : '' };
}

/** An opaque keyset position: base64url of `[createdAt, id]` of the last seal of a page. */
export function encodePageToken(seal: Pick<SealRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([seal.createdAt.toISOString(), seal.id])).toString('base64url');
}

/** Reads a page token; INVALID_ARGUMENT (`page.page_token`) for anything else. */
export function decodePageToken(token: string): { createdAt: Date; id: string } {
  // the token comes from the caller: parse it as hostile input
  try {
    if (token.length > 200) throw new Error('too long');
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      if (!Number.isNaN(createdAt.getTime()) && value[1].length <= 64) return { createdAt, id: value[1] };
    }
  } catch {
    // fall through
  }
  throw invalid('INVALID_ARGUMENT', [
    { field: 'page.page_token', reason: 'PAGE_TOKEN', description: 'not a page token of this list' },
  ]);
}
