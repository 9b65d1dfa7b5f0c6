/**
 * Test support for the seal and seeding integration tests (not a test file itself: vitest runs only
 * `*.unit.test.ts` and `*.int.test.ts`, and the build leaves `*.test.ts` out). Everything here is real: a
 * database, an event transport, a gRPC server with the development identity, a logger writing to memory.
 */
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { sealV1 } from '@onceonly/contracts';
import { type EventTransport, TopicRegistry } from '@onceonly/events';
import { createGrpcServer, createLifecycle, createLogger, type ServiceContext } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { type SealsModule, startSeals } from './start-seals.js';

/** The real clock plus an offset the test moves (so that records made one after another keep their order). */
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

/** Log lines as parsed JSON objects. */
export interface MemoryLog {
  readonly lines: Record<string, unknown>[];
  messages(msg: string): Record<string, unknown>[];
  text(): string;
}

function memoryLogger() {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger({ level: 'debug', service: 'certificate', destination });
  const memory: MemoryLog = {
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    messages: (msg) => memory.lines.filter((l) => l.msg === msg),
    text: () => raw.join('\n'),
  };
  return { log, memory };
}

export interface HarnessOptions {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly dataDir: string;
  readonly mode?: 'embedded' | 'external';
  readonly env?: NodeJS.ProcessEnv;
  readonly passphrase?: string;
  readonly clock?: TestClock;
}

export interface Harness {
  readonly seals: SealsModule;
  readonly address: string;
  readonly logs: MemoryLog;
  readonly clock: TestClock;
  readonly topics: TopicRegistry;
  stop(): Promise<void>;
}

/** Starts the seal part on a gRPC server of its own (port 0, development identity). */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const { log, memory } = memoryLogger();
  const clock = options.clock ?? testClock();
  const server = createGrpcServer({ address: '127.0.0.1:0', log, devIdentity: true });
  const topics = new TopicRegistry();
  const ctx: ServiceContext = {
    db: options.db,
    transport: options.transport,
    topics,
    server,
    lifecycle: createLifecycle({ log, graceMs: 0 }),
    log,
    clock,
    mode: options.mode ?? 'embedded',
    dataDir: options.dataDir,
    env: options.env ?? {},
  };
  const seals = await startSeals(ctx, options.passphrase === undefined ? {} : { passphrase: options.passphrase });
  const bound = await server.start();
  return { seals, address: bound.address, logs: memory, clock, topics, stop: () => server.shutdown(0) };
}

/** Who calls, by development identity. */
export interface As {
  readonly code: string;
  readonly role?: 'department' | 'platform' | 'portal' | 'auditor';
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type Method<Req, Res> = (request: Req, metadata: grpc.Metadata, callback: Callback<Res>) => unknown;

/** A SealService client whose calls return promises (rejecting with the grpc-js ServiceError). */
export function sealClient(address: string) {
  const client = new sealV1.SealServiceClient(address, grpc.credentials.createInsecure());
  const invoke =
    <Req, Res>(method: Method<Req, Res>) =>
    (as: As, request: Req): Promise<Res> => {
      const metadata = new grpc.Metadata();
      metadata.set('x-onceonly-caller', as.code);
      if (as.role) metadata.set('x-onceonly-role', as.role);
      return new Promise((resolve, reject) => {
        method.call(client, request, metadata, (err, value) => (err ? reject(err) : resolve(value as Res)));
      });
    };
  return {
    create: invoke<sealV1.CreateSealRequest, sealV1.CreateSealResponse>(client.createSeal as never),
    rotate: invoke<sealV1.RotateSealRequest, sealV1.RotateSealResponse>(client.rotateSeal as never),
    revoke: invoke<sealV1.RevokeSealRequest, sealV1.RevokeSealResponse>(client.revokeSeal as never),
    list: invoke<sealV1.ListSealsRequest, sealV1.ListSealsResponse>(client.listSeals as never),
    bundle: invoke<sealV1.GetTrustBundleRequest, sealV1.GetTrustBundleResponse>(client.getTrustBundle as never),
    close: () => client.close(),
  };
}

/** The seal events in the certificate outbox, oldest first. */
export async function sealOutbox(db: Database) {
  const { rows } = await db.query<{ type: string; key: string; topic: string; source: string; body: Buffer }>(
    `SELECT type, key, topic, source, body FROM certificate.outbox WHERE topic = 'onceonly.seal.v1' ORDER BY position`,
  );
  return rows;
}
