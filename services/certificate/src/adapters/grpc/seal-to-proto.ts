import { sealV1 } from '@onceonly/contracts';
import { effectiveSealStatus, type SealKind, type SealRecord, type SealState } from '../../domain/seals/seal.js';

/**
 * A seal as the contracts carry it (gRPC responses and event bodies). The encrypted key never goes out: the proto
 * message has no field for it.
 */

const KIND_TO_PROTO: Readonly<Record<SealKind, sealV1.SealKind>> = {
  official: sealV1.SealKind.SEAL_KIND_OFFICIAL,
  licensing: sealV1.SealKind.SEAL_KIND_LICENSING,
  'industry-licence': sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE,
  other: sealV1.SealKind.SEAL_KIND_OTHER,
};

const STATUS_TO_PROTO: Readonly<Record<SealState, sealV1.SealStatus>> = {
  active: sealV1.SealStatus.SEAL_STATUS_ACTIVE,
  rotated: sealV1.SealStatus.SEAL_STATUS_ROTATED,
  revoked: sealV1.SealStatus.SEAL_STATUS_REVOKED,
  expired: sealV1.SealStatus.SEAL_STATUS_EXPIRED,
};

/** The proto enum of a seal kind. */
export function sealKindToProto(kind: SealKind): sealV1.SealKind {
  return KIND_TO_PROTO[kind];
}

/** The seal kind of a proto enum value; undefined for UNSPECIFIED and unknown numbers. */
export function sealKindFromProto(kind: number): SealKind | undefined {
  const entry = Object.entries(KIND_TO_PROTO).find(([, value]) => value === kind);
  return entry?.[0] as SealKind | undefined;
}

function iso(date: Date | undefined): string {
  return date === undefined ? '' : date.toISOString();
}

/** The contract message of a seal, with its state at `now` (an active seal past its validity reads EXPIRED). */
export function sealToProto(seal: SealRecord, now: Date): sealV1.Seal {
  return sealV1.Seal.fromPartial({
    kid: seal.kid,
    departmentCode: seal.departmentCode,
    departmentName: seal.departmentName,
    name: seal.name,
    kind: KIND_TO_PROTO[seal.kind],
    status: STATUS_TO_PROTO[effectiveSealStatus(seal, now)],
    algorithm: seal.algorithm,
    certificatePem: seal.certificatePem,
    serialNumber: seal.serialNumber,
    notBefore: iso(seal.validFrom),
    notAfter: iso(seal.validTo),
    createdAt: iso(seal.createdAt),
    rotatedAt: iso(seal.rotatedAt),
    replacedByKid: seal.rotatedTo ?? '',
    revokedAt: iso(seal.revokedAt),
    compromisedAt: iso(seal.compromisedAt),
    revocationReason: seal.revocationReason ?? '',
    pictureRef: seal.pictureRef ?? '',
    fingerprintSha256: seal.fingerprintSha256,
  });
}
