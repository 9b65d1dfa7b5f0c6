import { AppError } from '@onceonly/errors';
import { validateHolderCode } from '@onceonly/ids';
import { requireType, TYPE_CODES } from '../domain/catalogue.js';
import { assertWithinJurisdiction } from '../domain/departments.js';
import { type HolderInput, holderOf } from '../domain/holder.js';
import { requireIndustry } from '../domain/industries.js';
import { type ComponentInput, type IssueIndustryCommand, issueIndustryLicence } from '../domain/industry.js';
import { issueDivision, issueNumberScope } from '../domain/issue.js';
import { type CallerRef, issuerFor } from './callers.js';
import { requestHash } from './idempotency.js';
import type { IssueOutput } from './issue-certificate.js';
import { issueRecord } from './issue-record.js';
import type { CertificateDeps } from './ports.js';
import { jwsDigest, newHolderDigest } from './sealing.js';

/** IssueIndustryLicence input. */
export interface IssueIndustryInput {
  readonly caller: CallerRef;
  readonly idempotencyKey: string;
  readonly holder: HolderInput;
  readonly industryCode: string;
  readonly componentIds: readonly string[];
  readonly fields: Readonly<Record<string, string>>;
  readonly division: string;
}

async function componentsOf(deps: CertificateDeps, ids: readonly string[]): Promise<ComponentInput[]> {
  const components: ComponentInput[] = [];
  for (const [i, id] of ids.entries()) {
    const record = await deps.certificates.get(deps.db, id);
    if (record === undefined) {
      throw new AppError('CERT_NOT_FOUND', 'a component certificate does not exist', {
        details: {
          fields: [
            { field: `component_certificate_ids[${i}]`, reason: 'CERT_NOT_FOUND', description: 'no such certificate' },
          ],
        },
      });
    }
    components.push({ certificate: record.state, digest: jwsDigest(record.jws) });
  }
  return components;
}

/**
 * IssueIndustryLicence (一业一证): the district service centre bundles a holder's permits into one 行业综合许可证,
 * sealed with its 行业综合许可专用章. Each component is recorded with the SHA-256 of its JWS; the licence's own
 * status is derived live from the components' (see GetCertificate and VerifyCertificate).
 * @throws AppError CERT_TYPE_NOT_AUTHORISED, INDUSTRY_UNKNOWN, CERT_NOT_FOUND, CERT_HOLDER_MISMATCH,
 * INDUSTRY_COMPONENTS_INVALID, CERT_FIELDS_INVALID, CERT_OUTSIDE_JURISDICTION, IDEMPOTENCY_CONFLICT,
 * CERT_ISSUE_NOT_COMMITTED, and the seal errors.
 */
export async function issueIndustryLicenceCase(deps: CertificateDeps, input: IssueIndustryInput): Promise<IssueOutput> {
  const now = deps.clock();
  const scope = { caller: input.caller.departmentCode, operation: 'issue-industry', key: input.idempotencyKey };
  const { idempotencyKey: _key, caller: _caller, ...request } = input;
  const hash = requestHash(deps, scope.operation, request);
  const type = requireType(TYPE_CODES.INDUSTRY_LICENCE);
  const issuer = issuerFor(deps.departments, input.caller, type);
  assertWithinJurisdiction(issuer, issueDivision({ division: input.division, issuer }));
  const industry = requireIndustry(input.industryCode.trim());
  const holder = holderOf(input.holder, deps.hashCitizenId, now);
  const components = await componentsOf(deps, input.componentIds);
  const command: IssueIndustryCommand = {
    actor: { departmentCode: issuer.code },
    issuer,
    type,
    industry,
    holder,
    components,
    fields: input.fields,
    division: input.division,
  };
  issueIndustryLicence(command, { id: 'dry-run', now, sequence: 1 });
  const citizenId =
    holder.codeType === '111' ? validateHolderCode(input.holder.code, '111', { today: now }) : undefined;
  const result = await issueRecord(deps, {
    idempotency: { scope, hash },
    numberScope: issueNumberScope({ type, issuer, division: input.division }, now),
    issuerCode: issuer.code,
    sealUse: 'industry-licence',
    digest: citizenId?.ok === true ? newHolderDigest(citizenId.value) : undefined,
    now,
    make: (sequence) => issueIndustryLicence(command, { id: deps.newId(), now, sequence }),
  });
  const salt = result.record.holderDigest?.salt;
  return { ...result, ...(salt === undefined ? {} : { holderDigestSalt: salt }) };
}
