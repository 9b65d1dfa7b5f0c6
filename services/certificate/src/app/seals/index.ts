/**
 * Seals and trust: the hub's root CA, department seals (create, rotate, revoke, list), the trust bundle, the seal
 * events, and the {@link SealKeys} port the certificate core signs and verifies through. The certificate module
 * calls {@link startSeals} from its `start`.
 */
export { type CreateSealCommand, createSeal } from './create-seal.js';
export { type ListSealsCommand, listSeals, type SealPage } from './list-seals.js';
export { assertMayManage, listScope, type SealActor } from './permissions.js';
export type { HubCa, SealDeps, SealStore } from './ports.js';
export { type RevokeSealCommand, revokeSeal } from './revoke-seal.js';
export { type RotateSealCommand, type Rotation, rotateSeal } from './rotate-seal.js';
export {
  effectiveSealStatus,
  SEAL_KINDS,
  SEAL_STATES,
  SEAL_TYPE_NAMES,
  type SealKind,
  type SealRecord,
  type SealState,
  type SigningSealKind,
} from './seal.js';
export { SEAL_EVENT_TYPES, SEAL_SCHEMA, SEAL_TOPIC, SealCreated, SealRevoked, SealRotated } from './seal-events.js';
export { type SealKeys, StoredSealKeys, type TrustBundleView } from './seal-keys.js';
export { sealKindToProto, sealToProto } from './seal-proto.js';
export { type SealsModule, type StartSealsOptions, startSeals } from './start-seals.js';
