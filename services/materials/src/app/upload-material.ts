import { isUniqueViolation } from '@onceonly/store';
import { checkUpload, type StoredMaterial } from '../domain/library.js';
import { type Actor, type MaterialsDeps, type NamedApplicant, ownerOf } from './ports.js';

/** An upload as the edge parsed it. */
export interface UploadInput {
  readonly actor: Actor;
  readonly owner: NamedApplicant;
  readonly materialType: string;
  readonly name: string;
  readonly content: Uint8Array;
  readonly sha256: string;
  readonly mediaType: string;
  readonly validUntil?: string;
  readonly applicationId?: string;
}

/**
 * UploadMaterial: the domain checks the type, the size and the digest before anything is written; then one
 * transaction stores the content (encrypted, by digest, once), the material and `materials.material.stored`. The
 * same bytes of the same type for the same owner answer the stored material (`alreadyStored`).
 * @throws AppError MATERIALS_TYPE_UNKNOWN, MATERIALS_TOO_LARGE, MATERIALS_DIGEST_MISMATCH.
 */
export async function uploadMaterialCase(
  deps: MaterialsDeps,
  input: UploadInput,
): Promise<{ material: StoredMaterial; alreadyStored: boolean }> {
  const sha256 = checkUpload({
    content: input.content,
    declaredSha256: input.sha256,
    materialType: input.materialType,
    maxBytes: deps.maxMaterialBytes,
  });
  const owner = ownerOf(deps, input.owner);
  const earlier = await deps.materials.find(deps.db, owner.key, input.materialType, sha256);
  if (earlier) return { material: earlier, alreadyStored: true };
  const at = deps.clock();
  const material: StoredMaterial = {
    id: deps.newId(),
    sha256,
    materialType: input.materialType,
    sizeBytes: input.content.byteLength,
    owner,
    name: input.name,
    mediaType: input.mediaType,
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
    ...(input.applicationId ? { sourceApplicationId: input.applicationId } : {}),
    uploadedBy: input.actor.code,
    uploadedAt: at,
  };
  try {
    await deps.db.transaction(async (tx) => {
      await deps.vault.put(tx, sha256, input.content, at);
      await deps.materials.insert(tx, material);
      await deps.outbox.stored(tx, material, input.actor.code, at);
    });
  } catch (err) {
    // the same upload committed concurrently: answer it
    if (!isUniqueViolation(err)) throw err;
    const winner = await deps.materials.find(deps.db, owner.key, input.materialType, sha256);
    if (!winner) throw err;
    return { material: winner, alreadyStored: true };
  }
  deps.relay.kick();
  return { material, alreadyStored: false };
}
