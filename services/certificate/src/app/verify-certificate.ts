import { SignatureMemory, type VerifyResult, verifySealedJws } from '@onceonly/seal';
import type { CertificateState } from '../domain/certificate.js';
import { effectiveStatus } from '../domain/certificate.js';
import { CERTIFICATE_EVENT_TYPES, type CertificateVerified, factsOf } from '../domain/events.js';
import type { IndustryView } from '../domain/industry.js';
import { LicenceOperation, type LicenceStatus } from '../domain/lifecycle-codes.js';
import { sealingReasons } from '../domain/sealing-record.js';
import { componentFindings, type Verdict, verdictOf } from '../domain/verdict.js';
import { recordReasons, type VerificationMethod, type VerificationReason } from '../domain/verification.js';
import type { Disclosure } from '../domain/verify-disclosure.js';
import type { CallerRef } from './callers.js';
import { faceDisclosure } from './face-disclosure.js';
import { canonicalJson } from './idempotency.js';
import { industryViewOf } from './industry-view.js';
import type { CertificateDeps, CertificateRecord, RecordToVerify } from './ports.js';

/**
 * VerifyCertificate: a certificate given by id, as a JWS or as a QR payload. The seal is checked by
 * `@onceonly/seal` against the hub's trust bundle and the seals' revocations (signature, chain, kid, key usage,
 * seal validity and revocation at the signing time); then the hub's record: that it exists, that the signed payload
 * is the one recorded (a JWS sealed outside the hub, e.g. with a stolen key and a backdated `iat`, is not), that the
 * sealing department is the issuer, the live status and validity window, an open dispute, and an industry licence's
 * components. Every online verification is recorded as a `certificate.verified` event, committed before the answer
 * (group commit with concurrent verifications; the seal state is read from a cache: ADR 012). By id, the answer shows the
 * licence face only to whom may see it (domain/verify-disclosure.ts); anyone else gets the verdict alone.
 */

/** VerifyCertificate input. */
export interface VerifyInput {
  readonly caller: CallerRef;
  readonly method: VerificationMethod;
  readonly value: string;
}

/** The verdict, with what the verifier may show. */
export interface VerifyOutput {
  /** Deprecated single answer: `verdict.genuine && verdict.mayOperate` (ADR 033). */
  readonly valid: boolean;
  readonly reasons: readonly VerificationReason[];
  /** The two answers, genuine and may operate, each with its findings (domain/verdict.ts). */
  readonly verdict: Verdict;
  readonly method: VerificationMethod;
  readonly checkedAt: Date;
  /** The payload as signed (present whenever the signature verified). */
  readonly payload?: Record<string, unknown>;
  readonly record?: RecordToVerify;
  /** Live status of the presented version. */
  readonly status?: LicenceStatus;
  readonly sealKid?: string;
  readonly sealedAt?: Date;
  readonly industry?: IndustryView;
  /** When superseded: the version in force. */
  readonly currentCertificateId?: string;
  /** What the answer may show the caller (domain/verify-disclosure.ts): the face, or the verdict only. */
  readonly disclosure: Disclosure;
}

/**
 * Valid signatures of the licences this process verified (ADR 017): a licence verified again skips its ES256 check;
 * its chain, its seal's revocation, its record and live status are checked on every call.
 */
const signatureMemory = new SignatureMemory();

async function checkSeal(deps: CertificateDeps, jwsOrQr: string, now: Date): Promise<VerifyResult> {
  // the parsed bundle and the revocations come from memory (ADR 012): no statement per call
  const trust = await deps.keys.verificationTrust();
  return verifySealedJws(jwsOrQr, {
    trustBundle: trust.trustBundle,
    sealStatus: (kid) => trust.sealStatus(kid),
    at: now,
    signatureMemory,
  });
}

/** The second part of a compact JWS (its payload, base64url), without splitting the whole text. */
function payloadPartOf(jws: string): string {
  const start = jws.indexOf('.') + 1;
  const end = jws.indexOf('.', start);
  return start === 0 || end < 0 ? '' : jws.slice(start, end);
}

/**
 * Whether the presented payload is the recorded one. The same payload part as the stored JWS is the same payload
 * (the usual case: the holder shows what the hub sealed), with no decoding; otherwise the payloads are compared as
 * canonical JSON (the same content, encoded another way, is still the record's).
 */
export function samePayload(
  record: Pick<RecordToVerify, 'payloadPart'>,
  payload: Record<string, unknown>,
  payloadPart: string | undefined,
): boolean {
  const stored = record.payloadPart;
  if (payloadPart !== undefined && stored !== '' && stored === payloadPart) return true;
  return canonicalJson(JSON.parse(Buffer.from(stored, 'base64url').toString('utf8'))) === canonicalJson(payload);
}

/** A full record as a verification sees it. */
function toVerify(record: CertificateRecord): RecordToVerify {
  const { jws, qrPayload: _qr, ...rest } = record;
  return { ...rest, payloadPart: payloadPartOf(jws) };
}

