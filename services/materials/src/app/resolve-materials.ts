import { unknownItem } from '../domain/catalogue.js';
import {
  certificateTypesOf,
  chinaDay,
  creditFactsOf,
  type Resolution,
  resolveItem,
  reusedMaterials,
} from '../domain/resolution.js';
import { type Actor, type MaterialsDeps, type NamedApplicant, ownerOf } from './ports.js';

export interface ResolveInput {
  readonly actor: Actor;
  readonly applicant: NamedApplicant;
  readonly itemCode: string;
  readonly applicationId: string;
}

/**
 * ResolveMaterials: the item's latest version; the applicant's certificates of the types its sources name, asked
 * of the certificate service (their live status verified) before any transaction; the applicant's library; the
 * domain decides each material; then one transaction stores the resolution, the reuses of stored materials (the
 * departments of the application may then be served them) and `materials.resolution.made`.
 * @throws AppError MATERIALS_ITEM_UNKNOWN (nothing written).
 */
export async function resolveMaterialsCase(deps: MaterialsDeps, input: ResolveInput): Promise<Resolution> {
  const item = await deps.items.get(deps.db, input.itemCode);
  if (!item) throw unknownItem(input.itemCode);
  const applicant = ownerOf(deps, input.applicant);
  const creditFacts = creditFactsOf(item);
  const [certificates, library, data] = await Promise.all([
    deps.certificates.lookup(input.applicant, certificateTypesOf(item)),
    deps.materials.byOwner(deps.db, applicant.key),
    deps.credit && creditFacts.length > 0
      ? deps.credit.facts(input.applicant, creditFacts, {
          department: input.actor.code,
          applicationId: input.applicationId,
        })
      : undefined,
  ]);
  const at = deps.clock();
  const resolution = resolveItem(
    item,
    { certificates, library, today: chinaDay(at), ...(data ? { data } : {}) },
    {
      id: deps.newId(),
      applicationId: input.applicationId,
      applicant,
      resolvedBy: input.actor.code,
      resolvedAt: at,
    },
  );
  const reuses =
    input.actor.role === 'department'
      ? reusedMaterials(resolution).map((materialId) => ({
          materialId,
          applicationId: input.applicationId,
          departmentCode: input.actor.code,
        }))
      : [];
  await deps.db.transaction(async (tx) => {
    await deps.resolutions.insert(tx, resolution);
    if (reuses.length > 0) await deps.materials.addReuses(tx, reuses, resolution.id, at);
    await deps.outbox.resolved(tx, resolution, input.actor.code);
  });
  deps.relay.kick();
  return resolution;
}
