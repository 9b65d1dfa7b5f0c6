/**
 * The HTTP/JSON face (issue 15, ADR 032) of a real hub on PostgreSQL and Kafka: the same handlers as gRPC called
 * with `curl` (a real process) and with a Connect client (@connectrpc/connect-node, the Connect protocol's JSON
 * codec). A successful call, an error with its code and HTTP status, a GET with caching headers, a bad JSON body
 * refused as invalid_argument, a server stream, and nothing written when a call fails.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createFileRegistry, type DescService, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { auditModule } from '@onceonly/audit';
import { descriptorSetPath } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { uniqueNamespace } from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig } from './config.js';
import { type RunningHub, startHub } from './start.js';

const run = promisify(execFile);
const uscc = (first17: string) => `${first17}${computeUsccCheck(first17)}`;
const MARKET_REGULATION = uscc('11310107MB2F03587');
const AUDITOR = uscc('11310000MB2F09990');
const BAKERY = uscc('91310107MA1G8K3D4');
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
type CallOptions = { headers?: Record<string, string> };
/** A Connect client of a service found at run time in the descriptor set: its methods by local name. */
type Unary = (request: object, options?: CallOptions) => Promise<unknown>;
type Streaming = (request: object, options?: CallOptions) => AsyncIterable<unknown>;
const service = (name: string): DescService => {
  const found = registry.getService(name);
  if (!found) throw new Error(`no service ${name} in the descriptor set`);
  return found;
};

const penalty = (decision: string) => ({
  idempotencyKey: decision,
  subject: { creditCode: BAKERY },
  partyName: '上海示范烘焙有限公司',
  authorityCode: MARKET_REGULATION,
  penalty: {
    decisionNumber: decision,
    name: '销售超过保质期的食品',
    kinds: ['PENALTY_KIND_FINE'],
    regime: 'REGIME_SAMR',
    sector: 'SECTOR_FOOD',
    facts: '当事人销售超过保质期的面包',
    legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
    result: '罚款五万元',
    amountFen: '5000000',
    decisionDate: '2026-03-02',
    simpleProcedure: false,
  },
});

interface CurlAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Runs the real curl: `-i`-style headers on a separate channel, the body, and the status. */
async function curl(args: string[]): Promise<CurlAnswer> {
  const { stdout } = await run('curl', ['-s', '-S', '-D', '-', '--max-time', '20', ...args], {
    maxBuffer: 8 * 1024 * 1024,
  });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split).split('\r\n');
  const status = Number(head[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status, headers, body: stdout.slice(split + 4) };
}

const asDepartment = ['-H', `${DEV_CALLER_HEADER}: ${MARKET_REGULATION}`, '-H', `${DEV_ROLE_HEADER}: department`];

