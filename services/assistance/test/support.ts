import { Metadata } from '@grpc/grpc-js';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, uniqueTopic } from '@onceonly/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { type AssistanceClient, assistanceClient } from '../src/client.js';
import { assistanceModule } from '../src/module.js';
import { ASSISTANCE_TOPIC } from '../src/topics.js';

/** A citizen ID with a valid check character (GB 11643), for the people requests are about. */
export const CITIZEN_ID = '11010519491231002X';

/** The assistance service as the hub hosts it, on a fresh PostgreSQL database and the test broker. */
export interface AssistanceHost {
  readonly db: Database;
  readonly host: HostedModules;
  /** Every record of `onceonly.assistance.v1` read so far (the topic is shared: filter by request id). */
  readonly seen: KafkaMessage[];
  /** A client calling as `code` with the development identity (role `department` unless told). */
  as(code: string, role?: string): AssistanceClient;
  stop(): Promise<void>;
}

/** A client of a host at `address` calling as `code` with the development identity. */
function clientAt(address: string, code: string, role: string): AssistanceClient {
  return assistanceClient(address, {
    metadata: () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, code);
      m.set(DEV_ROLE_HEADER, role);
      return m;
    },
  });
}

/** Another replica of the service on the same database (its own catalogue copy, relay and server). */
export interface AssistanceReplica {
  as(code: string, role?: string): AssistanceClient;
  stop(): Promise<void>;
}

/** Starts a second replica beside `hub`, on its database, as the hub would on another machine. */
export async function startReplica(
  hub: AssistanceHost,
  options: { name: string; env: Record<string, string>; clock: () => Date },
): Promise<AssistanceReplica> {
  const transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: `${options.name}-replica` });
  const host = await hostModules({
    db: hub.db,
    transport,
    modules: [assistanceModule],
    clock: options.clock,
    env: options.env,
  });
  const clients: AssistanceClient[] = [];
  return {
    as(code, role = 'department') {
      const client = clientAt(host.address, code, role);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.close();
      await host.stop();
      await transport.close();
    },
  };
}

/** Starts the module with `env` and the test's `clock`, and a reader of its topic from the beginning. */
export async function startAssistanceHost(options: {
  name: string;
  env: Record<string, string>;
  clock: () => Date;
}): Promise<AssistanceHost> {
  const target: TestDatabase = await freshDatabase(options.name);
  const db = await openDatabase({ url: target.url });
  const transport: EventTransport = await createKafkaTransport({
    brokers: kafkaBrokers(),
    clientId: `${options.name}-test`,
  });
  const host = await hostModules({
    db,
    transport,
    modules: [assistanceModule],
    clock: options.clock,
    env: options.env,
  });
  const consumer: Consumer = testKafka(`${options.name}-test`).consumer({
    groupId: uniqueTopic(options.name),
    maxWaitTimeInMs: 200,
  });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: ASSISTANCE_TOPIC.name, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  const clients: AssistanceClient[] = [];
  return {
    db,
    host,
    seen,
    as(code, role = 'department') {
      const client = clientAt(host.address, code, role);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.close();
      await consumer.disconnect();
      await host.stop();
      await transport.close();
      await db.close();
      await target.drop();
    },
  };
}
