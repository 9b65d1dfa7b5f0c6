import type { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { devCallerMetadata, type HostedModules, hostModules } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import {
  type MaterialsClient,
  type MaterialsReportClient,
  materialsClient,
  materialsReportClient,
} from '../src/client.js';
import { materialsModule } from '../src/module.js';

/** The materials service alone, as the hub hosts it, on a fresh PostgreSQL database and the test broker. */
export interface MaterialsHost {
  readonly db: Database;
  readonly host: HostedModules;
  /** A client calling as `code` with the development identity (role `department` unless told). */
  as(code: string, role?: string): MaterialsClient;
  /** A client of MaterialsReportService, likewise. */
  report(code: string, role?: string): MaterialsReportClient;
  stop(): Promise<void>;
}

/**
 * Starts the materials service alone (`name` names its database and Kafka client): its keys fixed, and nothing
 * listening where the certificate service would be (its materials stay REQUIRED, PROVIDER_UNAVAILABLE); `env` adds
 * to or overrides that.
 */
export async function startMaterialsHost(name: string, env: Record<string, string> = {}): Promise<MaterialsHost> {
  const testDb: TestDatabase = await freshDatabase(name);
  const db = await openDatabase({ url: testDb.url });
  const transport: EventTransport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: `${name}-test` });
  const host = await hostModules({
    db,
    transport,
    modules: [materialsModule],
    env: {
      ONCEONLY_HOLDER_HASH_KEY: 'materials-hostile-hash-key-0123456789',
      ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 3).toString('base64'),
      ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
      ...env,
    },
  });
  const clients: { close(): void }[] = [];
  const kept = <C extends { close(): void }>(client: C) => {
    clients.push(client);
    return client;
  };
  return {
    db,
    host,
    as: (code, role = 'department') => kept(materialsClient(host.address, { metadata: devCallerMetadata(code, role) })),
    report: (code, role = 'department') =>
      kept(materialsReportClient(host.address, { metadata: devCallerMetadata(code, role) })),
    async stop() {
      for (const c of clients) c.close();
      await host.stop();
      await transport.close();
      await db.close();
      await testDb.drop();
    },
  };
}

/** The error a call was refused with (fails the test when the call succeeds). */
export async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the call was not refused');
}
