import { createHash, randomBytes } from 'node:crypto';
import { type Signer, sealWithQr } from '@onceonly/seal';
import type { CertificateState } from '../domain/certificate.js';
import type { CertificateRecord, HolderDigest, StatusListSlot } from './ports.js';

/**
 * What a sealed licence says: the national metadata fields under the key names that `@onceonly/seal`'s QR dictionary
 * favours, the face, the status-list slot (so that an offline verifier finds its bit) and, for an industry licence,
 * each component. A citizen-ID holder appears only masked, with a salted digest a verifier can check against the ID
 * card in front of them; the clear ID is never in the payload.
 */

/** The signed payload of a certificate version, without `iat`. */
export function licencePayload(
  state: CertificateState,
  slot: StatusListSlot,
  holderDigest: string | undefined,
): Record<string, unknown> {
  const { holder } = state;
  return {
    licenceName: state.name,
    typeCode: state.typeCode,
    licenceNumber: state.number,
    licenceId: state.identifier,
    version: String(state.version).padStart(3, '0'),
    issuer: state.issuer.name,
    issuerCode: state.issuer.code,
    issueDate: state.issueDate,
    validFrom: state.validFrom,
    // Long-term (长期) licences have no end: the key is left out.
    ...(state.validTo === undefined ? {} : { validTo: state.validTo }),
    holderName: holder.name,
    holderCode: holder.codeType === '001' ? (holder.code ?? holder.masked) : holder.masked,
    holderCodeType: holder.codeType,
    ...(holderDigest === undefined ? {} : { holderDigest }),
    division: state.division,
    face: { ...state.fields },
    ...(state.industry === undefined ? {} : { industry: industryPayload(state) }),
    statusListNumber: slot.listNumber,
    statusListIndex: slot.index,
  };
}

function industryPayload(state: CertificateState): Record<string, unknown> {
  const bundle = state.industry!;
  return {
    code: bundle.industryCode,
    components: bundle.components.map((c) => ({ licenceName: c.typeName, licenceId: c.identifier, digest: c.digest })),
  };
}

/** What sealing a version produced. */
export interface Sealed {
  readonly jws: string;
  readonly qrPayload: string;
  readonly sealKid: string;
  readonly sealedAt: Date;
}

/**
 * Seals a version twice with the same payload and signing time: with the `x5c` chain (for systems) and without it,
 * as a QR payload (the kid resolves in the trust bundle).
 */
export async function sealCertificate(
  state: CertificateState,
  signer: Signer,
  slot: StatusListSlot,
  holderDigest: string | undefined,
  now: Date,
): Promise<Sealed> {
  const iat = Math.floor(now.getTime() / 1000);
  const payload = { ...licencePayload(state, slot, holderDigest), iat };
  // both variants in one pass: the payload written once, the QR frame from the parts as signed
  const { jws, qrPayload } = await sealWithQr(payload, signer);
  return { jws, qrPayload, sealKid: signer.kid, sealedAt: new Date(iat * 1000) };
}

/** Seals a version at its status-list slot into the record the store keeps (the digest kept with it, if any). */
export async function sealedRecord(
  state: CertificateState,
  signer: Signer,
  slot: StatusListSlot,
  digest: HolderDigest | undefined,
  now: Date,
): Promise<CertificateRecord & Sealed> {
  const sealed = await sealCertificate(state, signer, slot, digest?.digest, now);
  return { state, ...sealed, slot, ...(digest ? { holderDigest: digest } : {}) };
}

/**
 * A fresh holder digest for a citizen ID: base64url SHA-256(16 random bytes ‖ the ID). The salt goes to the issuer
 * once (to hand to the holder); with it, a verifier who sees the ID card can check the licence names that person.
 */
export function newHolderDigest(citizenId: string): HolderDigest {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64url'), digest: holderDigestOf(salt, citizenId) };
}

/** base64url SHA-256(salt ‖ citizen ID as ASCII). */
export function holderDigestOf(salt: Uint8Array, citizenId: string): string {
  return createHash('sha256').update(salt).update(citizenId, 'ascii').digest('base64url');
}

/** base64url SHA-256 of a component's JWS: what an industry licence records of each permit it bundles. */
export function jwsDigest(jws: string): string {
  return createHash('sha256').update(jws, 'ascii').digest('base64url');
}