describe('HTTP/JSON (Connect) on a hub with PostgreSQL and Kafka', () => {
  let hub: RunningHub;
  let testDb: TestDatabase;
  let db: Database;
  let base = '';
  const variables = ['ONCEONLY_AUDIT_NOTE_KEY', 'ONCEONLY_AUDIT_CHECKPOINT_MS', 'ONCEONLY_HOLDER_HASH_KEY'] as const;
  const saved = variables.map((name) => process.env[name]);
  const written = async () => {
    const { rows } = await db.query<{ records: string; outbox: string }>(
      'SELECT (SELECT count(*) FROM credit.records) AS records, (SELECT count(*) FROM credit.outbox) AS outbox',
    );
    return rows[0];
  };

  beforeAll(async () => {
    process.env.ONCEONLY_AUDIT_NOTE_KEY = generateNoteKey('onceonly.test/http').signerKey;
    process.env.ONCEONLY_AUDIT_CHECKPOINT_MS = '600000';
    process.env.ONCEONLY_HOLDER_HASH_KEY = randomBytes(32).toString('base64url');
    testDb = await freshDatabase('hub_http');
    db = await openDatabase({ url: testDb.url });
    const config = loadHubConfig({
      ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: testDb.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      ONCEONLY_NAMESPACE: uniqueNamespace('http'),
    });
    hub = await startHub({
      config,
      log: createLogger({ level: 'silent', service: 'hub' }),
      modules: [creditModule, auditModule],
    });
    base = hub.httpUrl ?? '';
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.close();
    await testDb?.drop();
    for (const [i, name] of variables.entries()) {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    }
  });

  it('says where it serves HTTP in the ready line', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.readyLine).toContain(` http=${base} openapi=${base}/openapi.json docs=${base}/docs `);
  });

  it('curl: a POST with a JSON body runs the use case and answers JSON in the proto3 mapping', async () => {
    const answer = await curl([
      '-X',
      'POST',
      `${base}/onceonly.credit.v1.CreditService/RecordPenalty`,
      '-H',
      'content-type: application/json',
      ...asDepartment,
      '--data-binary',
      JSON.stringify(penalty('沪市监罚〔2026〕HTTP-1号')),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const body = JSON.parse(answer.body);
    expect(body.record.subject.creditCode).toBe(BAKERY);
    expect(body.replayed).toBe(false); // defaults are written: a platform never has to guess a missing false
    expect(await written()).toMatchObject({ records: '1' });
  });

  it('curl: an error answers its Connect code, the HTTP status and the coded details, and writes nothing', async () => {
    const before = await written();
    const bad = penalty('沪市监罚〔2026〕HTTP-2号');
    bad.authorityCode = uscc('11310107MB2F01231'); // not the calling department
    const refused = await curl([
      `${base}/onceonly.credit.v1.CreditService/RecordPenalty`,
      '-H',
      'content-type: application/json',
      ...asDepartment,
      '--data-binary',
      JSON.stringify(bad),
    ]);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const error = JSON.parse(refused.body);
    expect(['permission_denied', 'invalid_argument']).toContain(error.code);
    expect(refused.status).toBe(error.code === 'permission_denied' ? 403 : 400);
    const info = error.details.find((d: { type: string }) => d.type === 'google.rpc.ErrorInfo');
    expect(info.debug.reason).toMatch(/^[A-Z_]+$/);
    expect(info.value).toMatch(/^[A-Za-z0-9+/]+$/);

    const anonymous = await curl([
      `${base}/onceonly.credit.v1.CreditService/RecordPenalty`,
      '-H',
      'content-type: application/json',
      '--data-binary',
      JSON.stringify(penalty('沪市监罚〔2026〕HTTP-3号')),
    ]);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).code).toBe('unauthenticated');
    expect(await written()).toEqual(before);
  });

  it('curl: a body that is not JSON, or JSON that is not the message, is invalid_argument REQUEST_MALFORMED', async () => {
    const before = await written();
    for (const data of ['{"idempotencyKey": ', '{"idempotencyKey": 5}', '{"noSuchField": true}', '[1,2]']) {
      const answer = await curl([
        `${base}/onceonly.credit.v1.CreditService/RecordPenalty`,
        '-H',
        'content-type: application/json',
        ...asDepartment,
        '--data-binary',
        data,
      ]);
      expect(answer.status, data).toBe(400);
      const error = JSON.parse(answer.body);
      expect(error.code).toBe('invalid_argument');
      expect(error.details[0].debug.reason).toBe('REQUEST_MALFORMED');
    }
    const wrongType = await curl([
      `${base}/onceonly.credit.v1.CreditService/RecordPenalty`,
      '-H',
      'content-type: text/plain',
      ...asDepartment,
      '--data-binary',
      '{}',
    ]);
    expect(wrongType.status).toBe(415);
    expect(await written()).toEqual(before);
  });

  it('curl: a side-effect-free method by GET, with ETag and Cache-Control, and 304 when unchanged', async () => {
    const message = encodeURIComponent(JSON.stringify({ subject: { creditCode: BAKERY }, purpose: 'HTTP test' }));
    const url = `${base}/onceonly.credit.v1.CreditService/GetCreditProfile?encoding=json&message=${message}`;
    const first = await curl([url, ...asDepartment]);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.vary).toContain('X-Onceonly-Caller');
    expect(JSON.parse(first.body).records).toHaveLength(1);
    const again = await curl([url, ...asDepartment, '-H', `if-none-match: ${first.headers.etag}`]);
    expect(again.status).toBe(304);
    expect(again.body).toBe('');

    const notSafe = await curl([
      `${base}/onceonly.credit.v1.CreditService/RecordPenalty?encoding=json&message=%7B%7D`,
      ...asDepartment,
    ]);
    expect(notSafe.status).toBe(405);
    expect(notSafe.headers.allow).toBe('POST');
  });

  it('a Connect client: JSON codec, POST and GET, errors as ConnectError with the code', async () => {
    const transport = createConnectTransport({ baseUrl: base, httpVersion: '1.1', useHttpGet: true });
    const headers = { [DEV_CALLER_HEADER]: MARKET_REGULATION, [DEV_ROLE_HEADER]: 'department' };
    const hubService = createClient(service('onceonly.hub.v1.HubService'), transport) as unknown as Record<
      'whoAmI',
      Unary
    >;
    const me = (await hubService.whoAmI({}, { headers })) as unknown as { departmentCode: string; role: string };
    expect(me).toMatchObject({ departmentCode: MARKET_REGULATION, role: 'department' });

    const credit = createClient(service('onceonly.credit.v1.CreditService'), transport) as unknown as Record<
      'getCreditProfile' | 'recordPenalty',
      Unary
    >;
    const profile = (await credit.getCreditProfile(
      { subject: { subject: { case: 'creditCode', value: BAKERY } }, purpose: 'Connect client' },
      { headers },
    )) as unknown as { records: unknown[] };
    expect(profile.records).toHaveLength(1);

    const before = await written();
    const failure = await credit.recordPenalty({ idempotencyKey: '' }, { headers }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.InvalidArgument);
    const infoSchema = registry.getMessage('google.rpc.ErrorInfo');
    const [info] = (failure as ConnectError).findDetails(infoSchema!) as unknown as { reason: string }[];
    expect(info?.reason).toMatch(/^[A-Z_]+$/);
    const anonymous = await hubService.whoAmI({}).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((anonymous as ConnectError).code).toBe(Code.Unauthenticated);
    expect(await written()).toEqual(before);
  });

  it('a Connect client: a server stream (the audit log entries) in the Connect streaming protocol', async () => {
    await waitFor(
      async () => {
        const transport = createConnectTransport({ baseUrl: base, httpVersion: '1.1' });
        const audit = createClient(service('onceonly.audit.v1.AuditService'), transport) as unknown as Record<
          'streamEntries',
          Streaming
        >;
        const headers = { [DEV_CALLER_HEADER]: AUDITOR, [DEV_ROLE_HEADER]: 'auditor' };
        let entries = 0;
        for await (const message of audit.streamEntries({ start: 0n, purpose: 'HTTP test' }, { headers })) {
          entries += (message as unknown as { entries: unknown[] }).entries.length;
        }
        return entries >= 2 ? entries : undefined;
      },
      { timeoutMs: 30_000, message: 'two audit entries streamed' },
    );
    const transport = createConnectTransport({ baseUrl: base, httpVersion: '1.1' });
    const audit = createClient(service('onceonly.audit.v1.AuditService'), transport) as unknown as Record<
      'streamEntries',
      Streaming
    >;
    const asDept = { [DEV_CALLER_HEADER]: MARKET_REGULATION, [DEV_ROLE_HEADER]: 'department' };
    const refused = await (async () => {
      for await (const _ of audit.streamEntries({ start: 0n }, { headers: asDept })) {
        // no entry reaches a department
      }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((refused as ConnectError).code).toBe(Code.PermissionDenied);
  });
});
