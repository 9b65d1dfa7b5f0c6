/**
 * Data sources other than certificates and the library (issue 14, item 1), on PostgreSQL and Kafka: the credit
 * service and the materials service hosted apart, the materials service asking the credit profile over the credit
 * service's gRPC API. A café applying for a liquor retail licence need not submit the 无严重失信记录 material while
 * it is not on the serious-dishonesty list (EXEMPT, the credit profile as evidence, the read recorded by the credit
 * service); once listed, the material is REQUIRED with DATA_NOT_SATISFIED; with no credit service answering,
 * PROVIDER_UNAVAILABLE, and the resolution is still stored.
 */
import { HolderCodeType } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { creditClient } from '@onceonly/credit/client';
import { computeUsccCheck } from '@onceonly/ids';
import { devCallerMetadata, type HostedModules } from '@onceonly/kit/testing';
import { materialsClient, materialsV1 as mv } from '@onceonly/materials/client';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostMaterialsBeside, type MaterialsBeside } from '../test/materials-beside.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const CAFE = uscc('91310107MA1G8K2D3');
const cafe = { code: CAFE, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
const ENV = {
  ONCEONLY_HOLDER_HASH_KEY: 'materials-sources-holder-hash-key!',
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 9).toString('base64'),
  // no certificate service: its materials stay required, which this test does not look at
  ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
  ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: '500',
};

const creditMaterial = (r: mv.Resolution | undefined) =>
  r?.materials.find((m) => m.materialCode === 'credit-commitment');

describe('a material replaced by the credit profile', () => {
  let apart: MaterialsBeside;
  let credit: HostedModules;
  let materials: HostedModules;
  const closers: { close(): void }[] = [];
  const clock = () => new Date('2026-03-04T02:00:00Z');

  const resolve = async (host: HostedModules, applicationId: string) => {
    const c = materialsClient(host.address, { metadata: devCallerMetadata(MARKET_REGULATION, 'department') });
    closers.push(c);
    return (await c.resolveMaterials({ applicant: cafe, itemCode: 'liquor-retail-new', applicationId })).resolution;
  };

  beforeAll(async () => {
    apart = await hostMaterialsBeside('materials-sources', creditModule, 'ONCEONLY_MATERIALS_CREDIT_ADDR', {
      env: ENV,
      clock,
    });
    ({ provider: credit, materials } = apart);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await apart?.stop();
  });

  it('is exempt while the applicant is not listed, with the credit profile as evidence and the read recorded', async () => {
    const resolution = await resolve(materials, 'LQ-1');
    const outcome = creditMaterial(resolution);
    expect(outcome?.decision).toBe(mv.Decision.DECISION_EXEMPT);
    expect(outcome?.evidence?.evidence).toEqual({
      $case: 'data',
      value: expect.objectContaining({
        provider: 'credit',
        reference: 'no-serious-dishonesty-listing',
        value: 'no credit record, not on the serious-dishonesty list',
        asOf: '2026-03-04',
      }),
    });
    // the credit service recorded the read, naming the application
    await waitFor(async () => {
      const { rows } = await apart.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM credit.outbox WHERE type = 'credit.profile.read'",
      );
      return rows[0]!.n >= 1;
    });
  });

  it('is required with DATA_NOT_SATISFIED once the applicant is on the serious-dishonesty list', async () => {
    const c = creditClient(credit.address, { metadata: devCallerMetadata(MARKET_REGULATION, 'department') });
    closers.push(c);
    await c.recordListing({
      idempotencyKey: 'listing-1',
      subject: { subject: { $case: 'creditCode', value: CAFE } },
      partyName: '上海示范咖啡有限公司',
      authorityCode: MARKET_REGULATION,
      exit: false,
      listing: {
        decisionNumber: '沪市监普列〔2026〕1号',
        reasons: '一年内三次较重行政处罚',
        legalBasis: '《市场监督管理严重违法失信名单管理办法》',
        decisionDate: '2026-03-03',
        entryRecordId: '',
      },
    });
    const outcome = creditMaterial(await resolve(materials, 'LQ-2'));
    expect(outcome?.decision).toBe(mv.Decision.DECISION_REQUIRED);
    expect(outcome?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_DATA_NOT_SATISFIED);
    expect(outcome?.tried[0]?.reference).toBe('no-serious-dishonesty-listing');
  });

  it('is required with PROVIDER_UNAVAILABLE when the credit service does not answer, and still stored', async () => {
    const resolution = await resolve(await apart.orphan(), 'LQ-3');
    expect(creditMaterial(resolution)?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE);
    const { rows } = await apart.db.query('SELECT id FROM materials.resolutions WHERE id = $1', [resolution!.id]);
    expect(rows).toHaveLength(1);
  });
});
