import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { createLogger, type ServiceModule } from '@onceonly/kit';
import { type HostedModules, hostModules, uniqueNamespace } from '@onceonly/kit/testing';
import { materialsModule } from '@onceonly/materials';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers } from '@onceonly/testing';

/** A provider service and the materials service hosted apart (gRPC between them), on one database and broker. */
export interface MaterialsBeside {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly provider: HostedModules;
  readonly materials: HostedModules;
  /** Another materials service whose provider address answers nothing (started on first call). */
  orphan(): Promise<HostedModules>;
  stop(): Promise<void>;
}

/**
 * Hosts `provider` and, apart from it, the materials service calling it at `addressVariable` (one namespace of the
 * test broker, the clock given); `env` goes to both. `name` names the database and the Kafka client.
 */
export async function hostMaterialsBeside(
  name: string,
  provider: ServiceModule,
  addressVariable: string,
  options: { env: Record<string, string>; clock: () => Date },
): Promise<MaterialsBeside> {
  const testDb = await freshDatabase(name);
  const db = await openDatabase({ url: testDb.url });
  const log = createLogger({ level: 'silent', service: `${name}-test` });
  const transport: EventTransport = await createKafkaTransport({
    brokers: kafkaBrokers(),
    clientId: `${name}-test`,
    log,
  });
  const { env, clock } = options;
  const namespace = uniqueNamespace();
  const providerHost = await hostModules({ db, transport, log, clock, namespace, env, modules: [provider] });
  const materials = await hostModules({
    db,
    transport,
    log,
    clock,
    namespace,
    env: { ...env, [addressVariable]: providerHost.address },
    modules: [materialsModule],
  });
  let orphan: HostedModules | undefined;
  return {
    db,
    transport,
    provider: providerHost,
    materials,
    async orphan() {
      orphan ??= await hostModules({
        db,
        transport,
        clock,
        namespace: uniqueNamespace(),
        env: { ...env, [addressVariable]: '127.0.0.1:1' },
        modules: [materialsModule],
      });
      return orphan;
    },
    async stop() {
      await orphan?.stop();
      await materials.stop();
      await providerHost.stop();
      await transport.close();
      await db.close();
      await testDb.drop();
    },
  };
}
