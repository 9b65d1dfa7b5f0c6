/**
 * The assistance catalogue item as a source (issue 14, item 1; ADR 041), on PostgreSQL and Kafka: the assistance
 * service and the materials service hosted apart, the materials service asking through the assistance service's
 * gRPC API (never its tables). An internet café applying for its licence need not submit the work-safety record
 * (有无重大安全生产违法违规行为, catalogue item PT-XZ-07, answered by the emergency management bureau): the first
 * resolution asks the bureau (REQUIRED, DATA_REQUESTED, naming the assistance request); once the bureau answered 无,
 * the same application resolves EXEMPT with the answer as evidence, without asking twice; an answer of 有 is
 * DATA_NOT_SATISFIED; with no assistance service answering, PROVIDER_UNAVAILABLE, and the resolution is still stored.
 */
import { assistanceModule } from '@onceonly/assistance';
import { assistanceClient } from '@onceonly/assistance/client';
import { HolderCodeType } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';
import { devCallerMetadata, type HostedModules } from '@onceonly/kit/testing';
import { materialsClient, materialsV1 as mv } from '@onceonly/materials/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostMaterialsBeside, type MaterialsBeside } from '../test/materials-beside.js';

const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const CULTURE = uscc('11310107MB2F03587'); // the resolving window (any department)
const EMERGENCY = '11310107MB2F10079H'; // Putuo emergency management bureau: provides PT-XZ-07
const CAFE = uscc('91310107MA1G8K2D3');
const OTHER_CAFE = uscc('91310107MA1J5K6L7');
const ENV = {
  ONCEONLY_HOLDER_HASH_KEY: 'materials-assistance-holder-hash-key!',
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
  // no certificate or credit service: their materials stay required, which this test does not look at
  ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
  ONCEONLY_MATERIALS_CREDIT_ADDR: '127.0.0.1:1',
  // the deadline of each provider call (the assistance service's too): generous, the test machine may be loaded (a
  // first SubmitRequest past 500 ms was once PROVIDER_UNAVAILABLE); an absent provider (127.0.0.1:1) is refused at once
  ONCEONLY_MATERIALS_CERTIFICATE_TIMEOUT_MS: '10000',
};

const safetyRecord = (r: mv.Resolution | undefined) => r?.materials.find((m) => m.materialCode === 'safety-record');

describe('a material replaced by an assistance catalogue item', () => {
  let apart: MaterialsBeside;
  let assistance: HostedModules;
  let materials: HostedModules;
  const closers: { close(): void }[] = [];
  const clock = () => new Date('2026-03-04T02:00:00Z');

  const resolve = async (host: HostedModules, code: string, applicationId: string) => {
    const c = materialsClient(host.address, { metadata: devCallerMetadata(CULTURE, 'department') });
    closers.push(c);
    const applicant = { code, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
    return (await c.resolveMaterials({ applicant, itemCode: 'internet-cafe-new', applicationId })).resolution;
  };
  const bureau = () => {
    const c = assistanceClient(assistance.address, { metadata: devCallerMetadata(EMERGENCY, 'department') });
    closers.push(c);
    return c;
  };
  /** The emergency management bureau accepts the request and answers it. */
  const answer = async (id: string, seriousViolation: '有' | '无') => {
    const c = bureau();
    await c.acceptRequest({ id, expectedVersion: 1 });
    await c.answerRequest({ id, expectedVersion: 2, fields: { serious_violation: seriousViolation } });
  };
  /** The requests about an enterprise in the bureau's inbox (read through the assistance service's API). */
  const requestsAbout = async (code: string) => {
    const { requests } = await bureau().listInbox({
      filter: { itemCode: 'PT-XZ-07', statuses: [], overdueOnly: false },
      pageSize: 50,
    });
    return requests
      .filter((r) => r.subject?.subject?.$case === 'organisationCode' && r.subject.subject.value === code)
      .map((r) => r.id);
  };

  beforeAll(async () => {
    apart = await hostMaterialsBeside('materials-assistance', assistanceModule, 'ONCEONLY_MATERIALS_ASSISTANCE_ADDR', {
      env: ENV,
      clock,
    });
    ({ provider: assistance, materials } = apart);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await apart?.stop();
  });

  it('asks the provider on the first resolution: REQUIRED, DATA_REQUESTED, naming the assistance request', async () => {
    const outcome = safetyRecord(await resolve(materials, CAFE, 'IC-1'));
    expect(outcome?.decision).toBe(mv.Decision.DECISION_REQUIRED);
    expect(outcome?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_DATA_REQUESTED);
    const requests = await requestsAbout(CAFE);
    expect(requests).toHaveLength(1);
    expect(outcome?.tried[0]?.reference).toBe(requests[0]);
  });

  it('is exempt once the provider answered 无, with the answer as evidence, without asking twice', async () => {
    const [id] = await requestsAbout(CAFE);
    await answer(id!, '无');
    const outcome = safetyRecord(await resolve(materials, CAFE, 'IC-1'));
    expect(outcome?.decision).toBe(mv.Decision.DECISION_EXEMPT);
    expect(outcome?.evidence?.evidence).toEqual({
      $case: 'data',
      value: expect.objectContaining({
        provider: 'assistance',
        reference: 'PT-XZ-07',
        value: `serious_violation=无 (request ${id})`,
        asOf: '2026-03-04',
      }),
    });
    expect(await requestsAbout(CAFE)).toEqual([id]);
  });

  it('is required with DATA_NOT_SATISFIED when the provider answered 有', async () => {
    await resolve(materials, OTHER_CAFE, 'IC-2');
    const [id] = await requestsAbout(OTHER_CAFE);
    await answer(id!, '有');
    const outcome = safetyRecord(await resolve(materials, OTHER_CAFE, 'IC-2'));
    expect(outcome?.decision).toBe(mv.Decision.DECISION_REQUIRED);
    expect(outcome?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_DATA_NOT_SATISFIED);
    expect(outcome?.tried[0]?.reference).toBe('PT-XZ-07');
  });

  it('is required with PROVIDER_UNAVAILABLE when the assistance service does not answer, and still stored', async () => {
    const resolution = await resolve(await apart.orphan(), CAFE, 'IC-3');
    expect(safetyRecord(resolution)?.reason).toBe(mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE);
    const { rows } = await apart.db.query('SELECT id FROM materials.resolutions WHERE id = $1', [resolution!.id]);
    expect(rows).toHaveLength(1);
  });
});
