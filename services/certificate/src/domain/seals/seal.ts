import { AppError, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';

/**
 * A department seal (电子印章) as the hub keeps it: the seal certificate the hub's CA issued, its key (encrypted at
 * rest), and its state. Pure: no I/O, the clock comes in as an argument.
 */

/** Uses of a seal (GB/T 38540 seal types, as departments use them). */
export const SEAL_KINDS = ['official', 'licensing', 'industry-licence', 'other'] as const;
export type SealKind = (typeof SEAL_KINDS)[number];

/** The kinds a certificate is sealed with: ordinary licences, and 行业综合许可证. */
export type SigningSealKind = Extract<SealKind, 'licensing' | 'industry-licence'>;

/** Stored states. `expired` is also derived from time: see {@link effectiveSealStatus}. */
export const SEAL_STATES = ['active', 'rotated', 'revoked', 'expired'] as const;
export type SealState = (typeof SEAL_STATES)[number];

/** The seal type written into the seal certificate's subject (`title`). */
export const SEAL_TYPE_NAMES: Readonly<Record<SealKind, string>> = Object.freeze({
  official: '公章',
  licensing: '行政许可专用章',
  'industry-licence': '行业综合许可专用章',
  other: '电子证照专用章',
});

/** The only algorithm for now; an SM2 signer would add one behind the same Signer port. */
export const SEAL_ALGORITHM = 'ES256';

/** Longest seal name: the certificate subject CN allows 64 characters. */
export const MAX_SEAL_NAME_LENGTH = 64;
/** Longest seal validity a department may ask for, in days (about ten years). */
export const MAX_SEAL_VALIDITY_DAYS = 3650;
/** Longest revocation reason. */
export const MAX_REASON_LENGTH = 500;
/** Longest picture reference (印模 URI or id). */
export const MAX_PICTURE_REF_LENGTH = 512;

/** One seal. */
export interface SealRecord {
  readonly id: string;
  /** 印章编码: the subject serialNumber of the seal certificate. */
  readonly sealCode: string;
  readonly departmentCode: string;
  readonly departmentName: string;
  readonly division: string;
  readonly name: string;
  readonly kind: SealKind;
  /** Stored state; read it through {@link effectiveSealStatus}. */
  readonly status: SealState;
  readonly algorithm: typeof SEAL_ALGORITHM;
  readonly kid: string;
  /** Certificate serial number, upper-case hex. */
  readonly serialNumber: string;
  /** SHA-256 of the certificate's DER, lower-case hex. */
  readonly fingerprintSha256: string;
  readonly certificatePem: string;
  /** PKCS#8 `ENCRYPTED PRIVATE KEY` PEM: never leaves the service. */
  readonly encryptedKeyPem: string;
  /** Fingerprint of the root CA that issued the seal certificate. */
  readonly issuerFingerprint: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  readonly pictureRef?: string | undefined;
  readonly createdAt: Date;
  readonly rotatedAt?: Date | undefined;
  /** Kid of the seal that replaced this one. */
  readonly rotatedTo?: string | undefined;
  /** When the revocation was recorded. */
  readonly revokedAt?: Date | undefined;
  /** From when the key is held compromised: what it sealed at or after this time is invalid. */
  readonly compromisedAt?: Date | undefined;
  readonly revocationReason?: string | undefined;
}

/** A seal's state at a time: an active seal past the end of its certificate is expired. */
export function effectiveSealStatus(seal: Pick<SealRecord, 'status' | 'validTo'>, now: Date): SealState {
  if (seal.status === 'active' && now.getTime() > seal.validTo.getTime()) return 'expired';
  return seal.status;
}

/** A validity period for a new seal certificate. */
export interface SealValidity {
  readonly validFrom: Date;
  readonly validTo: Date;
}

/**
 * The validity of a new seal: from now (to the second) for `days`. A requested period must end before the CA
 * does (the certificate could never be verified after it); the configured default is cut to the CA's end.
 * @throws AppError INVALID_ARGUMENT (`validity_days`, reason BEYOND_CA) for a requested period past the CA.
 */
export function sealValidity(now: Date, days: number | undefined, defaultDays: number, caNotAfter: Date): SealValidity {
  const validFrom = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const wanted = new Date(validFrom.getTime() + (days ?? defaultDays) * 86_400_000);
  if (wanted.getTime() <= caNotAfter.getTime()) return { validFrom, validTo: wanted };
  if (days !== undefined) {
    throw new AppError('INVALID_ARGUMENT', 'the seal would outlive the hub CA', {
      details: {
        fields: [
          {
            field: 'validity_days',
            reason: 'BEYOND_CA',
            description: `must end before the hub CA expires (${caNotAfter.toISOString()})`,
          },
        ],
      },
    });
  }
  return { validFrom, validTo: new Date(Math.floor(caNotAfter.getTime() / 1000) * 1000 - 1000) };
}

/** The default name of a seal: the department name followed by the seal type (上海市…局行政许可专用章). */
export function defaultSealName(departmentName: string, kind: SealKind): string {
  return `${departmentName}${SEAL_TYPE_NAMES[kind]}`.slice(0, MAX_SEAL_NAME_LENGTH);
}

/**
 * The seal code (印章编码) in the certificate subject: `<division>-<kind letter>-<12 hex of the seal id>`. Only
 * PrintableString characters, as X.520 wants for serialNumber.
 */
export function sealCode(division: string, kind: SealKind, id: string): string {
  const letter = { official: 'G', licensing: 'X', 'industry-licence': 'H', other: 'Q' }[kind];
  return `${division}-${letter}-${id.replace(/-/g, '').slice(0, 12).toUpperCase()}`;
}

/**
 * The division a department's seal names: positions 3-8 of its credit code (the registering authority's division),
 * unless one is known.
 */
export function divisionOf(departmentCode: string, known?: string): string {
  if (known !== undefined) return known;
  const fromCode = departmentCode.slice(2, 8);
  return /^\d{6}$/.test(fromCode) ? fromCode : '000000';
}

/** Who a seal certificate names: the department's code, name and division. */
export interface SealHolderProfile {
  readonly departmentCode: string;
  readonly departmentName: string;
  readonly division: string;
}

/**
 * Name and division of a department for its seal certificate: a known department's registered ones, else the
 * caller's name from its client certificate and the division of its credit code.
 * @throws AppError INVALID_ARGUMENT when the code is not a valid unified social credit code.
 */
export function sealHolderProfile(
  departmentCode: string,
  callerName: string | undefined,
  known: { readonly nameZh: string; readonly division: string } | undefined,
): SealHolderProfile {
  const checked = validateUscc(departmentCode);
  if (!checked.ok || checked.value !== departmentCode) {
    throw invalid('INVALID_ARGUMENT', [
      {
        field: 'department_code',
        reason: checked.ok ? 'USCC_NOT_NORMALISED' : `USCC_${checked.reason}`,
        description: 'a seal belongs to a department named by its unified social credit code',
      },
    ]);
  }
  const name = known?.nameZh ?? (callerName && callerName !== departmentCode ? callerName : departmentCode);
  return { departmentCode, departmentName: name, division: divisionOf(departmentCode, known?.division) };
}
