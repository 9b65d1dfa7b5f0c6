import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { sealV1 } from '@onceonly/contracts';
import { fromServiceError } from '@onceonly/errors/grpc';
import { createKafkaTransport, type KafkaTransport } from '@onceonly/events';
import { computeCitizenIdCheck, computeUsccCheck } from '@onceonly/ids';
import { parseTrustBundle, sealPayload, verifySealedJws } from '@onceonly/seal';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealCreated, SealRevoked, SealRotated } from '../../adapters/events/seal-events.js';
import { PUTUO_MARKET_REGULATION, PUTUO_SERVICE_CENTRE } from '../../domain/departments.js';
import { SEAL_TOPIC } from '../../topics.js';
import { type Harness, sealClient, sealOutbox, startHarness } from './seal-harness.test.js';

// Seals on real PostgreSQL and a real Kafka broker (topic creation), called over gRPC with the development identity.

const code = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const CIVIL_AFFAIRS = code('11310107MB2F07771');
const JUSTICE = code('11310107MB2F08882');
const AUDITOR = { code: 'audit-office', role: 'auditor' } as const;
const DAY = 86_400_000;

let database: TestDatabase;
let db: Database;
let transport: KafkaTransport;
let dataDir: string;
let hub: Harness;
let client: ReturnType<typeof sealClient>;

beforeAll(async () => {
  database = await freshDatabase('seals');
  db = await openDatabase({ url: database.url });
  transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'seals-int-test' });
  dataDir = mkdtempSync(join(tmpdir(), 'onceonly-seals-'));
  hub = await startHarness({ db, transport, dataDir, passphrase: 'a test passphrase of some length' });
  client = sealClient(hub.address);
});

afterAll(async () => {
  client?.close();
  await hub?.stop();
  await transport?.close();
  await db?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function failure(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: { code: number }) => err,
  );
}

const licence = { name: '测试证照', number: 'JY1' };

describe('the topic', () => {
  it('registers onceonly.seal.v1 (owner certificate) and creates it on the broker', async () => {
    expect(hub.topics.get(SEAL_TOPIC.name)).toMatchObject({ owner: 'certificate' });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toContain('onceonly.seal.v1');
    } finally {
      await admin.disconnect();
    }
  });
});

