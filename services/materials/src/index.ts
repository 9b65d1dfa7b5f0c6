/**
 * @onceonly/materials: once-only materials (两个免于提交, issue 14): the module and its configuration, and the
 * pure catalogue and resolution rules for tools and tests.
 */
export {
  CERTIFICATE_TYPES,
  type LicensingItem,
  MATERIAL_TYPES,
  type MaterialRequirement,
  type MaterialSource,
  type MaterialType,
  SEEDED_ITEMS,
} from './domain/catalogue.js';
export { type CertificateLookup, type RequiredReason, type Resolution, resolveItem } from './domain/resolution.js';
export { MATERIALS_CONFIG, materialsModule, migrateMaterials } from './module.js';
export { MATERIALS_EVENT_TYPES, MATERIALS_TOPIC } from './topics.js';