/** The record a presented payload names, and the reasons found comparing them. */
async function recordOfPayload(deps: CertificateDeps, payload: Record<string, unknown>, payloadPart?: string) {
  const identifier = typeof payload.licenceId === 'string' ? payload.licenceId : '';
  // read in one statement with the records of concurrent verifications (ADR 012)
  const record = identifier === '' ? undefined : await deps.recordByIdentifier(identifier);
  const reasons: VerificationReason[] = [];
  if (record === undefined) reasons.push('NOT_FOUND');
  else if (!samePayload(record, payload, payloadPart)) reasons.push('RECORD_MISMATCH');
  return { record, reasons };
}

async function liveReasons(deps: CertificateDeps, state: CertificateState, now: Date) {
  const reasons = recordReasons(state, now);
  // each component not valid is a finding of its own: a required one keeps the holder from operating
  const industry = await industryViewOf(deps, deps.db, state, now);
  let currentCertificateId: string | undefined;
  if (state.supersededById !== undefined) {
    currentCertificateId = (await deps.certificates.currentVersionsOf(deps.db, [state.id])).get(state.id)?.id;
  }
  return { reasons, industry, currentCertificateId };
}

async function presented(deps: CertificateDeps, input: VerifyInput, now: Date) {
  if (input.method === 'id') {
    const stored = await deps.certificates.get(deps.db, input.value);
    if (stored === undefined) return { reasons: ['NOT_FOUND'] as VerificationReason[] };
    const seal = await checkSeal(deps, stored.jws, now);
    return { seal, record: toVerify(stored), reasons: [...seal.reasons] as VerificationReason[] };
  }
  const seal = await checkSeal(deps, input.value, now);
  const reasons: VerificationReason[] = [...seal.reasons];
  if (seal.payload === undefined) return { seal, reasons };
  const issuerCode = seal.payload.issuerCode;
  if (seal.sealCert !== undefined && seal.sealCert.departmentCode !== issuerCode) reasons.push('ISSUER_MISMATCH');
  const found = await recordOfPayload(deps, seal.payload, seal.payloadPart);
  // The seal and sealing time must be the record's: a stolen key's backdated licence is caught here, online.
  const presentedSeal = { kid: seal.sealCert?.kid, signedAt: seal.signedAt };
  const sealing = found.record === undefined ? [] : sealingReasons(found.record, presentedSeal);
  return { seal, record: found.record, reasons: [...reasons, ...found.reasons, ...sealing] };
}

/** Verifies a certificate and records the verification. */
export async function verifyCertificateCase(deps: CertificateDeps, input: VerifyInput): Promise<VerifyOutput> {
  const now = deps.clock();
  const found = await presented(deps, input, now);
  const { record, seal } = found;
  const live = record === undefined ? undefined : await liveReasons(deps, record.state, now);
  const verdict = verdictOf({
    reasons: [...found.reasons, ...(live?.reasons ?? [])],
    components: componentFindings(live?.industry),
  });
  const output: VerifyOutput = {
    valid: verdict.genuine && verdict.mayOperate,
    reasons: verdict.reasons,
    verdict,
    method: input.method,
    checkedAt: now,
    ...(seal?.payload === undefined ? {} : { payload: seal.payload }),
    ...(record === undefined ? {} : { record, status: effectiveStatus(record.state, now) }),
    ...(seal?.sealCert === undefined ? {} : { sealKid: seal.sealCert.kid }),
    ...(seal?.signedAt === undefined ? {} : { sealedAt: seal.signedAt }),
    ...(live?.industry === undefined ? {} : { industry: live.industry }),
    ...(live?.currentCertificateId === undefined ? {} : { currentCertificateId: live.currentCertificateId }),
    disclosure: await disclosureOf(deps, input, record, now),
  };
  await recordVerification(deps, input, output);
  return output;
}

/** By id, the face only to whom may see it (app/face-disclosure.ts); a JWS or QR text shows what the holder showed. */
async function disclosureOf(
  deps: CertificateDeps,
  input: VerifyInput,
  record: RecordToVerify | undefined,
  now: Date,
): Promise<Disclosure> {
  if (input.method !== 'id' || record === undefined) return 'full';
  return faceDisclosure(deps, input.caller, record, now);
}

async function recordVerification(deps: CertificateDeps, input: VerifyInput, output: VerifyOutput): Promise<void> {
  const state = output.record?.state;
  const event: CertificateVerified = {
    type: CERTIFICATE_EVENT_TYPES.VERIFIED,
    ...(state === undefined ? {} : { facts: factsOf(state, LicenceOperation.OTHER, input.caller, output.checkedAt) }),
    verifierCode: input.caller.departmentCode,
    method: input.method,
    valid: output.valid,
    genuine: output.verdict.genuine,
    mayOperate: output.verdict.mayOperate,
    reasons: output.reasons,
    verifiedAt: output.checkedAt.toISOString(),
  };
  // committed before the answer, together with the events of concurrent verifications (group commit, ADR 012);
  // a failed commit rejects with CERT_VERIFICATION_NOT_RECORDED and no verdict is answered
  await deps.verifications.record(event);
}