describe('CreateSeal', () => {
  it('creates a seal of the calling department and tells it in the outbox', async () => {
    const before = (await sealOutbox(db)).length;
    const { seal } = await client.create(
      { code: CIVIL_AFFAIRS },
      sealV1.CreateSealRequest.fromPartial({ name: '民政局专用章' }),
    );
    expect(seal).toMatchObject({
      departmentCode: CIVIL_AFFAIRS,
      name: '民政局专用章',
      kind: sealV1.SealKind.SEAL_KIND_LICENSING,
      status: sealV1.SealStatus.SEAL_STATUS_ACTIVE,
      algorithm: 'ES256',
    });
    expect(seal?.kid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const events = (await sealOutbox(db)).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'seal.created',
      key: CIVIL_AFFAIRS,
      source: '/onceonly/certificate/seals',
    });
    expect(SealCreated.codec.decode(events[0]!.body).kid).toBe(seal?.kid);
  });

  it('refuses a second active seal of the same kind (ALREADY_EXISTS) and writes nothing', async () => {
    const before = (await sealOutbox(db)).length;
    const err = await failure(client.create({ code: CIVIL_AFFAIRS }, sealV1.CreateSealRequest.fromPartial({})));
    expect(err).toMatchObject({ code: status.ALREADY_EXISTS });
    expect(fromServiceError(err).code).toBe('SEAL_ALREADY_ACTIVE');
    expect(await sealOutbox(db)).toHaveLength(before);
  });

  it('refuses a seal for another department (PERMISSION_DENIED)', async () => {
    const request = sealV1.CreateSealRequest.fromPartial({ departmentCode: JUSTICE });
    expect(await failure(client.create({ code: CIVIL_AFFAIRS }, request))).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
  });

  it('refuses platforms and callers that are not named by a credit code', async () => {
    const platform = await failure(
      client.create({ code: JUSTICE, role: 'platform' }, sealV1.CreateSealRequest.fromPartial({})),
    );
    expect(platform).toMatchObject({ code: status.PERMISSION_DENIED });
    const cli = await failure(client.create({ code: 'onceonly-cli' }, sealV1.CreateSealRequest.fromPartial({})));
    expect(cli).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(fromServiceError(cli).fields[0]).toMatchObject({ field: 'department_code' });
  });

  it('names every bad field (INVALID_ARGUMENT) and writes nothing', async () => {
    const before = (await sealOutbox(db)).length;
    const request = sealV1.CreateSealRequest.fromPartial({
      departmentCode: `${JUSTICE.slice(0, 17)}0`,
      name: '章'.repeat(65),
      kind: 9 as sealV1.SealKind,
      validityDays: -3,
      pictureRef: 'a\nb',
    });
    const err = await failure(client.create({ code: JUSTICE }, request));
    expect(err).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(
      fromServiceError(err)
        .fields.map((f) => f.field)
        .sort(),
    ).toEqual(['department_code', 'kind', 'name', 'picture_ref', 'validity_days'].sort());
    expect(await sealOutbox(db)).toHaveLength(before);
  });

  it('accepts ten years and refuses more', async () => {
    const request = sealV1.CreateSealRequest.fromPartial({ kind: sealV1.SealKind.SEAL_KIND_OTHER, validityDays: 3650 });
    await client.create({ code: JUSTICE }, request); // ten years fit in the twenty of the CA
    const official = sealV1.CreateSealRequest.fromPartial({
      kind: sealV1.SealKind.SEAL_KIND_OFFICIAL,
      validityDays: 3651,
    });
    expect(await failure(client.create({ code: JUSTICE }, official))).toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe('RotateSeal', () => {
  let old: sealV1.Seal;
  let oldJws: string;
  let rotated: sealV1.RotateSealResponse;

  beforeAll(async () => {
    old = (await client.list({ code: CIVIL_AFFAIRS }, sealV1.ListSealsRequest.fromPartial({}))).seals[0]!;
    const signer = await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock());
    oldJws = await sealPayload(licence, signer);
    rotated = await client.rotate({ code: CIVIL_AFFAIRS }, sealV1.RotateSealRequest.fromPartial({ kid: old.kid }));
  });

  it('makes a new active seal and marks the old one rotated', () => {
    expect(rotated.seal).toMatchObject({ status: sealV1.SealStatus.SEAL_STATUS_ACTIVE, name: old.name });
    expect(rotated.seal?.kid).not.toBe(old.kid);
    expect(rotated.previous).toMatchObject({
      kid: old.kid,
      status: sealV1.SealStatus.SEAL_STATUS_ROTATED,
      replacedByKid: rotated.seal?.kid,
    });
  });

  it('tells it in the outbox: seal.rotated with both seals', async () => {
    const last = (await sealOutbox(db)).at(-1)!;
    expect(last).toMatchObject({ type: 'seal.rotated', key: CIVIL_AFFAIRS });
    const body = SealRotated.codec.decode(last.body);
    expect([body.seal?.kid, body.previous?.kid]).toEqual([rotated.seal?.kid, old.kid]);
  });

  it('signs with the new seal from now on', async () => {
    const signer = await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock());
    expect(signer.kid).toBe(rotated.seal?.kid);
    expect(signer.x5c).toHaveLength(2);
  });

  it('keeps the old seal verifying what it sealed: not revoked, and in the trust bundle', async () => {
    expect(await hub.seals.keys.sealStatus(old.kid)).toBeUndefined();
    const bundle = parseTrustBundle(await hub.seals.keys.trustBundle());
    expect(bundle.seals.has(old.kid)).toBe(true);
    expect(bundle.seals.has(rotated.seal!.kid)).toBe(true);
    const result = await verifySealedJws(oldJws, {
      trustBundle: bundle,
      sealStatus: (kid) => hub.seals.keys.sealStatus(kid),
    });
    expect(result).toMatchObject({ valid: true, reasons: [] });
  });

  it('does not rotate a rotated seal again (FAILED_PRECONDITION)', async () => {
    const err = await failure(
      client.rotate({ code: CIVIL_AFFAIRS }, sealV1.RotateSealRequest.fromPartial({ kid: old.kid })),
    );
    expect(err).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(fromServiceError(err).code).toBe('SEAL_NOT_ACTIVE');
  });

  it("refuses another department's seal (PERMISSION_DENIED) and changes nothing", async () => {
    const before = (await sealOutbox(db)).length;
    const kid = rotated.seal!.kid;
    const err = await failure(client.rotate({ code: JUSTICE }, sealV1.RotateSealRequest.fromPartial({ kid })));
    expect(err).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await sealOutbox(db)).toHaveLength(before);
    expect((await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock())).kid).toBe(kid);
  });

  it('answers NOT_FOUND for an unknown kid and INVALID_ARGUMENT for a malformed one', async () => {
    const unknown = sealV1.RotateSealRequest.fromPartial({ kid: 'A'.repeat(22) });
    expect(await failure(client.rotate({ code: CIVIL_AFFAIRS }, unknown))).toMatchObject({ code: status.NOT_FOUND });
    const malformed = sealV1.RotateSealRequest.fromPartial({ kid: 'not a kid' });
    expect(await failure(client.rotate({ code: CIVIL_AFFAIRS }, malformed))).toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });
});

