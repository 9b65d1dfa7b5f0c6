/**
 * Test support for the seal and seeding integration tests (not a test file itself: vitest runs only
 * `*.unit.test.ts` and `*.int.test.ts`, and the build leaves `*.test.ts` out). Everything here is real: a
 * database, an event transport, a gRPC server with the development identity, a logger writing to memory.
 */
import * as grpc from '@grpc/grpc-js';
import { sealV1 } from '@onceonly/contracts';
import type { EventTransport, TopicRegistry } from '@onceonly/events';
import { hostModules, memoryLogger } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { type SealsModule, startSeals } from '../../module.js';

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

function sealLog() {
  const memory = memoryLogger({ level: 'debug', service: 'certificate' });
  const view: MemoryLog = {
    get lines() {
      return memory.lines();
    },
    messages: (msg) => memory.lines().filter((l) => l.msg === msg),
    text: () => memory.text().trimEnd(),
  };
  return { log: memory.log, memory: view };
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
  const { log, memory } = sealLog();
  const clock = options.clock ?? testClock();
  let seals: SealsModule | undefined;
  const passphrase = options.passphrase === undefined ? {} : { passphrase: options.passphrase };
  const host = await hostModules({
    db: options.db,
    transport: options.transport,
    log,
    clock,
    graceMs: 0,
    mode: options.mode ?? 'embedded',
    dataDir: options.dataDir,
    env: options.env ?? {},
    modules: [
      {
        name: 'seals',
        async start(ctx) {
          seals = await startSeals(ctx, passphrase);
        },
      },
    ],
  });
  const topics = host.context.topics;
  return {
    seals: seals!,
    address: host.address,
    logs: memory,
    clock,
    topics,
    stop: async () => void (await host.stop()),
  };
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
