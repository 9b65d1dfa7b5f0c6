import type { materialsV1 as mv } from '@onceonly/contracts';
import { type Caller, unary } from '@onceonly/kit';
import { getItemCase, listItemsCase } from '../../app/catalogue.js';
import type { ConsentDeps } from '../../app/consent-ports.js';
import type { Actor } from '../../app/ports.js';
import { getMaterialCase, listMaterialsCase } from '../../app/read-materials.js';
import { resolveMaterialsCase } from '../../app/resolve-materials.js';
import { uploadMaterialCase } from '../../app/upload-material.js';
import { MATERIAL_TYPES } from '../../domain/catalogue.js';
import type { ConsentRpcs } from './consent-service.js';
import {
  parseGetItem,
  parseGetMaterial,
  parseListMaterials,
  parseResolveMaterials,
  parseUploadMaterial,
} from './materials-requests.js';
import { itemToProto, materialToProto, materialTypeToProto, resolutionToProto } from './to-proto.js';

const actorOf = (caller: Caller): Actor => ({ code: caller.departmentCode, role: caller.role });

/** The handlers of MaterialsService (but the consent RPCs: `consentHandlers`): parse, run the use case, map the result. */
export function materialsHandlers(deps: ConsentDeps): Omit<mv.MaterialsServiceServer, ConsentRpcs> {
  return {
    listItems: unary(async () => ({
      items: (await listItemsCase(deps)).map(itemToProto),
      materialTypes: MATERIAL_TYPES.map(materialTypeToProto),
    })),
    getItem: unary(async (r) => {
      const { item, versions } = await getItemCase(deps, parseGetItem(r));
      return { item: itemToProto(item), versions };
    }),
    uploadMaterial: unary(async (r, { caller }) => {
      const out = await uploadMaterialCase(deps, parseUploadMaterial(r, actorOf(caller)));
      return { material: materialToProto(out.material), alreadyStored: out.alreadyStored };
    }),
    listMaterials: unary(async (r, { caller }) => ({
      materials: (await listMaterialsCase(deps, parseListMaterials(r, actorOf(caller)))).map(materialToProto),
    })),
    getMaterial: unary(async (r, { caller }) => {
      const out = await getMaterialCase(deps, parseGetMaterial(r, actorOf(caller)));
      return { material: materialToProto(out.material), content: Buffer.from(out.content) };
    }),
    resolveMaterials: unary(async (r, { caller }) => ({
      resolution: resolutionToProto(await resolveMaterialsCase(deps, parseResolveMaterials(r, actorOf(caller)))),
    })),
  };
}