describe('hostile input (the text rule, citizen IDs, instants): a coded field error and nothing written', () => {
  const strayId = `11010119850612703${computeCitizenIdCheck('11010119850612703')}`;
  const create = (name: string) =>
    client.create({ code: JUSTICE }, sealV1.CreateSealRequest.fromPartial({ name, validityDays: 365 }));
  // a well-formed kid of a live seal, so that the text is the only fault
  const revoke = async (reason: string, compromisedAt = '') => {
    const { kid } = await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock());
    return client.revoke({ code: CIVIL_AFFAIRS }, sealV1.RevokeSealRequest.fromPartial({ kid, reason, compromisedAt }));
  };

  it.each([
    ['a NUL byte in the seal name', () => create('普陀\u0000专用章'), 'TEXT_INVALID', 'name', 'CONTROL_CHARACTER'],
    ['a right-to-left override in the seal name', () => create('章用专\u202e'), 'TEXT_INVALID', 'name', 'BIDI_CONTROL'],
    [
      'a zero-width space in the seal name',
      () => create('专用\u200b章'),
      'TEXT_INVALID',
      'name',
      'INVISIBLE_CHARACTER',
    ],
    ['a citizen ID in the seal name', () => create(`章${strayId}`), 'PERSONAL_DATA_IN_TEXT', 'name', 'CITIZEN_ID'],
    [
      'a citizen ID in a revocation reason',
      () => revoke(`持有人${strayId}遗失`),
      'PERSONAL_DATA_IN_TEXT',
      'reason',
      'CITIZEN_ID',
    ],
    ['a NUL byte in a revocation reason', () => revoke('遗失\u0000'), 'TEXT_INVALID', 'reason', 'CONTROL_CHARACTER'],
    [
      'a compromise time without an offset',
      () => revoke('key leaked', '2026-01-02T03:04:05'),
      'INVALID_ARGUMENT',
      'compromised_at',
      undefined,
    ],
    [
      'a compromise time on a day that does not exist',
      () => revoke('key leaked', '2026-02-30T03:04:05Z'),
      'INVALID_ARGUMENT',
      'compromised_at',
      undefined,
    ],
  ] as const)('refuses %s', async (_name, send, code, field, reason) => {
    const before = (await sealOutbox(db)).length;
    const err = await failure(send());
    expect(err).toMatchObject({ code: status.INVALID_ARGUMENT });
    const app = fromServiceError(err);
    expect(app.code).toBe(code);
    expect(app.fields).toContainEqual(expect.objectContaining(reason ? { field, reason } : { field }));
    expect(JSON.stringify(app)).not.toContain(strayId);
    expect(await sealOutbox(db)).toHaveLength(before);
  });
});

