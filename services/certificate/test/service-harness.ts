/**
 * The certificate service on real infrastructure for integration tests: a fresh PostgreSQL database, the run's
 * Kafka broker, a gRPC server on 127.0.0.1:0 with the development identity, and grpc-js clients that call it as a
 * given department. The seals are {@link testSeals} (a test CA, real keys).
 */
import { type Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { certificateV1, consentV1, HolderCodeType } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { fromServiceError } from '@onceonly/errors/grpc';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { hostModules, memoryLogger } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import {
  migrateCertificates,
  type RunningCertificates,
  registerCertificateTopics,
  startCertificates,
} from '../src/module.js';
import { type TestSeals, testSeals } from './test-seals.js';

/** A clock the test can move: the real time plus an offset. */
export interface TestClock {
  (): Date;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  const clock = (() => new Date(Date.now() + offset)) as TestClock;
  clock.advance = (ms) => {
    offset += ms;
  };
  return clock;
}

/** Who calls: a department code and a role (development identity). */
export interface Identity {
  readonly code: string;
  readonly role?: 'department' | 'platform' | 'portal' | 'auditor';
}

export interface Harness {
  readonly db: Database;
  readonly seals: TestSeals;
  readonly clock: TestClock;
  readonly running: RunningCertificates;
  readonly address: string;
  readonly logText: () => string;
  /** Calls a method of CertificateService, ConsentService or PlatformService. */
  call<Res>(method: string, request: object, as: Identity): Promise<Res>;
  /** The same, with the response metadata. */
  callWithMetadata<Res>(method: string, request: object, as: Identity): Promise<{ response: Res; metadata: Metadata }>;
  /** Rows of every table this service writes, to check that a refused request wrote nothing. */
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const SERVICES = {
  certificate: certificateV1.CertificateServiceClient,
  consent: consentV1.ConsentServiceClient,
  platform: consentV1.PlatformServiceClient,
} as const;

const CONSENT_METHODS = new Set(['grantConsent', 'revokeConsent', 'listConsents']);

/** The request message of a method, completed with defaults (`fromPartial`): plain objects may leave fields out. */
function completed(method: string, request: object): object {
  const name = `${method[0]!.toUpperCase()}${method.slice(1)}Request`;
  const messages = { ...certificateV1, ...consentV1 } as unknown as Record<string, { fromPartial?(o: object): object }>;
  const message = messages[name];
  if (message?.fromPartial === undefined) throw new Error(`no request message ${name}`);
  return message.fromPartial(request);
}

export interface HarnessOptions {
  readonly seals?: TestSeals;
  readonly transport?: EventTransport;
}

/** Starts the service over a fresh database and the run's Kafka broker. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const testDb: TestDatabase = await freshDatabase('certificate');
  const db = await openDatabase({ url: testDb.url });
  const memory = memoryLogger({ service: 'certificate' });
  const transport =
    options.transport ??
    (await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'certificate-test', log: memory.log }));
  const clock = testClock();
  const seals = options.seals ?? testSeals(clock());
  let running: RunningCertificates | undefined;
  const host = await hostModules({
    db,
    transport,
    clock,
    log: memory.log,
    graceMs: 2_000,
    modules: [
      {
        name: 'certificate (test seals)',
        async start(ctx) {
          await migrateCertificates(ctx);
          await registerCertificateTopics(ctx);
          running = await startCertificates(ctx, {
            keys: seals,
            holderHashKey: 'test-holder-hash-key-0123456789',
            statusListBaseUrl: 'https://hub.test/status-lists',
            expirySweepMs: 0,
          });
        },
      },
    ],
  });
  const { address } = host;
  const clients = Object.fromEntries(
    Object.entries(SERVICES).map(([name, Ctor]) => [name, new Ctor(address, credentials.createInsecure())]),
  ) as unknown as Record<keyof typeof SERVICES, Client>;

  const callWithMetadata = <Res>(method: string, request: object, as: Identity) =>
    new Promise<{ response: Res; metadata: Metadata }>((resolve, reject) => {
      const service = method === 'checkLicences' ? 'platform' : CONSENT_METHODS.has(method) ? 'consent' : 'certificate';
      const client = clients[service] as unknown as Record<string, (...args: unknown[]) => unknown>;
      const md = new Metadata();
      md.set(DEV_CALLER_HEADER, as.code);
      md.set(DEV_ROLE_HEADER, as.role ?? 'department');
      let metadata = new Metadata();
      const call = client[method]!.call(
        client,
        completed(method, request),
        md,
        { deadline: Date.now() + 30_000 },
        (err: ServiceError | null, response: Res) =>
          err ? reject(fromServiceError(err)) : resolve({ response, metadata }),
      ) as { on(event: 'metadata', fn: (m: Metadata) => void): void };
      call.on('metadata', (m) => {
        metadata = m;
      });
    });

  return {
    db,
    seals,
    clock,
    running: running!,
    address,
    logText: host.logText,
    callWithMetadata,
    call: async <Res>(method: string, request: object, as: Identity) =>
      (await callWithMetadata<Res>(method, request, as)).response,
    async counts() {
      const tables = [
        'certificates',
        'idempotency_keys',
        'number_counters',
        'status_list_counters',
        'consents',
        'outbox',
      ];
      const out: Record<string, number> = {};
      for (const t of tables) {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM certificate.${t}`);
        out[t] = rows[0]!.n;
      }
      return out;
    },
    async stop() {
      for (const client of Object.values(clients)) client.close();
      await host.stop();
      if (options.transport === undefined) await transport.close();
      await db.close();
      await testDb.drop();
    },
  };
}

/** A holder reference of a request. */
export function holderRef(code: string, name: string, codeType: '001' | '111' = '001') {
  return {
    code,
    name,
    codeType: codeType === '001' ? HolderCodeType.HOLDER_CODE_TYPE_USCC : HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID,
  };
}

/** Runs a call that must fail; returns its AppError. */
export async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected the call to be refused');
}
