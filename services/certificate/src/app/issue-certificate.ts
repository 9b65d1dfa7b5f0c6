import { validateHolderCode } from '@onceonly/ids';
import { requireType } from '../domain/catalogue.js';
import { assertWithinJurisdiction } from '../domain/departments.js';
import { type HolderInput, holderOf } from '../domain/holder.js';
import { type IssueCommand, issueDivision, issueNumberScope, issueValidated, validateIssue } from '../domain/issue.js';
import { type CallerRef, issuerFor } from './callers.js';
import { requestHash } from './idempotency.js';
import { issueRecord } from './issue-record.js';
import type { CertificateDeps } from './ports.js';
import type { Replayable } from './replay.js';
import { newHolderDigest } from './sealing.js';

/** IssueCertificate, parsed at the edge (sizes, enums) but not yet validated against the catalogue. */
export interface IssueInput {
  readonly caller: CallerRef;
  /** Empty: no idempotency asked. */
  readonly idempotencyKey: string;
  readonly typeCode: string;
  readonly holder: HolderInput;
  readonly fields: Readonly<Record<string, string>>;
  readonly validFrom: string;
  readonly validTo: string;
  readonly division: string;
  /** Grant on commitment (告知承诺). */
  readonly commitment?: { readonly postCheckDue: string; readonly terms: string };
}

/** The issued (or replayed) certificate; `holderDigestSalt` for a citizen-ID holder, to hand to the holder. */
export interface IssueOutput extends Replayable {
  readonly holderDigestSalt?: string;
}

/** The citizen ID as checked (normalised), for the holder digest; undefined for an organisation. */
function citizenIdOf(holder: HolderInput, now: Date): string | undefined {
  if (holder.codeType.trim() !== '111') return undefined;
  const result = validateHolderCode(holder.code, '111', { today: now });
  return result.ok ? result.value : undefined;
}

/**
 * Issues (新发) a certificate: the caller must be a department of the type's issuing kind; holder, type, face and
 * validity are validated by the domain before anything is written. Then the signer, the number and the status-list
 * slot (one statement with the idempotency lookup: unique, gaps allowed), the seal (JWS with x5c, and the QR
 * variant), and in one transaction shared with concurrent issues the version, the idempotency key and the
 * `certificate.issued` event (`issueRecord`, ADR 014). The relay is woken after the commit.
 * @throws AppError CERT_ISSUE_NOT_COMMITTED, CERT_TYPE_UNKNOWN, CERT_TYPE_NOT_AUTHORISED, CERT_OUTSIDE_JURISDICTION, USCC_INVALID, CITIZEN_ID_INVALID,
 * HOLDER_CODE_TYPE_INVALID, CERT_FIELDS_INVALID, CERT_VALIDITY_INVALID, DIVISION_INVALID, IDEMPOTENCY_CONFLICT,
 * ALREADY_EXISTS, SEAL_NOT_FOUND, SEAL_REVOKED, SEAL_EXPIRED.
 */
export async function issueCertificateCase(deps: CertificateDeps, input: IssueInput): Promise<IssueOutput> {
  const now = deps.clock();
  const { caller } = input;
  const scope = { caller: caller.departmentCode, operation: 'issue', key: input.idempotencyKey };
  const { idempotencyKey: _key, caller: _caller, ...request } = input;
  const hash = requestHash(deps, scope.operation, request);
  const type = requireType(input.typeCode.trim());
  const issuer = issuerFor(deps.departments, caller, type);
  assertWithinJurisdiction(issuer, issueDivision({ division: input.division, issuer }));
  const holder = holderOf(input.holder, deps.hashCitizenId, now);
  const command: IssueCommand = {
    actor: { departmentCode: issuer.code },
    issuer,
    type,
    holder,
    fields: input.fields,
    validFrom: input.validFrom,
    validTo: input.validTo,
    division: input.division,
    ...(input.commitment === undefined ? {} : { commitment: input.commitment }),
  };
  // every rule of the domain is checked before a counter moves or a seal is asked for, once (ADR 052)
  const valid = validateIssue(command, now);
  const citizenId = citizenIdOf(input.holder, now);
  const result = await issueRecord(deps, {
    idempotency: { scope, hash },
    numberScope: issueNumberScope(command, now),
    issuerCode: issuer.code,
    sealUse: 'licensing',
    digest: citizenId === undefined ? undefined : newHolderDigest(citizenId),
    now,
    make: (sequence) => issueValidated(valid, { id: deps.newId(), now, sequence }),
  });
  const salt = result.record.holderDigest?.salt;
  return { ...result, ...(salt === undefined ? {} : { holderDigestSalt: salt }) };
}