describe('RevokeSeal', () => {
  let kid: string;
  let before: string;
  let after: string;
  let compromisedAt: Date;

  beforeAll(async () => {
    const signer = await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock());
    kid = signer.kid;
    before = await sealPayload(licence, signer, { clock: hub.clock });
    hub.clock.advance(10_000);
    compromisedAt = new Date(Math.floor(hub.clock().getTime() / 1000) * 1000 - 5_000);
    after = await sealPayload(licence, signer, { clock: hub.clock });
  });

  it('refuses a compromise time in the future and a missing reason, writing nothing', async () => {
    const count = (await sealOutbox(db)).length;
    const future = sealV1.RevokeSealRequest.fromPartial({
      kid,
      reason: 'key leaked',
      compromisedAt: new Date(hub.clock().getTime() + DAY).toISOString(),
    });
    const err = await failure(client.revoke({ code: CIVIL_AFFAIRS }, future));
    expect(fromServiceError(err).fields).toMatchObject([{ field: 'compromised_at', reason: 'IN_FUTURE' }]);
    const noReason = sealV1.RevokeSealRequest.fromPartial({ kid, compromisedAt: 'yesterday' });
    const bad = fromServiceError(await failure(client.revoke({ code: CIVIL_AFFAIRS }, noReason)));
    expect(bad.fields.map((f) => f.field)).toEqual(['compromised_at', 'reason']);
    expect(await sealOutbox(db)).toHaveLength(count);
  });

  it("refuses another department's seal (PERMISSION_DENIED)", async () => {
    const request = sealV1.RevokeSealRequest.fromPartial({ kid, reason: 'not mine' });
    expect(await failure(client.revoke({ code: JUSTICE }, request))).toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('revokes from the compromise time and tells it in the outbox', async () => {
    const request = sealV1.RevokeSealRequest.fromPartial({
      kid,
      reason: 'the signing device was lost',
      compromisedAt: compromisedAt.toISOString(),
    });
    const { seal } = await client.revoke({ code: CIVIL_AFFAIRS }, request);
    expect(seal).toMatchObject({
      status: sealV1.SealStatus.SEAL_STATUS_REVOKED,
      compromisedAt: compromisedAt.toISOString(),
      revocationReason: 'the signing device was lost',
    });
    const last = (await sealOutbox(db)).at(-1)!;
    expect(last).toMatchObject({ type: 'seal.revoked', key: CIVIL_AFFAIRS });
    expect(SealRevoked.codec.decode(last.body).compromisedAt).toBe(compromisedAt.toISOString());
  });

  it('gives SEAL_REVOKED from activeSigner', async () => {
    await expect(hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock())).rejects.toMatchObject({
      code: 'SEAL_REVOKED',
    });
  });

  it('gives the compromise time from sealStatus: sealed before stays valid, after is invalid', async () => {
    expect(await hub.seals.keys.sealStatus(kid)).toEqual({ revokedAt: compromisedAt });
    const options = {
      trustBundle: await hub.seals.keys.trustBundle(),
      sealStatus: (k: string) => hub.seals.keys.sealStatus(k),
      at: hub.clock(),
    };
    expect(await verifySealedJws(before, options)).toMatchObject({ valid: true });
    expect(await verifySealedJws(after, options)).toMatchObject({ valid: false, reasons: ['SEAL_REVOKED'] });
  });

  it('does not revoke twice, and lets the department create a new seal', async () => {
    const again = sealV1.RevokeSealRequest.fromPartial({ kid, reason: 'again' });
    expect(await failure(client.revoke({ code: CIVIL_AFFAIRS }, again))).toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
    const { seal } = await client.create({ code: CIVIL_AFFAIRS }, sealV1.CreateSealRequest.fromPartial({}));
    expect((await hub.seals.keys.activeSigner(CIVIL_AFFAIRS, 'licensing', hub.clock())).kid).toBe(seal?.kid);
  });
});

