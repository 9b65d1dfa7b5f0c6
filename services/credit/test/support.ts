import { Metadata } from '@grpc/grpc-js';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, uniqueTopic } from '@onceonly/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { type CreditClient, creditClient } from '../src/client.js';
import { creditModule } from '../src/module.js';
import { CREDIT_TOPIC } from '../src/topics.js';

/** A citizen ID with a valid check character (GB 11643), for penalties on natural persons. */
export const CITIZEN_ID = '11010519491231002X';

/** The credit service as the hub hosts it, on a fresh PostgreSQL database and the test broker. */
export interface CreditHost {
  readonly db: Database;
  readonly host: HostedModules;
  /** Every record of `onceonly.credit.v1` read so far (the topic is shared: filter by subject key). */
  readonly seen: KafkaMessage[];
  /** A client calling as `code` with the development identity (role `department` unless told). */
  as(code: string, role?: string): CreditClient;
  stop(): Promise<void>;
}

/** Starts the module with `env` and the test's `clock`, and a reader of its topic from the beginning. */
export async function startCreditHost(options: {
  name: string;
  env: Record<string, string>;
  clock: () => Date;
}): Promise<CreditHost> {
  const target: TestDatabase = await freshDatabase(options.name);
  const db = await openDatabase({ url: target.url });
  const transport: EventTransport = await createKafkaTransport({
    brokers: kafkaBrokers(),
    clientId: `${options.name}-test`,
  });
  // licensing records from the shared broker's certificate events would join these tests' subjects and feed
  const env = { ONCEONLY_CREDIT_LICENSING: 'false', ...options.env };
  const host = await hostModules({ db, transport, modules: [creditModule], clock: options.clock, env });
  const consumer: Consumer = testKafka(`${options.name}-test`).consumer({
    groupId: uniqueTopic(options.name),
    maxWaitTimeInMs: 200,
  });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: CREDIT_TOPIC.name, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  const clients: CreditClient[] = [];
  return {
    db,
    host,
    seen,
    as(code, role = 'department') {
      const client = creditClient(host.address, {
        metadata: () => {
          const m = new Metadata();
          m.set(DEV_CALLER_HEADER, code);
          m.set(DEV_ROLE_HEADER, role);
          return m;
        },
      });
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
