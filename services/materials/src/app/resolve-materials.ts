import { unknownItem } from '../domain/catalogue.js';
import {
  assistanceItemsOf,
  certificateTypesOf,
  chinaDay,
  creditFactsOf,
  type Resolution,
  resolveItem,
  reusedMaterials,
} from '../domain/resolution.js';
import { type Actor, type MaterialsDeps, type NamedApplicant, ownerOf } from './ports.js';
import type { DataProvider } from './source-ports.js';

export interface ResolveInput {
  readonly actor: Actor;
  readonly applicant: NamedApplicant;
  readonly itemCode: string;
  readonly applicationId: string;
}

/**
 * ResolveMaterials: the item's latest version; the applicant's certificates of the types its sources name, asked
 * of the certificate service (their live status verified), the data sources (credit profile, assistance items)
 * asked through their services, the applicant's library and what the applicant refused for this application, all
 * before anything is written; the domain decides each material; then one statement stores the resolution, the
 * reuses of stored materials (the departments of the application may then be served them) and
 * `materials.resolution.made`.
 * @throws AppError MATERIALS_ITEM_UNKNOWN (nothing written).
 */
export async function resolveMaterialsCase(deps: MaterialsDeps, input: ResolveInput): Promise<Resolution> {
  const item = await deps.items.get(deps.db, input.itemCode);
  if (!item) throw unknownItem(input.itemCode);
  const applicant = ownerOf(deps, input.applicant);
  const read = { department: input.actor.code, applicationId: input.applicationId };
  const ask = (provider: DataProvider | undefined, keys: string[]) =>
    provider && keys.length > 0 ? provider.facts(input.applicant, keys, read) : undefined;
  // only a department's applications have explicit requests, hence refusals
  const department = input.actor.role === 'department';
  const [certificates, library, credit, assistance, refused] = await Promise.all([
    deps.certificates.lookup(input.applicant, certificateTypesOf(item)),
    deps.materials.byOwner(deps.db, applicant.key),
    ask(deps.credit, creditFactsOf(item)),
    ask(deps.assistance, assistanceItemsOf(item)),
    department ? deps.resolutions.refused(deps.db, input.actor.code, input.applicationId) : undefined,
  ]);
  const data = new Map([...(credit ?? []), ...(assistance ?? [])]);
  const at = deps.clock();
  const resolution = resolveItem(
    item,
    { certificates, library, today: chinaDay(at), data, ...(refused ? { refused } : {}) },
    {
      id: deps.newId(),
      applicationId: input.applicationId,
      applicant,
      resolvedBy: input.actor.code,
      resolvedAt: at,
    },
  );
  const reuses = department
    ? reusedMaterials(resolution).map((materialId) => ({
        materialId,
        applicationId: input.applicationId,
        departmentCode: input.actor.code,
      }))
    : [];
  await deps.resolutions.commit(deps.db, resolution, reuses, input.actor.code);
  deps.relay.kick();
  return resolution;
}