describe('ListSeals', () => {
  it("lists the caller's signing seals, or with include_inactive every one", async () => {
    const active = await client.list({ code: CIVIL_AFFAIRS }, sealV1.ListSealsRequest.fromPartial({}));
    expect(active.seals.map((s) => s.status)).toEqual([sealV1.SealStatus.SEAL_STATUS_ACTIVE]);
    const all = await client.list(
      { code: CIVIL_AFFAIRS },
      sealV1.ListSealsRequest.fromPartial({ includeInactive: true }),
    );
    expect(all.seals.map((s) => s.status)).toEqual([
      sealV1.SealStatus.SEAL_STATUS_ROTATED,
      sealV1.SealStatus.SEAL_STATUS_REVOKED,
      sealV1.SealStatus.SEAL_STATUS_ACTIVE,
    ]);
    expect(all.seals.every((s) => s.departmentCode === CIVIL_AFFAIRS)).toBe(true);
  });

  it("refuses another department's seals to a department, and shows them to an auditor", async () => {
    const request = sealV1.ListSealsRequest.fromPartial({ departmentCode: CIVIL_AFFAIRS });
    expect(await failure(client.list({ code: JUSTICE }, request))).toMatchObject({ code: status.PERMISSION_DENIED });
    expect((await client.list(AUDITOR, request)).seals).toHaveLength(1);
  });

  it('pages through every seal for an auditor', async () => {
    const kids: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const request = sealV1.ListSealsRequest.fromPartial({ includeInactive: true, page: { pageSize: 2, pageToken } });
      const page = await client.list(AUDITOR, request);
      kids.push(...page.seals.map((s) => s.kid));
      pageToken = page.page?.nextPageToken ?? '';
      pages += 1;
    } while (pageToken !== '');
    const bundle = await client.bundle(AUDITOR, {});
    expect(kids).toEqual(bundle.seals.map((s) => s.kid));
    expect(pages).toBeGreaterThan(2);
    const bad = sealV1.ListSealsRequest.fromPartial({ page: { pageToken: 'garbage' } });
    expect(await failure(client.list(AUDITOR, bad))).toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe('GetTrustBundle', () => {
  it('gives any caller the root and every seal, as one PEM that parses', async () => {
    const bundle = await client.bundle({ code: 'a-platform', role: 'platform' }, {});
    expect(bundle.rootCertificatePem).toBe(hub.seals.caCertificatePem);
    const parsed = parseTrustBundle(bundle.bundlePem);
    expect(parsed.anchors).toHaveLength(1);
    expect([...parsed.seals.keys()].sort()).toEqual(bundle.seals.map((s) => s.kid).sort());
    expect(bundle.bundlePem).toBe(await hub.seals.keys.trustBundle());
  });
});

describe('activeSigner', () => {
  it('gives SEAL_NOT_FOUND to a department without a seal of that kind', async () => {
    await expect(hub.seals.keys.activeSigner(JUSTICE, 'industry-licence', hub.clock())).rejects.toMatchObject({
      code: 'SEAL_NOT_FOUND',
    });
  });

  it("gives the service centre's industry-licence seal and market regulation's licensing seal", async () => {
    const industry = await hub.seals.keys.activeSigner(PUTUO_SERVICE_CENTRE.code, 'industry-licence', hub.clock());
    const market = await hub.seals.keys.activeSigner(PUTUO_MARKET_REGULATION.code, 'licensing', hub.clock());
    expect(industry.kid).not.toBe(market.kid);
    const jws = await sealPayload(licence, industry);
    expect(await verifySealedJws(jws, { trustBundle: await hub.seals.keys.trustBundle() })).toMatchObject({
      valid: true,
    });
  });

  it('gives SEAL_EXPIRED once the seal certificate has ended, and the department may then create a new one', async () => {
    const request = sealV1.CreateSealRequest.fromPartial({
      kind: sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE,
      validityDays: 1,
    });
    await client.create({ code: JUSTICE }, request);
    await hub.seals.keys.activeSigner(JUSTICE, 'industry-licence', hub.clock());
    const later = new Date(hub.clock().getTime() + 2 * DAY);
    await expect(hub.seals.keys.activeSigner(JUSTICE, 'industry-licence', later)).rejects.toMatchObject({
      code: 'SEAL_EXPIRED',
    });
    hub.clock.advance(2 * DAY);
    try {
      const listed = await client.list(
        { code: JUSTICE },
        sealV1.ListSealsRequest.fromPartial({ includeInactive: true }),
      );
      expect(listed.seals.find((s) => s.kind === sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE)?.status).toBe(
        sealV1.SealStatus.SEAL_STATUS_EXPIRED,
      );
      const { seal } = await client.create({ code: JUSTICE }, request);
      expect((await hub.seals.keys.activeSigner(JUSTICE, 'industry-licence', hub.clock())).kid).toBe(seal?.kid);
    } finally {
      hub.clock.advance(-2 * DAY);
    }
  });
});
