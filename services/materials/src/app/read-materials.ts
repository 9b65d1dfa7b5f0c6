import { AppError } from '@onceonly/errors';
import { reuseOf } from '../domain/consent.js';
import { mayServe, type Reader, type StoredMaterial } from '../domain/library.js';
import type { ConsentDeps } from './consent-ports.js';
import { type Actor, type MaterialsDeps, type NamedApplicant, ownerOf } from './ports.js';

/**
 * ListMaterials: an owner's materials (metadata only). The portal acting for the owner and an auditor see them all;
 * a department those it stored or that a resolution of its own reused; a platform none.
 * @throws AppError MATERIALS_ACCESS_DENIED for a platform.
 */
export async function listMaterialsCase(
  deps: Pick<MaterialsDeps, 'db' | 'materials' | 'hashCitizenId'>,
  input: { actor: Actor; owner: NamedApplicant },
): Promise<StoredMaterial[]> {
  const owner = ownerOf(deps, input.owner);
  if (input.actor.role === 'portal' || input.actor.role === 'auditor')
    return deps.materials.byOwner(deps.db, owner.key);
  if (input.actor.role === 'department') return deps.materials.byOwner(deps.db, owner.key, input.actor.code);
  throw new AppError('MATERIALS_ACCESS_DENIED', 'only the portal, departments and auditors list materials');
}

/** GetMaterial as the edge parsed it. */
export interface GetMaterialInput {
  readonly actor: Actor;
  readonly id: string;
  /** The portal: the owner it acts for. */
  readonly owner?: NamedApplicant;
  /** A department: the application that reused the material. */
  readonly applicationId?: string;
}

/**
 * GetMaterial: the content, to the portal acting for the owner or to the department of an application that reused
 * the material (domain `mayServe`) once the applicant accepted it (a piece of the department's explicit request; the
 * delivery is then a reuse, `materials.evidence.reused`). Every answer is recorded: `materials.material.served`, or, before refusing,
 * `materials.material.access-denied` (committed on its own: the refusal is kept).
 * @throws AppError MATERIALS_NOT_FOUND, MATERIALS_ACCESS_DENIED.
 */
export async function getMaterialCase(
  deps: ConsentDeps,
  input: GetMaterialInput,
): Promise<{ material: StoredMaterial; content: Uint8Array }> {
  const material = await deps.materials.get(deps.db, input.id);
  if (!material) throw new AppError('MATERIALS_NOT_FOUND', `no material ${input.id}`);
  const reader: Reader = {
    code: input.actor.code,
    role: input.actor.role,
    ...(input.owner ? { onBehalfOf: ownerOf(deps, input.owner).key } : {}),
    ...(input.applicationId ? { applicationId: input.applicationId } : {}),
  };
  // a department is served only what the applicant accepted for its application (explicit request and preview)
  const accepted =
    input.actor.role === 'department' && input.applicationId
      ? await deps.consent.acceptedMaterial(deps.db, {
          materialId: material.id,
          applicationId: input.applicationId,
          departmentCode: input.actor.code,
        })
      : undefined;
  const granted =
    mayServe(material, reader, await deps.materials.reuses(deps.db, material.id)) &&
    (input.actor.role !== 'department' || accepted !== undefined);
  const access = {
    material,
    reader: input.actor.code,
    role: input.actor.role,
    ...(input.applicationId ? { applicationId: input.applicationId } : {}),
    granted,
  };
  if (!granted) {
    await deps.db.transaction((tx) => deps.outbox.accessed(tx, access, deps.clock()));
    deps.relay.kick();
    throw new AppError(
      'MATERIALS_ACCESS_DENIED',
      'a material is served only to its owner and to the departments of an application that reused it',
    );
  }
  const content = await deps.vault.get(deps.db, material.sha256);
  if (!content) throw new AppError('INTERNAL', `material ${material.id} has no content`);
  const at = deps.clock();
  await deps.db.transaction(async (tx) => {
    await deps.outbox.accessed(tx, access, at);
    if (!accepted) return;
    // the department received the applicant's material: a reuse, in the applicant's view
    const reuse = reuseOf(accepted.request, accepted.piece, deps.newId(), at);
    await deps.consent.addReuse(tx, reuse);
    await deps.consentOutbox.reused(tx, reuse);
  });
  deps.relay.kick();
  return { material, content };
}
