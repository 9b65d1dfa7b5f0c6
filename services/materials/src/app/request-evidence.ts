import { AppError } from '@onceonly/errors';
import { type EvidenceRequest, openRequest } from '../domain/consent.js';
import type { StoredMaterial } from '../domain/library.js';
import type { ConsentDeps } from './consent-ports.js';
import type { Actor } from './ports.js';

export interface RequestEvidenceInput {
  readonly actor: Actor;
  readonly applicationId: string;
  readonly resolutionId?: string;
  readonly legalBasis?: string;
}

/**
 * RequestEvidence (the explicit request): the department's resolution of the application (the one named, or its
 * latest), one pending piece per EXEMPT material, the item's legal basis unless another is named; one transaction
 * stores the request, its pieces, a watch per certificate, and `materials.evidence.requested`.
 * @throws AppError MATERIALS_ACCESS_DENIED (not a department, or not the one that resolved the application: a
 * department not part of it), MATERIALS_NOT_FOUND (no such resolution), MATERIALS_NOTHING_TO_REQUEST.
 */
export async function requestEvidenceCase(deps: ConsentDeps, input: RequestEvidenceInput): Promise<EvidenceRequest> {
  if (input.actor.role !== 'department') {
    throw new AppError('MATERIALS_ACCESS_DENIED', 'only the department of an application requests its evidence');
  }
  const resolution = await deps.consent.resolution(
    deps.db,
    input.resolutionId
      ? { id: input.resolutionId }
      : { applicationId: input.applicationId, departmentCode: input.actor.code },
  );
  if (!resolution || resolution.applicationId !== input.applicationId) {
    if (resolution || !input.resolutionId) {
      throw new AppError(
        'MATERIALS_ACCESS_DENIED',
        `no resolution of application ${input.applicationId} by the caller`,
      );
    }
    throw new AppError('MATERIALS_NOT_FOUND', `no resolution ${input.resolutionId}`);
  }
  const item = await deps.items.get(deps.db, resolution.itemCode, resolution.itemVersion);
  const materials = new Map<string, StoredMaterial>();
  for (const m of resolution.materials) {
    if (m.evidence?.kind !== 'material') continue;
    const stored = await deps.materials.get(deps.db, m.evidence.materialId);
    if (stored) materials.set(stored.id, stored);
  }
  const request = openRequest(resolution, {
    id: deps.newId(),
    departmentCode: input.actor.code,
    legalBasis: input.legalBasis ?? item?.legalBasis ?? '',
    at: deps.clock(),
    ttlMs: deps.previewTtlMs,
    pieceId: deps.newId,
    materials,
  });
  await deps.db.transaction(async (tx) => {
    await deps.consent.insertRequest(tx, request);
    await deps.consentOutbox.requested(tx, request, input.actor.code);
  });
  deps.relay.kick();
  return request;
}
