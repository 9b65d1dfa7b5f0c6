import { randomBytes } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { assistanceModule } from '@onceonly/assistance';
import { type AssistanceClient, assistanceClient } from '@onceonly/assistance/client';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { hostModules } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { benchLogger } from './certificate-host.js';

/** The assistance service's topic, where each request's events are read back. */
export const ASSISTANCE_TOPIC_NAME = 'onceonly.assistance.v1';

/**
 * The clock the hosted service runs on: from 2026-06-01 10:00 in Shanghai (a Monday) at the real pace. Deadlines are
 * counted in working days with the holiday notices shipped (libs/workdays: 2023 to 2026), and a due date beyond them
 * is refused; a fixed start keeps the bench's due dates inside them whatever day it runs.
 */
export const BENCH_EPOCH = Date.parse('2026-06-01T02:00:00Z');

/**
 * The assistance service hosted in this process as the hub hosts it: `assistanceModule.start` (schema migrated,
 * catalogue seeded, topic created, outbox relay) on the kit's gRPC server with the development identity (the
 * caller's credit code and role in headers, as on the hub's loopback listener), the hub's logger at info, over the
 * given database and the run's Kafka broker. The sweep is off (it would only add its own statements to the counts).
 */
export interface AssistanceHost {
  address: string;
  /** A client calling as the department `code` (one channel per department). */
  as(code: string): AssistanceClient;
  /** Lines the service logged at error level or above (none expected). */
  errors(): string[];
  stop(): Promise<void>;
}

export async function startAssistanceHost(options: { db: Database; brokers: string[] }): Promise<AssistanceHost> {
  const { log, errors } = benchLogger();
  const transport: EventTransport = await createKafkaTransport({
    brokers: options.brokers,
    clientId: 'bench-assistance',
    log,
  });
  const started = Date.now();
  const host = await hostModules({
    db: options.db,
    transport,
    log,
    graceMs: 5_000,
    clock: () => new Date(BENCH_EPOCH + (Date.now() - started)),
    env: {
      ONCEONLY_HOLDER_HASH_KEY: randomBytes(32).toString('hex'),
      ONCEONLY_ASSISTANCE_SWEEP_MS: '0',
    },
    modules: [assistanceModule],
  });
  const clients = new Map<string, AssistanceClient>();
  return {
    address: host.address,
    as(code) {
      let client = clients.get(code);
      if (client === undefined) {
        const metadata = new Metadata();
        metadata.set(DEV_CALLER_HEADER, code);
        metadata.set(DEV_ROLE_HEADER, 'department');
        client = assistanceClient(host.address, { metadata: () => metadata });
        clients.set(code, client);
      }
      return client;
    },
    errors: () => errors,
    async stop() {
      for (const client of clients.values()) client.close();
      await host.stop('bench over');
      await transport.close();
    },
  };
}
